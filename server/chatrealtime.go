// Live chat's realtime (docs/api/chat.md, "Realtime"): the agent console and the shop's widget subscribe
// to the topic "crm/chat" instead of "conversations/*" and "messages/*" (or a conversation's record).
//
// Why: PocketBase's broadcast (apis/realtime.go, realtimeBroadcastRecord) runs the collection's list
// rule as one SQL query for every client holding a wildcard subscription, for every record event. A
// chat message is two events (the message and its conversation's last message), so with 50 agents
// each message cost about 100 rule queries, and 1,000 shoppers sending every 10 s kept the server's
// two cores busy with checks whose answer was "no" for 49 agents of 50 (bench/chat.bench.ts).
//
// Here the recipients are picked from the record first: the conversation's visitor, its assignee,
// every agent while it waits in the queue, every manager and admin; and the agent it was just taken
// from, or every other agent when it is taken from the queue, hears that it left. A visitor gets its
// messages themselves, so the widget needs no fetch per message. PocketBase's own rule check (the
// same list rule, through app.CanAccessRecord) still runs, but only for those few. The event is
//
//	{"collection": "messages" | "conversations", "action": "create" | "update" | "leave", "record": {...}}
//
// with the record serialised as PocketBase's realtime would (hidden fields left out; for staff,
// conversations with expand.visitor where they may view the visitor). Each subscriber's events are sent
// in order by one goroutine of its own.
//
// No event is dropped silently (issue 14): a subscriber whose queue is full, or whose rule check fails
// (an error, not a "no"), is disconnected instead. Events are never replayed; every app refetches its
// conversations' messages from its checkpoint after each (re)connect (PB_CONNECT), which also covers the
// connections PocketBase ends itself (after 5 minutes without an event, and after 30 in any case).
package main

