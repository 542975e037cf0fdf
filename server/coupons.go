// Coupons of campaigns (pb_migrations/1764154200_coupons.js):
//
//   - made when a campaign is published: its shared code, or an unguessable code per recipient
//     (10 characters of 32, about 50 bits), unique across all campaigns;
//   - checked by the shop's back end with its server key: GET /api/crm/coupons/{code}
//     → {code, valid, reason, kind, value, threshold, min_spend, valid_from, valid_to, customer_id, redemptions};
//   - redeemed by a purchase event carrying the code (campaign_ingest.go).
package main

import (
	"crypto/rand"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

const couponAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" // no 0/O, 1/I: read aloud on the phone

func newCouponCode() string {
	buf := make([]byte, 10)
	_, _ = rand.Read(buf)
	for i := range buf {
		buf[i] = couponAlphabet[int(buf[i])%len(couponAlphabet)]
	}
	return string(buf)
}

// assignCoupons makes the campaign's codes and writes each treated recipient's code into its rows.
func assignCoupons(tx core.App, campaign string, snap *campaignSnapshot, rows []recipientRow) error {
	if !snap.hasOffer() {
		return nil
	}
	o := snap.Offer
	insert := func(codes map[string]string) (int, error) { // code → customer ('' for a shared code)
		type row struct {
			Code     string `json:"code"`
			Customer string `json:"customer"`
		}
		list := make([]row, 0, len(codes))
		for code, customer := range codes {
			list = append(list, row{code, customer})
		}
		res, err := tx.DB().NewQuery(`INSERT OR IGNORE INTO coupons (id, code, campaign, customer, kind, value, threshold, min_spend, valid_from, valid_to, created, updated)
			SELECT ` + newIDSQL + `, value->>'code', {:campaign}, value->>'customer', {:kind}, {:value}, {:threshold}, {:min}, {:from}, {:to}, ` + nowSQL + `, ` + nowSQL + `
			FROM json_each({:rows})`).Bind(dbx.Params{"campaign": campaign, "kind": o.Type, "value": o.Value, "threshold": o.Threshold, "min": o.MinSpend,
			"from": o.ValidFrom, "to": o.ValidTo, "rows": toJSON(list)}).Execute()
		if err != nil {
			return 0, err
		}
		n, _ := res.RowsAffected()
		return int(n), nil
	}
	if o.CodeMode == "shared" {
		code := strings.ToUpper(strings.TrimSpace(o.SharedCode))
		var taken int
		_ = tx.DB().NewQuery("SELECT count(*) FROM coupons WHERE code = {:c}").Bind(dbx.Params{"c": code}).Row(&taken)
		if taken > 0 {
			return fieldErr("offer.shared_code", "not_unique", "the coupon code "+code+" is already used by another campaign: choose another")
		}
		if _, err := insert(map[string]string{code: ""}); err != nil {
			return err
		}
		for i := range rows {
			if rows[i].Channel != "holdout" {
				rows[i].Coupon = code
			}
		}
		return nil
	}
	// A code for each treated customer that any channel reaches.
	codeOf := map[string]string{}
	for _, r := range rows {
		if r.Status == "queued" && codeOf[r.Customer] == "" {
			codeOf[r.Customer] = "-"
		}
	}
	pending := map[string]string{} // code → customer
	// fresh: a code not already given out in this batch.
	fresh := func() string {
		for {
			if code := newCouponCode(); pending[code] == "" {
				return code
			}
		}
	}
	for customer := range codeOf {
		code := fresh()
		pending[code] = customer
		codeOf[customer] = code
	}
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt > 5 {
			return fieldErr("offer", "codes_failed", "unique coupon codes could not be made")
		}
		n, err := insert(pending)
		if err != nil {
			return err
		}
		if n == len(pending) {
			break // every code was new (the usual case: 50 bits each)
		}
		// A code that existed already (another campaign's) was ignored: give that customer a new one.
		mine := []string{}
		codes := make([]string, 0, len(pending))
		for code := range pending {
			codes = append(codes, code)
		}
		if err := tx.DB().NewQuery("SELECT code FROM coupons WHERE campaign = {:c} AND code IN (SELECT value FROM json_each({:codes}))").
			Bind(dbx.Params{"c": campaign, "codes": toJSON(codes)}).Column(&mine); err != nil {
			return err
		}
		for _, code := range mine {
			delete(pending, code)
		}
		left := pending
		pending = map[string]string{}
		for _, customer := range left {
			code := fresh()
			pending[code] = customer
			codeOf[customer] = code
		}
	}
	for i := range rows {
		if rows[i].Channel != "holdout" && rows[i].Status == "queued" {
			rows[i].Coupon = codeOf[rows[i].Customer]
		}
	}
	return nil
}

