// POST /api/crm/events: shop behaviour events in batches (docs/api/ingestion.md).
//
// This route is Go, not a JS hook: the JS version (parsing, checking and planning a 500-event batch
// in PocketBase's JS runtime) held ingestion near 10,000 events/s on this machine, half the bar of
// the ingest benchmark (bench/ingest.bench.ts), with the server's two cores busy in the JS runtime.
//
// A batch is read, checked event by event (ingest_validate.go), and every valid new event is written
// in ONE transaction together with the rollups the statistics read (stats_daily, stats_person_day,
// stats_product_day, stats_orders, identities, customer_stats), through the group committer
// (groupcommit.go). The answer is sent after the commit, so an event answered with 200 is stored,
// and stored once: a repeated event id is found inside the transaction and counted as a duplicate.
// Rollups only add (sums, counts, bit-or of flags, min/max), so they do not depend on the order
// batches arrive in.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
)

var bearerRe = regexp.MustCompile(`(?i)^Bearer\s+(\S+)$`)

const (
	nowSQL   = "strftime('%Y-%m-%d %H:%M:%fZ', 'now')"
	newIDSQL = "lower(substr(hex(randomblob(8)), 1, 15))"
	idChars  = "abcdefghijklmnopqrstuvwxyz0123456789"
)

func stampSQL(col string) string {
	return fmt.Sprintf("CASE WHEN %[1]s IS NULL THEN '' ELSE datetime(%[1]s / 1000, 'unixepoch') || '.' || printf('%%03d', %[1]s %% 1000) || 'Z' END", col)
}

// One bit per step a shopper took on a day (stats_person_day.flags); src/lib/shared/events.ts EVENT_FLAGS.
var eventFlags = map[string]int{
	"page_view": 1, "product_view": 2, "search": 4, "add_to_cart": 8, "remove_from_cart": 16,
	"checkout_start": 32, "purchase": 64, "refund": 128, "identify": 256,
}

const customFlag = 512

type bucket struct {
	tokens float64
	at     time.Time
}

type ingestion struct {
	app      core.App
	commits  *groupCommitter
	stats    *statsNotifier
	traits   *traitsChecker
	tzOffset int
	mu       sync.Mutex
	buckets  map[string]*bucket
	// sources: shop keys by their hash, so a page view's question (on-site messages) or an event
	// batch does not look its key up in the database each time. Emptied whenever a key is created,
	// changed (revoked) or deleted, so a revoked key is refused at once; entries live a minute.
	sourcesMu sync.RWMutex
	sources   map[string]cachedSource
}

type cachedSource struct {
	record *core.Record // read only: shared by the requests using the key
	at     time.Time
}

const sourceCacheTTL = time.Minute

type indexedEvent struct {
	index int
	event *shopEvent
}

type rejection struct {
	Index   int     `json:"index"`
	ID      *string `json:"id"`
	Field   string  `json:"field"`
	Code    string  `json:"code"`
	Message string  `json:"message"`
}

type batchResult struct {
	Accepted   int         `json:"accepted"`
	Duplicates int         `json:"duplicates"`
	Rejected   []rejection `json:"rejected"`
}

func registerIngestion(app core.App, commits *groupCommitter, stats *statsNotifier, js *sharedJS) *ingestion {
	tz := 480
	if v, err := strconv.Atoi(os.Getenv("CRM_TZ_OFFSET_MINUTES")); err == nil && v >= -14*60 && v <= 14*60 {
		tz = v
	}
	in := &ingestion{app: app, commits: commits, stats: stats, traits: newTraitsChecker(js), tzOffset: tz, buckets: map[string]*bucket{}, sources: map[string]cachedSource{}}
	forget := func(e *core.RecordEvent) error {
		in.sourcesMu.Lock()
		clear(in.sources)
		in.sourcesMu.Unlock()
		return e.Next()
	}
	app.OnRecordAfterCreateSuccess("shop_sources").BindFunc(forget)
	app.OnRecordAfterUpdateSuccess("shop_sources").BindFunc(forget)
	app.OnRecordAfterDeleteSuccess("shop_sources").BindFunc(forget)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.POST("/api/crm/events", in.handle)
		se.Router.GET("/api/crm/coupons/{code}", in.handleCouponCheck)
		se.Router.POST("/api/crm/consents", in.handleShopConsent)
		return se.Next()
	})
	return in
}

func fail(e *core.RequestEvent, status int, code, message string, extra map[string]any) error {
	body := map[string]any{"status": status, "code": code, "message": message}
	for k, v := range extra {
		body[k] = v
	}
	return e.JSON(status, body)
}

func (in *ingestion) findSource(key string) *core.Record {
	if key == "" || len(key) > 200 {
		return nil
	}
	sum := sha256.Sum256([]byte(key))
	hash := hex.EncodeToString(sum[:])
	in.sourcesMu.RLock()
	c, ok := in.sources[hash]
	in.sourcesMu.RUnlock()
	if ok && time.Since(c.at) < sourceCacheTTL {
		return c.record
	}
	record, err := in.app.FindFirstRecordByData("shop_sources", "key_hash", hash)
	if err != nil {
		return nil // unknown keys are not kept: anyone may send any number of them
	}
	in.sourcesMu.Lock()
	if len(in.sources) > 10_000 {
		clear(in.sources)
	}
	in.sources[hash] = cachedSource{record: record, at: time.Now()}
	in.sourcesMu.Unlock()
	return record
}

