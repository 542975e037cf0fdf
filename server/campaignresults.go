// A campaign's results against its holdout (docs/campaign-effect.md):
//
//	GET /api/crm/campaigns/{id}/results   managers and admins
//
// Per group (treated: the audience less the holdout, whether or not a channel reached them, so that
// both groups are alike; holdout: those kept out), the recipients, how many bought within the
// attribution window from the campaign's start (a triggered campaign: from each customer's entry), the
// orders and the net revenue (after refunds) per recipient as count, sum and sum of squares, from which
// the app works out the uplifts and their intervals (src/lib/shared/effect.ts). Orders come from
// stats_orders, which the event ingestion keeps (one row per order, a repeated event once, refunds
// netted), so duplicated, shuffled or late events give the same figures. Beside them: delivery by
// channel and status, impressions and clicks, coupons issued and redeemed, and the campaign's cost.
package main

import (
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

const defaultAttributionDays = 7

type groupResult struct {
	Recipients int     `db:"n" json:"recipients"`
	Converted  int     `db:"converted" json:"converted"`
	Orders     int     `db:"orders" json:"orders"`
	RevenueSum float64 `db:"rev" json:"-"`
	RevenueSq  float64 `db:"rev_sq" json:"-"`
	Held       bool    `db:"held" json:"-"`
}

func (svc *campaignService) handleResults(e *core.RequestEvent) error {
	if !isManager(e.Auth) {
		return e.ForbiddenError("Only managers and administrators read a campaign's results.", nil)
	}
	c, err := svc.find(e)
	if err != nil {
		return err
	}
	state := c.GetString("state")
	if state == "draft" || state == "pending_approval" {
		return fieldErr("state", "not_published", "a campaign has results once it is published")
	}
	days := c.GetInt("attribution_days")
	if days <= 0 {
		days = defaultAttributionDays
	}
	var start int64
	if t, err := time.Parse(time.RFC3339, c.GetString("started_at")); err == nil {
		start = t.UnixMilli()
	}
	groups, err := campaignGroups(e.App, c.Id, start, int64(days)*86_400_000)
	if err != nil {
		return err
	}
	out := map[string]any{}
	for _, g := range groups {
		name := "treated"
		if g.Held {
			name = "holdout"
		}
		out[name] = map[string]any{"recipients": g.Recipients, "converted": g.Converted, "orders": g.Orders,
			"revenue": map[string]any{"n": g.Recipients, "sum": round2(g.RevenueSum), "sumSq": g.RevenueSq}}
	}
	for _, name := range []string{"treated", "holdout"} {
		if out[name] == nil {
			out[name] = map[string]any{"recipients": 0, "converted": 0, "orders": 0, "revenue": map[string]any{"n": 0, "sum": 0, "sumSq": 0}}
		}
	}

	type deliveryRow struct {
		Channel     string `db:"channel"`
		Status      string `db:"status"`
		N           int    `db:"n"`
		Impressions int    `db:"impressions"`
		Clicks      int    `db:"clicks"`
		Clicked     int    `db:"clicked"`
		Opened      int    `db:"opened"`
	}
	rows := []deliveryRow{}
	if err := e.App.DB().NewQuery(`SELECT channel, status, count(*) AS n, coalesce(sum(impressions), 0) AS impressions, coalesce(sum(clicks), 0) AS clicks,
		coalesce(sum(clicked_at > 0), 0) AS clicked, coalesce(sum(opened_at > 0), 0) AS opened
		FROM campaign_recipients WHERE campaign = {:c} AND test = 0 GROUP BY channel, status`).Bind(dbx.Params{"c": c.Id}).All(&rows); err != nil {
		return err
	}
	delivery := map[string]map[string]int{}
	engagement := map[string]int{"impressions": 0, "clicks": 0, "clicked": 0, "opened": 0}
	for _, r := range rows {
		if delivery[r.Channel] == nil {
			delivery[r.Channel] = map[string]int{}
		}
		delivery[r.Channel][r.Status] = r.N
		engagement["impressions"] += r.Impressions
		engagement["clicks"] += r.Clicks
		engagement["clicked"] += r.Clicked
		engagement["opened"] += r.Opened
	}
	var coupons struct {
		Issued   int `db:"issued"`
		Redeemed int `db:"redeemed"`
	}
	if err := e.App.DB().NewQuery(`SELECT count(*) AS issued, coalesce(sum(redemptions > 0), 0) AS redeemed FROM coupons WHERE campaign = {:c}`).
		Bind(dbx.Params{"c": c.Id}).One(&coupons); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{
		"state":            state,
		"started_at":       c.GetString("started_at"),
		"attribution_days": days,
		"groups":           out,
		"delivery":         delivery,
		"engagement":       engagement,
		"coupons":          map[string]int{"issued": coupons.Issued, "redeemed": coupons.Redeemed},
		"cost":             c.GetFloat("cost"),
		"as_of":            time.Now().UTC().Format(time.RFC3339),
	})
}

// campaignGroups: per group, the recipients and what they bought within the window. Each customer
// counts once (their rows of every channel are one recipient), from the later of the campaign's start
// and their row's creation (a triggered campaign's entry).
func campaignGroups(app core.App, campaign string, start, window int64) ([]groupResult, error) {
	out := []groupResult{}
	err := app.DB().NewQuery(`
		WITH people AS (
			SELECT customer, max(channel = 'holdout') AS held,
				max(CAST(round((julianday(min(created)) - 2440587.5) * 86400000) AS INTEGER), {:start}) AS s
			FROM campaign_recipients WHERE campaign = {:c} AND test = 0 AND customer != '' GROUP BY customer
		), outcome AS (
			SELECT p.held, count(o.order_id) AS orders, coalesce(sum(o.total - o.refunded), 0) AS revenue
			FROM people p LEFT JOIN stats_orders o ON o.person = p.customer AND o.purchased = 1 AND o.ts >= p.s AND o.ts < p.s + {:w}
			GROUP BY p.customer
		)
		SELECT held, count(*) AS n, coalesce(sum(orders > 0), 0) AS converted, coalesce(sum(orders), 0) AS orders,
			coalesce(sum(revenue), 0) AS rev, coalesce(sum(revenue * revenue), 0) AS rev_sq
		FROM outcome GROUP BY held`).Bind(dbx.Params{"c": campaign, "start": start, "w": window}).All(&out)
	return out, err
}
