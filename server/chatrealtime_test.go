package main

import (
	"testing"

	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

func newChatRealtime() *chatRealtime {
	return &chatRealtime{subs: map[string]*chatSubscriber{}, staff: map[string]*chatSubscriber{}, visitors: map[string]map[string]*chatSubscriber{}}
}

// A subscriber that stops reading (its connection's channel is never drained here) is disconnected once
// its queue is full, never silently skipped: its app then reconnects and refetches (issue 14).
func TestChatRealtimeStalledSubscriberIsDisconnected(t *testing.T) {
	r := newChatRealtime()
	c := subscriptions.NewDefaultClient()
	r.add(c)
	s := r.subs[c.Id()]
	for i := 0; i < chatQueueVisitor+2 && !c.IsDiscarded(); i++ {
		r.send(s, subscriptions.Message{Name: chatTopic, Data: []byte(`{}`)})
	}
	if !c.IsDiscarded() {
		t.Fatal("a stalled subscriber with a full queue was kept connected: its events would be lost unseen")
	}
}

// An event on its way to a subscriber that meanwhile unsubscribed and subscribed again on the same
// connection (the widget does when it changes conversation): the old queue is closed, and sending on it
// panicked, which also skipped the event's other recipients.
func TestChatRealtimeSendAfterResubscribe(t *testing.T) {
	r := newChatRealtime()
	c := subscriptions.NewDefaultClient()
	r.add(c)
	old := r.subs[c.Id()] // as dispatch holds it from recipients()
	r.remove(c.Id())      // crm/chat dropped ...
	r.add(c)              // ... and subscribed again
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("sending to the replaced subscriber panicked: %v", p)
		}
	}()
	r.send(old, subscriptions.Message{Name: chatTopic, Data: []byte(`{}`)})
	if c.IsDiscarded() {
		t.Fatal("the connection was ended although it is subscribed")
	}
}
