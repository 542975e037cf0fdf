// Campaigns (README "Campaigns"; the collection: pb_migrations/1764154000_campaigns.js).
//
// A draft is written on devices (synced like a customer). Everything else happens here:
//
//	GET  /api/crm/campaigns/{id}/audience   the recipients it would have now, by reason (the review)
//	POST /api/crm/campaigns/{id}/publish    managers and admins: freeze the audience, schedule or run
//	POST /api/crm/campaigns/{id}/approve    admins, not the one who asked: publish a campaign waiting
//	POST /api/crm/campaigns/{id}/reject     admins: back to a draft
//	POST /api/crm/campaigns/{id}/pause      the queue stops within a second
//	POST /api/crm/campaigns/{id}/resume     and goes on where it stopped
//	POST /api/crm/campaigns/{id}/cancel     what was not sent is not sent
//	POST /api/crm/campaigns/{id}/stop       a triggered campaign ends (completed)
//
// Lifecycle: draft → (pending_approval →) scheduled → running ⇄ paused → completed, or cancelled.
// Publishing keeps what is sent in `published` (content, offer, audience, channels, schedule): the
// editable fields of a published campaign are locked (OnRecordUpdate below), and the send queue reads
// only the published copy.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// lockedCampaignFields may change only while a campaign is a draft.
var lockedCampaignFields = []string{"name", "kind", "trigger", "audience", "offer", "channels", "content", "schedule"}

type campaignSnapshot struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Trigger struct {
		Type        string `json:"type"`
		DelayHours  *int   `json:"delay_hours"` // nil: the trigger's default
		ReentryDays int    `json:"reentry_days"`
	} `json:"trigger"`
	Audience struct {
		Segment          string   `json:"segment"`
		Exclude          []string `json:"exclude"`
		FrequencyCapDays int      `json:"frequency_cap_days"`
		HoldoutPct       *float64 `json:"holdout_pct"`
	} `json:"audience"`
	Offer    offerSpec                 `json:"offer"`
	Channels []string                  `json:"channels"`
	Content  map[string]map[string]any `json:"content"`
	Schedule struct {
		SendAt    string `json:"send_at"`
		QuietFrom string `json:"quiet_from"`
		QuietTo   string `json:"quiet_to"`
		EndsAt    string `json:"ends_at"`
	} `json:"schedule"`
	AttributionDays int    `json:"attribution_days"`
	PublishedAt     string `json:"published_at,omitempty"`
	PublishedBy     string `json:"published_by,omitempty"`
}

type offerSpec struct {
	Type       string  `json:"type"`
	Value      float64 `json:"value"`
	Threshold  float64 `json:"threshold"`
	MinSpend   float64 `json:"min_spend"`
	ValidFrom  string  `json:"valid_from"`
	ValidTo    string  `json:"valid_to"`
	CodeMode   string  `json:"code_mode"`
	SharedCode string  `json:"shared_code"`
}

func (s *campaignSnapshot) holdoutPct() float64 {
	if s.Audience.HoldoutPct == nil {
		return 10
	}
	return *s.Audience.HoldoutPct
}

// sendAt: when a broadcast's messages are due (ms), now when not scheduled.
func (s *campaignSnapshot) sendAt(now int64) int64 {
	if t, err := time.Parse(time.RFC3339, s.Schedule.SendAt); err == nil && t.UnixMilli() > now {
		return t.UnixMilli()
	}
	return now
}

func (s *campaignSnapshot) text(channel, field string) string {
	v, _ := s.Content[channel][field].(string)
	return v
}

func (s *campaignSnapshot) hasOffer() bool {
	return s.Offer.Type != "" && s.Offer.Type != "none" && s.Offer.Value > 0
}

