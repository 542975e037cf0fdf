// Telling a device at once which customers its user lost (issue "Offline edges", item 2). Pulls bring
// only what a user may list; what they may no longer list (a customer handed to a colleague, or one a
// manager deleted) used to leave their devices only at the next "which of these may I still see?"
// check, minutes later. Now, when a customer's owner changes or it is deleted, the person who had it
// hears on the realtime topic "crm/lost" (each connection hears only about its own user):
//
//	{"collection": "customers", "ids": [...], "reason": "reassigned" | "deleted"}
//
// The device then asks the server which of those it may still see (POST /api/crm/sync/customers/visible)
// and removes the rest, unless it holds unsent work on them, and says so in words.
package main

import (
	"encoding/json"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

const lostTopic = "crm/lost"

type lostMessage struct {
	Collection string   `json:"collection"`
	IDs        []string `json:"ids"`
	Reason     string   `json:"reason"`
}

func registerLostRecords(app core.App) {
	app.OnRecordAfterUpdateSuccess("customers").BindFunc(func(e *core.RecordEvent) error {
		// (After the commit: a device asking at once sees the new owner.)
		before := e.Record.Original()
		former, owner := before.GetString("owner"), e.Record.GetString("owner")
		switch {
		case !before.GetBool("deleted") && e.Record.GetBool("deleted"):
			tellLost(e.App, []string{former, owner}, lostMessage{"customers", []string{e.Record.Id}, "deleted"})
		case former != "" && former != owner:
			tellLost(e.App, []string{former}, lostMessage{"customers", []string{e.Record.Id}, "reassigned"})
		}
		return e.Next()
	})
}

// tellLost sends the message to every connection of these staff members subscribed to crm/lost.
func tellLost(app core.App, staff []string, m lostMessage) {
	who := map[string]bool{}
	for _, id := range staff {
		if id != "" {
			who[id] = true
		}
	}
	if len(who) == 0 {
		return
	}
	data, _ := json.Marshal(m)
	for _, client := range app.SubscriptionsBroker().Clients() {
		if !client.HasSubscription(lostTopic) {
			continue
		}
		if auth, ok := client.Get(apis.RealtimeClientAuthKey).(*core.Record); ok && auth != nil && who[auth.Id] && auth.Collection().Name == "staff" {
			client.Send(subscriptions.Message{Name: lostTopic, Data: data})
		}
	}
}
