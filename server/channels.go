// How each channel the queue sends turns a recipient row into a message (sendqueue.go):
//
//   - e-mail through PocketBase's SMTP settings: the text with the customer's name, coupon and
//     offer filled in, an HTML version where the customer's values are escaped and every link goes
//     through a click-tracking redirect (signed, so it cannot send anyone elsewhere), a one-click
//     unsubscribe (List-Unsubscribe and List-Unsubscribe-Post, RFC 8058) and a Message-ID made from
//     the delivery key;
//   - SMS through an HTTP gateway in the shape of the common Chinese providers: JSON with the
//     signature, template code and parameters, out_id = the delivery key, HMAC-SHA256 signed;
//   - a sales task: a call or visit follow-up in the owning rep's Today list (a service record whose
//     id is made from the delivery key).
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/mail"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"
	"github.com/pocketbase/pocketbase/tools/security"
)

func getenv(name string) string { return os.Getenv(name) }

func jsonUnmarshalString(s string, v any) error {
	if s == "" {
		return errors.New("empty")
	}
	return json.Unmarshal([]byte(s), v)
}

// shopTZOffset: the shop's time zone in minutes east of UTC (CRM_TZ_OFFSET_MINUTES, default 480).
func shopTZOffset() int {
	if v, err := strconv.Atoi(os.Getenv("CRM_TZ_OFFSET_MINUTES")); err == nil && v >= -14*60 && v <= 14*60 {
		return v
	}
	return 480
}

// recipientFacts: what a message says about its recipient.
type recipientFacts struct {
	Name   string `db:"name"`
	Emails string `db:"emails"`
	Phones string `db:"phones"`
	Owner  string `db:"owner"`
}

func loadRecipient(app core.App, customer string) (*recipientFacts, error) {
	f := &recipientFacts{}
	if customer == "" {
		return f, nil
	}
	err := app.DB().NewQuery("SELECT crm_open('customers.name', name) AS name, coalesce(crm_open('customers.emails', emails), '[]') AS emails, coalesce(crm_open('customers.phones', phones), '[]') AS phones, owner FROM customers WHERE id = {:id}").Bind(dbx.Params{"id": customer}).One(f)
	return f, err
}

func firstOf(list string) string {
	var xs []string
	_ = json.Unmarshal([]byte(list), &xs)
	if len(xs) == 0 {
		return ""
	}
	return xs[0]
}

var templateVarRe = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// fillText replaces {{var}} with its value (src/lib/shared/campaigns.ts fillTemplate does the same).
func fillText(text string, vars map[string]string) string {
	return templateVarRe.ReplaceAllStringFunc(text, func(m string) string {
		return vars[templateVarRe.FindStringSubmatch(m)[1]]
	})
}

// describeOfferZh says the offer in words ({{offer}}), as describeOffer in the shared TypeScript.
func describeOfferZh(o offerSpec) string {
	if o.Type == "" || o.Type == "none" || o.Value <= 0 {
		return ""
	}
	n := func(v float64) string { return strconv.FormatFloat(math2(v), 'f', -1, 64) }
	min := ""
	if o.MinSpend > 0 {
		min = "（满 ¥" + n(o.MinSpend) + " 可用）"
	}
	switch o.Type {
	case "fixed":
		return "立减 ¥" + n(o.Value) + min
	case "percent":
		return n(10-o.Value/10) + " 折" + min
	default:
		return "满 ¥" + n(o.Threshold) + " 减 ¥" + n(o.Value)
	}
}

func math2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

func messageVars(snap *campaignSnapshot, facts *recipientFacts, coupon, unsubscribe string) map[string]string {
	return map[string]string{"name": facts.Name, "coupon": coupon, "offer": describeOfferZh(snap.Offer), "valid_to": snap.Offer.ValidTo, "unsubscribe_url": unsubscribe}
}

// publicURL: the CRM's address as its recipients reach it (links in messages).
func publicURL(app core.App) string {
	if v := strings.TrimRight(os.Getenv("CRM_PUBLIC_URL"), "/"); v != "" {
		return v
	}
	if s := readCampaignSettings(app); s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/")
	}
	return strings.TrimRight(app.Settings().Meta.AppURL, "/")
}

