// The send queue (README "Campaigns", "Sending"): one durable queue in the database,
// campaign_recipients rows with status 'queued' and a due time, drained here for the channels the
// server sends itself: e-mail (SMTP), SMS (the HTTP gateway) and sales tasks (a follow-up in the rep's
// Today list). On-site and chat messages are not sent: the shopper's next visit asks for them
// (onsite.go, the chat session).
//
// Never twice, never lost:
//   - a row is claimed (status 'sending', attempts + 1) and committed before its message goes out;
//     after a crash, rows left 'sending' are sent again with the same delivery key: the e-mail's
//     Message-ID, the SMS gateway's out_id and the task's record id are all made from the row's id,
//     so the mailbox, the gateway and the database each keep one copy;
//   - temporary failures (a 4xx SMTP answer, a gateway timeout or 5xx) wait and retry, 5 times at
//     most (30 s, 2 min, 10 min, 1 h); permanent ones fail with their reason;
//   - quiet hours (shop time, per campaign) defer e-mail and SMS rather than drop them;
//   - pausing takes effect before the next message (the state is checked in memory), resuming goes
//     on from the rows still queued.
package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// pushChannels: the channels the queue sends; the others wait for the shopper.
var pushChannels = []string{"email", "sms", "task"}

const (
	queueBatch     = 100
	queueMaxTries  = 5
	queueIdlePoll  = 500 * time.Millisecond
	onsiteDefault  = 14 * 24 * time.Hour // how long on-site and chat messages wait for a visit
	outcomeFlushMs = 50
)

// retryDelays: the waits before the 2nd to 5th attempts; CRM_SEND_RETRY_DELAYS (seconds, comma-separated)
// shortens them for tests.
var retryDelays = func() []time.Duration {
	if v := os.Getenv("CRM_SEND_RETRY_DELAYS"); v != "" {
		out := []time.Duration{}
		for _, p := range strings.Split(v, ",") {
			if f, err := strconv.ParseFloat(strings.TrimSpace(p), 64); err == nil && f >= 0 {
				out = append(out, time.Duration(f*float64(time.Second)))
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour}
}()

type claimedRow struct {
	ID       string `db:"id"`
	Campaign string `db:"campaign"`
	Customer string `db:"customer"`
	Channel  string `db:"channel"`
	Coupon   string `db:"coupon"`
	Attempts int    `db:"attempts"`
	Test     bool   `db:"test"`
	Address  string `db:"address"`
}

// sendResult: what became of one message.
type sendResult struct {
	row       claimedRow
	status    string // sent, delivered, failed, queued (retry or not sent: paused)
	reason    string
	task      string
	retryAt   int64
	refundTry bool // not attempted (paused): the attempt does not count
}

// permanentError is a failure that retrying will not cure (a refused address, a bad template).
type permanentError struct{ reason string }

func (p *permanentError) Error() string { return p.reason }

// suppressedError: the message must not go (the customer withdrew consent since it was queued).
type suppressedError struct{ reason string }

func (s *suppressedError) Error() string { return s.reason }

type sendQueue struct {
	app      core.App
	svc      *campaignService
	wakeCh   chan struct{}
	limiters map[string]*tokenBucket
	mu       sync.Mutex
	campaign map[string]*campaignSnapshot // published copies, by id
	names    map[string]string
	results  chan sendResult
	inFlight sync.WaitGroup
}

func newSendQueue(app core.App, svc *campaignService) *sendQueue {
	return &sendQueue{app: app, svc: svc, wakeCh: make(chan struct{}, 1), campaign: map[string]*campaignSnapshot{}, names: map[string]string{}, results: make(chan sendResult, 1024)}
}

// wake asks the queue to look for work now.
func (q *sendQueue) wake() {
	select {
	case q.wakeCh <- struct{}{}:
	default:
	}
}

func (q *sendQueue) start(se *core.ServeEvent) {
	if strings.EqualFold(strings.TrimSpace(getenv("CRM_SEND_QUEUE")), "off") {
		return
	}
	settings := readCampaignSettings(q.app)
	q.limiters = map[string]*tokenBucket{
		"email": newTokenBucket(settings.Rates.EmailPerSecond),
		"sms":   newTokenBucket(settings.Rates.SMSPerSecond),
		"task":  newTokenBucket(200),
	}
	ctx, cancel := context.WithCancel(context.Background())
	q.app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		cancel()
		q.inFlight.Wait()
		return e.Next()
	})
	go q.writeResults(ctx)
	go q.run(ctx)
}