// rateWait: a token bucket per key, one minute's worth deep, refilled continuously. A batch larger
// than a minute's worth passes when the bucket is full (it goes into debt), so a low limit slows a
// sender down rather than refusing a big batch for ever. Returns 0, or the seconds to wait.
//
// A history import (backfill) has its own bucket, ten times the key's rate and at least
// backfillRate, so that a first day's import is not held to the live rate and does not use it up.
func (in *ingestion) rateWait(source *core.Record, cost int, backfill bool) int {
	perMinute := float64(source.GetInt("rate_limit"))
	if perMinute <= 0 {
		perMinute = defaultRate
	}
	bucketID := source.Id
	if backfill {
		perMinute = math.Max(perMinute*10, backfillRate)
		bucketID += "/backfill"
	}
	perSecond := perMinute / 60
	now := time.Now()
	in.mu.Lock()
	defer in.mu.Unlock()
	b := in.buckets[bucketID]
	if b == nil {
		b = &bucket{tokens: perMinute, at: now}
		in.buckets[bucketID] = b
	}
	b.tokens = math.Min(perMinute, b.tokens+now.Sub(b.at).Seconds()*perSecond)
	b.at = now
	if b.tokens < math.Min(float64(cost), perMinute) {
		return int(math.Max(1, math.Ceil((math.Min(float64(cost), perMinute)-b.tokens)/perSecond)))
	}
	b.tokens -= float64(cost)
	return 0
}

