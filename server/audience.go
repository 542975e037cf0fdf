// A campaign's audience (README "Campaigns"): who it reaches, frozen into campaign_recipients when it
// is published (a broadcast) or as each customer triggers it (a triggered campaign).
//
//   - members of the audience segment (the shared rule engine, run from Go: sharedjs.go), minus the
//     members of the excluded segments, minus customers any campaign reached in the last N days;
//   - a holdout drawn from them, reproducibly and stratified by RFM group: within each group, the
//     customers whose hash of (campaign, customer) comes first, holdout_pct of them, receive nothing;
//   - for everyone else, one row per channel: queued, or suppressed with the reason (no consent for
//     the channel in the consent ledger, no e-mail or phone, not known to the shop's site, no sales
//     rep to call).
package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

var errSegmentGone = errors.New("segment not found")

// segmentMembers returns the ids of a segment's members among all live customers (a campaign speaks
// for the shop), ordered by id.
func segmentMembers(app core.App, js *sharedJS, segmentID string, now int64) ([]string, error) {
	seg, err := app.FindRecordById("segments", segmentID)
	if err != nil || seg.GetBool("deleted") {
		return nil, errSegmentGone
	}
	if seg.GetString("kind") == "static" {
		var wanted []string
		_ = seg.UnmarshalJSONField("members", &wanted)
		ids := []string{}
		err := app.DB().NewQuery("SELECT id FROM customers WHERE deleted = 0 AND id IN (SELECT value FROM json_each({:ids})) ORDER BY id").Bind(dbx.Params{"ids": toJSON(wanted)}).Column(&ids)
		return ids, err
	}
	rule := seg.GetString("rule")
	if rule == "" || rule == "null" {
		return []string{}, nil
	}
	// The customers in parts evaluated side by side, each in a JavaScript runtime of its own (the
	// rule engine is most of a big campaign's publishing time), then merged in id order.
	parts := make([][]string, segmentParts)
	errs := make([]error, segmentParts)
	var wg sync.WaitGroup
	for k := range segmentParts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows, err := ruleRows(app, js, rule, k)
			if err != nil {
				errs[k] = err
				return
			}
			ids := []string{}
			errs[k] = js.callRaw("matchRule", `{"rule":`+rule+`,"now":`+fmt.Sprint(now)+`,"rows":`+rows+`}`, &ids)
			parts[k] = ids
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	ids := slices.Concat(parts...)
	slices.Sort(ids)
	return ids, nil
}

// segmentParts: how many parts a dynamic segment's customers are evaluated in at once.
var segmentParts = max(1, min(runtime.NumCPU(), 4))

type segmentColumn struct {
	Table  string `json:"table"`
	Column string `json:"column"`
}

// ruleRows: every live customer of a part (rowid modulo segmentParts) as JSON, with only the columns the rule reads (and their stats when
// it reads any), built by SQLite in one query, as lib/segments.js builds them.
func ruleRows(app core.App, js *sharedJS, rule string, part int) (string, error) {
	var fields []string
	if err := js.callRaw("ruleFields", rule, &fields); err != nil {
		return "", err
	}
	var columns map[string]segmentColumn
	if err := js.call("segmentColumns", nil, &columns); err != nil {
		return "", err
	}
	parts := []string{"'id', c.id"}
	var stats []string
	seen := map[string]bool{}
	for _, f := range fields {
		at, ok := columns[f]
		if !ok || seen[at.Table+"."+at.Column] {
			continue
		}
		seen[at.Table+"."+at.Column] = true
		if at.Table == "customer_stats" {
			stats = append(stats, fmt.Sprintf("'%s', s.%s", at.Column, at.Column))
			continue
		}
		switch at.Column {
		case "tags":
			parts = append(parts, "'tags', json(CASE WHEN json_valid(c.tags) THEN c.tags ELSE 'null' END)")
		case "marketing_consent":
			parts = append(parts, "'marketing_consent', json(CASE WHEN c.marketing_consent THEN 'true' ELSE 'false' END)")
		default:
			parts = append(parts, fmt.Sprintf("'%s', c.%s", at.Column, at.Column))
		}
	}
	join := ""
	if len(stats) > 0 {
		parts = append(parts, "'stats', CASE WHEN s.id IS NULL OR s.deleted THEN NULL ELSE json_object("+strings.Join(stats, ", ")+") END")
		join = "LEFT JOIN customer_stats s ON s.customer = c.id"
	}
	var text string
	err := app.DB().NewQuery("SELECT coalesce(json_group_array(json_object(" + strings.Join(parts, ", ") + ")), '[]') FROM customers c " + join + " WHERE c.deleted = 0 AND c.rowid % {:n} = {:k}").
		Bind(dbx.Params{"n": segmentParts, "k": part}).Row(&text)
	return text, err
}

