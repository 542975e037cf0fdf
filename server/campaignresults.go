// A campaign's results against its holdout (docs/campaign-effect.md):
//
//	GET /api/crm/campaigns/{id}/results   managers and admins
//
// Per group (treated: the audience less the holdout, whether or not a channel reached them, so that
// both groups are alike; holdout: those kept out), the recipients, how many bought within the
// attribution window from the campaign's start (a triggered campaign: from each customer's entry), the
// orders and the net revenue (after refunds) per recipient as count, sum and sum of squares, from which
// the app works out the uplifts and their intervals (src/lib/shared/effect.ts). They are read from
// campaign_outcomes, one row per campaign and customer: filled when the campaign starts (fillOutcomes)
// and recomputed by the event ingestion for the customers whose orders a batch touched
// (refreshOutcomes), from stats_orders (one row per order, a repeated event once, refunds netted), so
// duplicated, shuffled or late events give the same figures. Beside them: delivery by channel and
// status, impressions and clicks, coupons issued and redeemed, and the campaign's cost.
package main

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

const defaultAttributionDays = 7

// attributionDays: the campaign's attribution window in days (7 unless it sets one).
func attributionDays(c *core.Record) int {
	if days := c.GetInt("attribution_days"); days > 0 {
		return days
	}
	return defaultAttributionDays
}

// requirePublished: results and recipients exist once a campaign is published.
func requirePublished(c *core.Record, what string) error {
	if state := c.GetString("state"); state == "draft" || state == "pending_approval" {
		return fieldErr("state", "not_published", "a campaign has "+what+" once it is published")
	}
	return nil
}

// deliveryCountsSQL: a campaign's recipients by channel and status, read from the index alone.
const deliveryCountsSQL = `SELECT channel, status, count(*) AS n FROM campaign_recipients
	WHERE campaign = {:c} AND test = 0 GROUP BY channel, status`

// couponCountsSQL: coupons issued and redeemed, from the (campaign, redemptions) index alone.
const couponCountsSQL = `SELECT count(*) AS issued, coalesce(sum(redemptions > 0), 0) AS redeemed FROM coupons WHERE campaign = {:c}`

// engagementSQL: what the recipients did, from the partial index of the rows with any of it.
const engagementSQL = `SELECT coalesce(sum(impressions), 0) AS impressions, coalesce(sum(clicks), 0) AS clicks,
	coalesce(sum(clicked_at > 0), 0) AS clicked, coalesce(sum(opened_at > 0), 0) AS opened
	FROM campaign_recipients WHERE campaign = {:c} AND test = 0 AND (impressions > 0 OR clicks > 0 OR clicked_at > 0 OR opened_at > 0)`

type groupResult struct {
	Recipients int     `db:"n" json:"recipients"`
	Visited    int     `db:"visited" json:"visited"`
	Converted  int     `db:"converted" json:"converted"`
	Orders     int     `db:"orders" json:"orders"`
	RevenueSum float64 `db:"rev" json:"-"`
	RevenueSq  float64 `db:"rev_sq" json:"-"`
	Held       bool    `db:"held" json:"-"`
	Stratum    string  `db:"stratum" json:"-"`
}