func (in *ingestion) handle(e *core.RequestEvent) error {
	if e.Request.ContentLength > bodyLimit {
		return fail(e, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("the body is larger than %d bytes; send smaller batches", bodyLimit), nil)
	}
	data, err := io.ReadAll(io.LimitReader(e.Request.Body, bodyLimit+1))
	if err != nil {
		return fail(e, http.StatusBadRequest, "invalid_body", "the body could not be read", nil)
	}
	if len(data) > bodyLimit {
		return fail(e, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("the body is larger than %d bytes; send smaller batches", bodyLimit), nil)
	}

	key := ""
	if m := bearerRe.FindStringSubmatch(strings.TrimSpace(e.Request.Header.Get("Authorization"))); m != nil {
		key = m[1]
	} else {
		key = strings.TrimSpace(e.Request.Header.Get("X-Shop-Key"))
	}
	const unknownKey = "this shop key is not known: check the key in Settings → Shop connections"
	var source *core.Record
	if key != "" {
		if source = in.findSource(key); source == nil {
			return fail(e, http.StatusUnauthorized, "unknown_key", unknownKey, nil)
		}
	}

	var body any
	if err := json.Unmarshal(data, &body); err != nil {
		return fail(e, http.StatusBadRequest, "invalid_json", "the body is not valid JSON", nil)
	}
	var list []any
	var sentAt *int64
	listOK := false
	switch b := body.(type) {
	case []any:
		list, listOK = b, true
	case map[string]any:
		if events, ok := b["events"].([]any); ok {
			list, listOK = events, true
			if k, ok := b["key"].(string); ok && key == "" {
				key = k
			}
			if v, present := b["sent_at"]; present && v != nil {
				t, ok := parseEventTime(v)
				if !ok {
					return fail(e, http.StatusBadRequest, "invalid_body", "sent_at must be an ISO 8601 time or milliseconds since 1970", map[string]any{"field": "sent_at"})
				}
				sentAt = &t
			}
		}
	}
	if source == nil {
		if key == "" {
			return fail(e, http.StatusUnauthorized, "missing_key", `send the shop key in the Authorization header (Bearer), X-Shop-Key, or as "key" in the body`, nil)
		}
		if source = in.findSource(key); source == nil {
			return fail(e, http.StatusUnauthorized, "unknown_key", unknownKey, nil)
		}
	}
	if source.GetBool("revoked") {
		return fail(e, http.StatusUnauthorized, "key_revoked", "this shop key was revoked: create a new one in Settings → Shop connections", nil)
	}
	if !listOK {
		return fail(e, http.StatusBadRequest, "invalid_body", `the body must be a JSON array of events or an object with an "events" array`, nil)
	}
	if len(list) > eventsPerBatch {
		return fail(e, http.StatusRequestEntityTooLarge, "too_many_events", fmt.Sprintf("a batch takes at most %d events; this one has %d", eventsPerBatch, len(list)), nil)
	}
	now := time.Now().UnixMilli()
	ctx := eventContext{now: now, kind: "browser", tzOffset: in.tzOffset, identitySecret: shopIdentitySecret()}
	if source.GetString("kind") == "server" {
		ctx.kind = "server"
	}
	// ?backfill=1: a shop's order history on its first day, with a server key (docs/api/ingestion.md).
	if v := e.Request.URL.Query().Get("backfill"); v == "1" || v == "true" {
		if ctx.kind != "server" {
			return fail(e, http.StatusForbidden, "backfill_needs_server_key", "a history import (backfill) needs a server key: create one in Settings → Shop connections", nil)
		}
		ctx.backfill = true
	}
	if sentAt != nil {
		ctx.skewMs = now - *sentAt
	}
	valid := []indexedEvent{}
	rejected := []rejection{}
	for i, raw := range list {
		ev, problem := validateEvent(raw, ctx, in.traits.Check)
		if problem != nil {
			var id *string
			if m, ok := raw.(map[string]any); ok {
				if s, ok := m["id"].(string); ok {
					if len(s) > 64 {
						s = s[:64]
					}
					id = &s
				}
			}
			rejected = append(rejected, rejection{Index: i, ID: id, Field: problem.Field, Code: problem.Code, Message: problem.Message})
			continue
		}
		valid = append(valid, indexedEvent{index: i, event: ev})
	}
	// The rate budget pays for the events that will be stored, not for refused ones (issue 15: a
	// history import's refused events used up a key's minute); a request costs at least one.
	if wait := in.rateWait(source, max(1, len(valid)), ctx.backfill); wait > 0 {
		e.Response.Header().Set("Retry-After", strconv.Itoa(wait))
		// tracker.js runs on the shop's own site: let it read the header across origins.
		e.Response.Header().Set("Access-Control-Expose-Headers", "Retry-After")
		return fail(e, http.StatusTooManyRequests, "rate_limited", fmt.Sprintf("too many events for this key; try again in %d s", wait), map[string]any{"retry_after": wait})
	}
	result := batchResult{Rejected: []rejection{}}
	if len(valid) > 0 {
		err := in.commits.Run(func(tx core.App) error {
			r, err := in.storeBatch(tx, source.Id, valid, now)
			result = r
			return err
		})
		if err != nil {
			in.app.Logger().Error("storing an event batch failed", "error", err.Error())
			return fail(e, http.StatusInternalServerError, "store_failed", "the events could not be stored; nothing of this batch was kept, send it again", nil)
		}
		if result.Accepted > 0 {
			in.stats.Changed()
			metricIngested(result.Accepted)
		}
	}
	result.Rejected = append(result.Rejected, rejected...)
	sort.SliceStable(result.Rejected, func(a, b int) bool { return result.Rejected[a].Index < result.Rejected[b].Index })
	// Nothing of the batch was stored, and not because it was stored before: say so with the status,
	// not a 200 that an importer takes for success (issue 15); each event is listed with its reason.
	if result.Accepted == 0 && result.Duplicates == 0 && len(result.Rejected) > 0 {
		return fail(e, http.StatusUnprocessableEntity, "all_rejected", fmt.Sprintf("none of the %d events was accepted; each is listed in rejected with its reason", len(result.Rejected)),
			map[string]any{"accepted": 0, "duplicates": 0, "rejected": result.Rejected})
	}
	return e.JSON(http.StatusOK, result)
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func column(db dbx.Builder, sql string, params dbx.Params) ([]string, error) {
	out := []string{}
	err := db.NewQuery(sql).Bind(params).Column(&out)
	return out, err
}

func exec(db dbx.Builder, sql string, params dbx.Params) error {
	started := time.Now()
	_, err := db.NewQuery(sql).Bind(params).Execute()
	if profile {
		sqlTimes.add(sql, time.Since(started))
	}
	return err
}

// sqlTimes adds up time per statement (CRM_PROFILE=1) and logs the totals every 5 seconds.
var sqlTimes = &statementTimes{totals: map[string]time.Duration{}}

type statementTimes struct {
	mu     sync.Mutex
	totals map[string]time.Duration
	last   time.Time
}

func (t *statementTimes) add(sql string, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	name := strings.Join(strings.Fields(sql), " ")
	if len(name) > 40 {
		name = name[:40]
	}
	t.totals[name] += d
	if time.Since(t.last) > 5*time.Second {
		t.last = time.Now()
		for k, v := range t.totals {
			log.Printf("sql %s %s", v, k)
		}
	}
}

type dailyDelta struct {
	Day string  `json:"day"`
	Ev  int     `json:"ev"`
	Pv  int     `json:"pv"`
	Prv int     `json:"prv"`
	Se  int     `json:"se"`
	Ca  int     `json:"ca"`
	Cr  int     `json:"cr"`
	Co  int     `json:"co"`
	Or  int     `json:"or"`
	Re  float64 `json:"re"`
	Rf  int     `json:"rf"`
	Ra  float64 `json:"ra"`
}

type personDayDelta struct {
	Day      string  `json:"day"`
	Person   string  `json:"person"`
	Customer string  `json:"customer"`
	Fl       int     `json:"fl"`
	Ev       int     `json:"ev"`
	Pv       int     `json:"pv"`
	Prv      int     `json:"prv"`
	Ca       int     `json:"ca"`
	Co       int     `json:"co"`
	Or       int     `json:"or"`
	Re       float64 `json:"re"`
	Ra       float64 `json:"ra"`
}

type productDelta struct {
	Day string  `json:"day"`
	P   string  `json:"p"`
	G   string  `json:"g"`
	V   int     `json:"v"`
	C   int     `json:"c"`
	U   int     `json:"u"`
	R   float64 `json:"r"`
}

type orderRow struct {
	O  string      `json:"o"`
	P  string      `json:"p"`
	C  string      `json:"c"`
	TS int64       `json:"ts"`
	D  string      `json:"d"`
	M  string      `json:"m"`
	T  float64     `json:"t"`
	K  string      `json:"k"`
	I  []eventItem `json:"i"`
}

type refundRow struct {
	O string  `json:"o"`
	P string  `json:"p"`
	C string  `json:"c"`
	A float64 `json:"a"`
}

type customerDelta struct {
	C  string  `json:"c"`
	Fs int64   `json:"fs"`
	Ls int64   `json:"ls"`
	Oc int     `json:"oc"`
	Sp float64 `json:"sp"`
	Lo *int64  `json:"lo"`
}

func round2(v float64) float64 { return roundMoney(v) }

// storeBatch writes a validated batch's new events and their rollups inside the group transaction.
func (in *ingestion) storeBatch(tx core.App, sourceID string, events []indexedEvent, now int64) (batchResult, error) {
	db := tx.DB()
	result := batchResult{Rejected: []rejection{}}

	// 1. Repeated ids (inside the batch, or stored already), and second purchases of an order.
	seen := map[string]bool{}
	fresh := []indexedEvent{}
	for _, ie := range events {
		if seen[ie.event.EventID] {
			result.Duplicates++
			continue
		}
		seen[ie.event.EventID] = true
		fresh = append(fresh, ie)
	}
	ids := make([]string, 0, len(fresh))
	orderIDs := []string{}
	for _, ie := range fresh {
		ids = append(ids, ie.event.EventID)
		if ie.event.Type == "purchase" {
			orderIDs = append(orderIDs, ie.event.OrderID)
		}
	}
	storedList, err := column(db, "SELECT event_id FROM events WHERE source = {:source} AND event_id IN (SELECT value FROM json_each({:ids}))", dbx.Params{"source": sourceID, "ids": toJSON(ids)})
	if err != nil {
		return result, err
	}
	stored := map[string]bool{}
	for _, id := range storedList {
		stored[id] = true
	}
	purchased := map[string]bool{}
	if len(orderIDs) > 0 {
		list, err := column(db, "SELECT order_id FROM stats_orders WHERE purchased = 1 AND order_id IN (SELECT value FROM json_each({:ids}))", dbx.Params{"ids": toJSON(orderIDs)})
		if err != nil {
			return result, err
		}
		for _, id := range list {
			purchased[id] = true
		}
	}
	batch := []*shopEvent{}
	for _, ie := range fresh {
		ev := ie.event
		if stored[ev.EventID] {
			result.Duplicates++
			continue
		}
		if ev.Type == "purchase" {
			if purchased[ev.OrderID] {
				id := ev.EventID
				result.Rejected = append(result.Rejected, rejection{Index: ie.index, ID: &id, Field: "order_id", Code: "order_exists", Message: fmt.Sprintf("order %s was already recorded as purchased", ev.OrderID)})
				continue
			}
			purchased[ev.OrderID] = true
		}
		batch = append(batch, ev)
	}
	if len(batch) == 0 {
		return result, nil
	}

	// 2. Customers by shop id (created when new, with the traits of their first event that has some).
	exts := []string{}
	anons := []string{}
	seenExt := map[string]bool{}
	seenAnon := map[string]bool{}
	for _, ev := range batch {
		if ev.CustomerExt != "" && !seenExt[ev.CustomerExt] {
			seenExt[ev.CustomerExt] = true
			exts = append(exts, ev.CustomerExt)
		}
		if ev.AnonID != "" && !seenAnon[ev.AnonID] {
			seenAnon[ev.AnonID] = true
			anons = append(anons, ev.AnonID)
		}
	}
	customerOf := map[string]string{}
	if len(exts) > 0 {
		// Two customers may hold one shop id (reps who cannot see each other's customers): the events go
		// to the oldest live one, read last here.
		pairs, err := column(db, "SELECT external_id || '=' || id FROM customers WHERE external_id != '' AND external_id IN (SELECT value FROM json_each({:ids})) ORDER BY deleted DESC, created DESC, id DESC", dbx.Params{"ids": toJSON(exts)})
		if err != nil {
			return result, err
		}
		for _, p := range pairs {
			at := strings.LastIndex(p, "=")
			customerOf[p[:at]] = p[at+1:]
		}
	}
	type newCustomer struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		Phones    any    `json:"phones"`
		Emails    any    `json:"emails"`
		Addresses any    `json:"addresses"`
		Region    string `json:"region"`
		Ext       string `json:"ext"`
	}
	created := map[string]*newCustomer{}
	newCustomers := []*newCustomer{}
	// Customers made by the chat before the shop named them ("Shop customer <id>", pb_hooks/lib/chat.js)
	// get the name of the first event with traits, as a new customer would.
	type rename struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	renames := []rename{}
	renamed := map[string]bool{}
	for _, ev := range batch {
		if ev.CustomerExt == "" {
			continue
		}
		if id := customerOf[ev.CustomerExt]; id != "" && created[ev.CustomerExt] == nil && !renamed[id] && ev.Traits != nil {
			if v, ok := ev.Traits["name"].(string); ok && v != "" {
				renamed[id] = true
				renames = append(renames, rename{id, v})
			}
		}
		nc := created[ev.CustomerExt]
		if nc == nil && customerOf[ev.CustomerExt] == "" {
			nc = &newCustomer{ID: security.RandomStringWithAlphabet(15, idChars), Ext: ev.CustomerExt, Phones: []any{}, Emails: []any{}, Addresses: []any{}}
			created[ev.CustomerExt] = nc
			customerOf[ev.CustomerExt] = nc.ID
			newCustomers = append(newCustomers, nc)
		}
		if nc != nil && nc.Name == "" && ev.Traits != nil {
			// The first event with traits names the customer.
			t := ev.Traits
			if v, ok := t["name"].(string); ok {
				nc.Name = v
			}
			if v, ok := t["phones"]; ok {
				nc.Phones = v
			}
			if v, ok := t["emails"]; ok {
				nc.Emails = v
			}
			if v, ok := t["addresses"]; ok {
				nc.Addresses = v
			}
			if v, ok := t["region"].(string); ok {
				nc.Region = v
			}
		}
	}
	if len(newCustomers) > 0 {
		for _, nc := range newCustomers {
			if nc.Name == "" {
				nc.Name = "Shop customer " + nc.Ext
			}
		}
		err := exec(db, `INSERT INTO customers (id, name, phones, emails, addresses, tags, region, source, external_id, history, field_times, created, updated)
			SELECT value->>'id', crm_seal('customers.name', value->>'name'), crm_seal('customers.phones', json(value->'phones')),
			  crm_seal('customers.emails', json(value->'emails')), crm_seal('customers.addresses', json(value->'addresses')), '[]', value->>'region',
			  'shop', value->>'ext', '[]', '{}', `+nowSQL+`, `+nowSQL+` FROM json_each({:rows})`, dbx.Params{"rows": toJSON(newCustomers)})
		if err != nil {
			return result, err
		}
	}

	if len(renames) > 0 {
		err := exec(db, `UPDATE customers SET name = crm_seal('customers.name', (SELECT value->>'name' FROM json_each({:rows}) WHERE value->>'id' = customers.id)), updated = `+nowSQL+`
			WHERE id IN (SELECT value->>'id' FROM json_each({:rows})) AND crm_open('customers.name', name) = 'Shop customer ' || external_id`, dbx.Params{"rows": toJSON(renames)})
		if err != nil {
			return result, err
		}
	}

	// 3. Anonymous ids linked to a customer; the first event carrying both ids links one (once), and
	// the anonymous shopper's earlier events, days and orders move to the customer.
	linked := map[string]string{}
	if len(anons) > 0 {
		pairs, err := column(db, "SELECT anon_id || '=' || customer FROM identities WHERE anon_id IN (SELECT value FROM json_each({:ids}))", dbx.Params{"ids": toJSON(anons)})
		if err != nil {
			return result, err
		}
		for _, p := range pairs {
			at := strings.LastIndex(p, "=")
			linked[p[:at]] = p[at+1:]
		}
	}
	relinked := map[string]bool{}
	relinkedList := []string{}
	newLinks := []identityLink{}
	for _, ev := range batch {
		if ev.AnonID == "" || ev.CustomerExt == "" || linked[ev.AnonID] != "" {
			continue
		}
		customer := customerOf[ev.CustomerExt]
		linked[ev.AnonID] = customer
		newLinks = append(newLinks, identityLink{Anon: ev.AnonID, Customer: customer})
		if !relinked[customer] {
			relinked[customer] = true
			relinkedList = append(relinkedList, customer)
		}
	}
	if err := link(db, newLinks, now); err != nil {
		return result, err
	}

	// 4. The events themselves, each with the shopper ("person") it counts for.
	rows := make([][]any, 0, len(batch))
	for _, ev := range batch {
		if ev.CustomerExt != "" {
			ev.Customer = customerOf[ev.CustomerExt]
		} else {
			ev.Customer = linked[ev.AnonID]
		}
		ev.Person = ev.Customer
		if ev.Person == "" {
			ev.Person = "a:" + ev.AnonID
		}
		var itemsValue, propsValue any
		if ev.Items != nil {
			itemsValue = ev.Items
		}
		if ev.Properties != nil {
			propsValue = ev.Properties
		}
		rows = append(rows, []any{nextEventID(), sourceID, ev.EventID, ev.Type, ev.TS, ev.Day, ev.AnonID, ev.Customer, ev.CustomerExt, ev.ProductID, ev.SKU, ev.Category,
			ev.Price, ev.Quantity, ev.OrderID, ev.Total, ev.Query, ev.URL, ev.Referrer, itemsValue, propsValue, ev.Coupon})
	}
	if err := insertEvents(db, rows); err != nil {
		return result, err
	}
	result.Accepted = len(batch)

	// 5. Rollups, summed per key in the batch, then added with one statement per table.
	daily := map[string]*dailyDelta{}
	dailyKeys := []string{}
	personDay := map[string]*personDayDelta{}
	personKeys := []string{}
	products := map[string]*productDelta{}
	productKeys := []string{}
	orders := []orderRow{}
	refunds := map[string]*refundRow{}
	refundKeys := []string{}
	customers := map[string]*customerDelta{}
	customerKeys := []string{}
	// A product's day, its category taken from the event or order line when it names one.
	product := func(day, id, category string) *productDelta {
		k := day + "|" + id
		p := products[k]
		if p == nil {
			p = &productDelta{Day: day, P: id}
			products[k] = p
			productKeys = append(productKeys, k)
		}
		if category != "" {
			p.G = category
		}
		return p
	}
	for _, ev := range batch {
		if ev.Customer != "" && !relinked[ev.Customer] {
			c := customers[ev.Customer]
			if c == nil {
				c = &customerDelta{C: ev.Customer, Fs: ev.TS, Ls: ev.TS}
				customers[ev.Customer] = c
				customerKeys = append(customerKeys, ev.Customer)
			}
			c.Fs = min(c.Fs, ev.TS)
			c.Ls = max(c.Ls, ev.TS)
			switch ev.Type {
			case "purchase":
				c.Oc++
				c.Sp += ev.Total
				if c.Lo == nil || ev.TS > *c.Lo {
					ts := ev.TS
					c.Lo = &ts
				}
			case "refund":
				c.Sp -= ev.Total
			}
		}
		d := daily[ev.Day]
		if d == nil {
			d = &dailyDelta{Day: ev.Day}
			daily[ev.Day] = d
			dailyKeys = append(dailyKeys, ev.Day)
		}
		pk := ev.Day + "|" + ev.Person
		pd := personDay[pk]
		if pd == nil {
			pd = &personDayDelta{Day: ev.Day, Person: ev.Person, Customer: ev.Customer}
			personDay[pk] = pd
			personKeys = append(personKeys, pk)
		}
		d.Ev++
		pd.Ev++
		if flag, ok := eventFlags[ev.Type]; ok {
			pd.Fl |= flag
		} else {
			pd.Fl |= customFlag
		}
		switch ev.Type {
		case "page_view":
			d.Pv++
			pd.Pv++
		case "product_view":
			d.Prv++
			pd.Prv++
			product(ev.Day, ev.ProductID, ev.Category).V++
		case "search":
			d.Se++
		case "add_to_cart":
			d.Ca++
			pd.Ca++
			product(ev.Day, ev.ProductID, ev.Category).C++
		case "remove_from_cart":
			d.Cr++
		case "checkout_start":
			d.Co++
			pd.Co++
		case "purchase":
			d.Or++
			d.Re += ev.Total
			pd.Or++
			pd.Re += ev.Total
			lines := ev.Items
			if lines == nil {
				lines = []eventItem{}
				if ev.ProductID != "" {
					lines = append(lines, eventItem{ProductID: ev.ProductID, SKU: ev.SKU, Category: ev.Category, Price: ev.Price, Quantity: ev.Quantity})
				}
			}
			for _, line := range lines {
				p := product(ev.Day, line.ProductID, line.Category)
				p.U += line.Quantity
				p.R += line.Price * float64(line.Quantity)
			}
			orders = append(orders, orderRow{O: ev.OrderID, P: ev.Person, C: ev.Customer, TS: ev.TS, D: ev.Day, M: ev.Day[:7], T: ev.Total, K: ev.Coupon, I: lines})
		case "refund":
			d.Rf++
			d.Ra += ev.Total
			pd.Ra += ev.Total
			r := refunds[ev.OrderID]
			if r == nil {
				r = &refundRow{O: ev.OrderID, P: ev.Person, C: ev.Customer}
				refunds[ev.OrderID] = r
				refundKeys = append(refundKeys, ev.OrderID)
			}
			r.A += ev.Total
		}
	}
	dailyRows := make([]*dailyDelta, 0, len(dailyKeys))
	for _, k := range dailyKeys {
		dailyRows = append(dailyRows, daily[k])
	}
	if err := exec(db, `INSERT INTO stats_daily (day, events, page_views, product_views, searches, carts, cart_removals, checkouts, orders, revenue, refunds, refund_amount)
		SELECT value->>'day', value->>'ev', value->>'pv', value->>'prv', value->>'se', value->>'ca', value->>'cr', value->>'co', value->>'or',
		  value->>'re', value->>'rf', value->>'ra' FROM jsonb_each({:rows}) WHERE true
		ON CONFLICT (day) DO UPDATE SET events = events + excluded.events, page_views = page_views + excluded.page_views,
		  product_views = product_views + excluded.product_views, searches = searches + excluded.searches, carts = carts + excluded.carts,
		  cart_removals = cart_removals + excluded.cart_removals, checkouts = checkouts + excluded.checkouts, orders = orders + excluded.orders,
		  revenue = round(revenue + excluded.revenue, 2), refunds = refunds + excluded.refunds, refund_amount = round(refund_amount + excluded.refund_amount, 2)`,
		dbx.Params{"rows": toJSON(dailyRows)}); err != nil {
		return result, err
	}
	personRows := make([]*personDayDelta, 0, len(personKeys))
	for _, k := range personKeys {
		personRows = append(personRows, personDay[k])
	}
	if err := exec(db, `INSERT INTO stats_person_day (day, person, customer, flags, events, page_views, product_views, carts, checkouts, orders, revenue, refund_amount)
		SELECT value->>'day', value->>'person', value->>'customer', value->>'fl', value->>'ev', value->>'pv', value->>'prv', value->>'ca',
		  value->>'co', value->>'or', value->>'re', value->>'ra' FROM jsonb_each({:rows}) WHERE true
		ON CONFLICT (day, person) DO UPDATE SET flags = flags | excluded.flags, events = events + excluded.events,
		  page_views = page_views + excluded.page_views, product_views = product_views + excluded.product_views,
		  carts = carts + excluded.carts, checkouts = checkouts + excluded.checkouts, orders = orders + excluded.orders,
		  revenue = round(revenue + excluded.revenue, 2), refund_amount = round(refund_amount + excluded.refund_amount, 2)`,
		dbx.Params{"rows": toJSON(personRows)}); err != nil {
		return result, err
	}
	if len(productKeys) > 0 {
		productRows := make([]*productDelta, 0, len(productKeys))
		for _, k := range productKeys {
			productRows = append(productRows, products[k])
		}
		if err := exec(db, `INSERT INTO stats_product_day (day, product_id, category, views, carts, units, revenue)
			SELECT value->>'day', value->>'p', value->>'g', value->>'v', value->>'c', value->>'u', value->>'r' FROM jsonb_each({:rows}) WHERE true
			ON CONFLICT (day, product_id) DO UPDATE SET category = CASE WHEN excluded.category != '' THEN excluded.category ELSE category END,
			  views = views + excluded.views, carts = carts + excluded.carts, units = units + excluded.units, revenue = round(revenue + excluded.revenue, 2)`,
			dbx.Params{"rows": toJSON(productRows)}); err != nil {
			return result, err
		}
	}
	if len(orders) > 0 {
		if err := exec(db, `INSERT INTO stats_orders (order_id, person, customer, ts, day, month, purchased, total, refunded, items, coupon)
			SELECT value->>'o', value->>'p', value->>'c', value->>'ts', value->>'d', value->>'m', 1, value->>'t', 0, json(value->'i'), value->>'k'
			FROM jsonb_each({:rows}) WHERE true
			ON CONFLICT (order_id) DO UPDATE SET person = excluded.person, customer = excluded.customer, ts = excluded.ts, day = excluded.day,
			  month = excluded.month, purchased = 1, total = excluded.total, items = excluded.items, coupon = excluded.coupon`,
			dbx.Params{"rows": toJSON(orders)}); err != nil {
			return result, err
		}
	}
	if len(refundKeys) > 0 {
		refundRows := make([]*refundRow, 0, len(refundKeys))
		for _, k := range refundKeys {
			refundRows = append(refundRows, refunds[k])
		}
		if err := exec(db, `INSERT INTO stats_orders (order_id, person, customer, refunded)
			SELECT value->>'o', value->>'p', value->>'c', value->>'a' FROM jsonb_each({:rows}) WHERE true
			ON CONFLICT (order_id) DO UPDATE SET refunded = round(refunded + excluded.refunded, 2)`,
			dbx.Params{"rows": toJSON(refundRows)}); err != nil {
			return result, err
		}
	}

	// 6. Per-customer figures: added up for most, recomputed for customers who just got a link.
	if len(customerKeys) > 0 {
		deltas := make([]*customerDelta, 0, len(customerKeys))
		for _, k := range customerKeys {
			c := customers[k]
			c.Sp = round2(c.Sp)
			deltas = append(deltas, c)
		}
		if err := exec(db, `INSERT INTO customer_stats (`+statsColumns+`)
			SELECT `+newIDSQL+`, c, `+stampSQL("fs")+`, `+stampSQL("ls")+`, oc, sp, CASE WHEN oc > 0 THEN crm_money(sp / oc) ELSE 0 END,
			  `+stampSQL("lo")+`, '[]', 0, 0, 0, '', 0, 0, `+nowSQL+`, `+nowSQL+`
			FROM (SELECT value->>'c' AS c, value->>'fs' AS fs, value->>'ls' AS ls, value->>'oc' AS oc, value->>'sp' AS sp,
			  value->>'lo' AS lo FROM jsonb_each({:rows})) WHERE true
			ON CONFLICT (customer) DO UPDATE SET
			  first_seen = CASE WHEN first_seen = '' OR excluded.first_seen < first_seen THEN excluded.first_seen ELSE first_seen END,
			  last_seen = max(last_seen, excluded.last_seen),
			  order_count = order_count + excluded.order_count,
			  total_spend = round(total_spend + excluded.total_spend, 2),
			  avg_order = CASE WHEN order_count + excluded.order_count > 0
			    THEN crm_money(round(total_spend + excluded.total_spend, 2) / (order_count + excluded.order_count)) ELSE 0 END,
			  last_order_at = max(last_order_at, excluded.last_order_at),
			  updated = excluded.updated`, dbx.Params{"rows": toJSON(deltas)}); err != nil {
			return result, err
		}
	}
	if len(relinkedList) > 0 {
		if err := exec(db, `INSERT INTO customer_stats (`+statsColumns+`)
			SELECT `+newIDSQL+`, cust, `+stampSQL("fs")+`, `+stampSQL("ls")+`, oc, sp, CASE WHEN oc > 0 THEN crm_money(sp / oc) ELSE 0 END,
			  `+stampSQL("lo")+`, '[]', 0, 0, 0, '', 0, 0, `+nowSQL+`, `+nowSQL+`
			FROM (
			  SELECT c.value AS cust,
			    (SELECT min(ts) FROM events WHERE customer = c.value) AS fs,
			    (SELECT max(ts) FROM events WHERE customer = c.value) AS ls,
			    (SELECT count(*) FROM events WHERE customer = c.value AND type = 'purchase') AS oc,
			    (SELECT round(coalesce(sum(CASE WHEN type = 'purchase' THEN total ELSE -total END), 0), 2) FROM events
			      WHERE customer = c.value AND type IN ('purchase', 'refund')) AS sp,
			    (SELECT max(ts) FROM events WHERE customer = c.value AND type = 'purchase') AS lo
			  FROM json_each({:ids}) c
			) WHERE true
			ON CONFLICT (customer) DO UPDATE SET first_seen = excluded.first_seen, last_seen = excluded.last_seen,
			  order_count = excluded.order_count, total_spend = excluded.total_spend, avg_order = excluded.avg_order,
			  last_order_at = excluded.last_order_at, updated = excluded.updated`, dbx.Params{"ids": toJSON(relinkedList)}); err != nil {
			return result, err
		}
	}
	// 7. What the events say about campaigns: coupons redeemed, on-site messages seen (campaign_ingest.go).
	if err := recordCampaignEffects(db, batch); err != nil {
		return result, err
	}
	// 8. Campaign results: the outcome rows of customers whose orders changed (campaignresults.go).
	affected := append([]string{}, relinkedList...)
	seenAffected := map[string]bool{}
	for _, c := range relinkedList {
		seenAffected[c] = true
	}
	for _, ev := range batch {
		if (ev.Type == "purchase" || ev.Type == "refund") && ev.Customer != "" && !seenAffected[ev.Customer] {
			seenAffected[ev.Customer] = true
			affected = append(affected, ev.Customer)
		}
	}
	if err := refreshOutcomes(db, affected); err != nil {
		return result, err
	}
	if err := recordVisits(db, batch); err != nil {
		return result, err
	}
	// 9. Attribution: the orders of customers whose orders or campaign touches changed (attribution.go).
	touched := affected
	withCoupon := []string{}
	for _, ev := range batch {
		if ev.Type == "purchase" && ev.Coupon != "" {
			withCoupon = append(withCoupon, ev.Person)
		}
		if ev.Customer == "" {
			continue
		}
		if (ev.Type == "campaign_impression" || ev.Type == "campaign_click") && !seenAffected[ev.Customer] {
			seenAffected[ev.Customer] = true
			touched = append(touched, ev.Customer)
		}
	}
	if err := attributeCustomers(db, touched, withCoupon); err != nil {
		return result, err
	}
	err = exec(db, "UPDATE shop_sources SET last_used_at = "+nowSQL+" WHERE id = {:id}", dbx.Params{"id": sourceID})
	return result, err
}

