// Who may sign in, and from where (README "Security").
//
//   - Password sign-in (staff, superusers): PocketBase's per-address rate limit (settings, from the
//     migration 1764153000_rate_limits.js) throttles a burst; on top, an account locks after
//     lockoutThreshold failed passwords in a row, for 30 s doubling with each further failure up to an
//     hour. While locked, even the right password is refused (429, Retry-After, and when to retry). A
//     failure counts for the identity typed, known or not, so the lock tells nothing about who exists.
//   - A deactivated staff member (staff.deactivated) is refused everywhere at once: every request
//     carrying their token answers 401 with data.account.code = "account_deactivated", which tells
//     their devices to delete their local data; sign-in with their password answers the same.
//   - Superusers and PocketBase's dashboard only from this machine (or the address a trusted proxy
//     reports, CRM_TRUSTED_PROXY_HEADERS), and the dashboard only when CRM_ADMIN_UI=on. No installer
//     link is printed: the first-run owner is a staff admin (pb_hooks/setup.pb.js), and a superuser
//     is made deliberately with `crm-server superuser upsert`.
package main

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
)

const (
	lockoutThreshold = 5
	lockoutFirst     = 30 * time.Second
	lockoutMax       = time.Hour
	// A run of failures is forgotten when the last one is this old.
	lockoutForget = 24 * time.Hour
)

// lockoutDuration: how long an identity stays locked after its n-th failure in a row (0: not locked).
func lockoutDuration(failures int) time.Duration {
	if failures < lockoutThreshold {
		return 0
	}
	d := float64(lockoutFirst) * math.Pow(2, float64(failures-lockoutThreshold))
	if d > float64(lockoutMax) {
		return lockoutMax
	}
	return time.Duration(d)
}

type lockState struct {
	Failures    int   `db:"failures"`
	LockedUntil int64 `db:"locked_until"`
	LastFailure int64 `db:"last_failure"`
}

func lockKey(collection, identity string) string {
	return collection + ":" + strings.ToLower(strings.TrimSpace(identity))
}

func readLock(app core.App, key string) lockState {
	var s lockState
	err := app.DB().NewQuery("SELECT failures, locked_until, last_failure FROM auth_lockouts WHERE identity = {:k}").Bind(dbx.Params{"k": key}).One(&s)
	if err != nil {
		return lockState{}
	}
	if time.Since(time.UnixMilli(s.LastFailure)) > lockoutForget {
		return lockState{}
	}
	return s
}

// recordFailure counts a failed password and returns the lock it leads to (zero time: none).
func recordFailure(app core.App, key string, now time.Time) time.Time {
	s := readLock(app, key)
	s.Failures++
	var until time.Time
	if d := lockoutDuration(s.Failures); d > 0 {
		until = now.Add(d)
	}
	_, err := app.DB().NewQuery(`INSERT INTO auth_lockouts (identity, failures, locked_until, last_failure) VALUES ({:k}, {:f}, {:u}, {:n})
		ON CONFLICT (identity) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, last_failure = excluded.last_failure`).
		Bind(dbx.Params{"k": key, "f": s.Failures, "u": until.UnixMilli(), "n": now.UnixMilli()}).Execute()
	if err != nil {
		app.Logger().Warn("auth lockout: could not count a failure", "error", err)
	}
	// Old runs of unknown identities go, so the table does not grow with every name tried.
	_, _ = app.DB().NewQuery("DELETE FROM auth_lockouts WHERE last_failure < {:old}").Bind(dbx.Params{"old": now.Add(-lockoutForget).UnixMilli()}).Execute()
	if until.IsZero() {
		return time.Time{}
	}
	return until
}

func clearFailures(app core.App, key string) {
	_, _ = app.DB().NewQuery("DELETE FROM auth_lockouts WHERE identity = {:k}").Bind(dbx.Params{"k": key}).Execute()
}

func lockedError(e *core.RequestEvent, until time.Time) error {
	secs := int(math.Ceil(time.Until(until).Seconds()))
	if secs < 1 {
		secs = 1
	}
	e.Response.Header().Set("Retry-After", fmt.Sprint(secs))
	msg := fmt.Sprintf("Too many failed sign-ins: this account is locked. Try again in %d seconds (at %s UTC).", secs, until.UTC().Format("15:04:05"))
	locked := validation.NewError("account_locked", msg).SetParams(map[string]any{"retry_after": secs, "locked_until": until.UTC().Format(time.RFC3339)})
	return router.NewApiError(http.StatusTooManyRequests, msg, map[string]validation.Error{"identity": locked})
}

// deactivatedError: the answer to anything a deactivated staff member asks.
func deactivatedError(status int) error {
	msg := "This account has been deactivated. Ask an administrator."
	return router.NewApiError(status, msg, map[string]validation.Error{"account": validation.NewError("account_deactivated", msg)})
}

func isDeactivated(r *core.Record) bool {
	return r != nil && r.Collection().Name == "staff" && r.GetBool("deactivated")
}

// dummyHash makes a failed sign-in of an unknown identity cost one bcrypt check, like a known one.
var dummyStaff = func() *core.Record {
	r := core.NewRecord(core.NewAuthCollection("__dummy"))
	r.SetPassword("a-dummy-password-nobody-uses")
	return r
}()

