// What a batch of shop events says about campaigns, stored in the ingestion's transaction
// (ingest.go, step 7):
//
//   - a purchase carrying a coupon code redeems it (redemptions + 1, first time and order kept);
//   - tracker.js reports on-site messages with campaign_impression, campaign_click and
//     campaign_dismiss events, properties.delivery naming the recipient row: the row's impressions,
//     clicks, dismissal and delivery are updated, for the customer the row belongs to only.
package main

import (
	"github.com/pocketbase/dbx"
)

type couponUse struct {
	Code  string `json:"code"`
	TS    int64  `json:"ts"`
	Order string `json:"order"`
}

type onsiteSignal struct {
	Delivery string `json:"delivery"`
	Customer string `json:"customer"`
	TS       int64  `json:"ts"`
}

func recordCampaignEffects(db dbx.Builder, batch []*shopEvent) error {
	uses := []couponUse{}
	signals := map[string][]onsiteSignal{}
	for _, ev := range batch {
		if ev.Type == "purchase" && ev.Coupon != "" {
			uses = append(uses, couponUse{ev.Coupon, ev.TS, ev.OrderID})
		}
		switch ev.Type {
		case "campaign_impression", "campaign_click", "campaign_dismiss":
			delivery, _ := ev.Properties["delivery"].(string)
			if delivery != "" && ev.Customer != "" {
				signals[ev.Type] = append(signals[ev.Type], onsiteSignal{delivery, ev.Customer, ev.TS})
			}
		}
	}
	if len(uses) > 0 {
		if err := exec(db, `UPDATE coupons SET redemptions = redemptions + u.n,
			  redeemed_at = CASE WHEN redeemed_at = 0 OR u.first < redeemed_at THEN u.first ELSE redeemed_at END,
			  last_order = u.last_order, updated = `+nowSQL+`
			FROM (SELECT value->>'code' AS code, count(*) AS n, min(value->>'ts') AS first, max(value->>'order') AS last_order
			      FROM json_each({:uses}) GROUP BY value->>'code') AS u
			WHERE coupons.code = u.code`, dbx.Params{"uses": toJSON(uses)}); err != nil {
			return err
		}
	}
	statements := map[string]string{
		"campaign_impression": `impressions = impressions + s.n,
			status = CASE WHEN status = 'queued' THEN 'delivered' ELSE status END,
			sent_at = CASE WHEN sent_at = 0 THEN s.first ELSE sent_at END,
			delivered_at = CASE WHEN delivered_at = 0 THEN s.first ELSE delivered_at END`,
		"campaign_click":   `clicks = clicks + s.n, clicked_at = CASE WHEN clicked_at = 0 THEN s.first ELSE clicked_at END`,
		"campaign_dismiss": `dismissed = TRUE`,
	}
	for typ, list := range signals {
		if err := exec(db, `UPDATE campaign_recipients SET `+statements[typ]+`, updated = `+nowSQL+`
			FROM (SELECT value->>'delivery' AS delivery, value->>'customer' AS customer, count(*) AS n, min(value->>'ts') AS first
			      FROM json_each({:list}) GROUP BY value->>'delivery', value->>'customer') AS s
			WHERE campaign_recipients.id = s.delivery AND campaign_recipients.customer = s.customer
			  AND campaign_recipients.channel = 'onsite'`, dbx.Params{"list": toJSON(list)}); err != nil {
			return err
		}
	}
	return nil
}