var eventSeq atomic.Int64

// nextEventID: a 15-character record id that grows with time (milliseconds and a counter, base 36),
// so new events append to the end of the id index instead of touching a random page of it for each
// event: a batch's commit writes a few pages there instead of hundreds.
func nextEventID() string {
	ms := strconv.FormatInt(time.Now().UnixMilli(), 36)
	n := strconv.FormatInt(eventSeq.Add(1)%2176782336, 36) // 36^6
	return strings.Repeat("0", 9-len(ms)) + ms + strings.Repeat("0", 6-len(n)) + n
}

// insertEvents writes the rows with one statement reading them from a JSON parameter (a prepared
// statement executed per row measured the same).
func insertEvents(db dbx.Builder, rows [][]any) error {
	return exec(db, `INSERT INTO events (id, source, event_id, type, ts, day, anon_id, customer, customer_ext, product_id, sku, category,
		  price, quantity, order_id, total, query, url, referrer, items, properties, coupon, created, updated)
		SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8,
		  value->>9, value->>10, value->>11, value->>12, value->>13, value->>14, value->>15, value->>16, value->>17, value->>18,
		  json(value->19), json(value->20), value->>21, `+nowSQL+`, `+nowSQL+`
		FROM jsonb_each({:rows})`, dbx.Params{"rows": toJSON(rows)})
}

