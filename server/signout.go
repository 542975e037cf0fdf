// "Sign out everywhere" (issue 13, a lost or handed-on phone):
//
//	POST /api/crm/staff/{id}/sign-out-everywhere   admins, or the person themself
//
// renews the person's token key (every session they have, on every device, stops working at once),
// closes their realtime connections and remembers the moment (staff_signouts). A device that comes back
// with a session token issued before that moment is answered 401 with data.account.code =
// "signed_out_everywhere": it deletes its local data, as for a deactivated account, and asks for the
// password again. The person's next sign-in works as usual.
package main

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

func signOutEverywhere(e *core.RequestEvent) error {
	if e.Auth == nil || e.Auth.Collection().Name != "staff" {
		return e.ForbiddenError("Only staff sign out devices.", nil)
	}
	id := e.Request.PathValue("id")
	if id != e.Auth.Id && e.Auth.GetString("role") != "admin" {
		return e.ForbiddenError("Only administrators sign a colleague out of their devices.", nil)
	}
	person, err := e.App.FindRecordById("staff", id)
	if err != nil {
		return e.NotFoundError("No such staff member.", nil)
	}
	now := time.Now().UnixMilli()
	err = e.App.RunInTransaction(func(tx core.App) error {
		fresh, err := tx.FindRecordById("staff", person.Id)
		if err != nil {
			return err
		}
		fresh.RefreshTokenKey()
		if err := tx.Save(fresh); err != nil {
			return err
		}
		_, err = tx.DB().NewQuery("INSERT INTO staff_signouts (staff, at) VALUES ({:s}, {:at}) ON CONFLICT(staff) DO UPDATE SET at = excluded.at").
			Bind(dbx.Params{"s": person.Id, "at": now}).Execute()
		return err
	})
	if err != nil {
		return e.InternalServerError("The devices could not be signed out.", err)
	}
	disconnectRealtime(e.App, person.Id)
	auditRequest(e, "staff.sign_out_everywhere", "staff", person.Id, nil)
	return e.JSON(http.StatusOK, map[string]any{"signed_out": true})
}

// signedOutEverywhere reports whether the request's token (not accepted: e.Auth is nil) is a staff
// session issued before its owner was signed out everywhere.
func signedOutEverywhere(e *core.RequestEvent) bool {
	token := strings.TrimSpace(strings.TrimPrefix(e.Request.Header.Get("Authorization"), "Bearer "))
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var claims struct {
		ID           string  `json:"id"`
		Type         string  `json:"type"`
		CollectionID string  `json:"collectionId"`
		Exp          float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Type != "auth" || claims.ID == "" {
		return false
	}
	staff, err := e.App.FindCachedCollectionByNameOrId("staff")
	if err != nil || staff.Id != claims.CollectionID {
		return false
	}
	var at int64
	if err := e.App.DB().NewQuery("SELECT at FROM staff_signouts WHERE staff = {:s}").Bind(dbx.Params{"s": claims.ID}).Row(&at); err != nil || at == 0 {
		return false
	}
	issued := int64(claims.Exp)*1000 - staff.AuthToken.Duration*1000
	return issued < at
}

func signedOutError() error {
	msg := "This account was signed out of every device. Sign in again; this device's data is being removed."
	return router.NewApiError(http.StatusUnauthorized, msg, map[string]validation.Error{"account": validation.NewError("signed_out_everywhere", msg)})
}

func registerSignOut(se *core.ServeEvent) {
	se.Router.POST("/api/crm/staff/{id}/sign-out-everywhere", signOutEverywhere).Bind(apis.RequireAuth("staff"))
}
