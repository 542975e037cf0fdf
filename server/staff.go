// Staff accounts: logins stay private, and a leaver is deactivated rather than deleted.
//
//	POST /api/crm/staff/{id}/deactivate  {reassign_to?: staff id}   admins
//	POST /api/crm/staff/{id}/reactivate                             admins
//
// Deactivating refuses the person's token at once (authguard.go), closes their realtime connections so
// their devices hear it at the next contact and delete their local data, hands their customers to
// another sales rep or manager (or leaves them unassigned for a manager to assign) and puts their open
// chats back in the queue. Their records stay with the shop. Reactivating renews their token key, so
// a session from before the deactivation never comes back; they sign in again.
//
// A staff member's e-mail is never public (emailVisibility stays false): admins see logins through
// the collection's manage rule, colleagues see names.
package main

import (
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

func registerStaff(app core.App) {
	private := func(e *core.RecordEvent) error {
		e.Record.SetEmailVisibility(false)
		return e.Next()
	}
	app.OnRecordCreate("staff").BindFunc(private)
	app.OnRecordUpdate("staff").BindFunc(private)

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/crm/staff/{id}")
		g.Bind(apis.RequireAuth("staff"))
		g.POST("/deactivate", deactivateStaff)
		g.POST("/reactivate", reactivateStaff)
		registerSignOut(se)
		return se.Next()
	})
}

func requireAdmin(e *core.RequestEvent) error {
	if e.Auth == nil || e.Auth.Collection().Name != "staff" || e.Auth.GetString("role") != "admin" {
		return e.ForbiddenError("Only administrators manage staff accounts.", nil)
	}
	return nil
}

type deactivateBody struct {
	ReassignTo string `json:"reassign_to"`
}

func deactivateStaff(e *core.RequestEvent) error {
	if err := requireAdmin(e); err != nil {
		return err
	}
	person, err := e.App.FindRecordById("staff", e.Request.PathValue("id"))
	if err != nil {
		return e.NotFoundError("No such staff member.", nil)
	}
	if person.Id == e.Auth.Id {
		return apiFieldError(http.StatusBadRequest, "id", "self", "You cannot deactivate your own account.")
	}
	var body deactivateBody
	if err := e.BindBody(&body); err != nil {
		return apiFieldError(http.StatusBadRequest, "reassign_to", "invalid", "The request body must be JSON.")
	}
	if body.ReassignTo != "" {
		heir, err := e.App.FindRecordById("staff", body.ReassignTo)
		if err != nil || heir.Id == person.Id || heir.GetBool("deactivated") {
			return apiFieldError(http.StatusBadRequest, "reassign_to", "invalid", "Choose an active colleague to take over the customers.")
		}
		if role := heir.GetString("role"); role != "sales" && role != "manager" && role != "admin" {
			return apiFieldError(http.StatusBadRequest, "reassign_to", "invalid", "Customers go to a sales rep, a manager or an administrator.")
		}
	}
	moved, requeued := 0, 0
	err = e.App.RunInTransaction(func(tx core.App) error {
		fresh, err := tx.FindRecordById("staff", person.Id)
		if err != nil {
			return err
		}
		fresh.Set("deactivated", true)
		fresh.Set("deactivated_at", time.Now().UTC().Format(time.RFC3339))
		if err := tx.Save(fresh); err != nil {
			return err
		}
		if moved, err = handOverCustomers(tx, person.Id, body.ReassignTo); err != nil {
			return err
		}
		requeued, err = requeueConversations(tx, person.Id)
		return err
	})
	if err != nil {
		return e.InternalServerError("The account could not be deactivated.", err)
	}
	disconnectRealtime(e.App, person.Id)
	auditRequest(e, "staff.deactivate", "staff", person.Id, map[string]any{"customers_moved": moved, "conversations_requeued": requeued})
	return e.JSON(http.StatusOK, map[string]any{"deactivated": true, "customers_moved": moved, "conversations_requeued": requeued})
}

// handOverCustomers gives every customer of the leaver to heir ("" leaves them unassigned), with the
// owner's edit time moved on so a device's older edit of the owner never takes it back.
func handOverCustomers(tx core.App, from, heir string) (int, error) {
	customers, err := tx.FindRecordsByFilter("customers", "owner = {:o}", "", 0, 0, dbx.Params{"o": from})
	if err != nil {
		return 0, err
	}
	now := time.Now().UnixMilli()
	for _, c := range customers {
		times := map[string]any{}
		_ = c.UnmarshalJSONField("field_times", &times)
		times["owner"] = now
		c.Set("owner", heir)
		c.Set("field_times", times)
		if err := tx.Save(c); err != nil {
			return 0, err
		}
	}
	return len(customers), nil
}

// requeueConversations puts the leaver's unresolved chats back in the queue.
func requeueConversations(tx core.App, agent string) (int, error) {
	convs, err := tx.FindRecordsByFilter("conversations", "assignee = {:a} && status != 'resolved'", "", 0, 0, dbx.Params{"a": agent})
	if err != nil {
		return 0, err
	}
	for _, c := range convs {
		c.Set("assignee", "")
		if err := tx.Save(c); err != nil {
			return 0, err
		}
	}
	return len(convs), nil
}

// disconnectRealtime closes a person's realtime connections: PocketBase checks a subscriber's rules
// with the auth record it had when it subscribed, so an open connection would go on hearing events.
func disconnectRealtime(app core.App, staffID string) {
	for _, client := range app.SubscriptionsBroker().Clients() {
		if auth, ok := client.Get(apis.RealtimeClientAuthKey).(*core.Record); ok && auth != nil && auth.Id == staffID {
			client.Discard()
			app.SubscriptionsBroker().Unregister(client.Id())
		}
	}
}

func reactivateStaff(e *core.RequestEvent) error {
	if err := requireAdmin(e); err != nil {
		return err
	}
	person, err := e.App.FindRecordById("staff", e.Request.PathValue("id"))
	if err != nil {
		return e.NotFoundError("No such staff member.", nil)
	}
	person.Set("deactivated", false)
	person.Set("deactivated_at", "")
	person.RefreshTokenKey()
	if err := e.App.Save(person); err != nil {
		return e.InternalServerError("The account could not be reactivated.", err)
	}
	auditRequest(e, "staff.reactivate", "staff", person.Id, nil)
	return e.JSON(http.StatusOK, map[string]any{"deactivated": false})
}