func (q *sendQueue) run(ctx context.Context) {
	q.recoverUncertain()
	ticker := time.NewTicker(queueIdlePoll)
	defer ticker.Stop()
	for {
		q.refreshCampaigns()
		worked := q.drainOnce(ctx)
		q.completeFinished()
		if worked > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-q.wakeCh:
		case <-ticker.C:
		}
	}
}

// recoverUncertain: rows claimed when the server stopped may or may not have gone out; they go again
// with the same delivery key (see the package comment).
func (q *sendQueue) recoverUncertain() {
	res, err := q.app.DB().NewQuery("UPDATE campaign_recipients SET status = 'queued', updated = " + nowSQL + " WHERE status = 'sending'").Execute()
	if err != nil {
		q.app.Logger().Error("send queue: recovering claimed rows failed", "error", err)
		return
	}
	if n, _ := res.RowsAffected(); n > 0 {
		// Said on the console too: how many messages may reach their recipient's server twice (each
		// mailbox, gateway and task keeps one copy of a delivery key).
		fmt.Fprintf(os.Stderr, "send queue: %d messages were being sent when the server stopped; sending them again with their delivery keys\n", n)
		q.app.Logger().Warn("send queue: resending messages claimed before a stop", "count", n)
	}
}

// refreshCampaigns loads the published copy of every scheduled or running campaign, and starts
// scheduled ones whose time has come.
func (q *sendQueue) refreshCampaigns() {
	type row struct {
		ID        string `db:"id"`
		Name      string `db:"name"`
		State     string `db:"state"`
		Published string `db:"published"`
	}
	rows := []row{}
	if err := q.app.DB().NewQuery("SELECT id, name, state, published FROM campaigns WHERE state IN ('scheduled', 'running', 'paused') AND deleted = 0").All(&rows); err != nil {
		return
	}
	now := time.Now().UnixMilli()
	q.mu.Lock()
	q.campaign = map[string]*campaignSnapshot{}
	for _, r := range rows {
		snap := &campaignSnapshot{}
		if jsonUnmarshalString(r.Published, snap) != nil {
			continue
		}
		q.campaign[r.ID] = snap
		q.names[r.ID] = r.Name
		if _, known := q.svc.states.get(r.ID); !known {
			q.svc.states.set(r.ID, r.State)
		}
	}
	q.mu.Unlock()
	for _, r := range rows {
		state, _ := q.svc.states.get(r.ID)
		if state == "scheduled" && q.campaign[r.ID] != nil && q.campaign[r.ID].sendAt(now) <= now {
			q.startScheduled(r.ID)
		}
	}
}

func (q *sendQueue) startScheduled(id string) {
	err := q.app.RunInTransaction(func(tx core.App) error {
		c, err := tx.FindRecordById("campaigns", id)
		if err != nil || c.GetString("state") != "scheduled" {
			return err
		}
		c.Set("state", "running")
		c.Set("started_at", time.Now().UTC().Format(time.RFC3339))
		return tx.Save(c)
	})
	if err == nil {
		q.svc.states.set(id, "running")
		fillOutcomesLater(q.app, id)
	}
}

// allowedPairs: the (campaign, channel) pairs that may send now: running, and outside quiet hours
// for e-mail and SMS.
func (q *sendQueue) allowedPairs(now time.Time) []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	pairs := []string{}
	tz := shopTZOffset()
	for id, snap := range q.campaign {
		if state, _ := q.svc.states.get(id); state != "running" {
			continue
		}
		quiet := inQuietHours(now, tz, snap.Schedule.QuietFrom, snap.Schedule.QuietTo)
		for _, ch := range snap.Channels {
			if ch == "task" || ((ch == "email" || ch == "sms") && !quiet) {
				pairs = append(pairs, id+":"+ch)
			}
		}
	}
	return pairs
}

