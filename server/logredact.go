// Request logs without personal data: PocketBase logs every request's address, query included, and a
// filter may hold a customer's name or phone number (`?filter=name~"张三"`), which would then lie in
// plain text in the auxiliary database beside the sealed fields (fieldcrypt.go). The log keeps the path
// and the names of the query's parameters; the values only of the parameters that cannot hold any.
package main

import (
	"regexp"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

var loggedQueryValues = map[string]bool{"page": true, "perPage": true, "skipTotal": true, "sort": true, "fields": true, "expand": true, "format": true}

func redactQuery(uri string) string {
	path, query, ok := strings.Cut(uri, "?")
	if !ok {
		return uri
	}
	parts := strings.Split(query, "&")
	for i, p := range parts {
		if name, _, has := strings.Cut(p, "="); has && !loggedQueryValues[name] {
			parts[i] = name + "=(removed)"
		}
	}
	return path + "?" + strings.Join(parts, "&")
}

func registerLogRedaction(app core.App) {
	app.OnModelCreate(core.LogsTableName).BindFunc(func(e *core.ModelEvent) error {
		if l, ok := e.Model.(*core.Log); ok {
			// The message is "GET /path?query", the query decoded.
			if method, uri, ok := strings.Cut(l.Message, " "); ok && strings.HasPrefix(uri, "/") {
				l.Message = method + " " + redactQuery(uri)
			}
			for _, k := range []string{"url", "referer"} {
				if u, ok := l.Data[k].(string); ok {
					l.Data[k] = redactQuery(u)
				}
			}
		}
		return e.Next()
	})
}

var (
	emailInText = regexp.MustCompile(`[^\s<>"'(),;:]+@[^\s<>"'(),;:]+\.[^\s<>"'(),;:]+`)
	phoneInText = regexp.MustCompile(`\+\d{7,15}|\b\d{7,15}\b|\b1\d{2}[ -]\d{4}[ -]\d{4}\b`)
)

// scrubContacts takes e-mail addresses and phone numbers out of a free text kept in plain (a mail
// server's or an SMS gateway's refusal, stored as a recipient's reason), so that a reason does not
// hold the address that the sealed fields protect (fieldcrypt.go).
func scrubContacts(s string) string {
	s = emailInText.ReplaceAllString(s, "(e-mail)")
	return phoneInText.ReplaceAllString(s, "(phone)")
}
