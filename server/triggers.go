// Triggered campaigns (README "Campaigns"): once a minute the server looks at what happened and lets
// customers enter the running triggered campaigns:
//
//	abandoned_cart  a cart delay_hours ago (default 4) with no purchase since
//	post_purchase   an order delay_hours ago (default 72)
//	welcome         a new customer (created since the last look)
//	birthday        today is their birthday (shop time), once a day from 09:00
//	win_back        their RFM group just became "at risk" or "hibernating"
//
// A customer enters a campaign at most once per reentry_days (default 30); the audience segment (if
// any) and the excluded segments apply, then the frequency cap, consent and the holdout
// (entryHoldout), as for a broadcast. Each entry's rows carry the day of the entry in their delivery
// key, so entering again later is a new message and the same minute looked at twice is not.
package main

import (
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

const (
	triggerScanEvery  = time.Minute
	triggerMembersTTL = 10 * time.Minute
	triggerDefaultGap = 30 // days before a customer may enter again
)

type triggerScanner struct {
	svc      *campaignService
	mu       sync.Mutex
	lastScan map[string]int64 // campaign → the end of the window looked at (ms)
	members  map[string]memberCache
	birthday map[string]string // campaign → the shop day whose birthdays were sent
}

type memberCache struct {
	ids map[string]bool
	at  time.Time
}

func startTriggers(svc *campaignService) *triggerScanner {
	t := &triggerScanner{svc: svc, lastScan: map[string]int64{}, members: map[string]memberCache{}, birthday: map[string]string{}}
	go func() {
		ticker := time.NewTicker(triggerScanEvery)
		defer ticker.Stop()
		for range ticker.C {
			t.scanAll(time.Now())
		}
	}()
	return t
}

// scanAll lets customers enter every running triggered campaign; also run on demand (tests, the demo).
func (t *triggerScanner) scanAll(now time.Time) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	winBack := t.rfmTransitions()
	entered := 0
	t.svc.queue.mu.Lock()
	snaps := map[string]*campaignSnapshot{}
	for id, s := range t.svc.queue.campaign {
		if s.Kind == "triggered" {
			snaps[id] = s
		}
	}
	t.svc.queue.mu.Unlock()
	for id, snap := range snaps {
		if state, _ := t.svc.states.get(id); state != "running" {
			continue
		}
		n, err := t.scan(id, snap, now, winBack)
		if err != nil {
			t.svc.app.Logger().Error("triggered campaign: scan failed", "campaign", id, "error", err)
			continue
		}
		if n > 0 {
			// The new entries' outcome rows (the campaign's results count from each entry).
			if err := fillOutcomes(t.svc.app, id); err != nil {
				t.svc.app.Logger().Warn("campaign outcomes: fill failed", "campaign", id, "error", err)
			}
		}
		entered += n
	}
	if entered > 0 {
		t.svc.queue.wake()
	}
	return entered
}

func (t *triggerScanner) scan(id string, snap *campaignSnapshot, now time.Time, winBack []string) (int, error) {
	app := t.svc.app
	nowMs := now.UnixMilli()
	// The window is in the events' own time: what happened after the campaign started and since the
	// last look (after a restart, from the start again: the delivery keys keep entries single).
	from := t.lastScan[id]
	if from == 0 {
		from = nowMs
		if started, err := time.Parse(time.RFC3339, snap.PublishedAt); err == nil {
			from = started.UnixMilli()
		}
	}
	delayHours := map[string]int{"abandoned_cart": 4, "post_purchase": 72}[snap.Trigger.Type]
	if snap.Trigger.DelayHours != nil {
		delayHours = *snap.Trigger.DelayHours
	}
	delay := int64(delayHours) * 3_600_000
	candidates := []string{}
	var err error
	switch snap.Trigger.Type {
	case "abandoned_cart":
		err = app.DB().NewQuery(`SELECT c.customer FROM (SELECT e.customer, max(e.ts) AS cart_ts FROM events e
			  WHERE e.type = 'add_to_cart' AND e.customer != '' AND e.ts > {:a} AND e.ts <= {:b} GROUP BY e.customer) c
			WHERE NOT EXISTS (SELECT 1 FROM events p WHERE p.customer = c.customer AND p.type = 'purchase' AND p.ts > c.cart_ts)`).
			Bind(dbx.Params{"a": from, "b": nowMs - delay}).Column(&candidates)
	case "post_purchase":
		err = app.DB().NewQuery(`SELECT DISTINCT customer FROM stats_orders WHERE customer != '' AND purchased AND ts > {:a} AND ts <= {:b}`).
			Bind(dbx.Params{"a": from, "b": nowMs - delay}).Column(&candidates)
	case "welcome":
		err = app.DB().NewQuery(`SELECT id FROM customers WHERE deleted = 0 AND created > {:a} AND created <= {:b}`).
			Bind(dbx.Params{"a": pbTime(time.UnixMilli(from)), "b": pbTime(now)}).Column(&candidates)
	case "birthday":
		local := now.UTC().Add(time.Duration(shopTZOffset()) * time.Minute)
		day := local.Format("2006-01-02")
		if local.Hour() >= 9 && t.birthday[id] != day {
			err = app.DB().NewQuery(birthdaySQL).Bind(dbx.Params{"md": local.Format("01-02")}).Column(&candidates)
			if err == nil {
				t.birthday[id] = day
			}
		}
	case "win_back":
		candidates = winBack
	}
	if err != nil {
		return 0, err
	}
	if end := nowMs - delay; end > from {
		t.lastScan[id] = end
	} else if t.lastScan[id] == 0 {
		t.lastScan[id] = from
	}
	if len(candidates) == 0 {
		return 0, nil
	}
	candidates, err = t.eligible(id, snap, candidates, nowMs)
	if err != nil || len(candidates) == 0 {
		return 0, err
	}
	entry := now.UTC().Add(time.Duration(shopTZOffset()) * time.Minute).Format("20060102")
	rows, _, err := planRecipients(app, t.svc.js, id, entry, snap, candidates, nowMs, entryHoldout(id, snap.holdoutPct()))
	if err != nil {
		return 0, err
	}
	inserted := 0
	err = app.RunInTransaction(func(tx core.App) error {
		if err := assignCoupons(tx, id, snap, rows); err != nil {
			return err
		}
		n, err := insertRecipients(tx, id, rows)
		inserted = n
		return err
	})
	return inserted, err
}