func (svc *campaignService) handleResults(e *core.RequestEvent) error {
	if !isManager(e.Auth) {
		return e.ForbiddenError("Only managers and administrators read a campaign's results.", nil)
	}
	c, err := svc.find(e)
	if err != nil {
		return err
	}
	if err := requirePublished(c, "results"); err != nil {
		return err
	}
	state := c.GetString("state")
	groups, err := campaignGroups(e.App, c.Id)
	if err != nil {
		return err
	}
	// Per RFM group (the holdout is drawn within each), and the whole campaign as their sum.
	total := map[bool]*groupResult{false: {}, true: {Held: true}}
	strata := map[string]map[string]any{}
	order := []string{}
	for _, g := range groups {
		t := total[g.Held]
		t.Recipients += g.Recipients
		t.Visited += g.Visited
		t.Converted += g.Converted
		t.Orders += g.Orders
		t.RevenueSum += g.RevenueSum
		t.RevenueSq += g.RevenueSq
		if strata[g.Stratum] == nil {
			strata[g.Stratum] = map[string]any{"stratum": g.Stratum, "treated": groupJSON(groupResult{}), "holdout": groupJSON(groupResult{})}
			order = append(order, g.Stratum)
		}
		name := "treated"
		if g.Held {
			name = "holdout"
		}
		strata[g.Stratum][name] = groupJSON(g)
	}
	out := map[string]any{"treated": groupJSON(*total[false]), "holdout": groupJSON(*total[true])}
	byStratum := make([]map[string]any, 0, len(order))
	for _, k := range order {
		byStratum = append(byStratum, strata[k])
	}

	// Counts from the (campaign, status, channel, test) index alone; what recipients did from the partial
	// index of the rows with any of it (migration 1764154600).
	type deliveryRow struct {
		Channel string `db:"channel"`
		Status  string `db:"status"`
		N       int    `db:"n"`
	}
	rows := []deliveryRow{}
	if err := e.App.DB().NewQuery(deliveryCountsSQL).Bind(dbx.Params{"c": c.Id}).All(&rows); err != nil {
		return err
	}
	delivery := map[string]map[string]int{}
	for _, r := range rows {
		if delivery[r.Channel] == nil {
			delivery[r.Channel] = map[string]int{}
		}
		delivery[r.Channel][r.Status] = r.N
	}
	var engaged struct {
		Impressions int `db:"impressions"`
		Clicks      int `db:"clicks"`
		Clicked     int `db:"clicked"`
		Opened      int `db:"opened"`
	}
	if err := e.App.DB().NewQuery(engagementSQL).
		Bind(dbx.Params{"c": c.Id}).One(&engaged); err != nil {
		return err
	}
	engagement := map[string]int{"impressions": engaged.Impressions, "clicks": engaged.Clicks, "clicked": engaged.Clicked, "opened": engaged.Opened}
	var coupons struct {
		Issued   int `db:"issued"`
		Redeemed int `db:"redeemed"`
	}
	if err := e.App.DB().NewQuery(couponCountsSQL).
		Bind(dbx.Params{"c": c.Id}).One(&coupons); err != nil {
		return err
	}
	attributedOrders, err := campaignAttribution(e.App, c.Id)
	if err != nil {
		return err
	}
	var unsubscribes int
	if err := e.App.DB().NewQuery(unsubscribesSQL).Bind(dbx.Params{"c": c.Id}).Row(&unsubscribes); err != nil {
		return err
	}
	settings := readCampaignSettings(e.App).Effect
	sent := map[string]int{}
	for ch, statuses := range delivery {
		sent[ch] = statuses["sent"] + statuses["delivered"]
	}
	fixed, messages := c.GetFloat("cost"), messagesCost(sent, settings)
	answer := map[string]any{
		"state":            state,
		"kind":             c.GetString("kind"),
		"started_at":       c.GetString("started_at"),
		"attribution_days": attributionDays(c),
		"groups":           out,
		"by_stratum":       byStratum,
		"delivery":         delivery,
		"engagement":       engagement,
		"coupons":          map[string]int{"issued": coupons.Issued, "redeemed": coupons.Redeemed},
		"attributed":       attributedOrders,
		"unsubscribes":     unsubscribes,
		"margin":           settings.MarginPercent / 100,
		"cost":             round2(fixed + messages),
		"cost_parts":       map[string]float64{"campaign": fixed, "messages": round2(messages)},
		"as_of":            time.Now().UTC().Format(time.RFC3339),
	}
	if c.GetString("kind") == "triggered" {
		weeks, err := campaignWeeks(e.App, c.Id)
		if err != nil {
			return err
		}
		answer["weekly"] = weeks
	}
	return e.JSON(http.StatusOK, answer)
}

