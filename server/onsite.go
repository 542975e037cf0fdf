// On-site messages (README "Campaigns"): tracker.js asks, once per page view, whether a campaign has
// a message for this shopper:
//
//	GET /api/crm/onsite?key=crm_pk_…&anonymous_id=…[&customer_id=…&customer_ts=…&customer_sig=…]
//	→ 200 {delivery, campaign, style, title, body, cta_label, cta_url}   or 204 (nothing)
//
// The shopper is the shop customer the shop signed (a browser key names nobody on its own word), or
// the customer an anonymous id was linked to. At most one message per page view (the oldest of the
// running campaigns that has one), each shown at most maxImpressions times and never after it was
// dismissed or the customer withdrew on-site consent. The tracker reports impressions, clicks and
// dismissals as events (campaign_ingest.go).
package main

import (
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

const maxImpressions = 3

func (in *ingestion) handleOnsite(svc *campaignService) func(e *core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		q := e.Request.URL.Query()
		source := in.findSource(q.Get("key"))
		if source == nil || source.GetBool("revoked") {
			return fail(e, http.StatusUnauthorized, "unknown_key", "this shop key is not known: check the key in Settings → Shop connections", nil)
		}
		customer := ""
		now := time.Now().UnixMilli()
		if ext := strings.TrimSpace(q.Get("customer_id")); ext != "" {
			raw := map[string]any{"customer_ts": q.Get("customer_ts"), "customer_sig": q.Get("customer_sig")}
			ctx := eventContext{now: now, kind: source.GetString("kind"), identitySecret: shopIdentitySecret()}
			if ctx.kind == "browser" {
				if problem := checkSignedCustomer(raw, ext, ctx); problem != nil {
					return fail(e, http.StatusBadRequest, problem.Code, problem.Message, map[string]any{"field": problem.Field})
				}
			}
			_ = e.App.DB().NewQuery("SELECT id FROM customers WHERE external_id = {:x} AND deleted = 0 ORDER BY created LIMIT 1").Bind(dbx.Params{"x": ext}).Row(&customer)
		}
		if anon := strings.TrimSpace(q.Get("anonymous_id")); customer == "" && anon != "" && len(anon) <= 64 {
			_ = e.App.DB().NewQuery("SELECT customer FROM identities WHERE anon_id = {:a}").Bind(dbx.Params{"a": anon}).Row(&customer)
		}
		if customer == "" {
			return e.NoContent(http.StatusNoContent)
		}
		type candidateRow struct {
			ID       string `db:"id"`
			Campaign string `db:"campaign"`
			Coupon   string `db:"coupon"`
		}
		rows := []candidateRow{}
		if err := e.App.DB().NewQuery(`SELECT id, campaign, coupon FROM campaign_recipients
			WHERE customer = {:c} AND channel = 'onsite' AND status IN ('queued', 'delivered') AND dismissed = 0 AND impressions < {:max} AND test = 0
			ORDER BY created LIMIT 20`).Bind(dbx.Params{"c": customer, "max": maxImpressions}).All(&rows); err != nil {
			return err
		}
		for _, r := range rows {
			if state, _ := svc.states.get(r.Campaign); state != "running" {
				continue
			}
			svc.queue.mu.Lock()
			snap := svc.queue.campaign[r.Campaign]
			svc.queue.mu.Unlock()
			if snap == nil || !hasConsent(e.App, customer, "marketing_onsite") {
				continue
			}
			facts, err := loadRecipient(e.App, customer)
			if err != nil {
				continue
			}
			vars := messageVars(snap, facts, r.Coupon, "")
			style := snap.text("onsite", "style")
			if style != "popup" {
				style = "banner"
			}
			return e.JSON(http.StatusOK, map[string]any{
				"delivery": r.ID, "campaign": r.Campaign, "style": style,
				"title": fillText(snap.text("onsite", "title"), vars), "body": fillText(snap.text("onsite", "body"), vars),
				"cta_label": fillText(snap.text("onsite", "cta_label"), vars), "cta_url": snap.text("onsite", "cta_url"),
			})
		}
		return e.NoContent(http.StatusNoContent)
	}
}

func registerOnsite(app core.App, in *ingestion, svc *campaignService) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/crm/onsite", in.handleOnsite(svc))
		return se.Next()
	})
}