// draftSnapshot reads a campaign's editable fields (what publishing would freeze).
func draftSnapshot(c *core.Record) (*campaignSnapshot, map[string]any, error) {
	doc := map[string]any{"name": c.GetString("name"), "kind": c.GetString("kind")}
	if d := c.GetInt("attribution_days"); d > 0 {
		doc["attribution_days"] = d
	}
	for _, f := range []string{"trigger", "audience", "offer", "channels", "content", "schedule"} {
		var v any
		_ = c.UnmarshalJSONField(f, &v)
		if v != nil {
			doc[f] = v
		}
	}
	text, _ := json.Marshal(doc)
	snap := &campaignSnapshot{}
	if err := json.Unmarshal(text, snap); err != nil {
		return nil, doc, err
	}
	if snap.AttributionDays == 0 {
		snap.AttributionDays = 7
	}
	return snap, doc, nil
}

// publishedSnapshot reads what a published campaign sends.
func publishedSnapshot(c *core.Record) (*campaignSnapshot, error) {
	snap := &campaignSnapshot{}
	err := c.UnmarshalJSONField("published", snap)
	return snap, err
}

// campaignStates: the state of every campaign the queue may look at, kept in memory so pausing takes
// effect before the next message, not at the next poll.
type campaignStates struct {
	mu     sync.RWMutex
	states map[string]string
}

func (s *campaignStates) set(id, state string) {
	s.mu.Lock()
	s.states[id] = state
	s.mu.Unlock()
}

func (s *campaignStates) get(id string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.states[id]
	return v, ok
}

type campaignService struct {
	app      core.App
	js       *sharedJS
	states   *campaignStates
	queue    *sendQueue
	triggers *triggerScanner
}

func registerCampaigns(app core.App, js *sharedJS) *campaignService {
	svc := &campaignService{app: app, js: js, states: &campaignStates{states: map[string]string{}}}
	svc.queue = newSendQueue(app, svc)

	app.OnRecordCreate("campaigns").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("state") == "" {
			e.Record.Set("state", "draft")
		}
		return e.Next()
	})
	app.OnRecordUpdate("campaigns").BindFunc(func(e *core.RecordEvent) error {
		if err := checkLockedFields(e.Record); err != nil {
			return err
		}
		if err := e.Next(); err != nil {
			return err
		}
		svc.states.set(e.Record.Id, e.Record.GetString("state"))
		return nil
	})

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/crm/campaigns/{id}")
		g.Bind(apis.RequireAuth("staff"))
		g.GET("/audience", svc.handleAudience)
		g.POST("/publish", svc.handlePublish)
		g.POST("/approve", svc.handleApprove)
		g.POST("/reject", svc.handleReject)
		g.POST("/pause", svc.transition("pause"))
		g.POST("/resume", svc.transition("resume"))
		g.POST("/cancel", svc.transition("cancel"))
		g.POST("/stop", svc.transition("stop"))
		registerCampaignViews(se, svc)
		// Public: the recipients' own links, signed; the SMS gateway's callbacks, signed by it.
		se.Router.GET("/api/crm/unsubscribe/{token}", svc.handleUnsubscribePage)
		se.Router.POST("/api/crm/unsubscribe/{token}", svc.handleUnsubscribe)
		se.Router.GET("/api/crm/r/{rid}", svc.handleClick)
		se.Router.GET("/api/crm/o/{token}", svc.handleOpen)
		se.Router.POST("/api/crm/sms/inbound", svc.handleSMSInbound)
		se.Router.POST("/api/crm/sms/report", svc.handleSMSReport)
		// Triggered campaigns look for customers every minute; managers (and tests, the demo) may ask now.
		se.Router.POST("/api/crm/campaigns/triggers/run", svc.handleRunTriggers).Bind(apis.RequireAuth("staff"))
		if err := backfillAttributions(se.App); err != nil {
			se.App.Logger().Warn("campaign attribution: backfill failed", "error", err)
		}
		svc.queue.start(se)
		svc.triggers = startTriggers(svc)
		return se.Next()
	})
	return svc
}