// unsubscribesSQL: the customers who withdrew consent through this campaign (its unsubscribe link).
const unsubscribesSQL = `SELECT count(DISTINCT customer) FROM consents WHERE campaign = {:c} AND campaign != '' AND granted = 0 AND deleted = 0`

// messagesCost: what a campaign's messages cost (sent per channel × the price per message of
// Settings → Campaigns), added to the campaign's own cost.
func messagesCost(sent map[string]int, s effectSettings) float64 {
	messages := 0.0
	for ch, n := range sent {
		messages += float64(n) * s.MessageCost[ch]
	}
	return messages
}

// campaignWeeks: a triggered campaign's customers by the week they entered it (Monday, shop time),
// treated and holdout, with what they bought within their window: its trend week by week.
func campaignWeeks(app core.App, campaign string) ([]map[string]any, error) {
	const week = int64(7 * 86_400_000)
	shift := int64(3*86_400_000) + int64(shopTZOffset())*60_000 // 1970-01-01 was a Thursday
	type row struct {
		Week int64 `db:"wk"`
		groupResult
	}
	rows := []row{}
	if err := app.DB().NewQuery(`SELECT (start_ts + {:shift}) / {:week} AS wk, held, count(*) AS n, coalesce(sum(visited), 0) AS visited, coalesce(sum(orders > 0), 0) AS converted,
			coalesce(sum(orders), 0) AS orders, coalesce(sum(revenue), 0) AS rev, coalesce(sum(revenue * revenue), 0) AS rev_sq
		FROM campaign_outcomes WHERE campaign = {:c} AND orders >= 0 GROUP BY wk, held ORDER BY wk`).
		Bind(dbx.Params{"c": campaign, "shift": shift, "week": week}).All(&rows); err != nil {
		return nil, err
	}
	out := []map[string]any{}
	index := map[int64]map[string]any{}
	for _, r := range rows {
		w := index[r.Week]
		if w == nil {
			monday := time.UnixMilli(r.Week*week - shift + int64(shopTZOffset())*60_000).UTC()
			w = map[string]any{"week": monday.Format("2006-01-02"), "treated": groupJSON(groupResult{}), "holdout": groupJSON(groupResult{})}
			index[r.Week] = w
			out = append(out, w)
		}
		name := "treated"
		if r.Held {
			name = "holdout"
		}
		w[name] = groupJSON(r.groupResult)
	}
	return out, nil
}

// campaignGroups: per RFM group and side, the recipients and what they bought within their window,
// from the campaign's sums (made now if it has none yet: one that started before this version).
func campaignGroups(app core.App, campaign string) ([]groupResult, error) {
	read := func() ([]groupResult, error) {
		out := []groupResult{}
		err := app.DB().NewQuery(`SELECT stratum, held, n, visited, converted, orders, rev, rev_sq FROM campaign_results WHERE campaign = {:c}`).
			Bind(dbx.Params{"c": campaign}).All(&out)
		return out, err
	}
	out, err := read()
	if err != nil || len(out) > 0 {
		return out, err
	}
	if err := fillOutcomes(app, campaign); err != nil {
		return nil, err
	}
	return read()
}

// groupJSON: one group's figures as the app reads them (src/lib/shared/effect.ts GroupFigures).
func groupJSON(g groupResult) map[string]any {
	return map[string]any{"recipients": g.Recipients, "visited": g.Visited, "converted": g.Converted, "orders": g.Orders,
		"revenue": map[string]any{"n": g.Recipients, "sum": round2(g.RevenueSum), "sumSq": g.RevenueSq}}
}

