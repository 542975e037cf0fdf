// What recipients do with a message, reported back (public routes, each link signed):
//
//	GET  /api/crm/unsubscribe/{rid}.{sig}   a page that confirms the unsubscribe (a button)
//	POST /api/crm/unsubscribe/{rid}.{sig}   unsubscribes: the button, or a mail client's one-click
//	                                        (List-Unsubscribe-Post, RFC 8058)
//	GET  /api/crm/r/{rid}?u=…&s=…           a tracked link: counts the click, then goes to u
//	GET  /api/crm/o/{rid}.{sig}.gif         an e-mail's open pixel (only where tracking is consented)
//	POST /api/crm/sms/inbound               the SMS gateway's replies: an opt-out keyword unsubscribes
//	POST /api/crm/sms/report                the SMS gateway's delivery reports
//
// An unsubscribe is a decision in the consent ledger (consents: the channel's purpose withdrawn, how
// and when, the campaign), so it stops every later send at once (the queue checks consent before each
// message) and reaches the devices through sync.
package main

import (
	"crypto/hmac"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

var channelPurpose = map[string]string{"email": "marketing_email", "sms": "marketing_sms", "onsite": "marketing_onsite", "chat": "marketing_chat", "task": "marketing_phone"}

// hasConsent: the latest decision for the purpose (or all marketing), else the customer's own flag.
func hasConsent(app core.App, customer, purpose string) bool {
	var granted bool
	err := app.DB().NewQuery(`SELECT ` + consentSQL(purpose) + ` FROM customers c WHERE c.id = {:id}`).Bind(dbx.Params{"id": customer}).Row(&granted)
	return err == nil && granted
}

// withdrawConsent records that a customer no longer wants a channel's marketing.
func withdrawConsent(app core.App, customer, purpose, how, wording, campaign string) error {
	col, err := app.FindCachedCollectionByNameOrId("consents")
	if err != nil {
		return err
	}
	row := core.NewRecord(col)
	row.Set("customer", customer)
	row.Set("purpose", purpose)
	row.Set("granted", false)
	row.Set("at", time.Now().UTC().Format(time.RFC3339Nano))
	row.Set("how", how)
	row.Set("wording", wording)
	row.Set("campaign", campaign)
	return app.Save(row)
}

type recipientRef struct {
	ID       string `db:"id"`
	Campaign string `db:"campaign"`
	Customer string `db:"customer"`
	Channel  string `db:"channel"`
	Test     bool   `db:"test"`
}

func findRecipient(app core.App, rid string) (*recipientRef, bool) {
	r := &recipientRef{}
	err := app.DB().NewQuery("SELECT id, campaign, customer, channel, test FROM campaign_recipients WHERE id = {:id}").Bind(dbx.Params{"id": rid}).One(r)
	return r, err == nil
}

const pageStyle = `<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.6;color:#0f172a}
button{font-size:1rem;padding:.7rem 1.4rem;border-radius:.5rem;border:0;background:#0f766e;color:#fff;min-height:44px}</style>`

func htmlPage(e *core.RequestEvent, status int, title, body string) error {
	e.Response.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	return e.HTML(status, `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>`+
		html.EscapeString(title)+`</title>`+pageStyle+`</head><body><h1>`+html.EscapeString(title)+`</h1>`+body+`</body></html>`)
}

func (svc *campaignService) unsubscribeToken(e *core.RequestEvent) (*recipientRef, bool) {
	token := e.Request.PathValue("token")
	rid, sig, ok := strings.Cut(token, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(signLink(e.App, "unsubscribe", rid))) {
		return nil, false
	}
	return findRecipient(e.App, rid)
}

func (svc *campaignService) handleUnsubscribePage(e *core.RequestEvent) error {
	if _, ok := svc.unsubscribeToken(e); !ok {
		return htmlPage(e, http.StatusNotFound, "链接无效 · Invalid link", "<p>这个退订链接不完整或已失效。<br>This unsubscribe link is incomplete or no longer valid.</p>")
	}
	return htmlPage(e, http.StatusOK, "退订营销消息 · Unsubscribe",
		`<p>不再接收此渠道的营销消息？<br>Stop receiving marketing messages through this channel?</p>`+
			`<form method="post"><button type="submit">确认退订 · Unsubscribe</button></form>`)
}

func (svc *campaignService) handleUnsubscribe(e *core.RequestEvent) error {
	r, ok := svc.unsubscribeToken(e)
	if !ok {
		return htmlPage(e, http.StatusNotFound, "链接无效 · Invalid link", "<p>这个退订链接不完整或已失效。<br>This unsubscribe link is incomplete or no longer valid.</p>")
	}
	if r.Customer != "" && !r.Test {
		purpose := channelPurpose[r.Channel]
		if purpose == "" {
			purpose = "marketing_email"
		}
		how := "unsubscribe_link"
		body, _ := io.ReadAll(io.LimitReader(e.Request.Body, 1000))
		if strings.Contains(string(body), "List-Unsubscribe=One-Click") {
			how = "one_click_unsubscribe"
		}
		if hasConsent(e.App, r.Customer, purpose) {
			if err := withdrawConsent(e.App, r.Customer, purpose, how, "退订链接 / unsubscribe link", r.Campaign); err != nil {
				return e.InternalServerError("The unsubscribe could not be saved.", err)
			}
		}
	}
	return htmlPage(e, http.StatusOK, "已退订 · Unsubscribed", "<p>您将不再通过此渠道收到营销消息。<br>You will not receive marketing messages through this channel any more.</p>")
}

func (svc *campaignService) handleClick(e *core.RequestEvent) error {
	rid := e.Request.PathValue("rid")
	target := e.Request.URL.Query().Get("u")
	sig := e.Request.URL.Query().Get("s")
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || !hmac.Equal([]byte(sig), []byte(signLink(e.App, "click", rid, target))) {
		return e.BadRequestError("This link is incomplete.", nil)
	}
	now := time.Now().UnixMilli()
	_ = e.App.RunInTransaction(func(tx core.App) error {
		if _, err := tx.DB().NewQuery(`UPDATE campaign_recipients SET clicks = clicks + 1, clicked_at = CASE WHEN clicked_at = 0 THEN {:now} ELSE clicked_at END,
			updated = ` + nowSQL + ` WHERE id = {:id}`).Bind(dbx.Params{"id": rid, "now": now}).Execute(); err != nil {
			return err
		}
		// The click may now own the customer's later orders (attribution.go).
		if r, ok := findRecipient(tx, rid); ok && r.Customer != "" && !r.Test {
			return attributeCustomers(tx.DB(), []string{r.Customer}, nil)
		}
		return nil
	})
	return e.Redirect(http.StatusFound, target)
}

// openPixel: a transparent 1×1 GIF.
var openPixel = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// hasTrackingConsent: the customer's latest decision on tracking says yes (no decision: no). Opens are
// tracked only then: the e-mail carries the pixel only then, and an open is counted only then.
func hasTrackingConsent(app core.App, customer string) bool {
	var granted bool
	err := app.DB().NewQuery(`SELECT granted FROM consents WHERE customer = {:id} AND purpose = 'tracking' AND deleted = 0
		ORDER BY at DESC, created DESC LIMIT 1`).Bind(dbx.Params{"id": customer}).Row(&granted)
	return err == nil && granted
}

// handleOpen: GET /api/crm/o/{token}.gif, the e-mail's open pixel (signed per recipient row): the
// first open is kept (opened_at); always answers the image, so a mail client shows nothing amiss.
func (svc *campaignService) handleOpen(e *core.RequestEvent) error {
	token := strings.TrimSuffix(e.Request.PathValue("token"), ".gif")
	rid, sig, ok := strings.Cut(token, ".")
	if ok && hmac.Equal([]byte(sig), []byte(signLink(e.App, "open", rid))) {
		if r, found := findRecipient(e.App, rid); found && r.Customer != "" && r.Channel == "email" && hasTrackingConsent(e.App, r.Customer) {
			_, _ = e.App.DB().NewQuery(`UPDATE campaign_recipients SET opened_at = {:now}, updated = ` + nowSQL + `
				WHERE id = {:id} AND opened_at = 0`).Bind(dbx.Params{"id": rid, "now": time.Now().UnixMilli()}).Execute()
		}
	}
	e.Response.Header().Set("Cache-Control", "no-store, private")
	return e.Blob(http.StatusOK, "image/gif", openPixel)
}

// smsSigned checks the gateway's signature on a callback (the secret of Settings → Campaigns).
func smsSigned(e *core.RequestEvent) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(e.Request.Body, 64*1024))
	if err != nil {
		return nil, false
	}
	secret := readCampaignSettings(e.App).SMS.Secret
	sig := e.Request.Header.Get("X-Signature")
	return body, secret != "" && hmac.Equal([]byte(strings.ToLower(sig)), []byte(hmacHex(secret, body)))
}