import (
	"encoding/json"
	"errors"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/search"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

const chatTopic = "crm/chat"

// Events waiting for a subscriber's connection. A shopper hears of their own conversation only; staff
// may hear every conversation (managers: two events a message). A subscriber whose queue is full is
// stalled (a half-open connection): it is dropped, and its app reconnects and fetches what it missed,
// rather than holding goroutines and events without bound.
const (
	chatQueueVisitor = 32
	chatQueueStaff   = 4096
)

type chatSubscriber struct {
	client  subscriptions.Client
	queue   chan subscriptions.Message
	visitor string // the visitor signed in on it when it subscribed ("" for staff and others)
}

func (s *chatSubscriber) run() {
	for m := range s.queue {
		s.client.Send(m) // returns at once once the client is discarded
	}
}

// chatRealtime holds the topic's subscribers: staff in one set, shoppers by visitor id, so an event
// looks at the staff and its own visitor's connections only, not at every connected shopper.
type chatRealtime struct {
	mu       sync.RWMutex
	subs     map[string]*chatSubscriber            // by client id
	staff    map[string]*chatSubscriber            // by client id
	visitors map[string]map[string]*chatSubscriber // by visitor id, then client id
}

type chatEvent struct {
	Collection string `json:"collection"`
	Action     string `json:"action"`
	Record     any    `json:"record"`
}

func registerChatRealtime(app core.App) {
	r := &chatRealtime{subs: map[string]*chatSubscriber{}, staff: map[string]*chatSubscriber{}, visitors: map[string]map[string]*chatSubscriber{}}

	app.OnRealtimeSubscribeRequest().BindFunc(func(e *core.RealtimeSubscribeRequestEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		if e.Client.HasSubscription(chatTopic) {
			r.add(e.Client)
		} else {
			r.remove(e.Client.Id())
		}
		return nil
	})
	app.OnRealtimeConnectRequest().BindFunc(func(e *core.RealtimeConnectRequestEvent) error {
		err := e.Next() // returns when the connection ends
		r.remove(e.Client.Id())
		return err
	})

	app.OnRecordAfterCreateSuccess("messages", "conversations").BindFunc(func(e *core.RecordEvent) error {
		r.dispatch(e.App, "create", e.Record, "", false)
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess("conversations").BindFunc(func(e *core.RecordEvent) error {
		// Original() still holds the values loaded before this save.
		former := e.Record.Original().GetString("assignee")
		r.dispatch(e.App, "update", e.Record, former, former == "" && e.Record.GetString("assignee") != "")
		return e.Next()
	})
}

// add files the client under who is signed in on it now (again after a guest signed in).
func (r *chatRealtime) add(c subscriptions.Client) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c.IsDiscarded() {
		return // the connection ended while it subscribed (its remove has run already)
	}
	auth, _ := c.Get(apis.RealtimeClientAuthKey).(*core.Record)
	s, ok := r.subs[c.Id()]
	if ok {
		r.unindex(s)
	} else {
		size := chatQueueVisitor
		if auth != nil && auth.Collection().Name == "staff" {
			size = chatQueueStaff
		}
		s = &chatSubscriber{client: c, queue: make(chan subscriptions.Message, size)}
		r.subs[c.Id()] = s
		go s.run()
	}
	s.visitor = ""
	switch {
	case auth == nil:
		// hears nothing
	case auth.Collection().Name == "staff":
		r.staff[c.Id()] = s
	case auth.Collection().Name == "visitors":
		s.visitor = auth.Id
		if r.visitors[auth.Id] == nil {
			r.visitors[auth.Id] = map[string]*chatSubscriber{}
		}
		r.visitors[auth.Id][c.Id()] = s
	}
}

func (r *chatRealtime) unindex(s *chatSubscriber) {
	id := s.client.Id()
	delete(r.staff, id)
	if s.visitor != "" {
		delete(r.visitors[s.visitor], id)
		if len(r.visitors[s.visitor]) == 0 {
			delete(r.visitors, s.visitor)
		}
	}
}

func (r *chatRealtime) remove(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.subs[id]; ok {
		r.unindex(s)
		delete(r.subs, id)
		close(s.queue)
	}
}

// chatRecipient is a subscriber and who they are signed in as.
type chatRecipient struct {
	sub  *chatSubscriber
	auth *core.Record
	left bool // the conversation was just taken from them: they hear only that it left
}

// recipients: the subscribers whom this conversation concerns: its visitor, and staff (see above).
// Who is signed in is read from the client again: PocketBase clears it when the account is deleted or
// its password changes.
func (r *chatRealtime) recipients(visitor, assignee, former string, leftQueue bool) []chatRecipient {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []chatRecipient
	current := func(s *chatSubscriber) *core.Record {
		if s.client.IsDiscarded() {
			return nil
		}
		auth, _ := s.client.Get(apis.RealtimeClientAuthKey).(*core.Record)
		return auth
	}
	for _, s := range r.visitors[visitor] {
		if auth := current(s); auth != nil && auth.Collection().Name == "visitors" && auth.Id == visitor {
			out = append(out, chatRecipient{sub: s, auth: auth})
		}
	}
	for _, s := range r.staff {
		auth := current(s)
		if auth == nil || auth.Collection().Name != "staff" {
			continue
		}
		switch auth.GetString("role") {
		case "admin", "manager":
			out = append(out, chatRecipient{sub: s, auth: auth})
		case "agent":
			if assignee == "" || assignee == auth.Id {
				out = append(out, chatRecipient{sub: s, auth: auth})
			} else if former == auth.Id || leftQueue {
				out = append(out, chatRecipient{sub: s, auth: auth, left: true})
			}
		}
	}
	return out
}

func (r *chatRealtime) send(s *chatSubscriber, m subscriptions.Message) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if cur, ok := r.subs[s.client.Id()]; !ok || cur != s {
		// Unsubscribed meanwhile: its queue is closed. Also when the same connection subscribed again
		// since (the widget does, changing conversation): the id is back with a new queue, and sending on
		// the old one would panic, and the event's other recipients would be skipped (issue 14).
		return
	}
	select {
	case s.queue <- m:
	default:
		// Stalled: close its connection (the queue goes with the connection's end).
		s.client.Discard()
	}
}

// dispatch: formerAssignee is who had the conversation before this update, leftQueue whether it was
// just taken from the queue (every other agent then hears that it left).
func (r *chatRealtime) dispatch(app core.App, action string, rec *core.Record, formerAssignee string, leftQueue bool) {
	r.mu.RLock()
	none := len(r.subs) == 0
	r.mu.RUnlock()
	if none {
		return
	}
	collection := rec.Collection()
	conv := rec
	if collection.Name == "messages" {
		var err error
		if conv, err = app.FindRecordById("conversations", rec.GetString("conversation")); err != nil {
			app.Logger().Warn("chat realtime: conversation of a message not found", "message", rec.Id, "error", err)
			return
		}
		formerAssignee, leftQueue = "", false
	}
	assignee := conv.GetString("assignee")
	if formerAssignee == assignee {
		formerAssignee = ""
	}
	// The payload is the same for every staff recipient, and for the visitor: each is worked out once.
	// (Staff who may see the conversation may see its visitor too: the visitors' view rule lets managers
	// and admins see all, and agents the visitors of the conversations assigned to them or queued.)
	var staffData, visitorData, leaveData []byte
	for _, to := range r.recipients(conv.GetString("visitor"), assignee, formerAssignee, leftQueue) {
		if to.left {
			if leaveData == nil {
				leaveData, _ = json.Marshal(chatEvent{Collection: collection.Name, Action: "leave", Record: map[string]string{"id": rec.Id}})
			}
			r.send(to.sub, subscriptions.Message{Name: chatTopic, Data: leaveData})
			continue
		}
		info := &core.RequestInfo{Context: core.RequestInfoContextRealtime, Method: "GET", Auth: to.auth, Query: map[string]string{}, Headers: map[string]string{}}
		ok, err := app.CanAccessRecord(rec, info, collection.ListRule)
		if err != nil {
			// The check failed (the database busy, say), which is not a "no": skipping the event would
			// lose it unseen. The connection is ended instead; the app reconnects and refetches.
			app.Logger().Warn("chat realtime: rule check failed, subscriber disconnected to resync", "record", rec.Id, "error", err)
			to.sub.client.Discard()
			continue
		}
		if !ok {
			continue
		}
		data := &staffData
		if isVisitor(to.auth) {
			data = &visitorData
		}
		if *data == nil {
			clean := rec.Fresh()
			if collection.Name == "conversations" {
				if isVisitor(to.auth) {
					hideFromVisitor(clean)
				} else if errs := app.ExpandRecord(clean, []string{"visitor"}, expandWithRules(app, info)); len(errs) > 0 {
					app.Logger().Debug("chat realtime: expand", "conversation", rec.Id, "errors", errs)
				}
			}
			encoded, err := json.Marshal(chatEvent{Collection: collection.Name, Action: action, Record: clean})
			if err != nil {
				app.Logger().Warn("chat realtime: encode", "record", rec.Id, "error", err)
				return
			}
			*data = encoded
		}
		r.send(to.sub, subscriptions.Message{Name: chatTopic, Data: *data})
	}
}

// expandWithRules fetches related records as the REST API's expand does: through the related
// collection's view rule, for the subscriber (PocketBase's own apis.expandFetch is not exported).
func expandWithRules(app core.App, info *core.RequestInfo) core.ExpandFetchFunc {
	expandInfo := *info
	expandInfo.Context = core.RequestInfoContextExpand
	return func(rel *core.Collection, ids []string) ([]*core.Record, error) {
		return app.FindRecordsByIds(rel.Id, ids, func(q *dbx.SelectQuery) error {
			if expandInfo.Auth != nil && expandInfo.Auth.IsSuperuser() {
				return nil
			}
			if rel.ViewRule == nil {
				return errors.New("only superusers may view " + rel.Name)
			}
			if *rel.ViewRule == "" {
				return nil
			}
			resolver := core.NewRecordFieldResolver(app, rel, &expandInfo, true)
			expr, err := search.FilterData(*rel.ViewRule).BuildExpr(resolver)
			if err != nil {
				return err
			}
			q.AndWhere(expr)
			return resolver.UpdateQuery(q)
		})
	}
}