// outcomeFigures: a customer's orders and net revenue within an outcome row's window, from stats_orders
// (an order that is only a refund so far, purchased = 0, does not count).
const outcomeFigures = `orders = (SELECT count(*) FROM stats_orders o WHERE o.person = campaign_outcomes.customer AND o.purchased = 1
		AND o.ts >= campaign_outcomes.start_ts AND o.ts < campaign_outcomes.end_ts),
	revenue = coalesce((SELECT round(sum(o.total - o.refunded), 2) FROM stats_orders o WHERE o.person = campaign_outcomes.customer AND o.purchased = 1
		AND o.ts >= campaign_outcomes.start_ts AND o.ts < campaign_outcomes.end_ts), 0)`

// visitedSQL: whether the outcome row's customer did anything on the shop within its window (browsing,
// a cart, a purchase; not an identify, a refund or a campaign's own impression or click), from the
// stored events through the (customer, ts) index.
const visitedSQL = `EXISTS (SELECT 1 FROM events e WHERE e.customer = campaign_outcomes.customer AND e.ts >= campaign_outcomes.start_ts
	AND e.ts < campaign_outcomes.end_ts AND e.type NOT IN ('identify', 'refund') AND substr(e.type, 1, 9) != 'campaign_')`

// isVisit: an event that counts as visiting the shop (as visitedSQL).
func isVisit(typ string) bool {
	return typ != "identify" && typ != "refund" && !strings.HasPrefix(typ, "campaign_")
}

// visitsSQL: the filled outcome rows of these customers ({:v}: [{c, t}]) not yet visited whose window
// holds one of their visits, marked; it answers which.
const visitsSQL = `UPDATE campaign_outcomes SET visited = 1
	WHERE customer IN (SELECT value->>'c' FROM json_each({:v})) AND visited = 0 AND orders >= 0
	  AND EXISTS (SELECT 1 FROM json_each({:v}) x WHERE x.value->>'c' = campaign_outcomes.customer
	    AND x.value->>'t' >= campaign_outcomes.start_ts AND x.value->>'t' < campaign_outcomes.end_ts)
	RETURNING campaign, stratum, held`

// recordVisits marks the outcome rows (filled ones) whose window holds one of these customers' visits,
// in the ingestion's transaction, and adds them to their campaigns' sums.
func recordVisits(db dbx.Builder, batch []*shopEvent) error {
	type visit struct {
		C  string `json:"c"`
		TS int64  `json:"t"`
	}
	// First which of the batch's visitors have a window still unvisited (usually none: one index
	// look-up per customer); only their visits are then matched against the windows.
	who := []string{}
	seen := map[string]bool{}
	for _, ev := range batch {
		if ev.Customer != "" && !seen[ev.Customer] && isVisit(ev.Type) {
			seen[ev.Customer] = true
			who = append(who, ev.Customer)
		}
	}
	if len(who) == 0 {
		return nil
	}
	open, err := column(db, `SELECT DISTINCT customer FROM campaign_outcomes WHERE customer IN (SELECT value FROM json_each({:ids})) AND visited = 0 AND orders >= 0`,
		dbx.Params{"ids": toJSON(who)})
	if err != nil || len(open) == 0 {
		return err
	}
	waiting := map[string]bool{}
	for _, c := range open {
		waiting[c] = true
	}
	visits := []visit{}
	for _, ev := range batch {
		if waiting[ev.Customer] && isVisit(ev.Type) {
			visits = append(visits, visit{ev.Customer, ev.TS})
		}
	}
	type marked struct {
		Campaign string `db:"campaign" json:"c"`
		Stratum  string `db:"stratum" json:"s"`
		Held     int    `db:"held" json:"h"`
	}
	rows := []marked{}
	if err := db.NewQuery(visitsSQL).Bind(dbx.Params{"v": toJSON(visits)}).All(&rows); err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	return exec(db, `INSERT INTO campaign_results (campaign, stratum, held, visited)
		SELECT value->>'c', value->>'s', value->>'h', count(*) FROM json_each({:rows}) WHERE true GROUP BY 1, 2, 3
		ON CONFLICT (campaign, stratum, held) DO UPDATE SET visited = visited + excluded.visited`, dbx.Params{"rows": toJSON(rows)})
}