// eligible keeps the candidates in the audience segment (if any) who did not enter lately.
func (t *triggerScanner) eligible(id string, snap *campaignSnapshot, candidates []string, now int64) ([]string, error) {
	app := t.svc.app
	var in map[string]bool
	if snap.Audience.Segment != "" {
		cached, ok := t.members[id]
		if !ok || time.Since(cached.at) > triggerMembersTTL {
			ids, err := segmentMembers(app, t.svc.js, snap.Audience.Segment, now)
			if err != nil {
				return nil, err
			}
			cached = memberCache{ids: map[string]bool{}, at: time.Now()}
			for _, m := range ids {
				cached.ids[m] = true
			}
			t.members[id] = cached
		}
		in = cached.ids
	}
	gap := snap.Trigger.ReentryDays
	if gap <= 0 {
		gap = triggerDefaultGap
	}
	recent := []string{}
	if err := app.DB().NewQuery(`SELECT DISTINCT customer FROM campaign_recipients WHERE campaign = {:c} AND customer IN (SELECT value FROM json_each({:ids}))
		AND created > {:since}`).Bind(dbx.Params{"c": id, "ids": toJSON(candidates), "since": pbTime(time.UnixMilli(now - int64(gap)*86_400_000))}).Column(&recent); err != nil {
		return nil, err
	}
	skip := map[string]bool{}
	for _, r := range recent {
		skip[r] = true
	}
	out := []string{}
	for _, c := range candidates {
		if skip[c] || (in != nil && !in[c]) {
			continue
		}
		skip[c] = true
		out = append(out, c)
	}
	return out, nil
}

// rfmTransitions: customers whose RFM group became at_risk or hibernating since the last look,
// from a snapshot of every customer's group (the first look only takes the snapshot).
func (t *triggerScanner) rfmTransitions() []string {
	app := t.svc.app
	var have int
	_ = app.DB().NewQuery("SELECT count(*) FROM campaign_rfm_seen").Row(&have)
	moved := []string{}
	if have > 0 {
		_ = app.DB().NewQuery(`SELECT s.customer FROM customer_stats s LEFT JOIN campaign_rfm_seen r ON r.customer = s.customer
			WHERE s.rfm_segment IN ('at_risk', 'hibernating') AND coalesce(r.segment, '') NOT IN ('at_risk', 'hibernating')`).Column(&moved)
	}
	_, _ = app.DB().NewQuery(`INSERT INTO campaign_rfm_seen (customer, segment) SELECT customer, rfm_segment FROM customer_stats WHERE true
		ON CONFLICT (customer) DO UPDATE SET segment = excluded.segment WHERE segment != excluded.segment`).Execute()
	return moved
}

// birthdaySQL: the live customers whose birthday (sealed, fieldcrypt.go; opened once each) falls on the
// month-day {:md}.
const birthdaySQL = `WITH c AS MATERIALIZED (SELECT id, crm_open('customers.birthday', birthday) AS b FROM customers WHERE deleted = 0 AND birthday != '')
	SELECT id FROM c WHERE length(b) = 10 AND substr(b, 6, 5) = {:md}`