func isLoopback(ip string) bool {
	addr, err := netip.ParseAddr(ip)
	return err == nil && addr.Unmap().IsLoopback()
}

func isSuperuserPath(path string) bool {
	return path == "/_" || strings.HasPrefix(path, "/_/") || strings.HasPrefix(path, "/api/collections/_superusers/") || strings.HasPrefix(path, "/api/collections/"+core.CollectionNameSuperusers+"/")
}

func registerAuthGuard(app core.App) {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(se *core.ServeEvent) error {
			// No "/_/#/pbinstall/<token>" link in the log: a superuser is made on purpose.
			se.InstallerFunc = nil
			if err := applyEnvSettings(se.App); err != nil {
				return err
			}
			se.Router.Bind(&hook.Handler[*core.RequestEvent]{
				Id: "crmAuthGuard",
				// After PocketBase loads the auth token (-1020), before its rate limits (-1000).
				Priority: apis.DefaultLoadAuthTokenMiddlewarePriority + 10,
				Func: func(e *core.RequestEvent) error {
					superuser := e.Auth != nil && e.Auth.IsSuperuser()
					if (superuser || isSuperuserPath(e.Request.URL.Path)) && !isLoopback(e.RealIP()) {
						if strings.HasPrefix(e.Request.URL.Path, "/_") {
							return e.NotFoundError("", nil)
						}
						return e.ForbiddenError("Superusers work from the server's own machine only.", nil)
					}
					if isDeactivated(e.Auth) {
						return deactivatedError(http.StatusUnauthorized)
					}
					// A session from before "sign out everywhere" (signout.go): the device deletes its data.
					if e.Auth == nil && e.Request.Header.Get("Authorization") != "" && signedOutEverywhere(e) {
						return signedOutError()
					}
					return e.Next()
				},
			})
			return se.Next()
		},
	})

	app.OnRecordAuthWithPasswordRequest().BindFunc(func(e *core.RecordAuthWithPasswordRequestEvent) error {
		key := lockKey(e.Collection.Name, e.Identity)
		now := time.Now()
		if s := readLock(e.App, key); s.LockedUntil > now.UnixMilli() {
			return lockedError(e.RequestEvent, time.UnixMilli(s.LockedUntil))
		}
		if e.Record == nil || !e.Record.ValidatePassword(e.Password) {
			if e.Record == nil {
				dummyStaff.ValidatePassword(e.Password)
			}
			until := recordFailure(e.App, key, now)
			auditRequest(e.RequestEvent, "auth.login_failed", e.Collection.Name, strings.ToLower(strings.TrimSpace(e.Identity)), map[string]any{"locked": !until.IsZero()})
			if !until.IsZero() {
				return lockedError(e.RequestEvent, until)
			}
			return e.BadRequestError("Failed to authenticate.", errors.New("invalid login credentials"))
		}
		clearFailures(e.App, key)
		if isDeactivated(e.Record) {
			auditRequest(e.RequestEvent, "auth.login_failed", e.Collection.Name, e.Record.Id, map[string]any{"deactivated": true})
			return deactivatedError(http.StatusForbidden)
		}
		auditSignIn(e.RequestEvent, e.Record)
		return apis.RecordAuthResponse(e.RequestEvent, e.Record, core.MFAMethodPassword, nil)
	})
}

// adminUIEnabled: PocketBase's dashboard (/_/) is served only with CRM_ADMIN_UI=on, and then only to
// this machine (see the guard above).
func adminUIEnabled() bool {
	return strings.EqualFold(strings.TrimSpace(os.Getenv("CRM_ADMIN_UI")), "on")
}

// applyEnvSettings applies the environment's say on settings the migrations made (they ran already):
// CRM_CHAT_SESSIONS_PER_MINUTE (the chat session rate limit), CRM_TRUSTED_PROXY_HEADERS (the headers a
// reverse proxy in front sets with the client's address, e.g. "X-Forwarded-For"; only behind one) and
// CRM_TRUSTED_PROXY_LEFTMOST=on (take the leftmost address of such a header).
func applyEnvSettings(app core.App) error {
	settings := app.Settings()
	changed := false
	if v := strings.TrimSpace(os.Getenv("CRM_CHAT_SESSIONS_PER_MINUTE")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("CRM_CHAT_SESSIONS_PER_MINUTE must be a positive whole number, not %q", v)
		}
		for i, r := range settings.RateLimits.Rules {
			if r.Label == "POST /api/crm/chat/session" && (r.MaxRequests != n || r.Duration != 60) {
				settings.RateLimits.Rules[i].MaxRequests, settings.RateLimits.Rules[i].Duration = n, 60
				changed = true
			}
		}
	}
	headers := strings.FieldsFunc(os.Getenv("CRM_TRUSTED_PROXY_HEADERS"), func(r rune) bool { return r == ',' || r == ' ' })
	leftmost := strings.EqualFold(strings.TrimSpace(os.Getenv("CRM_TRUSTED_PROXY_LEFTMOST")), "on")
	if strings.Join(headers, ",") != strings.Join(settings.TrustedProxy.Headers, ",") || leftmost != settings.TrustedProxy.UseLeftmostIP {
		settings.TrustedProxy.Headers, settings.TrustedProxy.UseLeftmostIP = headers, leftmost
		changed = true
	}
	if !changed {
		return nil
	}
	return app.Save(settings)
}