// fillOutcomes adds an outcome row for each customer of the campaign who has none (their first entry:
// a triggered campaign's later entries count within the first one's window), from the later of the
// campaign's start and their row's creation, for the campaign's attribution window; then works out
// the new rows' figures (orders may already be there: the rows were made late). Idempotent.
func fillOutcomes(app core.App, campaign string) error {
	c, err := app.FindRecordById("campaigns", campaign)
	if err != nil {
		return err
	}
	var start int64
	if t, err := time.Parse(time.RFC3339, c.GetString("started_at")); err == nil {
		start = t.UnixMilli()
	}
	if start == 0 {
		return nil // not started: nothing counts yet
	}
	days := attributionDays(c)
	return app.RunInTransaction(func(tx core.App) error {
		if _, err := tx.DB().NewQuery(`INSERT OR IGNORE INTO campaign_outcomes (campaign, customer, held, stratum, start_ts, end_ts, orders, revenue)
			SELECT {:c}, customer, held, stratum, s, s + {:w}, -1, 0 FROM (
				SELECT customer, max(channel = 'holdout') AS held, max(stratum) AS stratum,
					max(CAST(round((julianday(min(created)) - 2440587.5) * 86400000) AS INTEGER), {:start}) AS s
				FROM campaign_recipients WHERE campaign = {:c} AND test = 0 AND customer != '' GROUP BY customer)`).
			Bind(dbx.Params{"c": campaign, "start": start, "w": int64(days) * 86_400_000}).Execute(); err != nil {
			return err
		}
		if _, err := tx.DB().NewQuery(`UPDATE campaign_outcomes SET ` + outcomeFigures + `, visited = ` + visitedSQL + ` WHERE campaign = {:c} AND orders = -1`).
			Bind(dbx.Params{"c": campaign}).Execute(); err != nil {
			return err
		}
		// The campaign's sums again from its rows (new rows came in).
		if _, err := tx.DB().NewQuery(`DELETE FROM campaign_results WHERE campaign = {:c}`).Bind(dbx.Params{"c": campaign}).Execute(); err != nil {
			return err
		}
		_, err := tx.DB().NewQuery(`INSERT INTO campaign_results (campaign, stratum, held, n, visited, converted, orders, rev, rev_sq)
			SELECT campaign, stratum, held, count(*), coalesce(sum(visited), 0), coalesce(sum(orders > 0), 0), coalesce(sum(orders), 0), coalesce(sum(revenue), 0), coalesce(sum(revenue * revenue), 0)
			FROM campaign_outcomes WHERE campaign = {:c} GROUP BY stratum, held`).Bind(dbx.Params{"c": campaign}).Execute()
		return err
	})
}

// fillOutcomesLater: fillOutcomes off the caller's path (publishing), logged if it fails (the results
// fill it again when they find no rows).
func fillOutcomesLater(app core.App, campaign string) {
	go func() {
		if err := fillOutcomes(app, campaign); err != nil {
			app.Logger().Warn("campaign outcomes: fill failed", "campaign", campaign, "error", err)
		}
	}()
}