// drainOnce claims due rows and sends them; returns how many it claimed.
func (q *sendQueue) drainOnce(ctx context.Context) int {
	now := time.Now()
	rates := readCampaignSettings(q.app).Rates
	q.limiters["email"].setRate(rates.EmailPerSecond)
	q.limiters["sms"].setRate(rates.SMSPerSecond)
	pairs := q.allowedPairs(now)
	claimed := []claimedRow{}
	// Test sends go whatever the campaign's state and the hour.
	// No more claimed than go out in about 200 ms: after a crash, only these are uncertain.
	batch := max(8, min(queueBatch, (rates.EmailPerSecond+rates.SMSPerSecond)/5))
	err := q.app.RunInTransaction(func(tx core.App) error {
		return tx.DB().NewQuery(`UPDATE campaign_recipients SET status = 'sending', attempts = attempts + 1, updated = ` + nowSQL + `
			WHERE id IN (SELECT id FROM campaign_recipients WHERE status = 'queued' AND next_at <= {:now}
			  AND channel IN ('email', 'sms', 'task') AND (test OR (campaign || ':' || channel) IN (SELECT value FROM json_each({:pairs})))
			  ORDER BY next_at LIMIT {:n})
			RETURNING id, campaign, customer, channel, coupon, attempts, test, crm_open('campaign_recipients.address', address) AS address`).
			Bind(dbx.Params{"now": now.UnixMilli(), "pairs": toJSON(pairs), "n": batch}).All(&claimed)
	})
	if err != nil {
		q.app.Logger().Error("send queue: claiming rows failed", "error", err)
		return 0
	}
	if len(claimed) == 0 {
		return 0
	}
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for _, row := range claimed {
		if ctx.Err() != nil {
			q.results <- sendResult{row: row, status: "queued", refundTry: true}
			continue
		}
		if !row.Test {
			if state, _ := q.svc.states.get(row.Campaign); state != "running" {
				q.results <- sendResult{row: row, status: "queued", refundTry: true}
				continue
			}
		}
		q.limiters[row.Channel].take()
		sem <- struct{}{}
		wg.Add(1)
		q.inFlight.Add(1)
		go func(row claimedRow) {
			defer func() { <-sem; wg.Done(); q.inFlight.Done() }()
			q.results <- q.send(row)
		}(row)
	}
	wg.Wait()
	return len(claimed)
}

// send delivers one claimed row through its channel and says what became of it.
func (q *sendQueue) send(row claimedRow) sendResult {
	q.mu.Lock()
	snap := q.campaign[row.Campaign]
	name := q.names[row.Campaign]
	q.mu.Unlock()
	if snap == nil {
		c, err := q.app.FindRecordById("campaigns", row.Campaign)
		if err == nil {
			snap, err = publishedSnapshot(c)
			name = c.GetString("name")
			if err != nil || snap.Name == "" {
				snap, _, _ = draftSnapshot(c) // a test send of a draft
			}
		}
		if snap == nil {
			return sendResult{row: row, status: "failed", reason: "campaign_not_found"}
		}
	}
	var (
		task string
		err  error
	)
	// An unsubscribe counts at once, also for messages queued before it.
	if !row.Test && !hasConsent(q.app, row.Customer, channelPurpose[row.Channel]) {
		return sendResult{row: row, status: "suppressed", reason: "no_consent"}
	}
	switch row.Channel {
	case "email":
		err = q.sendEmail(row, snap)
	case "sms":
		err = q.sendSMS(row, snap)
	case "task":
		task, err = q.createTask(row, snap, name)
	}
	if err == nil {
		status := "sent"
		if row.Channel == "task" {
			status = "delivered"
		}
		return sendResult{row: row, status: status, task: task}
	}
	var perm *permanentError
	var sup *suppressedError
	if errors.As(err, &sup) {
		return sendResult{row: row, status: "suppressed", reason: sup.reason}
	}
	if errors.As(err, &perm) || row.Attempts >= queueMaxTries {
		return sendResult{row: row, status: "failed", reason: truncate(err.Error(), 290)}
	}
	delay := retryDelays[min(row.Attempts-1, len(retryDelays)-1)]
	return sendResult{row: row, status: "queued", reason: truncate("retrying: "+err.Error(), 290), retryAt: time.Now().Add(delay).UnixMilli()}
}

