// Creating a chat message (docs/api/chat.md, "messages"): POST /api/collections/messages/records, with
// these checks and effects around PocketBase's own create (its API rules run first):
//   - a client_id seen before in the conversation answers 200 with the stored message (when the sender
//     may see it; else 409), so a message re-sent after a lost answer is stored once;
//   - visitors: not blocked, at most 20 messages a minute (429 with Retry-After), and the author fields
//     are theirs; staff are the author of what they send;
//   - a message needs text or an image;
//   - inside the message's transaction: its conversation gets the last message time and preview, the
//     first response time (an agent's first message), and a visitor writing reopens it.
//
// These were JS hooks (pb_hooks). Under the chat benchmark (1,000 shoppers sending every 10 s, 50 agents
// replying, bench/chat.bench.ts) the JS ran inside the write transaction, which SQLite serialises:
// requests queued for the write connection while each held a JS runtime, the server made more
// runtimes, and memory and latency ran away (p95 of seconds, 1.7 GB). In Go the transaction is held
// for well under a millisecond.
package main

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

const visitorMessagesPerMinute = 20

func registerChatMessages(app core.App) {
	app.OnRecordCreateRequest("messages").BindFunc(func(e *core.RecordRequestEvent) error {
		existing, err := prepareMessage(e)
		if err != nil {
			return err
		}
		if existing != nil {
			return e.JSON(http.StatusOK, existing)
		}
		// The message and its conversation's update (below) commit together.
		return e.App.RunInTransaction(func(tx core.App) error {
			e.App = tx
			return e.Next()
		})
	})
	// Any write path of a message (the API above, or the server's own), inside its transaction.
	app.OnRecordCreate("messages").BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return afterMessage(e.App, e.Record)
	})
}

func apiFieldError(status int, field, code, message string) *router.ApiError {
	return router.NewApiError(status, message, map[string]validation.Error{field: validation.NewError(code, message)})
}

// pbTime is PocketBase's datetime text ("2006-01-02 15:04:05.000Z"), for comparisons with `created`.
func pbTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.000Z")
}

// prepareMessage returns the stored message when the client_id was seen before, or an error.
func prepareMessage(e *core.RecordRequestEvent) (*core.Record, error) {
	r := e.Record
	conversationID := r.GetString("conversation")
	clientID := r.GetString("client_id")
	if conversationID != "" && clientID != "" {
		existing, err := e.App.FindFirstRecordByFilter("messages", "conversation = {:c} && client_id = {:k}", dbx.Params{"c": conversationID, "k": clientID})
		if err == nil && existing != nil {
			if e.HasSuperuserAuth() {
				return existing, nil
			}
			info, _ := e.RequestInfo()
			if ok, _ := e.App.CanAccessRecord(existing, info, existing.Collection().ViewRule); ok {
				return existing, nil
			}
			return nil, apiFieldError(http.StatusConflict, "client_id", "taken", "This client_id is taken in this conversation.")
		}
	}
	switch {
	case isVisitor(e.Auth):
		if e.Auth.GetBool("blocked") {
			return nil, apiFieldError(http.StatusForbidden, "conversation", "forbidden", "This visitor is blocked.")
		}
		recent, err := e.App.CountRecords("messages", dbx.NewExp(
			"author_kind = 'visitor' AND created > {:t} AND conversation IN (SELECT id FROM conversations WHERE visitor = {:v})",
			dbx.Params{"v": e.Auth.Id, "t": pbTime(time.Now().Add(-time.Minute))},
		))
		if err != nil {
			return nil, err
		}
		if recent >= visitorMessagesPerMinute {
			e.Response.Header().Set("Retry-After", "60")
			return nil, apiFieldError(http.StatusTooManyRequests, "conversation", "rate_limited", "At most "+strconv.Itoa(visitorMessagesPerMinute)+" messages a minute: please wait a moment.")
		}
		r.Set("author_kind", "visitor")
		r.Set("author_staff", "")
		r.Set("internal", false)
	case !e.HasSuperuserAuth():
		r.Set("author_kind", "agent")
		r.Set("author_staff", e.Auth.Id)
	}
	if strings.TrimSpace(r.GetString("body")) == "" && len(r.GetUnsavedFiles("attachments")) == 0 {
		return nil, apiFieldError(http.StatusBadRequest, "body", "required", "a message needs text or an image")
	}
	return nil, nil
}

// isoTime is JavaScript's toISOString of a PocketBase datetime ("2006-01-02T15:04:05.000Z").
func isoTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// preview: the text with runs of white space as one space, at most 140 characters.
func preview(body string) string {
	text := []rune(strings.Join(strings.Fields(body), " "))
	if len(text) > 140 {
		text = text[:140]
	}
	return string(text)
}

func afterMessage(app core.App, message *core.Record) error {
	if message.GetBool("internal") {
		return nil
	}
	conv, err := app.FindRecordById("conversations", message.GetString("conversation"))
	if err != nil {
		return err
	}
	at := isoTime(message.GetDateTime("created").Time())
	kind := message.GetString("author_kind")
	conv.Set("last_message_at", at)
	if p := preview(message.GetString("body")); p != "" {
		conv.Set("last_message_preview", p)
	} else {
		conv.Set("last_message_preview", "[image]")
	}
	if kind == "agent" && conv.GetString("first_response_at") == "" {
		conv.Set("first_response_at", at)
	}
	if kind == "visitor" {
		switch conv.GetString("status") {
		case "resolved":
			conv.Set("status", "open")
			conv.Set("resolved_at", "")
			conv.Set("reopened", conv.GetInt("reopened")+1)
		case "pending":
			conv.Set("status", "open")
		}
	}
	return app.Save(conv)
}