// refreshOutcomes recomputes the outcome rows of these customers (their orders changed), in the
// ingestion's transaction, and moves their campaigns' sums by the difference.
func refreshOutcomes(db dbx.Builder, customers []string) error {
	if len(customers) == 0 {
		return nil
	}
	type outcome struct {
		Campaign string  `db:"campaign"`
		Customer string  `db:"customer"`
		Stratum  string  `db:"stratum"`
		Held     int     `db:"held"`
		Orders   int     `db:"orders"`
		Revenue  float64 `db:"revenue"`
	}
	ids := dbx.Params{"ids": toJSON(customers)}
	read := func() ([]outcome, error) {
		rows := []outcome{}
		err := db.NewQuery(`SELECT campaign, customer, stratum, held, orders, revenue FROM campaign_outcomes
			WHERE customer IN (SELECT value FROM json_each({:ids})) AND orders >= 0`).Bind(ids).All(&rows)
		return rows, err
	}
	before, err := read()
	if err != nil || len(before) == 0 {
		return err
	}
	if err := exec(db, `UPDATE campaign_outcomes SET `+outcomeFigures+` WHERE customer IN (SELECT value FROM json_each({:ids}))`, ids); err != nil {
		return err
	}
	after, err := read()
	if err != nil {
		return err
	}
	type delta struct {
		Campaign  string  `json:"c"`
		Stratum   string  `json:"s"`
		Held      int     `json:"h"`
		Converted int     `json:"cv"`
		Orders    int     `json:"o"`
		Rev       float64 `json:"r"`
		RevSq     float64 `json:"rs"`
	}
	was := map[string]outcome{}
	for _, o := range before {
		was[o.Campaign+"/"+o.Customer] = o
	}
	deltas := map[string]*delta{}
	list := []*delta{}
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	for _, now := range after {
		old, ok := was[now.Campaign+"/"+now.Customer]
		if !ok || (old.Orders == now.Orders && old.Revenue == now.Revenue) {
			continue
		}
		k := now.Campaign + "/" + now.Stratum + "/" + strconv.Itoa(now.Held)
		d := deltas[k]
		if d == nil {
			d = &delta{Campaign: now.Campaign, Stratum: now.Stratum, Held: now.Held}
			deltas[k] = d
			list = append(list, d)
		}
		d.Converted += b2i(now.Orders > 0) - b2i(old.Orders > 0)
		d.Orders += now.Orders - old.Orders
		d.Rev += now.Revenue - old.Revenue
		d.RevSq += now.Revenue*now.Revenue - old.Revenue*old.Revenue
	}
	if len(list) == 0 {
		return nil
	}
	return exec(db, `INSERT INTO campaign_results (campaign, stratum, held, n, converted, orders, rev, rev_sq)
		SELECT value->>'c', value->>'s', value->>'h', 0, value->>'cv', value->>'o', value->>'r', value->>'rs' FROM json_each({:rows}) WHERE true
		ON CONFLICT (campaign, stratum, held) DO UPDATE SET converted = converted + excluded.converted, orders = orders + excluded.orders,
		  rev = rev + excluded.rev, rev_sq = rev_sq + excluded.rev_sq`, dbx.Params{"rows": toJSON(list)})
}

