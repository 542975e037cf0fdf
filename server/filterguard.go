// Client filters and sorts may only name what the caller's role may read (README "Roles").
//
// PocketBase checks a list request against the collection's list rule, and a related collection's rule
// on the join it builds, but not inside the "any/all" subquery it makes for != and !~ on to-many
// relations: as a shopper, `messages_via_conversation.body !~ "a"` tested internal notes letter by
// letter; a sales rep could test a manager's note through `service_records_via_customer.summary`. A
// field that a hook leaves out of the output (a conversation's tags for its shopper) was filterable too.
//
// So for everyone but superusers, a filter or sort on the records list API and in a realtime
// subscription's options may name only the collection's own fields (and paths inside its JSON fields),
// never a relation's or a back-relation's fields, and never a field hidden from the caller's role. The
// app itself filters by its own fields only (seq, status, customer ids). A refusal is 400 naming the
// field, whatever the data: it tells nothing about any record.
package main

import (
	"net/http"
	"strings"

	"github.com/ganigeorgiev/fexpr"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// hiddenFromRole: fields of a collection that a role does not get in the output (hidden by a hook or
// by PocketBase's email visibility), so it may not filter or sort by them either. Roles are staff
// roles, "visitor" (a shopper of the chat widget) and "guest".
var hiddenFromRole = map[string]map[string][]string{
	"conversations": {"visitor": visitorHidden},
	// Staff logins are shown to admins only (the Staff screen); colleagues see names.
	"staff": {
		"manager": {"email", "emailVisibility", "verified"},
		"sales":   {"email", "emailVisibility", "verified"},
		"agent":   {"email", "emailVisibility", "verified"},
	},
}

// filterMacros: the datetime macros PocketBase offers in filters; they name no data.
var filterMacros = map[string]bool{
	"@now": true, "@second": true, "@minute": true, "@hour": true, "@weekday": true, "@day": true,
	"@month": true, "@year": true, "@yesterday": true, "@tomorrow": true, "@todayStart": true,
	"@todayEnd": true, "@monthStart": true, "@monthEnd": true, "@yearStart": true, "@yearEnd": true,
}

// Modifiers a client may put on a field it may read (:isset and :changed belong to @request fields).
var filterModifiers = map[string]bool{"lower": true, "length": true, "each": true}

// callerRole names the caller for hiddenFromRole: "superuser", a staff role, "visitor", "guest", or
// the name of another auth collection.
func callerRole(auth *core.Record) string {
	switch {
	case auth == nil:
		return "guest"
	case auth.IsSuperuser():
		return "superuser"
	case auth.Collection().Name == "staff":
		return auth.GetString("role")
	case auth.Collection().Name == "visitors":
		return "visitor"
	default:
		return auth.Collection().Name
	}
}

// queryFieldError is a refused filter or sort: which parameter, and the identifier it named.
type queryFieldError struct {
	Param, Name, Message string
}

func (q *queryFieldError) apiError() error {
	return apiFieldError(http.StatusBadRequest, q.Param, "field_not_allowed", q.Message)
}

// checkQueryAccess checks a list request's or subscription's filter and sort for a role.
func checkQueryAccess(collection *core.Collection, role, filter, sort string) *queryFieldError {
	if role == "superuser" {
		return nil
	}
	if strings.TrimSpace(filter) != "" {
		groups, err := fexpr.Parse(filter)
		if err != nil {
			return nil // PocketBase answers an unreadable filter with its own 400
		}
		if bad := checkGroups(collection, role, groups); bad != "" {
			return refusal(collection, "filter", bad)
		}
	}
	for _, part := range strings.Split(sort, ",") {
		name := strings.TrimLeft(strings.TrimSpace(part), "+-")
		if name == "" || name == "@random" || name == "@rowid" {
			continue
		}
		if !identifierAllowed(collection, role, name) {
			return refusal(collection, "sort", name)
		}
	}
	return nil
}

func refusal(collection *core.Collection, param, name string) *queryFieldError {
	base, _, _ := strings.Cut(name, ":")
	base, _, _ = strings.Cut(base, ".")
	if f := collection.Fields.GetByName(base); f != nil && isSecretField(f) {
		return &queryFieldError{param, name, param + " may not use \"" + name + "\": it is encrypted in the database (personal data), so the server cannot search or sort by it; search on the device"}
	}
	return &queryFieldError{param, name, param + " may not use \"" + name + "\": only this collection's own fields that you may read can be filtered and sorted by"}
}

// checkGroups returns the first identifier the role may not use, or "".
func checkGroups(collection *core.Collection, role string, groups []fexpr.ExprGroup) string {
	for _, g := range groups {
		switch item := g.Item.(type) {
		case fexpr.Expr:
			for _, tok := range []fexpr.Token{item.Left, item.Right} {
				if bad := checkToken(collection, role, tok); bad != "" {
					return bad
				}
			}
		case []fexpr.ExprGroup:
			if bad := checkGroups(collection, role, item); bad != "" {
				return bad
			}
		}
	}
	return ""
}

func checkToken(collection *core.Collection, role string, tok fexpr.Token) string {
	switch tok.Type {
	case fexpr.TokenIdentifier:
		if !identifierAllowed(collection, role, tok.Literal) {
			return tok.Literal
		}
	case fexpr.TokenFunction:
		args, _ := tok.Meta.([]fexpr.Token)
		for _, a := range args {
			if bad := checkToken(collection, role, a); bad != "" {
				return bad
			}
		}
	}
	return ""
}

// identifierAllowed: a literal (true, false, null), a datetime macro, or one of the collection's own
// readable fields, with a path only inside a JSON field.
func identifierAllowed(collection *core.Collection, role, ident string) bool {
	base, mods, _ := strings.Cut(ident, ":")
	if mods != "" {
		for _, m := range strings.Split(mods, ":") {
			if !filterModifiers[m] {
				return false
			}
		}
	}
	switch base {
	case "true", "false", "null":
		return mods == ""
	}
	if strings.HasPrefix(base, "@") {
		return filterMacros[base] && mods == ""
	}
	name, path, _ := strings.Cut(base, ".")
	field := collection.Fields.GetByName(name)
	if field == nil || field.GetHidden() || isSecretField(field) {
		return false
	}
	for _, hidden := range hiddenFromRole[collection.Name][role] {
		if hidden == name {
			return false
		}
	}
	return path == "" || field.Type() == core.FieldTypeJSON
}

// isRecordsList: GET /api/collections/{collection}/records (the list, not one record).
func isRecordsList(r *http.Request) (string, bool) {
	if r.Method != http.MethodGet {
		return "", false
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/collections/")
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(rest, "/records")
	return name, ok && name != "" && !strings.Contains(name, "/")
}

func registerFilterGuard(app core.App) {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(se *core.ServeEvent) error {
			// After PocketBase loads the auth token (priority -1020) and rate limits (-1000).
			se.Router.Bind(&hook.Handler[*core.RequestEvent]{
				Id:       "crmFilterGuard",
				Priority: -900,
				Func: func(e *core.RequestEvent) error {
					name, ok := isRecordsList(e.Request)
					if !ok {
						return e.Next()
					}
					collection, err := e.App.FindCachedCollectionByNameOrId(name)
					if err != nil {
						return e.Next() // PocketBase answers 404
					}
					q := e.Request.URL.Query()
					if bad := checkQueryAccess(collection, callerRole(e.Auth), q.Get("filter"), q.Get("sort")); bad != nil {
						return bad.apiError()
					}
					return e.Next()
				},
			})
			return se.Next()
		},
	})

	app.OnRealtimeSubscribeRequest().BindFunc(func(e *core.RealtimeSubscribeRequestEvent) error {
		if bad := checkSubscriptions(e.App, callerRole(e.Auth), e.Subscriptions); bad != nil {
			return bad.apiError()
		}
		return e.Next()
	})
}

// checkSubscriptions checks the filter and sort in each subscription's options
// (`collection/*?options={"query":{"filter":"…"}}`), read the way PocketBase reads them.
func checkSubscriptions(app core.App, role string, subs []string) *queryFieldError {
	if role == "superuser" || len(subs) == 0 {
		return nil
	}
	parsed := subscriptions.NewDefaultClient()
	parsed.Subscribe(subs...)
	for sub, options := range parsed.Subscriptions() {
		filter, sort := options.Query["filter"], options.Query["sort"]
		if filter == "" && sort == "" {
			continue
		}
		topic, _, _ := strings.Cut(sub, "?")
		name, _, _ := strings.Cut(topic, "/")
		collection, err := app.FindCachedCollectionByNameOrId(name)
		if err != nil {
			continue // not a collection's topic (crm/chat reads no filter)
		}
		if bad := checkQueryAccess(collection, role, filter, sort); bad != nil {
			return bad
		}
	}
	return nil
}