// recipientID: a recipient row's id and delivery key, the same for the same campaign, customer and
// channel: 15 characters a-z0-9, as PocketBase's ids.
func recipientID(campaign, customer, channel string) string {
	sum := sha256.Sum256([]byte(campaign + ":" + customer + ":" + channel))
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, 15)
	for i := range out {
		out[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(out)
}

// holdoutRank orders customers for the holdout draw: reproducible for a campaign, unrelated to ids.
func holdoutRank(campaign, customer string) uint64 {
	sum := sha256.Sum256([]byte("holdout:" + campaign + ":" + customer))
	return binary.BigEndian.Uint64(sum[:8])
}

// candidate: what the channels need to know about one customer of the audience.
type candidate struct {
	ID          string `db:"id" json:"id"`
	Owner       string `db:"owner" json:"owner"`
	HasEmail    bool   `db:"has_email" json:"has_email"`
	HasPhone    bool   `db:"has_phone" json:"has_phone"`
	KnownOnSite bool   `db:"known_on_site" json:"known_on_site"`
	Stratum     string `db:"stratum" json:"stratum"`
	LastContact int64  `db:"last_contact" json:"last_contact"`
	Email       bool   `db:"c_email" json:"c_email"`
	SMS         bool   `db:"c_sms" json:"c_sms"`
	Onsite      bool   `db:"c_onsite" json:"c_onsite"`
	Chat        bool   `db:"c_chat" json:"c_chat"`
	Phone       bool   `db:"c_phone" json:"c_phone"`
}

// consentSQL: the latest decision in the consent ledger for a channel's purpose or for all marketing,
// else the customer's own marketing consent.
func consentSQL(purpose string) string {
	return fmt.Sprintf(`coalesce((SELECT k.granted FROM consents k WHERE k.customer = c.id AND k.purpose IN ('%s', 'marketing') AND k.deleted = 0
		ORDER BY k.at DESC, k.created DESC LIMIT 1), c.marketing_consent)`, purpose)
}

// loadCandidates reads, for the given customers, what the audience and its channels need. Consent
// comes from the ledger read once for all of them (consentSQL per customer and channel cost a sort
// each: a fifth of a big campaign's publishing time), with the same answer as consentSQL.
func loadCandidates(app core.App, ids []string) ([]candidate, error) {
	out := []candidate{}
	if len(ids) == 0 {
		return out, nil
	}
	// The addresses are sealed (fieldcrypt.go), empty lists are not: "has one" needs no opening.
	q := `SELECT c.id, c.owner,
		coalesce(c.emails NOT IN ('', 'null', '[]'), 0) AS has_email,
		coalesce(c.phones NOT IN ('', 'null', '[]'), 0) AS has_phone,
		(c.external_id != '' OR EXISTS (SELECT 1 FROM identities i WHERE i.customer = c.id)) AS known_on_site,
		coalesce(s.rfm_segment, '') AS stratum,
		coalesce((SELECT max(r.sent_at) FROM campaign_recipients r WHERE r.customer = c.id AND r.sent_at > 0), 0) AS last_contact,
		c.marketing_consent AS c_email
		FROM (SELECT value AS id FROM json_each({:ids})) l JOIN customers c ON c.id = l.id
		LEFT JOIN customer_stats s ON s.customer = c.id
		WHERE c.deleted = 0`
	if err := app.DB().NewQuery(q).Bind(dbx.Params{"ids": toJSON(ids)}).All(&out); err != nil {
		return nil, err
	}
	type decision struct {
		Customer string `db:"customer"`
		Purpose  string `db:"purpose"`
		Granted  bool   `db:"granted"`
	}
	ledger := []decision{}
	// Oldest first, as consentSQL orders them (newest first): the last one seen per purpose wins.
	if err := app.DB().NewQuery(`SELECT customer, purpose, granted FROM consents
		WHERE deleted = 0 AND customer IN (SELECT value FROM json_each({:ids})) ORDER BY at, created`).Bind(dbx.Params{"ids": toJSON(ids)}).All(&ledger); err != nil {
		return nil, err
	}
	type latest struct {
		granted bool
		order   int
	}
	byCustomer := map[string]map[string]latest{}
	for i, d := range ledger {
		m := byCustomer[d.Customer]
		if m == nil {
			m = map[string]latest{}
			byCustomer[d.Customer] = m
		}
		m[d.Purpose] = latest{d.Granted, i + 1}
	}
	for i := range out {
		c := &out[i]
		own := c.Email // the customer's own marketing consent, read above
		m := byCustomer[c.ID]
		decide := func(purpose string) bool {
			a, b := m[purpose], m["marketing"]
			switch {
			case a.order == 0 && b.order == 0:
				return own
			case a.order > b.order:
				return a.granted
			default:
				return b.granted
			}
		}
		c.Email, c.SMS, c.Onsite, c.Chat, c.Phone = decide("marketing_email"), decide("marketing_sms"), decide("marketing_onsite"), decide("marketing_chat"), decide("marketing_phone")
	}
	return out, nil
}

// channelVerdict: queued, or suppressed and why, for one customer and channel.
func channelVerdict(c *candidate, channel string) (status, reason string) {
	consent := map[string]bool{"email": c.Email, "sms": c.SMS, "onsite": c.Onsite, "chat": c.Chat, "task": c.Phone}[channel]
	if !consent {
		return "suppressed", "no_consent"
	}
	switch channel {
	case "email":
		if !c.HasEmail {
			return "suppressed", "no_email"
		}
	case "sms":
		if !c.HasPhone {
			return "suppressed", "no_phone"
		}
	case "onsite", "chat":
		if !c.KnownOnSite {
			return "suppressed", "not_on_site"
		}
	case "task":
		if c.Owner == "" {
			return "suppressed", "no_owner"
		}
	}
	return "queued", ""
}

// drawHoldout returns the customers held out: in each RFM group, round(n × pct / 100) of them, those
// ranked first by holdoutRank.
func drawHoldout(campaign string, people []candidate, pct float64) map[string]bool {
	held := map[string]bool{}
	if pct <= 0 {
		return held
	}
	type ranked struct {
		id   string
		rank uint64
	}
	groups := map[string][]ranked{}
	for _, p := range people {
		groups[p.Stratum] = append(groups[p.Stratum], ranked{p.ID, holdoutRank(campaign, p.ID)}) // hashed once each
	}
	for _, list := range groups {
		sort.Slice(list, func(i, j int) bool { return list[i].rank < list[j].rank })
		n := int(math.Round(float64(len(list)) * pct / 100))
		for _, r := range list[:n] {
			held[r.id] = true
		}
	}
	return held
}

// recipientRow is one row of campaign_recipients as written at publish or trigger time.
type recipientRow struct {
	ID       string `json:"id"`
	Customer string `json:"customer"`
	Channel  string `json:"channel"`
	Stratum  string `json:"stratum"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Coupon   string `json:"coupon"`
	NextAt   int64  `json:"next_at"`
}

// insertRecipients writes rows in chunks; a row already there (the same delivery key) is kept as it
// is, so freezing or triggering twice never queues anything twice.
func insertRecipients(tx core.App, campaign string, rows []recipientRow) (int, error) {
	inserted := 0
	const chunk = 5000
	// In id order: the rows land next to each other in the id index instead of all over it.
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b recipientRow) int { return strings.Compare(a.ID, b.ID) })
	for start := 0; start < len(rows); start += chunk {
		end := min(start+chunk, len(rows))
		text, _ := json.Marshal(rows[start:end])
		res, err := tx.DB().NewQuery(`INSERT OR IGNORE INTO campaign_recipients (id, campaign, customer, channel, stratum, status, reason, coupon, next_at, created, updated)
			SELECT value->>'id', {:campaign}, value->>'customer', value->>'channel', value->>'stratum', value->>'status', value->>'reason',
			  value->>'coupon', value->>'next_at', ` + nowSQL + `, ` + nowSQL + ` FROM json_each({:rows})`).
			Bind(dbx.Params{"campaign": campaign, "rows": string(text)}).Execute()
		if err != nil {
			return inserted, err
		}
		n, _ := res.RowsAffected()
		inserted += int(n)
	}
	return inserted, nil
}

// audienceCounts: what the freeze did, by reason, for the review step and the campaign page.
type audienceCounts struct {
	Members      int            `json:"members"`
	Excluded     int            `json:"excluded"`
	FrequencyCap int            `json:"frequency_cap"`
	Audience     int            `json:"audience"`
	Holdout      int            `json:"holdout"`
	Treated      int            `json:"treated"`
	Reachable    int            `json:"reachable"`
	Queued       map[string]int `json:"queued"`
	Suppressed   map[string]int `json:"suppressed"`
	ByReason     map[string]int `json:"suppressed_by_reason"`
	// owners: the sales reps whose customers have a row (they may read the campaign).
	owners []string
}

// planAudience works out the recipients of a broadcast for the given members (not yet excluded or
// capped): the holdout is drawn per RFM group. Nothing is written; rows come back with counts.
func planAudience(app core.App, js *sharedJS, campaignID string, snap *campaignSnapshot, members []string, now int64) ([]recipientRow, audienceCounts, error) {
	return planRecipients(app, js, campaignID, "", snap, members, now, func(people []candidate) map[string]bool {
		return drawHoldout(campaignID, people, snap.holdoutPct())
	})
}

// entryHoldout: for customers entering a triggered campaign one by one, each is held out with the
// holdout's probability, by a hash of campaign and customer: reproducible, and the same share in
// every RFM group on average.
func entryHoldout(campaign string, pct float64) func(people []candidate) map[string]bool {
	return func(people []candidate) map[string]bool {
		held := map[string]bool{}
		limit := uint64(pct / 100 * float64(math.MaxUint64))
		for _, p := range people {
			if pct > 0 && holdoutRank(campaign, p.ID) < limit {
				held[p.ID] = true
			}
		}
		return held
	}
}

// planRecipients: planAudience with the holdout draw given; entry ("" for a broadcast) tells apart
// the rows of a customer entering a triggered campaign again later.
func planRecipients(app core.App, js *sharedJS, campaignID, entry string, snap *campaignSnapshot, members []string, now int64, holdout func([]candidate) map[string]bool) ([]recipientRow, audienceCounts, error) {
	counts := audienceCounts{Members: len(members), Queued: map[string]int{}, Suppressed: map[string]int{}, ByReason: map[string]int{}}
	excluded := map[string]bool{}
	for _, seg := range snap.Audience.Exclude {
		ids, err := segmentMembers(app, js, seg, now)
		if errors.Is(err, errSegmentGone) {
			return nil, counts, fieldErr("audience.exclude", "not_found", "an excluded segment no longer exists")
		}
		if err != nil {
			return nil, counts, err
		}
		for _, id := range ids {
			excluded[id] = true
		}
	}
	kept := make([]string, 0, len(members))
	for _, id := range members {
		if excluded[id] {
			counts.Excluded++
			continue
		}
		kept = append(kept, id)
	}
	people, err := loadCandidates(app, kept)
	if err != nil {
		return nil, counts, err
	}
	if days := snap.Audience.FrequencyCapDays; days > 0 {
		since := now - int64(days)*86_400_000
		fresh := people[:0]
		for _, p := range people {
			if p.LastContact > since {
				counts.FrequencyCap++
				continue
			}
			fresh = append(fresh, p)
		}
		people = fresh
	}
	counts.Audience = len(people)
	held := holdout(people)
	nextAt := snap.sendAt(now)
	key := func(customer string) string {
		if entry == "" {
			return customer
		}
		return customer + "#" + entry
	}
	rows := make([]recipientRow, 0, len(people)*(len(snap.Channels)+1))
	owners := map[string]bool{}
	for i := range people {
		p := &people[i]
		if p.Owner != "" && !owners[p.Owner] {
			owners[p.Owner] = true
			counts.owners = append(counts.owners, p.Owner)
		}
		if held[p.ID] {
			counts.Holdout++
			rows = append(rows, recipientRow{ID: recipientID(campaignID, key(p.ID), "holdout"), Customer: p.ID, Channel: "holdout", Stratum: p.Stratum, Status: "holdout"})
			continue
		}
		counts.Treated++
		reached := false
		for _, ch := range snap.Channels {
			status, reason := channelVerdict(p, ch)
			if status == "queued" {
				counts.Queued[ch]++
				reached = true
			} else {
				counts.Suppressed[ch]++
				counts.ByReason[reason]++
			}
			rows = append(rows, recipientRow{ID: recipientID(campaignID, key(p.ID), ch), Customer: p.ID, Channel: ch, Stratum: p.Stratum, Status: status, Reason: reason, NextAt: nextAt})
		}
		if reached {
			counts.Reachable++
		}
	}
	return rows, counts, nil
}

// fieldErr is a 400 naming one field (the campaign routes' answers).
func fieldErr(field, code, message string) error {
	return apiFieldError(400, field, code, message)
}