// handleCompare: the campaigns started in the last `months` (default 12, at most 36), or from `from`
// to `to` (shop days), side by side:
// what each sent (kind, channels, offer, cost) and its treated and holdout figures, from the outcome
// rows in one grouped read. The app works out each one's uplift (the strategy view).
func (svc *campaignService) handleCompare(e *core.RequestEvent) error {
	if !isManager(e.Auth) {
		return e.ForbiddenError("Only managers and administrators compare campaigns.", nil)
	}
	months := 12
	if v := e.Request.URL.Query().Get("months"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 36 {
			return fieldErr("months", "invalid", "months is a whole number from 1 to 36")
		}
		months = n
	}
	since := time.Now().AddDate(0, -months, 0).UTC().Format(time.RFC3339)
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	// Or a period of shop days (the analytics area's range): from 00:00 of `from` to the end of `to`.
	if q := e.Request.URL.Query(); q.Get("from") != "" || q.Get("to") != "" {
		zone := time.FixedZone("shop", shopTZOffset()*60)
		from, err1 := time.ParseInLocation("2006-01-02", q.Get("from"), zone)
		to, err2 := time.ParseInLocation("2006-01-02", q.Get("to"), zone)
		if err1 != nil {
			return fieldErr("from", "invalid", "from is a day such as 2026-01-31")
		}
		if err2 != nil || to.Before(from) {
			return fieldErr("to", "invalid", "to is a day such as 2026-12-31, not before from")
		}
		if to.Sub(from) > 3*366*24*time.Hour {
			return fieldErr("to", "too_long", "a period is at most 3 years")
		}
		since = from.UTC().Format(time.RFC3339)
		until = to.AddDate(0, 0, 1).UTC().Format(time.RFC3339)
	}
	type campaignRow struct {
		ID        string  `db:"id" json:"id"`
		Name      string  `db:"name" json:"name"`
		Kind      string  `db:"kind" json:"kind"`
		State     string  `db:"state" json:"state"`
		StartedAt string  `db:"started_at" json:"started_at"`
		Channels  string  `db:"channels" json:"-"`
		Offer     string  `db:"offer" json:"-"`
		Cost      float64 `db:"cost" json:"cost"`
	}
	list := []campaignRow{}
	if err := e.App.DB().NewQuery(`SELECT id, name, kind, state, started_at, coalesce(json_extract(published, '$.channels'), channels) AS channels,
			coalesce(json_extract(published, '$.offer.type'), '') AS offer, cost
		FROM campaigns WHERE deleted = 0 AND started_at != '' AND started_at >= {:since} AND started_at < {:until} AND state IN ('running', 'paused', 'completed', 'cancelled')
		ORDER BY started_at DESC LIMIT 200`).Bind(dbx.Params{"since": since, "until": until}).All(&list); err != nil {
		return err
	}
	ids := make([]string, 0, len(list))
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	type row struct {
		Campaign string `db:"campaign"`
		groupResult
	}
	rows := []row{}
	if len(ids) > 0 {
		if err := e.App.DB().NewQuery(`SELECT campaign, '' AS stratum, held, sum(n) AS n, sum(visited) AS visited, sum(converted) AS converted, sum(orders) AS orders,
				sum(rev) AS rev, sum(rev_sq) AS rev_sq
			FROM campaign_results WHERE campaign IN (SELECT value FROM json_each({:ids})) GROUP BY campaign, held`).Bind(dbx.Params{"ids": toJSON(ids)}).All(&rows); err != nil {
			return err
		}
	}
	// What each campaign's messages cost: sent per channel, from the (campaign, status, channel) index.
	type sentRow struct {
		Campaign string `db:"campaign"`
		Channel  string `db:"channel"`
		N        int    `db:"n"`
	}
	sentRows := []sentRow{}
	if len(ids) > 0 {
		if err := e.App.DB().NewQuery(`SELECT campaign, channel, count(*) AS n FROM campaign_recipients
			WHERE campaign IN (SELECT value FROM json_each({:ids})) AND status IN ('sent', 'delivered') AND test = 0
			GROUP BY campaign, channel`).Bind(dbx.Params{"ids": toJSON(ids)}).All(&sentRows); err != nil {
			return err
		}
	}
	sent := map[string]map[string]int{}
	for _, r := range sentRows {
		if sent[r.Campaign] == nil {
			sent[r.Campaign] = map[string]int{}
		}
		sent[r.Campaign][r.Channel] = r.N
	}
	settings := readCampaignSettings(e.App).Effect
	by := map[string]map[string]any{}
	for _, r := range rows {
		if by[r.Campaign] == nil {
			by[r.Campaign] = map[string]any{"treated": groupJSON(groupResult{}), "holdout": groupJSON(groupResult{})}
		}
		name := "treated"
		if r.Held {
			name = "holdout"
		}
		by[r.Campaign][name] = groupJSON(r.groupResult)
	}
	out := make([]map[string]any, 0, len(list))
	for _, c := range list {
		var channels []string
		_ = json.Unmarshal([]byte(c.Channels), &channels)
		groups := by[c.ID]
		if groups == nil {
			groups = map[string]any{"treated": groupJSON(groupResult{}), "holdout": groupJSON(groupResult{})}
		}
		out = append(out, map[string]any{"id": c.ID, "name": c.Name, "kind": c.Kind, "state": c.State, "started_at": c.StartedAt,
			"channels": channels, "offer": c.Offer, "cost": round2(c.Cost + messagesCost(sent[c.ID], settings)), "groups": groups})
	}
	return e.JSON(http.StatusOK, map[string]any{"months": months, "campaigns": out, "margin": settings.MarginPercent / 100,
		"as_of": time.Now().UTC().Format(time.RFC3339)})
}

