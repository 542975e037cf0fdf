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
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

const maxImpressions = 3

// customerByShopIDSQL: the oldest live customer with a shop customer id. "external_id != ”" lets
// SQLite use the partial index on external_id (a bound value alone does not tell it the value is not
// empty, and it scanned every customer); queryplan_test.go checks the plan.
const customerByShopIDSQL = "SELECT id FROM customers WHERE external_id != '' AND external_id = {:x} AND deleted = 0 ORDER BY created LIMIT 1"

// onsiteCandidatesSQL answers the whole question in one statement (it is asked on every page view):
// the shopper (the shop customer the shop signed, else the customer the anonymous id was linked to),
// their on-site messages that may still be shown, oldest first, their name and their on-site consent.
var onsiteCandidatesSQL = `WITH who AS (SELECT coalesce((` + customerByShopIDSQL + `), (SELECT customer FROM identities WHERE anon_id = {:a})) AS id)
	SELECT r.id, r.campaign, r.coupon, crm_open('customers.name', c.name) AS name, ` + consentSQL("marketing_onsite") + ` AS ok
	FROM who JOIN customers c ON c.id = who.id
	JOIN campaign_recipients r ON r.customer = c.id AND r.channel = 'onsite' AND r.status IN ('queued', 'delivered')
		AND r.dismissed = 0 AND r.impressions < {:max} AND r.test = 0
	ORDER BY r.created LIMIT 20`

func (in *ingestion) handleOnsite(svc *campaignService) func(e *core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		q := e.Request.URL.Query()
		source := in.findSource(q.Get("key"))
		if source == nil || source.GetBool("revoked") {
			return fail(e, http.StatusUnauthorized, "unknown_key", "this shop key is not known: check the key in Settings → Shop connections", nil)
		}
		ext := strings.TrimSpace(q.Get("customer_id"))
		if ext != "" && source.GetString("kind") == "browser" {
			raw := map[string]any{"customer_ts": q.Get("customer_ts"), "customer_sig": q.Get("customer_sig")}
			ctx := eventContext{now: time.Now().UnixMilli(), kind: "browser", identitySecret: shopIdentitySecret()}
			if problem := checkSignedCustomer(raw, ext, ctx); problem != nil {
				return fail(e, http.StatusBadRequest, problem.Code, problem.Message, map[string]any{"field": problem.Field})
			}
		}
		anon := strings.TrimSpace(q.Get("anonymous_id"))
		if len(anon) > 64 {
			anon = ""
		}
		if ext == "" && anon == "" {
			return e.NoContent(http.StatusNoContent)
		}
		type candidateRow struct {
			ID       string `db:"id"`
			Campaign string `db:"campaign"`
			Coupon   string `db:"coupon"`
			Name     string `db:"name"`
			OK       bool   `db:"ok"`
		}
		rows := []candidateRow{}
		if err := e.App.DB().NewQuery(onsiteCandidatesSQL).Bind(dbx.Params{"x": ext, "a": anon, "max": maxImpressions}).All(&rows); err != nil {
			return err
		}
		for _, r := range rows {
			if !r.OK {
				break // no on-site consent: nothing of any campaign
			}
			if state, _ := svc.states.get(r.Campaign); state != "running" {
				continue
			}
			svc.queue.mu.Lock()
			snap := svc.queue.campaign[r.Campaign]
			svc.queue.mu.Unlock()
			if snap == nil {
				continue
			}
			vars := messageVars(snap, &recipientFacts{Name: r.Name}, r.Coupon, "")
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
		// Asked on every page view of the shop: answered requests are not written to the request log
		// (their address carries the shop's customer id, and a log row per page view costs more than
		// the answer); failures still are.
		se.Router.GET("/api/crm/onsite", in.handleOnsite(svc)).Bind(apis.SkipSuccessActivityLog())
		return se.Next()
	})
}