// checkLockedFields refuses a change of a published campaign's content.
func checkLockedFields(r *core.Record) error {
	orig := r.Original()
	if orig == nil || orig.GetString("state") == "" || orig.GetString("state") == "draft" {
		return nil
	}
	for _, f := range lockedCampaignFields {
		if !sameJSON(r.Get(f), orig.Get(f)) {
			return apiFieldError(http.StatusForbidden, f, "locked", "This campaign was published: what it sends no longer changes. Duplicate it to send something else.")
		}
	}
	return nil
}

// sameJSON compares two field values as JSON, whatever order their keys were written in.
func sameJSON(a, b any) bool {
	canon := func(v any) string {
		raw, _ := json.Marshal(v)
		var x any
		if json.Unmarshal(raw, &x) != nil {
			return string(raw)
		}
		if s, ok := x.(string); ok && (strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")) {
			_ = json.Unmarshal([]byte(s), &x)
		}
		out, _ := json.Marshal(x)
		return string(out)
	}
	return canon(a) == canon(b)
}

func isManager(auth *core.Record) bool {
	if auth == nil || auth.Collection().Name != "staff" {
		return false
	}
	role := auth.GetString("role")
	return role == "admin" || role == "manager"
}

func (svc *campaignService) find(e *core.RequestEvent) (*core.Record, error) {
	c, err := e.App.FindRecordById("campaigns", e.Request.PathValue("id"))
	if err != nil || c.GetBool("deleted") {
		return nil, e.NotFoundError("No such campaign.", nil)
	}
	info, _ := e.RequestInfo()
	if ok, _ := e.App.CanAccessRecord(c, info, c.Collection().ViewRule); !ok {
		return nil, e.NotFoundError("No such campaign.", nil)
	}
	return c, nil
}