// handleRecipientsCSV: every recipient of the campaign with their side (campaign or holdout), RFM
// group, what each channel did, their coupon, whether they clicked, and their orders and net revenue
// within the window (managers and admins; cells guarded against spreadsheet formulas).
func (svc *campaignService) handleRecipientsCSV(e *core.RequestEvent) error {
	if !isManager(e.Auth) {
		return e.ForbiddenError("Only managers and administrators export a campaign's recipients.", nil)
	}
	c, err := svc.find(e)
	if err != nil {
		return err
	}
	if err := requirePublished(c, "recipients"); err != nil {
		return err
	}
	if _, err := campaignGroups(e.App, c.Id); err != nil { // the outcome rows are there
		return err
	}
	type row struct {
		Customer string  `db:"customer"`
		Name     string  `db:"name"`
		ShopID   string  `db:"shop_id"`
		Held     bool    `db:"held"`
		Stratum  string  `db:"stratum"`
		Channels string  `db:"channels"`
		Coupon   string  `db:"coupon"`
		Clicked  bool    `db:"clicked"`
		Orders   int     `db:"orders"`
		Revenue  float64 `db:"revenue"`
	}
	rows := []row{}
	if err := e.App.DB().NewQuery(`SELECT o.customer, coalesce(crm_open('customers.name', cu.name), '') AS name, coalesce(cu.external_id, '') AS shop_id, o.held, o.stratum,
			coalesce((SELECT group_concat(r.channel || ':' || r.status, '; ') FROM campaign_recipients r
				WHERE r.customer = o.customer AND r.campaign = o.campaign AND r.test = 0 AND r.channel != 'holdout'), '') AS channels,
			coalesce((SELECT max(r.coupon) FROM campaign_recipients r WHERE r.customer = o.customer AND r.campaign = o.campaign AND r.test = 0), '') AS coupon,
			coalesce((SELECT max(r.clicked_at > 0 OR r.clicks > 0) FROM campaign_recipients r WHERE r.customer = o.customer AND r.campaign = o.campaign AND r.test = 0), 0) AS clicked,
			o.orders, o.revenue
		FROM campaign_outcomes o LEFT JOIN customers cu ON cu.id = o.customer WHERE o.campaign = {:c} ORDER BY o.held, o.customer`).
		Bind(dbx.Params{"c": c.Id}).All(&rows); err != nil {
		return err
	}
	e.Response.Header().Set("Content-Type", "text/csv; charset=utf-8")
	e.Response.Header().Set("Content-Disposition", `attachment; filename="recipients-`+c.Id+`.csv"`)
	e.Response.WriteHeader(http.StatusOK)
	_, _ = e.Response.Write([]byte("\uFEFF"))
	w := csv.NewWriter(e.Response)
	w.UseCRLF = true
	_ = w.Write([]string{"customer_id", "name", "shop_customer_id", "group", "rfm_group", "channels", "coupon", "clicked", "orders_in_window", "revenue_in_window"})
	for _, r := range rows {
		group, clicked := "campaign", "no"
		if r.Held {
			group = "holdout"
		}
		if r.Clicked {
			clicked = "yes"
		}
		_ = w.Write([]string{r.Customer, csvCell(r.Name), csvCell(r.ShopID), group, r.Stratum, r.Channels, csvCell(r.Coupon), clicked,
			strconv.Itoa(r.Orders), strconv.FormatFloat(r.Revenue, 'f', 2, 64)})
	}
	w.Flush()
	return nil
}