// linkSecret signs unsubscribe and click links; made once and kept in crm_settings.
func linkSecret(app core.App) []byte {
	var v string
	_ = app.DB().NewQuery("SELECT value FROM crm_settings WHERE key = 'link_secret'").Row(&v)
	if v == "" {
		v = security.RandomString(48)
		_, _ = app.DB().NewQuery("INSERT OR IGNORE INTO crm_settings (key, value) VALUES ('link_secret', {:v})").Bind(dbx.Params{"v": v}).Execute()
		_ = app.DB().NewQuery("SELECT value FROM crm_settings WHERE key = 'link_secret'").Row(&v)
	}
	return []byte(v)
}

func signLink(app core.App, parts ...string) string {
	mac := hmac.New(sha256.New, linkSecret(app))
	mac.Write([]byte(strings.Join(parts, "|")))
	return hex.EncodeToString(mac.Sum(nil))[:32]
}

func unsubscribeURL(app core.App, rid string) string {
	return publicURL(app) + "/api/crm/unsubscribe/" + rid + "." + signLink(app, "unsubscribe", rid)
}

func clickURL(app core.App, rid, target string) string {
	return publicURL(app) + "/api/crm/r/" + rid + "?u=" + url.QueryEscape(target) + "&s=" + signLink(app, "click", rid, target)
}

var linkRe = regexp.MustCompile(`https?://[^\s<>"'）)]+`)

// openURL: the open pixel of a recipient row (only in e-mails to customers who consented to tracking).
func openURL(app core.App, rid string) string {
	return publicURL(app) + "/api/crm/o/" + rid + "." + signLink(app, "open", rid) + ".gif"
}

// emailHTML: the text escaped, line breaks kept, links tracked, and the open pixel when pixel is set.
// Customer values were filled in before, so they are escaped with it.
func emailHTML(app core.App, rid, text, unsubscribe, pixel string) string {
	escaped := html.EscapeString(text)
	linked := linkRe.ReplaceAllStringFunc(escaped, func(m string) string {
		target := html.UnescapeString(m)
		if target == unsubscribe {
			return `<a href="` + html.EscapeString(target) + `">` + m + `</a>`
		}
		return `<a href="` + html.EscapeString(clickURL(app, rid, target)) + `">` + m + `</a>`
	})
	img := ""
	if pixel != "" {
		img = `<img src="` + html.EscapeString(pixel) + `" width="1" height="1" alt="" style="display:block;border:0">`
	}
	return `<!doctype html><html><body style="font-family:sans-serif;line-height:1.6">` + strings.ReplaceAll(linked, "\n", "<br>\n") + img + `</body></html>`
}

func (q *sendQueue) sendEmail(row claimedRow, snap *campaignSnapshot) error {
	facts, err := loadRecipient(q.app, row.Customer)
	if err != nil {
		return &permanentError{"customer_not_found"}
	}
	to := row.Address
	if to == "" {
		to = firstOf(facts.Emails)
	}
	if to == "" {
		return &permanentError{"no_email"}
	}
	if facts.Name == "" {
		facts.Name = "顾客"
	}
	settings := q.app.Settings()
	if !settings.SMTP.Enabled {
		return &permanentError{"email_not_configured: set up e-mail in Settings → Campaigns"}
	}
	unsub := unsubscribeURL(q.app, row.ID)
	vars := messageVars(snap, facts, row.Coupon, unsub)
	subject := fillText(snap.text("email", "subject"), vars)
	text := fillText(snap.text("email", "body"), vars)
	if !strings.Contains(snap.text("email", "body"), "{{unsubscribe_url}}") {
		text += "\n\n——\n不想再收到此类邮件？退订：" + unsub
	}
	if row.Test {
		subject = "[测试] " + subject
	}
	pixel := ""
	if !row.Test && row.Customer != "" && hasTrackingConsent(q.app, row.Customer) {
		pixel = openURL(q.app, row.ID)
	}
	host := "crm.local"
	if u, err := url.Parse(publicURL(q.app)); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	msg := &mailer.Message{
		From:    mail.Address{Name: settings.Meta.SenderName, Address: settings.Meta.SenderAddress},
		To:      []mail.Address{{Address: to, Name: facts.Name}},
		Subject: subject,
		Text:    text,
		HTML:    emailHTML(q.app, row.ID, text, unsub, pixel),
		Headers: map[string]string{
			// The delivery key: sent again after a crash, the mailbox keeps one copy.
			"Message-ID":            "<" + row.ID + "." + row.Campaign + "@" + host + ">",
			"List-Unsubscribe":      "<" + unsub + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			"X-CRM-Campaign":        row.Campaign,
		},
	}
	if err := q.app.NewMailClient().Send(msg); err != nil {
		return classifySMTPError(err)
	}
	return nil
}

