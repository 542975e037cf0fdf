// What the campaign screens read (staff; each answer limited to what the caller may see):
//
//	GET  /api/crm/campaigns/{id}/progress      counts by channel and status (the live sending view)
//	GET  /api/crm/campaigns/{id}/results       treated against holdout (campaignresults.go)
//	GET  /api/crm/campaigns-compare?months=12  every campaign started since, side by side (same file)
//	GET  /api/crm/campaigns/{id}/recipients.csv each recipient's group, channels, coupon and response (same file)
//	GET  /api/crm/campaigns/{id}/recipients    ?channel=&status=&page= (a sales rep: own customers)
//	GET  /api/crm/campaigns/{id}/coupons.csv   the codes for the shop (managers, admins)
//	GET  /api/crm/campaigns/{id}/render        ?channel=email&customer= the message for one customer
//	POST /api/crm/campaigns/{id}/test          {channel, phone?, customer?} a test send to oneself
//	GET  /api/crm/campaigns/{id}/test/{rid}    what became of it
//	GET  /api/crm/customers/{id}/campaigns     what a customer received (card, chat console)
package main

import (
	"encoding/csv"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
)

func registerCampaignViews(se *core.ServeEvent, svc *campaignService) {
	g := se.Router.Group("/api/crm/campaigns/{id}")
	g.Bind(apis.RequireAuth("staff"))
	g.GET("/progress", svc.handleProgress)
	g.GET("/results", svc.handleResults)
	g.GET("/recipients.csv", svc.handleRecipientsCSV)
	se.Router.GET("/api/crm/campaigns-compare", svc.handleCompare).Bind(apis.RequireAuth("staff"))
	g.GET("/recipients", svc.handleRecipients)
	g.GET("/coupons.csv", svc.handleCouponsCSV)
	g.GET("/render", svc.handleRender)
	g.POST("/test", svc.handleTestSend)
	g.GET("/test/{rid}", svc.handleTestStatus)
	se.Router.GET("/api/crm/customers/{id}/campaigns", svc.handleCustomerCampaigns).Bind(apis.RequireAuth("staff"))
	registerCampaignSettings(se)
}

func (svc *campaignService) handleProgress(e *core.RequestEvent) error {
	c, err := svc.find(e)
	if err != nil {
		return err
	}
	type row struct {
		Channel string `db:"channel"`
		Status  string `db:"status"`
		N       int    `db:"n"`
	}
	rows := []row{}
	q := "SELECT channel, status, count(*) AS n FROM campaign_recipients WHERE campaign = {:c} AND test = 0"
	params := dbx.Params{"c": c.Id}
	if !isManager(e.Auth) {
		q += " AND customer IN (SELECT id FROM customers WHERE owner = {:me})"
		params["me"] = e.Auth.Id
	}
	if err := e.App.DB().NewQuery(q + " GROUP BY channel, status").Bind(params).All(&rows); err != nil {
		return err
	}
	by := map[string]map[string]int{}
	for _, r := range rows {
		if by[r.Channel] == nil {
			by[r.Channel] = map[string]int{}
		}
		by[r.Channel][r.Status] = r.N
	}
	var counts any
	_ = c.UnmarshalJSONField("counts", &counts)
	state, _ := svc.states.get(c.Id)
	if state == "" {
		state = c.GetString("state")
	}
	return e.JSON(http.StatusOK, map[string]any{"state": state, "by_channel": by, "counts": counts, "as_of": time.Now().UTC().Format(time.RFC3339)})
}

