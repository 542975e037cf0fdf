// Updating a conversation (PATCH /api/collections/conversations/records/{id}) without losing what was
// written meanwhile.
//
// PocketBase loads the record, applies the request, runs the hooks (pb_hooks/lib/chat.js checks each
// changed field for the role) and saves every column. A message committed in between (its last
// message, preview, first response, reopening: chatmessages.go) was then overwritten by, say, a
// typing notice sent every few seconds: a shopper writing again in a resolved conversation saw it
// reopened and closed again at once. So, after the JS checks and inside one transaction, the row is
// read again and only the fields this request changed are applied to it.
//
// Two agents claiming the same waiting conversation: the second finds it taken and gets 409
// (data.assignee.code = "taken"), instead of both being told it is theirs.
//
// Staff-only fields (tags, such as "abusive") are left out of what a shopper gets: the records API,
// expand and realtime (chatrealtime.go hides them too).
package main

import (
	"encoding/json"
	"net/http"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// visitorHidden: the conversation fields a shopper never sees.
var visitorHidden = []string{"tags"}

func isVisitor(auth *core.Record) bool {
	return auth != nil && auth.Collection().Name == "visitors"
}

// hideFromVisitor leaves the staff-only fields out of a conversation shown to its shopper.
func hideFromVisitor(conv *core.Record) {
	conv.Hide(visitorHidden...)
}

func registerChatConversations(app core.App) {
	app.OnRecordEnrich("conversations").BindFunc(func(e *core.RecordEnrichEvent) error {
		if e.RequestInfo != nil && isVisitor(e.RequestInfo.Auth) {
			hideFromVisitor(e.Record)
		}
		return e.Next()
	})
	app.OnRecordUpdateRequest("conversations").Bind(&hook.Handler[*core.RecordRequestEvent]{
		// After the JS hooks (priority 0), which check the request against the record as loaded.
		Priority: 10,
		Func: func(e *core.RecordRequestEvent) error {
			loaded := e.Record.Original()
			return e.App.RunInTransaction(func(tx core.App) error {
				fresh, err := tx.FindRecordById("conversations", e.Record.Id)
				if err != nil {
					return err
				}
				if e.Record.GetString("assignee") != loaded.GetString("assignee") && fresh.GetString("assignee") != loaded.GetString("assignee") {
					return apiFieldError(http.StatusConflict, "assignee", "taken", "Someone else took this conversation meanwhile.")
				}
				for _, f := range e.Record.Collection().Fields {
					name := f.GetName()
					if name == "id" || f.Type() == core.FieldTypeAutodate {
						continue
					}
					if sameValue(e.Record.Get(name), loaded.Get(name)) {
						e.Record.Set(name, fresh.Get(name))
					}
				}
				e.App = tx
				return e.Next()
			})
		},
	})
}

func sameValue(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