var defaultOptOut = []string{"TD", "T", "N", "退订", "STOP", "UNSUBSCRIBE"}

func (svc *campaignService) handleSMSInbound(e *core.RequestEvent) error {
	body, ok := smsSigned(e)
	if !ok {
		return e.UnauthorizedError("The gateway's signature does not match.", nil)
	}
	var in struct {
		Phone   string `json:"phone"`
		Content string `json:"content"`
	}
	if json.Unmarshal(body, &in) != nil || in.Phone == "" {
		return fieldErr("phone", "required", "Send {phone, content}.")
	}
	words := append([]string{}, defaultOptOut...)
	if k := readCampaignSettings(e.App).SMS.OptOutKey; k != "" {
		words = append(words, k)
	}
	reply := strings.ToUpper(strings.TrimSpace(in.Content))
	optOut := false
	for _, w := range words {
		optOut = optOut || reply == strings.ToUpper(w)
	}
	if !optOut {
		return e.JSON(http.StatusOK, map[string]any{"opted_out": 0})
	}
	phone := normalizePhoneCN(in.Phone)
	ids := []string{}
	_ = e.App.DB().NewQuery(customersByPhoneSQL).Bind(dbx.Params{"p": phone}).Column(&ids)
	for _, id := range ids {
		if hasConsent(e.App, id, "marketing_sms") {
			if err := withdrawConsent(e.App, id, "marketing_sms", "sms_keyword", "回复 "+strings.TrimSpace(in.Content), ""); err != nil {
				return err
			}
		}
	}
	return e.JSON(http.StatusOK, map[string]any{"opted_out": len(ids)})
}