// readiness checks a draft with the shared rules (the editor's review step runs the same).
func (svc *campaignService) readiness(doc map[string]any, now int64) error {
	var problems []struct {
		Field   string `json:"field"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if err := svc.js.call("validatePublishable", map[string]any{"campaign": doc, "now": now}, &problems); err != nil {
		return err
	}
	if len(problems) == 0 {
		return nil
	}
	data := map[string]any{}
	msgs := []string{}
	for _, p := range problems {
		if _, seen := data[p.Field]; !seen {
			data[p.Field] = validationErr(p.Code, p.Message)
		}
		msgs = append(msgs, p.Message)
	}
	return newAPIError(http.StatusBadRequest, strings.Join(msgs, "; "), data)
}

// members: the audience segment's members, or nobody for a triggered campaign (triggers add them).
func (svc *campaignService) members(snap *campaignSnapshot, now int64) ([]string, error) {
	if snap.Kind != "broadcast" {
		return nil, nil
	}
	ids, err := segmentMembers(svc.app, svc.js, snap.Audience.Segment, now)
	if err == errSegmentGone {
		return nil, fieldErr("audience.segment", "not_found", "the audience segment no longer exists")
	}
	return ids, err
}

func (svc *campaignService) handleAudience(e *core.RequestEvent) error {
	if !isManager(e.Auth) {
		return e.ForbiddenError("Only managers and administrators plan campaigns.", nil)
	}
	c, err := svc.find(e)
	if err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	snap, _, err := draftSnapshot(c)
	if err != nil {
		return fieldErr("audience", "invalid", "the campaign could not be read: "+err.Error())
	}
	if c.GetString("state") != "draft" {
		var counts map[string]any
		_ = c.UnmarshalJSONField("counts", &counts)
		return e.JSON(http.StatusOK, map[string]any{"counts": counts, "frozen": true})
	}
	if snap.Kind == "broadcast" && snap.Audience.Segment == "" {
		return fieldErr("audience.segment", "required", "choose the segment to send to")
	}
	members, err := svc.members(snap, now)
	if err != nil {
		return err
	}
	rows, counts, err := planAudience(svc.app, svc.js, c.Id, snap, members, now)
	if err != nil {
		return err
	}
	baseline, err := audienceBaseline(svc.app, rows, now)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"counts": counts, "baseline": baseline, "frozen": false})
}

// audienceBaseline: how many of the audience (treated and holdout) bought in the last 30 days, from
// which the editor works out the smallest uplift the holdout can detect (src/lib/shared/effect.ts).
func audienceBaseline(app core.App, rows []recipientRow, now int64) (map[string]any, error) {
	seen := map[string]bool{}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		if !seen[r.Customer] {
			seen[r.Customer] = true
			ids = append(ids, r.Customer)
		}
	}
	since := time.UnixMilli(now - 30*86_400_000).UTC().Format("2006-01-02 15:04:05.000Z")
	var bought int
	if len(ids) > 0 {
		err := app.DB().NewQuery(`SELECT count(*) FROM customer_stats WHERE customer IN (SELECT value FROM json_each({:ids})) AND last_order_at >= {:since}`).
			Bind(dbx.Params{"ids": toJSON(ids), "since": since}).Row(&bought)
		if err != nil {
			return nil, err
		}
	}
	return map[string]any{"audience": len(ids), "bought_30d": bought, "days": 30}, nil
}

// approvalNeeded: an admin's setting may ask for a second person's approval above a number of
// recipients or for any offer (Settings → Campaigns).
func approvalNeeded(settings campaignSettings, snap *campaignSnapshot, reachable int) string {
	if settings.Approval.Offers && snap.hasOffer() {
		return "offer"
	}
	if settings.Approval.Above > 0 && reachable > settings.Approval.Above {
		return "recipients"
	}
	return ""
}

func (svc *campaignService) handlePublish(e *core.RequestEvent) error {
	if !isManager(e.Auth) {
		return e.ForbiddenError("Only managers and administrators publish campaigns.", nil)
	}
	c, err := svc.find(e)
	if err != nil {
		return err
	}
	if c.GetString("state") != "draft" {
		return apiFieldError(http.StatusConflict, "state", "not_draft", "Only a draft can be published; this campaign is "+c.GetString("state")+".")
	}
	now := time.Now().UnixMilli()
	snap, doc, err := draftSnapshot(c)
	if err != nil {
		return fieldErr("content", "invalid", "the campaign could not be read: "+err.Error())
	}
	if err := svc.readiness(doc, now); err != nil {
		return err
	}
	t0 := time.Now()
	members, err := svc.members(snap, now)
	if err != nil {
		return err
	}
	t1 := time.Now()
	rows, counts, err := planAudience(svc.app, svc.js, c.Id, snap, members, now)
	if err != nil {
		return err
	}
	if profile { // CRM_PROFILE=1: where publishing spends its time
		t2 := time.Now()
		defer func() {
			log.Printf("publish %s: %d members in %v, %d rows planned in %v, written in %v", c.Id, len(members), t1.Sub(t0), len(rows), t2.Sub(t1), time.Since(t2))
		}()
	}
	if snap.Kind == "broadcast" && counts.Reachable == 0 {
		// The counts by reason come with the refusal, so the review can say why.
		msg := "Nobody is left to send to after exclusions, the frequency cap, consent and missing addresses."
		return e.JSON(http.StatusBadRequest, map[string]any{
			"status": http.StatusBadRequest, "message": msg, "counts": counts,
			"data": map[string]any{"audience": map[string]string{"code": "empty", "message": msg}},
		})
	}
	settings := readCampaignSettings(svc.app)
	snap.PublishedAt = time.Now().UTC().Format(time.RFC3339)
	snap.PublishedBy = e.Auth.Id
	if why := approvalNeeded(settings, snap, counts.Reachable); why != "" {
		c.Set("state", "pending_approval")
		c.Set("approval", map[string]any{"reason": why, "requested_by": e.Auth.Id, "requested_at": snap.PublishedAt, "counts": counts})
		c.Set("counts", counts)
		if err := e.App.Save(c); err != nil {
			return e.InternalServerError("The campaign could not be sent for approval.", err)
		}
		return e.JSON(http.StatusOK, map[string]any{"state": "pending_approval", "counts": counts})
	}
	state, err := svc.freeze(c, snap, rows, counts, now)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"state": state, "counts": counts})
}

// freeze writes the recipients, the coupons and the published copy in one transaction and sets the
// campaign scheduled or running.
func (svc *campaignService) freeze(c *core.Record, snap *campaignSnapshot, rows []recipientRow, counts audienceCounts, now int64) (string, error) {
	state := "running"
	if snap.Kind == "broadcast" && snap.sendAt(now) > now {
		state = "scheduled"
	}
	err := svc.app.RunInTransaction(func(tx core.App) error {
		fresh, err := tx.FindRecordById("campaigns", c.Id)
		if err != nil {
			return err
		}
		if s := fresh.GetString("state"); s != "draft" && s != "pending_approval" {
			return apiFieldError(http.StatusConflict, "state", "not_draft", "This campaign was published meanwhile.")
		}
		t0 := time.Now()
		if err := assignCoupons(tx, c.Id, snap, rows); err != nil {
			return err
		}
		t1 := time.Now()
		if _, err := insertRecipients(tx, c.Id, rows); err != nil {
			return err
		}
		if profile {
			log.Printf("freeze %s: coupons %v, recipients %v", c.Id, t1.Sub(t0), time.Since(t1))
		}
		fresh.Set("published", snap)
		fresh.Set("counts", counts)
		fresh.Set("state", state)
		fresh.Set("reached_owners", counts.ownersOrEmpty())
		if state == "running" {
			fresh.Set("started_at", time.Now().UTC().Format(time.RFC3339))
		}
		return tx.Save(fresh)
	})
	if err != nil {
		return "", err
	}
	svc.states.set(c.Id, state)
	svc.queue.wake()
	if state == "running" {
		fillOutcomesLater(svc.app, c.Id)
	}
	return state, nil
}

// ownersOrEmpty: the sales reps whose customers the campaign reaches (they may read it), sorted.
func (c audienceCounts) ownersOrEmpty() []string {
	out := slices.Clone(c.owners)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func (svc *campaignService) handleApprove(e *core.RequestEvent) error {
	if e.Auth == nil || e.Auth.GetString("role") != "admin" {
		return e.ForbiddenError("Only administrators approve campaigns.", nil)
	}
	c, err := svc.find(e)
	if err != nil {
		return err
	}
	if c.GetString("state") != "pending_approval" {
		return apiFieldError(http.StatusConflict, "state", "not_pending", "This campaign is not waiting for approval.")
	}
	var approval map[string]any
	_ = c.UnmarshalJSONField("approval", &approval)
	if approval["requested_by"] == e.Auth.Id {
		return apiFieldError(http.StatusForbidden, "approval", "same_person", "A second person approves: someone else than who asked.")
	}
	now := time.Now().UnixMilli()
	snap, doc, err := draftSnapshot(c)
	if err != nil {
		return err
	}
	if err := svc.readiness(doc, now); err != nil {
		return err
	}
	members, err := svc.members(snap, now)
	if err != nil {
		return err
	}
	rows, counts, err := planAudience(svc.app, svc.js, c.Id, snap, members, now)
	if err != nil {
		return err
	}
	snap.PublishedAt = time.Now().UTC().Format(time.RFC3339)
	snap.PublishedBy, _ = approval["requested_by"].(string)
	approval["approved_by"] = e.Auth.Id
	approval["approved_at"] = snap.PublishedAt
	c.Set("approval", approval)
	if err := e.App.Save(c); err != nil {
		return err
	}
	state, err := svc.freeze(c, snap, rows, counts, now)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"state": state, "counts": counts})
}

func (svc *campaignService) handleReject(e *core.RequestEvent) error {
	if e.Auth == nil || e.Auth.GetString("role") != "admin" {
		return e.ForbiddenError("Only administrators approve campaigns.", nil)
	}
	c, err := svc.find(e)
	if err != nil {
		return err
	}
	if c.GetString("state") != "pending_approval" {
		return apiFieldError(http.StatusConflict, "state", "not_pending", "This campaign is not waiting for approval.")
	}
	var approval map[string]any
	_ = c.UnmarshalJSONField("approval", &approval)
	approval["rejected_by"] = e.Auth.Id
	approval["rejected_at"] = time.Now().UTC().Format(time.RFC3339)
	c.Set("approval", approval)
	c.Set("state", "draft")
	if err := e.App.Save(c); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"state": "draft"})
}

// transitions: which states each action leaves from, and where it goes.
var transitions = map[string]struct {
	from []string
	to   string
}{
	"pause":  {[]string{"running", "scheduled"}, "paused"},
	"resume": {[]string{"paused"}, "running"},
	"cancel": {[]string{"scheduled", "running", "paused", "pending_approval"}, "cancelled"},
	"stop":   {[]string{"running", "paused"}, "completed"},
}

func (svc *campaignService) transition(action string) func(e *core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		if !isManager(e.Auth) {
			return e.ForbiddenError("Only managers and administrators run campaigns.", nil)
		}
		c, err := svc.find(e)
		if err != nil {
			return err
		}
		t := transitions[action]
		state := c.GetString("state")
		allowed := false
		for _, s := range t.from {
			allowed = allowed || s == state
		}
		if !allowed {
			return apiFieldError(http.StatusConflict, "state", "not_allowed", "A "+state+" campaign cannot "+action+".")
		}
		to := t.to
		// A scheduled campaign resumed before its time waits for it again.
		if action == "resume" {
			if snap, err := publishedSnapshot(c); err == nil && snap.Kind == "broadcast" && snap.sendAt(time.Now().UnixMilli()) > time.Now().UnixMilli() {
				to = "scheduled"
			}
		}
		// Set in memory first: the queue checks it before each message.
		svc.states.set(c.Id, to)
		err = e.App.RunInTransaction(func(tx core.App) error {
			fresh, err := tx.FindRecordById("campaigns", c.Id)
			if err != nil {
				return err
			}
			fresh.Set("state", to)
			if to == "completed" || to == "cancelled" {
				fresh.Set("completed_at", time.Now().UTC().Format(time.RFC3339))
			}
			if to == "running" && fresh.GetString("started_at") == "" {
				fresh.Set("started_at", time.Now().UTC().Format(time.RFC3339))
			}
			if to == "cancelled" {
				if _, err := tx.DB().NewQuery("UPDATE campaign_recipients SET status = 'cancelled', reason = 'campaign_cancelled', updated = " + nowSQL + " WHERE campaign = {:c} AND status = 'queued'").Bind(map[string]any{"c": c.Id}).Execute(); err != nil {
					return err
				}
			}
			return tx.Save(fresh)
		})
		if err != nil {
			svc.states.set(c.Id, state)
			return e.InternalServerError("The campaign could not be changed.", err)
		}
		if to == "running" {
			svc.queue.wake()
			fillOutcomesLater(e.App, c.Id)
		}
		return e.JSON(http.StatusOK, map[string]any{"state": to})
	}
}

func validationErr(code, message string) validation.Error {
	return validation.NewError(code, message)
}

func newAPIError(status int, message string, data map[string]any) error {
	return router.NewApiError(status, message, data)
}

func (svc *campaignService) handleRunTriggers(e *core.RequestEvent) error {
	if !isManager(e.Auth) {
		return e.ForbiddenError("Only managers and administrators run campaigns.", nil)
	}
	svc.queue.refreshCampaigns()
	entered := svc.triggers.scanAll(time.Now())
	return e.JSON(http.StatusOK, map[string]any{"entered": entered})
}