// couponState: whether a code can be used today, and why not.
type couponState struct {
	Code        string  `json:"code" db:"code"`
	Valid       bool    `json:"valid"`
	Reason      string  `json:"reason,omitempty"`
	Kind        string  `json:"kind" db:"kind"`
	Value       float64 `json:"value" db:"value"`
	Threshold   float64 `json:"threshold" db:"threshold"`
	MinSpend    float64 `json:"min_spend" db:"min_spend"`
	ValidFrom   string  `json:"valid_from" db:"valid_from"`
	ValidTo     string  `json:"valid_to" db:"valid_to"`
	Redemptions int     `json:"redemptions" db:"redemptions"`
	RedeemedAt  int64   `json:"redeemed_at,omitempty" db:"redeemed_at"`
	LastOrder   string  `json:"last_order,omitempty" db:"last_order"`
	CustomerID  string  `json:"customer_id" db:"customer_id"`
	Customer    string  `json:"-" db:"customer"`
	Campaign    string  `json:"campaign" db:"campaign"`
	CampaignOK  string  `json:"-" db:"campaign_state"`
}

const couponLookupSQL = `SELECT k.code, k.kind, k.value, k.threshold, k.min_spend, k.valid_from, k.valid_to, k.redemptions, k.redeemed_at, k.last_order,
		k.customer, coalesce(c.external_id, '') AS customer_id, k.campaign, m.state AS campaign_state
		FROM coupons k JOIN campaigns m ON m.id = k.campaign LEFT JOIN customers c ON c.id = k.customer WHERE k.code = {:code}`

func lookupCoupon(app core.App, code string, tzOffset int) (*couponState, bool) {
	st := &couponState{}
	err := app.DB().NewQuery(couponLookupSQL).
		Bind(dbx.Params{"code": strings.ToUpper(strings.TrimSpace(code))}).One(st)
	if err != nil {
		return nil, false
	}
	today := time.Now().Add(time.Duration(tzOffset) * time.Minute).UTC().Format("2006-01-02")
	switch {
	case st.CampaignOK == "cancelled":
		st.Reason = "campaign_cancelled"
	case st.ValidFrom != "" && today < st.ValidFrom:
		st.Reason = "not_yet_valid"
	case st.ValidTo != "" && today > st.ValidTo:
		st.Reason = "expired"
	case st.Customer != "" && st.Redemptions > 0:
		st.Reason = "already_used"
	default:
		st.Valid = true
	}
	return st, true
}

// handleCouponCheck: GET /api/crm/coupons/{code} for the shop's back end (server key).
func (in *ingestion) handleCouponCheck(e *core.RequestEvent) error {
	if refused, err := in.refuseUnlessServerKey(e, "coupons are checked"); refused {
		return err
	}
	st, ok := lookupCoupon(e.App, e.Request.PathValue("code"), in.tzOffset)
	if !ok {
		return e.JSON(http.StatusNotFound, map[string]any{"code": strings.ToUpper(e.Request.PathValue("code")), "valid": false, "reason": "not_found"})
	}
	return e.JSON(http.StatusOK, st)
}

// refuseUnlessServerKey answers 401 without a live shop key and 403 for a browser key (what is done
// with it, e.g. "coupons are checked", goes into the message) and says it did; false when the request
// carries a server key and may go on.
func (in *ingestion) refuseUnlessServerKey(e *core.RequestEvent, what string) (bool, error) {
	source := in.findSource(bearerKey(e.Request))
	if source == nil || source.GetBool("revoked") {
		return true, fail(e, http.StatusUnauthorized, "unknown_key", "a valid server key is required (Authorization: Bearer crm_sk_…)", nil)
	}
	if source.GetString("kind") != "server" {
		return true, fail(e, http.StatusForbidden, "server_key_required", what+" with the shop's server key, not a browser key", nil)
	}
	return false, nil
}

func bearerKey(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if k, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(k)
	}
	return strings.TrimSpace(h)
}