// writeResults stores outcomes in small groups, each in one transaction.
func (q *sendQueue) writeResults(ctx context.Context) {
	pending := []sendResult{}
	flush := func() {
		if len(pending) == 0 {
			return
		}
		batch := pending
		pending = nil
		err := q.app.RunInTransaction(func(tx core.App) error {
			for _, r := range batch {
				if err := storeResult(tx, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			q.app.Logger().Error("send queue: storing outcomes failed", "error", err)
		}
	}
	timer := time.NewTicker(outcomeFlushMs * time.Millisecond)
	defer timer.Stop()
	for {
		select {
		case r := <-q.results:
			pending = append(pending, r)
			if len(pending) >= 50 {
				flush()
			}
		case <-timer.C:
			flush()
		case <-ctx.Done():
			// What the last sends reported is still stored before the server stops.
			for {
				select {
				case r := <-q.results:
					pending = append(pending, r)
				default:
					flush()
					return
				}
			}
		}
	}
}

func storeResult(tx core.App, r sendResult) error {
	now := time.Now().UnixMilli()
	// A refusal's text may quote the recipient's address: kept without it (logredact.go).
	params := dbx.Params{"id": r.row.ID, "status": r.status, "reason": scrubContacts(r.reason), "now": now, "task": r.task, "next": r.retryAt}
	switch {
	case r.refundTry:
		_, err := tx.DB().NewQuery("UPDATE campaign_recipients SET status = 'queued', attempts = max(attempts - 1, 0), updated = " + nowSQL + " WHERE id = {:id} AND status = 'sending'").Bind(params).Execute()
		return err
	case r.status == "queued":
		_, err := tx.DB().NewQuery("UPDATE campaign_recipients SET status = 'queued', reason = {:reason}, next_at = {:next}, updated = " + nowSQL + " WHERE id = {:id}").Bind(params).Execute()
		return err
	case r.status == "failed" || r.status == "suppressed":
		_, err := tx.DB().NewQuery("UPDATE campaign_recipients SET status = {:status}, reason = {:reason}, updated = " + nowSQL + " WHERE id = {:id}").Bind(params).Execute()
		return err
	default:
		_, err := tx.DB().NewQuery(`UPDATE campaign_recipients SET status = {:status}, reason = '', sent_at = {:now},
			delivered_at = CASE WHEN {:status} = 'delivered' THEN {:now} ELSE delivered_at END,
			task = CASE WHEN {:task} != '' THEN {:task} ELSE task END, updated = ` + nowSQL + ` WHERE id = {:id}`).Bind(params).Execute()
		return err
	}
}

// completeFinished ends broadcasts with nothing left to send and whose on-site and chat window has
// passed, and triggered campaigns past their end time.
func (q *sendQueue) completeFinished() {
	q.mu.Lock()
	snaps := make(map[string]*campaignSnapshot, len(q.campaign))
	for id, s := range q.campaign {
		snaps[id] = s
	}
	q.mu.Unlock()
	now := time.Now()
	for id, snap := range snaps {
		if state, _ := q.svc.states.get(id); state != "running" {
			continue
		}
		if snap.Kind == "triggered" {
			if t, err := time.Parse(time.RFC3339, snap.Schedule.EndsAt); err == nil && now.After(t) {
				q.finish(id, "")
			}
			continue
		}
		var left int
		_ = q.app.DB().NewQuery("SELECT count(*) FROM campaign_recipients WHERE campaign = {:c} AND status IN ('queued', 'sending') AND channel IN ('email', 'sms', 'task')").Bind(dbx.Params{"c": id}).Row(&left)
		if left > 0 {
			continue
		}
		if now.Before(pullWindowEnd(snap)) && (contains(snap.Channels, "onsite") || contains(snap.Channels, "chat")) {
			continue
		}
		q.finish(id, "expired")
	}
}

// pullWindowEnd: until when on-site and chat messages wait for the shopper's visit.
func pullWindowEnd(snap *campaignSnapshot) time.Time {
	if t, err := time.Parse(time.RFC3339, snap.Schedule.EndsAt); err == nil {
		return t
	}
	if d, err := time.Parse("2006-01-02", snap.Offer.ValidTo); err == nil && snap.hasOffer() {
		return d.Add(24*time.Hour - time.Duration(shopTZOffset())*time.Minute)
	}
	start := time.Now()
	if t, err := time.Parse(time.RFC3339, snap.PublishedAt); err == nil {
		start = t
	}
	if t, err := time.Parse(time.RFC3339, snap.Schedule.SendAt); err == nil && t.After(start) {
		start = t
	}
	return start.Add(onsiteDefault)
}

func (q *sendQueue) finish(id, leftover string) {
	err := q.app.RunInTransaction(func(tx core.App) error {
		c, err := tx.FindRecordById("campaigns", id)
		if err != nil || c.GetString("state") != "running" {
			return err
		}
		if leftover != "" {
			if _, err := tx.DB().NewQuery("UPDATE campaign_recipients SET status = 'cancelled', reason = {:r}, updated = " + nowSQL + " WHERE campaign = {:c} AND status = 'queued'").Bind(dbx.Params{"c": id, "r": leftover}).Execute(); err != nil {
				return err
			}
		}
		c.Set("state", "completed")
		c.Set("completed_at", time.Now().UTC().Format(time.RFC3339))
		return tx.Save(c)
	})
	if err == nil {
		q.svc.states.set(id, "completed")
	}
}

// inQuietHours: whether now, in shop time, is between from and to (an evening-to-morning window
// crosses midnight). Empty values mean the default 21:00-09:00; equal values mean none.
func inQuietHours(now time.Time, tzOffsetMinutes int, from, to string) bool {
	if from == "" {
		from = "21:00"
	}
	if to == "" {
		to = "09:00"
	}
	f, okF := minutesOf(from)
	t, okT := minutesOf(to)
	if !okF || !okT || f == t {
		return false
	}
	local := now.UTC().Add(time.Duration(tzOffsetMinutes) * time.Minute)
	m := local.Hour()*60 + local.Minute()
	if f < t {
		return m >= f && m < t
	}
	return m >= f || m < t
}

func minutesOf(hhmm string) (int, bool) {
	var h, m int
	if _, err := fmt.Sscanf(hhmm, "%d:%d", &h, &m); err != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

// tokenBucket spreads sends to a rate per second.
type tokenBucket struct {
	mu       sync.Mutex
	perSec   float64
	tokens   float64
	lastFill time.Time
}

func newTokenBucket(perSec int) *tokenBucket {
	if perSec <= 0 {
		perSec = 1
	}
	return &tokenBucket{perSec: float64(perSec), tokens: float64(perSec), lastFill: time.Now()}
}

func (b *tokenBucket) setRate(perSec int) {
	if perSec <= 0 {
		perSec = 1
	}
	b.mu.Lock()
	b.perSec = float64(perSec)
	b.mu.Unlock()
}

func (b *tokenBucket) take() {
	for {
		b.mu.Lock()
		now := time.Now()
		b.tokens = math.Min(b.perSec, b.tokens+now.Sub(b.lastFill).Seconds()*b.perSec)
		b.lastFill = now
		if b.tokens >= 1 {
			b.tokens--
			b.mu.Unlock()
			return
		}
		wait := time.Duration((1 - b.tokens) / b.perSec * float64(time.Second))
		b.mu.Unlock()
		time.Sleep(wait)
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