func (svc *campaignService) handleRecipients(e *core.RequestEvent) error {
	c, err := svc.find(e)
	if err != nil {
		return err
	}
	q := e.Request.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 1 {
		page = 1
	}
	per := 50
	where := "r.campaign = {:c} AND r.test = 0"
	params := dbx.Params{"c": c.Id, "limit": per, "offset": (page - 1) * per}
	if ch := q.Get("channel"); ch != "" {
		where += " AND r.channel = {:ch}"
		params["ch"] = ch
	}
	if st := q.Get("status"); st != "" {
		where += " AND r.status = {:st}"
		params["st"] = st
	}
	if !isManager(e.Auth) {
		where += " AND cu.owner = {:me}"
		params["me"] = e.Auth.Id
	}
	type item struct {
		ID          string `db:"id" json:"id"`
		Customer    string `db:"customer" json:"customer"`
		Name        string `db:"name" json:"name"`
		Channel     string `db:"channel" json:"channel"`
		Status      string `db:"status" json:"status"`
		Reason      string `db:"reason" json:"reason"`
		Coupon      string `db:"coupon" json:"coupon"`
		SentAt      int64  `db:"sent_at" json:"sent_at"`
		DeliveredAt int64  `db:"delivered_at" json:"delivered_at"`
		ClickedAt   int64  `db:"clicked_at" json:"clicked_at"`
		Impressions int    `db:"impressions" json:"impressions"`
		Attempts    int    `db:"attempts" json:"attempts"`
	}
	items := []item{}
	if err := e.App.DB().NewQuery(`SELECT r.id, r.customer, coalesce(crm_open('customers.name', cu.name), '') AS name, r.channel, r.status, r.reason, r.coupon, r.sent_at, r.delivered_at,
		r.clicked_at, r.impressions, r.attempts FROM campaign_recipients r LEFT JOIN customers cu ON cu.id = r.customer
		WHERE ` + where + ` ORDER BY r.channel = 'holdout', crm_open('customers.name', cu.name), r.channel LIMIT {:limit} OFFSET {:offset}`).Bind(params).All(&items); err != nil {
		return err
	}
	var total int
	_ = e.App.DB().NewQuery("SELECT count(*) FROM campaign_recipients r LEFT JOIN customers cu ON cu.id = r.customer WHERE " + where).Bind(params).Row(&total)
	return e.JSON(http.StatusOK, map[string]any{"items": items, "page": page, "per_page": per, "total": total})
}

