// What is audited, and the admins' search (audit.go has the log itself).
//
//   - Reads: a customer's detail through the records API, its timeline and its campaigns
//     (customers.view), and every list of customers a device pulls (customers.list, with the ids).
//   - Writes through the records API on the audited collections (create, update, delete, with the
//     fields changed), and through the sync push (pb_hooks/lib/sync.js calls crmAudit): a customer's
//     merge, deletion and consent decision get their own action.
//   - Sign-in and failed sign-in (authguard.go), staff deactivation (staff.go), shop keys made and
//     revoked (pb_hooks/lib/shop-sources.js), the audit log's own export.
package main

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// auditedCollections: writes through the records API on these are logged.
var auditedCollections = []string{"customers", "service_records", "consents", "staff", "shop_sources", "segments", "campaigns"}

// isAdmin: a staff administrator, or a superuser (who works from the server's machine only).
func isAdmin(auth *core.Record) bool {
	return auth != nil && (auth.IsSuperuser() || (auth.Collection().Name == "staff" && auth.GetString("role") == "admin"))
}

// withActor names `who` as the entry's actor: id, name (or e-mail) and role at the time.
func withActor(a auditEntry, who *core.Record) auditEntry {
	a.Actor, a.ActorName, a.Role = who.Id, who.GetString("name"), who.GetString("role")
	if a.ActorName == "" {
		a.ActorName = who.Email()
	}
	if who.IsSuperuser() {
		a.Role = "superuser"
	}
	return a
}

// auditActor fills who and from where from the request.
func auditActor(e *core.RequestEvent, a auditEntry) auditEntry {
	if e == nil {
		return a
	}
	if e.Auth != nil {
		a = withActor(a, e.Auth)
	}
	a.IP = e.RealIP()
	ua := e.Request.UserAgent()
	if len(ua) > 160 {
		ua = ua[:160]
	}
	a.UA = ua
	return a
}

func detailJSON(d map[string]any) string {
	if len(d) == 0 {
		return ""
	}
	b, _ := json.Marshal(d)
	return string(b)
}

// auditRequest records one action of the request's user.
func auditRequest(e *core.RequestEvent, action, collection, target string, detail map[string]any) {
	if audit == nil {
		return
	}
	audit.add(auditActor(e, auditEntry{Action: action, Collection: collection, Target: target, Detail: detailJSON(detail)}))
}

// auditSignIn records a successful sign-in as the person who signed in.
func auditSignIn(e *core.RequestEvent, who *core.Record) {
	if audit == nil {
		return
	}
	audit.add(withActor(auditActor(e, auditEntry{Action: "auth.login", Collection: who.Collection().Name, Target: who.Id}), who))
}

// changedFields names the fields whose value differs from the record as it was loaded.
func changedFields(r *core.Record) []string {
	orig := r.Original()
	var out []string
	for _, f := range r.Collection().Fields {
		name := f.GetName()
		if f.Type() == core.FieldTypeAutodate {
			continue
		}
		a, _ := json.Marshal(orig.GetRaw(name))
		b, _ := json.Marshal(r.GetRaw(name))
		if string(a) != string(b) {
			out = append(out, name)
		}
	}
	return out
}

var customerPartPath = regexp.MustCompile(`^/api/crm/customers/([a-z0-9]{15})/(timeline|campaigns)$`)