// normalizePhoneCN writes a number as customers store it (+86… for a mainland mobile without code).
func normalizePhoneCN(p string) string {
	p = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(p))
	if strings.HasPrefix(p, "+") {
		return p
	}
	if strings.HasPrefix(p, "86") && len(p) == 13 {
		return "+" + p
	}
	if len(p) == 11 && strings.HasPrefix(p, "1") {
		return "+86" + p
	}
	return p
}

func (svc *campaignService) handleSMSReport(e *core.RequestEvent) error {
	body, ok := smsSigned(e)
	if !ok {
		return e.UnauthorizedError("The gateway's signature does not match.", nil)
	}
	var in struct {
		OutID  string `json:"out_id"`
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	if json.Unmarshal(body, &in) != nil || in.OutID == "" {
		return fieldErr("out_id", "required", "Send {out_id, status}.")
	}
	now := time.Now().UnixMilli()
	if strings.EqualFold(in.Status, "DELIVERED") {
		_, _ = e.App.DB().NewQuery("UPDATE campaign_recipients SET status = 'delivered', delivered_at = {:now}, updated = " + nowSQL + " WHERE id = {:id} AND status IN ('sent', 'sending')").Bind(dbx.Params{"id": in.OutID, "now": now}).Execute()
	} else {
		_, _ = e.App.DB().NewQuery("UPDATE campaign_recipients SET status = 'failed', reason = {:r}, updated = " + nowSQL + " WHERE id = {:id} AND status IN ('sent', 'sending')").Bind(dbx.Params{"id": in.OutID, "r": truncate("sms report: "+in.Status+" "+in.Error, 290)}).Execute()
	}
	return e.JSON(http.StatusOK, map[string]any{"ok": true})
}

// customersByPhoneSQL: the live customers holding the phone number {:p} (the phones are sealed,
// fieldcrypt.go: each list is opened once).
const customersByPhoneSQL = `WITH c AS MATERIALIZED (SELECT id, crm_open('customers.phones', phones) AS phones FROM customers
	  WHERE deleted = 0 AND phones NOT IN ('', '[]', 'null'))
	SELECT c.id FROM c, json_each(CASE WHEN json_valid(c.phones) THEN c.phones ELSE '[]' END) p WHERE p.value = {:p}`