// csvCell keeps a cell from running as a spreadsheet formula.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (svc *campaignService) handleCouponsCSV(e *core.RequestEvent) error {
	if !isManager(e.Auth) {
		return e.ForbiddenError("Only managers and administrators export coupon codes.", nil)
	}
	c, err := svc.find(e)
	if err != nil {
		return err
	}
	type row struct {
		Code       string  `db:"code"`
		Kind       string  `db:"kind"`
		Value      float64 `db:"value"`
		Threshold  float64 `db:"threshold"`
		MinSpend   float64 `db:"min_spend"`
		ValidFrom  string  `db:"valid_from"`
		ValidTo    string  `db:"valid_to"`
		ShopID     string  `db:"shop_id"`
		Redemption int     `db:"redemptions"`
	}
	rows := []row{}
	if err := e.App.DB().NewQuery(`SELECT k.code, k.kind, k.value, k.threshold, k.min_spend, k.valid_from, k.valid_to, coalesce(cu.external_id, '') AS shop_id, k.redemptions
		FROM coupons k LEFT JOIN customers cu ON cu.id = k.customer WHERE k.campaign = {:c} ORDER BY k.code`).Bind(dbx.Params{"c": c.Id}).All(&rows); err != nil {
		return err
	}
	e.Response.Header().Set("Content-Type", "text/csv; charset=utf-8")
	e.Response.Header().Set("Content-Disposition", `attachment; filename="coupons-`+c.Id+`.csv"`)
	e.Response.WriteHeader(http.StatusOK)
	_, _ = e.Response.Write([]byte("\uFEFF"))
	w := csv.NewWriter(e.Response)
	_ = w.Write([]string{"code", "kind", "value", "threshold", "min_spend", "valid_from", "valid_to", "shop_customer_id", "redemptions"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, r := range rows {
		_ = w.Write([]string{csvCell(r.Code), r.Kind, f(r.Value), f(r.Threshold), f(r.MinSpend), r.ValidFrom, r.ValidTo, csvCell(r.ShopID), strconv.Itoa(r.Redemption)})
	}
	w.Flush()
	return nil
}

// snapshotFor: the published copy, or the draft as it stands.
func snapshotFor(c *core.Record) *campaignSnapshot {
	if snap, err := publishedSnapshot(c); err == nil && snap.Kind != "" {
		return snap
	}
	snap, _, _ := draftSnapshot(c)
	return snap
}

func (svc *campaignService) handleRender(e *core.RequestEvent) error {
	if !isManager(e.Auth) {
		return e.ForbiddenError("Only managers and administrators preview campaigns.", nil)
	}
	c, err := svc.find(e)
	if err != nil {
		return err
	}
	snap := snapshotFor(c)
	facts := &recipientFacts{Name: e.Auth.GetString("name")}
	if id := e.Request.URL.Query().Get("customer"); id != "" {
		f, err := loadRecipient(e.App, id)
		if err != nil {
			return fieldErr("customer", "not_found", "No such customer.")
		}
		facts = f
	}
	coupon := ""
	if snap.hasOffer() {
		coupon = "PREVIEW1234"
		if snap.Offer.CodeMode == "shared" {
			coupon = snap.Offer.SharedCode
		}
	}
	unsub := publicURL(e.App) + "/api/crm/unsubscribe/preview"
	vars := messageVars(snap, facts, coupon, unsub)
	out := map[string]string{}
	switch e.Request.URL.Query().Get("channel") {
	case "sms":
		out["template_id"] = snap.text("sms", "template_id")
		if raw, ok := snap.Content["sms"]["params"].(map[string]any); ok {
			for k, v := range raw {
				s, _ := v.(string)
				out["param."+k] = fillText(s, vars)
			}
		}
	case "onsite":
		for _, f := range []string{"title", "body", "cta_label", "cta_url"} {
			out[f] = fillText(snap.text("onsite", f), vars)
		}
	case "chat":
		out["body"] = fillText(snap.text("chat", "body"), vars)
	case "task":
		out["note"] = fillText(snap.text("task", "note"), vars)
	default:
		text := fillText(snap.text("email", "body"), vars)
		out["subject"] = fillText(snap.text("email", "subject"), vars)
		out["text"] = text
		out["html"] = emailHTML(e.App, "preview", text, unsub, "")
	}
	return e.JSON(http.StatusOK, out)
}

var phoneRe = regexp.MustCompile(`^\+?[0-9]{6,20}$`)

type testSendBody struct {
	Channel  string `json:"channel"`
	Phone    string `json:"phone"`
	Customer string `json:"customer"`
}

func (svc *campaignService) handleTestSend(e *core.RequestEvent) error {
	if !isManager(e.Auth) {
		return e.ForbiddenError("Only managers and administrators send tests.", nil)
	}
	c, err := svc.find(e)
	if err != nil {
		return err
	}
	var body testSendBody
	if err := e.BindBody(&body); err != nil {
		return fieldErr("channel", "invalid", "Send {\"channel\": \"email\"}.")
	}
	address := ""
	switch body.Channel {
	case "email":
		address = e.Auth.Email()
		if !e.App.Settings().SMTP.Enabled {
			return fieldErr("channel", "not_configured", "E-mail is not set up yet: Settings → Campaigns.")
		}
	case "sms":
		address = strings.ReplaceAll(body.Phone, " ", "")
		if !phoneRe.MatchString(address) {
			return fieldErr("phone", "invalid", "Give the phone number to send the test to.")
		}
		if readCampaignSettings(e.App).SMS.URL == "" {
			return fieldErr("channel", "not_configured", "The SMS gateway is not set up yet: Settings → Campaigns.")
		}
	default:
		return fieldErr("channel", "invalid", "Tests go by e-mail or SMS.")
	}
	if body.Customer != "" {
		if _, err := e.App.FindRecordById("customers", body.Customer); err != nil {
			return fieldErr("customer", "not_found", "No such customer.")
		}
	}
	snap := snapshotFor(c)
	coupon := ""
	if snap.hasOffer() {
		coupon = "TEST" + strings.ToUpper(security.RandomStringWithAlphabet(6, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"))
		if snap.Offer.CodeMode == "shared" {
			coupon = snap.Offer.SharedCode
		}
	}
	rid := security.RandomStringWithAlphabet(15, idChars)
	_, err = e.App.DB().NewQuery(`INSERT INTO campaign_recipients (id, campaign, customer, channel, status, test, address, coupon, next_at, created, updated)
		VALUES ({:id}, {:c}, {:cu}, {:ch}, 'queued', TRUE, crm_seal('campaign_recipients.address', {:addr}), {:coupon}, 0, ` + nowSQL + `, ` + nowSQL + `)`).
		Bind(dbx.Params{"id": rid, "c": c.Id, "cu": body.Customer, "ch": body.Channel, "addr": address, "coupon": coupon}).Execute()
	if err != nil {
		return e.InternalServerError("The test could not be queued.", err)
	}
	svc.queue.wake()
	return e.JSON(http.StatusOK, map[string]any{"id": rid, "to": address})
}

func (svc *campaignService) handleTestStatus(e *core.RequestEvent) error {
	c, err := svc.find(e)
	if err != nil {
		return err
	}
	var row struct {
		Status string `db:"status" json:"status"`
		Reason string `db:"reason" json:"reason"`
	}
	if err := e.App.DB().NewQuery("SELECT status, reason FROM campaign_recipients WHERE id = {:id} AND campaign = {:c} AND test").
		Bind(dbx.Params{"id": e.Request.PathValue("rid"), "c": c.Id}).One(&row); err != nil {
		return e.NotFoundError("No such test send.", nil)
	}
	return e.JSON(http.StatusOK, row)
}

// visibleCustomer: the customer of the route's {id} when the caller may view it (the records API's view
// rule); 404 otherwise, as the records API answers, so a customer one may not see is not told apart
// from one that does not exist.
func visibleCustomer(e *core.RequestEvent) (*core.Record, error) {
	customer, err := e.App.FindRecordById("customers", e.Request.PathValue("id"))
	if err != nil {
		return nil, e.NotFoundError("No such customer.", nil)
	}
	info, _ := e.RequestInfo()
	if ok, _ := e.App.CanAccessRecord(customer, info, customer.Collection().ViewRule); !ok {
		return nil, e.NotFoundError("No such customer.", nil)
	}
	return customer, nil
}

// handleCustomerCampaigns: the campaigns a customer received, for whoever may see the customer (an
// agent: a customer of their conversations), with the coupon's state.
func (svc *campaignService) handleCustomerCampaigns(e *core.RequestEvent) error {
	customer, err := visibleCustomer(e)
	if err != nil {
		return err
	}
	type row struct {
		Campaign string `db:"campaign" json:"campaign"`
		Name     string `db:"name" json:"name"`
		State    string `db:"state" json:"state"`
		Channel  string `db:"channel" json:"channel"`
		Status   string `db:"status" json:"status"`
		Reason   string `db:"reason" json:"reason"`
		Coupon   string `db:"coupon" json:"coupon"`
		SentAt   int64  `db:"sent_at" json:"sent_at"`
		Clicked  int64  `db:"clicked_at" json:"clicked_at"`
	}
	rows := []row{}
	if err := e.App.DB().NewQuery(`SELECT r.campaign, m.name, m.state, r.channel, r.status, r.reason, r.coupon, r.sent_at, r.clicked_at
		FROM campaign_recipients r JOIN campaigns m ON m.id = r.campaign
		WHERE r.customer = {:c} AND r.test = 0 AND m.deleted = 0 ORDER BY r.created DESC LIMIT 100`).Bind(dbx.Params{"c": customer.Id}).All(&rows); err != nil {
		return err
	}
	coupons := map[string]*couponState{}
	for _, r := range rows {
		if r.Coupon != "" && coupons[r.Coupon] == nil {
			if st, ok := lookupCoupon(e.App, r.Coupon, shopTZOffset()); ok {
				coupons[r.Coupon] = st
			}
		}
	}
	// The response: what the customer bought within each campaign's window (campaignresults.go).
	type response struct {
		Campaign string  `db:"campaign" json:"-"`
		Held     bool    `db:"held" json:"holdout"`
		Orders   int     `db:"orders" json:"orders"`
		Revenue  float64 `db:"revenue" json:"revenue"`
		EndTS    int64   `db:"end_ts" json:"window_end"`
	}
	found := []response{}
	if err := e.App.DB().NewQuery(`SELECT campaign, held, orders, revenue, end_ts FROM campaign_outcomes WHERE customer = {:c} AND orders >= 0`).
		Bind(dbx.Params{"c": customer.Id}).All(&found); err != nil {
		return err
	}
	responses := map[string]response{}
	for _, r := range found {
		responses[r.Campaign] = r
	}
	return e.JSON(http.StatusOK, map[string]any{"items": rows, "coupons": coupons, "responses": responses})
}