func registerAudit(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if _, err := app.DB().NewQuery("SELECT 1 FROM audit_log LIMIT 1").Execute(); err != nil {
			return fmt.Errorf("audit log table (migration 1764155000_audit_log.js): %w", err)
		}
		keys, err := ensureAuditKeys(app)
		if err != nil {
			return err
		}
		if audit, err = startAuditLog(app, keys); err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
		go auditPurgeLoop(audit)

		se.Router.BindFunc(func(e *core.RequestEvent) error {
			err := e.Next()
			if err == nil && e.Request.Method == http.MethodGet {
				if m := customerPartPath.FindStringSubmatch(e.Request.URL.Path); m != nil {
					auditRequest(e, "customers.view", "customers", m[1], map[string]any{"part": m[2]})
				}
			}
			return err
		})
		g := se.Router.Group("/api/crm/audit")
		g.BindFunc(func(e *core.RequestEvent) error {
			if !isAdmin(e.Auth) {
				return e.ForbiddenError("Only administrators read the audit log.", nil)
			}
			return e.Next()
		})
		g.GET("", auditSearch)
		g.GET("/export.csv", auditExport)
		g.GET("/verify", func(e *core.RequestEvent) error {
			audit.sync()
			db, ok := e.App.ConcurrentDB().(*dbx.DB)
			if !ok {
				return e.InternalServerError("", nil)
			}
			v, err := verifyAuditChain(e.Request.Context(), db.DB(), audit.keys)
			if err != nil {
				return e.InternalServerError("The audit log could not be read.", err)
			}
			return e.JSON(http.StatusOK, v)
		})
		return se.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		audit.close()
		return e.Next()
	})

	app.OnRecordViewRequest("customers").BindFunc(func(e *core.RecordRequestEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		auditRequest(e.RequestEvent, "customers.view", "customers", e.Record.Id, nil)
		return nil
	})
	app.OnRecordsListRequest("customers").BindFunc(func(e *core.RecordsListRequestEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		if len(e.Records) > 0 {
			ids := make([]string, 0, len(e.Records))
			for _, r := range e.Records {
				ids = append(ids, r.Id)
			}
			auditRequest(e.RequestEvent, "customers.list", "customers", "", map[string]any{"count": len(ids), "ids": ids})
		}
		return nil
	})
	app.OnRecordCreateRequest(auditedCollections...).Bind(&hook.Handler[*core.RecordRequestEvent]{
		Priority: 1000,
		Func: func(e *core.RecordRequestEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			auditRequest(e.RequestEvent, e.Collection.Name+".create", e.Collection.Name, e.Record.Id, nil)
			if e.Collection.Name == "customers" && e.Record.GetBool("marketing_consent") {
				auditRequest(e.RequestEvent, "customers.consent", "customers", e.Record.Id, map[string]any{"granted": true, "how": e.Record.GetString("consent_how")})
			}
			return nil
		},
	})
	app.OnRecordUpdateRequest(auditedCollections...).Bind(&hook.Handler[*core.RecordRequestEvent]{
		Priority: 1000,
		Func: func(e *core.RecordRequestEvent) error {
			fields := changedFields(e.Record)
			before := e.Record.Original()
			if err := e.Next(); err != nil {
				return err
			}
			name := e.Collection.Name
			detail := map[string]any{"fields": fields}
			action := name + ".update"
			for _, f := range fields {
				switch {
				case name == "staff" && f == "role":
					detail["role"] = map[string]string{"from": before.GetString("role"), "to": e.Record.GetString("role")}
					action = "staff.role"
				case name == "customers" && f == "marketing_consent":
					auditRequest(e.RequestEvent, "customers.consent", name, e.Record.Id, map[string]any{"granted": e.Record.GetBool("marketing_consent")})
				}
			}
			auditRequest(e.RequestEvent, action, name, e.Record.Id, detail)
			return nil
		},
	})
	app.OnRecordDeleteRequest(auditedCollections...).Bind(&hook.Handler[*core.RecordRequestEvent]{
		Priority: 1000,
		Func: func(e *core.RecordRequestEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			auditRequest(e.RequestEvent, e.Collection.Name+".delete", e.Collection.Name, e.Record.Id, nil)
			return nil
		},
	})
}

// bindAudit gives the JS hooks crmAudit(e, action, collection, target, detail).
func bindAudit(vm *goja.Runtime) {
	vm.Set("crmAudit", func(e *core.RequestEvent, action, collection, target string, detail map[string]any) {
		auditRequest(e, action, collection, target, detail)
	})
}

func auditPurgeLoop(l *auditLog) {
	for {
		if n, err := l.purge(auditRetention()); err != nil {
			l.app.Logger().Error("audit log: retention purge failed", "error", err)
		} else if n > 0 {
			l.app.Logger().Info("audit log: entries past the retention period removed", "count", n)
		}
		select {
		case <-l.done:
			return
		case <-time.After(24 * time.Hour):
		}
	}
}