const statsColumns = `id, customer, first_seen, last_seen, order_count, total_spend, avg_order, last_order_at,
	recent_views, rfm_r, rfm_f, rfm_m, rfm_segment, deleted, seq, created, updated`

// identityLink: an anonymous id found to be a customer (its events counted for the "a:<id>" person).
type identityLink struct {
	Anon     string `json:"a"`
	Customer string `json:"c"`
}

// linkPairs: the links of a batch, passed as JSON ({:links}).
const linkPairs = `(SELECT value->>'a' AS anon, 'a:' || (value->>'a') AS person, value->>'c' AS customer FROM json_each({:links}))`

// linkStatements: what link runs, in order (queryplan_test.go checks they walk indexes).
var linkStatements = []string{
	`INSERT INTO identities (anon_id, customer, linked_at) SELECT anon, customer, {:now} FROM ` + linkPairs + ` WHERE true`,
	// (IN lists, not joins, so that SQLite walks the anon_id and person indexes, not the tables)
	`UPDATE events SET customer = (SELECT l.customer FROM ` + linkPairs + ` AS l WHERE l.anon = events.anon_id)
			WHERE anon_id IN (SELECT anon FROM ` + linkPairs + `) AND anon_id != '' AND +customer = ''`,
	`INSERT INTO stats_person_day (day, person, customer, flags, events, page_views, product_views, carts, checkouts, orders, revenue, refund_amount)
			SELECT s.day, c, c, s.flags, s.events, s.page_views, s.product_views, s.carts, s.checkouts, s.orders, s.revenue, s.refund_amount
			FROM (SELECT s.*, (SELECT l.customer FROM ` + linkPairs + ` AS l WHERE l.person = s.person) AS c FROM stats_person_day s
			  WHERE s.person IN (SELECT person FROM ` + linkPairs + `)) AS s WHERE true
			ON CONFLICT (day, person) DO UPDATE SET flags = flags | excluded.flags, events = events + excluded.events,
			  page_views = page_views + excluded.page_views, product_views = product_views + excluded.product_views,
			  carts = carts + excluded.carts, checkouts = checkouts + excluded.checkouts, orders = orders + excluded.orders,
			  revenue = round(revenue + excluded.revenue, 2), refund_amount = round(refund_amount + excluded.refund_amount, 2)`,
	`DELETE FROM stats_person_day WHERE person IN (SELECT person FROM ` + linkPairs + `)`,
	`UPDATE stats_orders SET person = (SELECT l.customer FROM ` + linkPairs + ` AS l WHERE l.person = stats_orders.person),
			customer = (SELECT l.customer FROM ` + linkPairs + ` AS l WHERE l.person = stats_orders.person)
			WHERE person IN (SELECT person FROM ` + linkPairs + `)`,
}

// link records that these anonymous ids are customers (each id once) and moves their events, days
// and orders to them: five statements for the whole batch (one set of them per id cost ~0.5 ms each,
// a third of the writer's time while a shop's customers were registering).
func link(db dbx.Builder, links []identityLink, now int64) error {
	if len(links) == 0 {
		return nil
	}
	p := dbx.Params{"links": toJSON(links), "now": now}
	for _, sql := range linkStatements {
		if err := exec(db, sql, p); err != nil {
			return err
		}
	}
	return nil
}