// classifySMTPError: a 5xx answer is permanent (a refused address); the rest is worth a retry.
func classifySMTPError(err error) error {
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 500 {
		return &permanentError{fmt.Sprintf("smtp %d: %s", tp.Code, tp.Msg)}
	}
	return err
}

// smsSettings: the HTTP gateway (Settings → Campaigns).
type smsSettings struct {
	URL       string `json:"url"`
	KeyID     string `json:"key_id"`
	Secret    string `json:"secret"`
	SignName  string `json:"sign_name"`
	OptOutKey string `json:"opt_out_keyword"`
}

var smsHTTP = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext, MaxIdleConnsPerHost: 16}}

func (q *sendQueue) sendSMS(row claimedRow, snap *campaignSnapshot) error {
	gw := readCampaignSettings(q.app).SMS
	if gw.URL == "" {
		return &permanentError{"sms_not_configured: set up the SMS gateway in Settings → Campaigns"}
	}
	facts, err := loadRecipient(q.app, row.Customer)
	if err != nil {
		return &permanentError{"customer_not_found"}
	}
	phone := row.Address
	if phone == "" {
		phone = firstOf(facts.Phones)
	}
	if phone == "" {
		return &permanentError{"no_phone"}
	}
	vars := messageVars(snap, facts, row.Coupon, "")
	params := map[string]string{}
	if raw, ok := snap.Content["sms"]["params"].(map[string]any); ok {
		for k, v := range raw {
			s, _ := v.(string)
			params[k] = fillText(s, vars)
		}
	}
	paramText, _ := json.Marshal(params)
	body, _ := json.Marshal(map[string]any{
		"phone": phone, "sign_name": gw.SignName, "template_code": snap.text("sms", "template_id"), "template_param": string(paramText),
		"out_id": row.ID, "timestamp": time.Now().Unix(), "nonce": security.RandomString(16),
	})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, gw.URL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Key-Id", gw.KeyID)
	req.Header.Set("X-Signature", hmacHex(gw.Secret, body))
	res, err := smsHTTP.Do(req)
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	switch {
	case res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("sms gateway answered %d", res.StatusCode)
	case res.StatusCode >= 400:
		return &permanentError{fmt.Sprintf("sms gateway refused (%d): %s", res.StatusCode, truncate(string(answer), 200))}
	}
	return nil
}

func hmacHex(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// createTask gives the customer's sales rep a follow-up for today; its id comes from the delivery
// key, so a second attempt finds the first.
func (q *sendQueue) createTask(row claimedRow, snap *campaignSnapshot, campaignName string) (string, error) {
	facts, err := loadRecipient(q.app, row.Customer)
	if err != nil {
		return "", &permanentError{"customer_not_found"}
	}
	if facts.Owner == "" {
		return "", &permanentError{"no_owner"}
	}
	id := recipientID(row.ID, "task", "record")
	if _, err := q.app.FindRecordById("service_records", id); err == nil {
		return id, nil
	}
	kind := snap.text("task", "kind")
	if kind != "visit" {
		kind = "call"
	}
	vars := messageVars(snap, facts, row.Coupon, "")
	summary := truncate("【活动】"+campaignName+"："+fillText(snap.text("task", "note"), vars), 1990)
	col, err := q.app.FindCachedCollectionByNameOrId("service_records")
	if err != nil {
		return "", err
	}
	rec := core.NewRecord(col)
	rec.Id = id
	rec.Set("customer", row.Customer)
	rec.Set("staff", facts.Owner)
	rec.Set("kind", kind)
	rec.Set("summary", summary)
	rec.Set("outcome", "")
	rec.Set("at", time.Now().UTC().Format(time.RFC3339))
	rec.Set("follow_up", time.Now().UTC().Add(time.Duration(shopTZOffset())*time.Minute).Format("2006-01-02"))
	rec.Set("follow_up_done", false)
	rec.Set("history", []any{})
	rec.Set("field_times", map[string]any{})
	// The row names its task in the same transaction, so the rep marking it done always finds it.
	err = q.app.RunInTransaction(func(tx core.App) error {
		if err := tx.Save(rec); err != nil {
			return err
		}
		_, err := tx.DB().NewQuery("UPDATE campaign_recipients SET task = {:t} WHERE id = {:id}").Bind(dbx.Params{"t": id, "id": row.ID}).Execute()
		return err
	})
	if err != nil {
		return "", err
	}
	return id, nil
}