// auditQuery builds the filtered query of the search and the export.
func auditQuery(e *core.RequestEvent) (*dbx.SelectQuery, error) {
	q := e.App.DB().Select("seq", "at", "actor", "actor_name", "role", "action", "collection", "target", "ip", "ua", "detail").From("audit_log")
	p := e.Request.URL.Query()
	if v := strings.TrimSpace(p.Get("actor")); v != "" {
		q.AndWhere(dbx.Or(dbx.HashExp{"actor": v}, dbx.Like("actor_name", v)))
	}
	if v := strings.TrimSpace(p.Get("action")); v != "" {
		if strings.HasSuffix(v, ".") {
			q.AndWhere(dbx.Like("action", v).Match(false, true))
		} else {
			q.AndWhere(dbx.HashExp{"action": v})
		}
	}
	if v := strings.TrimSpace(p.Get("target")); v != "" {
		q.AndWhere(dbx.Or(dbx.HashExp{"target": v}, dbx.Like("detail", `"`+v+`"`)))
	}
	for _, b := range []struct{ param, op string }{{"from", ">="}, {"to", "<"}} {
		v := strings.TrimSpace(p.Get(b.param))
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = time.Parse("2006-01-02", v); err != nil {
				return nil, fmt.Errorf("%s: %q is not a date (2026-12-01) or a moment (RFC 3339)", b.param, v)
			}
		}
		q.AndWhere(dbx.NewExp("at "+b.op+" {:"+b.param+"}", dbx.Params{b.param: t.UTC().Format("2006-01-02 15:04:05.000Z")}))
	}
	return q, nil
}

func auditBadFilter(e *core.RequestEvent, err error) error {
	field := strings.SplitN(err.Error(), ":", 2)[0]
	return e.JSON(http.StatusBadRequest, map[string]any{"status": 400, "message": err.Error(), "data": map[string]any{field: map[string]string{"code": "invalid_date", "message": err.Error()}}})
}

func auditSearch(e *core.RequestEvent) error {
	audit.sync()
	q, err := auditQuery(e)
	if err != nil {
		return auditBadFilter(e, err)
	}
	page, _ := strconv.Atoi(e.Request.URL.Query().Get("page"))
	perPage, _ := strconv.Atoi(e.Request.URL.Query().Get("perPage"))
	page = max(page, 1)
	if perPage <= 0 || perPage > 200 {
		perPage = 50
	}
	var total int64
	if err := q.Select("count(*)").Row(&total); err != nil && err != sql.ErrNoRows {
		return e.InternalServerError("The audit log could not be read.", err)
	}
	q, _ = auditQuery(e)
	items := []auditEntry{}
	if err := q.OrderBy("seq DESC").Offset(int64((page - 1) * perPage)).Limit(int64(perPage)).All(&items); err != nil {
		return e.InternalServerError("The audit log could not be read.", err)
	}
	return e.JSON(http.StatusOK, map[string]any{"items": items, "page": page, "perPage": perPage, "totalItems": total})
}

func auditExport(e *core.RequestEvent) error {
	audit.sync()
	q, err := auditQuery(e)
	if err != nil {
		return auditBadFilter(e, err)
	}
	var items []auditEntry
	if err := q.OrderBy("seq").All(&items); err != nil {
		return e.InternalServerError("The audit log could not be read.", err)
	}
	auditRequest(e, "audit.export", "audit_log", "", map[string]any{"count": len(items), "filter": e.Request.URL.RawQuery})
	e.Response.Header().Set("Content-Type", "text/csv; charset=utf-8")
	e.Response.Header().Set("Content-Disposition", `attachment; filename="audit-`+time.Now().UTC().Format("2006-01-02")+`.csv"`)
	e.Response.WriteHeader(http.StatusOK)
	_, _ = e.Response.Write([]byte("\uFEFF")) // Excel reads UTF-8 with the mark
	w := csv.NewWriter(e.Response)
	_ = w.Write([]string{"seq", "at", "actor", "actor_name", "role", "action", "collection", "target", "ip", "user_agent", "detail"})
	for _, a := range items {
		_ = w.Write([]string{strconv.FormatInt(a.Seq, 10), a.At, a.Actor, csvSafe(a.ActorName), a.Role, a.Action, a.Collection, csvSafe(a.Target), a.IP, csvSafe(a.UA), csvSafe(a.Detail)})
	}
	w.Flush()
	return w.Error()
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
