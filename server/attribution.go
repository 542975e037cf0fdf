// Which campaign each order belongs to (docs/campaign-effect.md "Attribution"; the same rules as
// attribute() in src/lib/shared/effect.ts):
//
//  1. a purchase carrying a campaign's coupon belongs to that campaign;
//  2. otherwise to the campaign last clicked within that campaign's attribution window before the order;
//  3. otherwise, shown apart as view-through, to the campaign last delivered (sent, shown on the site)
//     within its window: never added to the first two.
//
// Each order has at most one row (campaign_attributions, keyed by order), so two campaigns clicked
// before one order count it once. Ties go to the later touch, then the larger campaign id.
//
// The rows of a customer are worked out again from stats_orders and campaign_recipients whenever a
// batch of events changes that customer's orders (a purchase, a refund, a late or repeated event) or
// touches (an on-site impression or click), and when a tracked e-mail link is followed: so the answer
// does not depend on the order the events arrived in.
package main

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// windowMS: a campaign's attribution window in milliseconds (campaigns c).
const windowMS = `(CASE WHEN c.attribution_days > 0 THEN c.attribution_days ELSE 7 END) * 86400000`

// exposureMS: when a recipient row reached the customer (delivered, else sent; 0 when it did not).
const exposureMS = `(CASE WHEN r.status IN ('sent', 'delivered') THEN (CASE WHEN r.delivered_at > 0 THEN r.delivered_at ELSE r.sent_at END) ELSE 0 END)`

// attributionSQL: the attribution rows of these customers' orders (a prefix a/b/c orders the rules).
// The picks are MATERIALIZED: flattened into the outer SELECT, each of the three look-ups ran once for
// every use of its result (three times an order).
const attributionSQL = `WITH picks AS MATERIALIZED (
		SELECT o.order_id, o.person, o.ts, round(o.total - o.refunded, 2) AS revenue, coalesce(
			(SELECT 'a:' || k.campaign FROM coupons k WHERE o.coupon != '' AND k.code = o.coupon),
			(SELECT 'b:' || r.campaign FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign
				WHERE r.customer = o.person AND r.test = 0 AND r.clicked_at > 0 AND r.clicked_at <= o.ts AND o.ts - r.clicked_at <= ` + windowMS + `
				ORDER BY r.clicked_at DESC, r.campaign DESC LIMIT 1),
			(SELECT 'c:' || r.campaign FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign
				WHERE r.customer = o.person AND r.test = 0 AND r.channel != 'holdout' AND ` + exposureMS + ` > 0
				  AND ` + exposureMS + ` <= o.ts AND o.ts - ` + exposureMS + ` <= ` + windowMS + `
				ORDER BY ` + exposureMS + ` DESC, r.campaign DESC LIMIT 1)) AS pick
		FROM stats_orders o WHERE o.person IN (SELECT value FROM json_each({:ids})) AND o.purchased = 1)
	INSERT OR REPLACE INTO campaign_attributions (order_id, customer, campaign, rule, ts, revenue)
	SELECT order_id, person, substr(pick, 3), CASE substr(pick, 1, 1) WHEN 'a' THEN 'coupon' WHEN 'b' THEN 'click' ELSE 'view_through' END, ts, revenue
	FROM picks WHERE pick IS NOT NULL`

// attributeCustomers works out again the attribution rows of these customers' orders. Customers no
// campaign reached and who used no coupon have none: they are skipped after one index look-up.
func attributeCustomers(db dbx.Builder, customers []string, withCoupon []string) error {
	if len(customers) == 0 && len(withCoupon) == 0 {
		return nil
	}
	reached, err := column(db, `SELECT DISTINCT customer FROM campaign_recipients WHERE customer IN (SELECT value FROM json_each({:ids}))
		AND channel != 'holdout'`, dbx.Params{"ids": toJSON(customers)})
	if err != nil {
		return err
	}
	had, err := column(db, `SELECT DISTINCT customer FROM campaign_attributions WHERE customer IN (SELECT value FROM json_each({:ids}))`,
		dbx.Params{"ids": toJSON(customers)})
	if err != nil {
		return err
	}
	ids := append(append(reached, had...), withCoupon...)
	if len(ids) == 0 {
		return nil
	}
	p := dbx.Params{"ids": toJSON(ids)}
	if err := exec(db, `DELETE FROM campaign_attributions WHERE customer IN (SELECT value FROM json_each({:ids}))`, p); err != nil {
		return err
	}
	return exec(db, attributionSQL, p)
}

// attributedSQL: a campaign's attributed orders by rule, from the index alone.
const attributedSQL = `SELECT rule, count(*) AS orders, count(DISTINCT customer) AS customers, coalesce(round(sum(revenue), 2), 0) AS revenue
	FROM campaign_attributions WHERE campaign = {:c} GROUP BY rule`

type attributed struct {
	Orders    int     `db:"orders" json:"orders"`
	Customers int     `db:"customers" json:"customers"`
	Revenue   float64 `db:"revenue" json:"revenue"`
}

// campaignAttribution: the campaign's orders by rule (coupon, click, view_through; each present).
func campaignAttribution(app core.App, campaign string) (map[string]attributed, error) {
	type row struct {
		Rule string `db:"rule"`
		attributed
	}
	rows := []row{}
	if err := app.DB().NewQuery(attributedSQL).Bind(dbx.Params{"c": campaign}).All(&rows); err != nil {
		return nil, err
	}
	out := map[string]attributed{"coupon": {}, "click": {}, "view_through": {}}
	for _, r := range rows {
		out[r.Rule] = r.attributed
	}
	return out, nil
}

// backfillAttributions: once, the rows of every customer a campaign reached or whose order carried a
// coupon (orders recorded before this version).
func backfillAttributions(app core.App) error {
	var done string
	_ = app.DB().NewQuery("SELECT value FROM crm_settings WHERE key = 'attribution_backfilled'").Row(&done)
	if done != "" {
		return nil
	}
	return app.RunInTransaction(func(tx core.App) error {
		ids, err := column(tx.DB(), `SELECT DISTINCT customer FROM campaign_recipients WHERE channel != 'holdout' AND customer != ''
			UNION SELECT DISTINCT person FROM stats_orders WHERE coupon != ''`, nil)
		if err != nil {
			return err
		}
		for start := 0; start < len(ids); start += 500 {
			end := min(start+500, len(ids))
			if err := exec(tx.DB(), attributionSQL, dbx.Params{"ids": toJSON(ids[start:end])}); err != nil {
				return err
			}
		}
		return exec(tx.DB(), "INSERT OR REPLACE INTO crm_settings (key, value) VALUES ('attribution_backfilled', '1')", nil)
	})
}
