// Web Push for new visitor messages (docs/api/chat.md, "Web Push"). The agent console subscribes a
// device (push_subscriptions); on each visitor message the conversation's assignee, or while it waits in
// the queue every agent, manager and admin, gets an encrypted push (RFC 8291) signed with the server's
// VAPID key (RFC 8292), sent through the browser vendor's push service. Sending runs off the request
// path: a bounded queue and one worker; a full queue drops the alert, never delays the message.
//
// Environment: CRM_PUSH=off turns it off; CRM_PUSH_SUBJECT is the VAPID contact (mailto: or https:);
// CRM_PUSH_ALLOW_HTTP=1 accepts http:// endpoints (tests only: their stand-in push service);
// CRM_PUSH_HOSTS adds push service hosts to the browsers' own (knownPushHost).
package main

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

const (
	pushQueueSize   = 256
	pushParallel    = 8
	pushTTL         = 60 // seconds: an alert older than a minute is no longer news
	pushTimeout     = 10 * time.Second
	pushPreviewMax  = 100
	pushDefaultSubj = "mailto:webpush@example.com"
)

type pushJob struct {
	conversation string
	body         string
	images       int
}

type pusher struct {
	app     core.App
	queue   chan pushJob
	client  *http.Client
	subject string
	public  string
	private string
}

// registerPush wires Web Push into the app (one line in main.go).
func registerPush(app core.App) {
	if strings.EqualFold(strings.TrimSpace(os.Getenv("CRM_PUSH")), "off") {
		app.OnServe().BindFunc(func(se *core.ServeEvent) error {
			se.Router.GET("/api/crm/push/key", func(e *core.RequestEvent) error {
				return apis.NewNotFoundError("Web Push is turned off on this server.", nil)
			})
			return se.Next()
		})
		return
	}
	p := &pusher{app: app, queue: make(chan pushJob, pushQueueSize), client: &http.Client{Timeout: pushTimeout}, subject: pushSubject()}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if err := p.loadKeys(); err != nil {
			return fmt.Errorf("web push keys: %w", err)
		}
		se.Router.GET("/api/crm/push/key", func(e *core.RequestEvent) error {
			return e.JSON(http.StatusOK, map[string]string{"public_key": p.public})
		}).Bind(apis.RequireAuth("staff"))
		ctx, stop := context.WithCancel(context.Background())
		app.OnTerminate().BindFunc(func(te *core.TerminateEvent) error {
			stop()
			return te.Next()
		})
		go p.work(ctx)
		go p.remindEvery(ctx, reminderInterval())
		return se.Next()
	})
	app.OnRecordCreateRequest("push_subscriptions").BindFunc(p.checkSubscription)
	app.OnRecordAfterCreateSuccess("messages").BindFunc(func(e *core.RecordEvent) error {
		p.enqueue(e.Record)
		return e.Next()
	})
}

// pushSubject is the VAPID "sub" without its mailto: (webpush-go adds mailto: to anything not https:).
func pushSubject() string {
	s := strings.TrimSpace(os.Getenv("CRM_PUSH_SUBJECT"))
	if s == "" {
		s = pushDefaultSubj
	}
	return strings.TrimPrefix(s, "mailto:")
}

// loadKeys reads the VAPID key pair, making it on the first start.
func (p *pusher) loadKeys() error {
	rec, err := p.app.FindFirstRecordByFilter("push_vapid_keys", "id != ''")
	if err == nil {
		p.public, p.private = rec.GetString("public_key"), rec.GetString("private_key")
		return nil
	}
	col, err := p.app.FindCollectionByNameOrId("push_vapid_keys")
	if err != nil {
		return err
	}
	private, public, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		return err
	}
	rec = core.NewRecord(col)
	rec.Set("public_key", public)
	rec.Set("private_key", private)
	if err := p.app.Save(rec); err != nil {
		return err
	}
	p.public, p.private = public, private
	p.app.Logger().Info("web push: made the VAPID key pair (kept in push_vapid_keys)")
	return nil
}

// checkSubscription refuses endpoints and keys no browser would send, so the worker never posts to an
// arbitrary address; a device subscribed again (same endpoint, e.g. another staff member signed in on
// it) replaces its old record.
func (p *pusher) checkSubscription(e *core.RecordRequestEvent) error {
	endpoint := e.Record.GetString("endpoint")
	u, err := url.Parse(endpoint)
	okScheme := err == nil && ((u.Scheme == "https" && knownPushHost(u.Hostname())) || (u.Scheme == "http" && os.Getenv("CRM_PUSH_ALLOW_HTTP") == "1"))
	if !okScheme || u.Host == "" || u.User != nil {
		return apis.NewBadRequestError("The endpoint must be the https address the browser's push service gave.", map[string]any{
			"endpoint": map[string]string{"code": "invalid", "message": "Not a push service address."},
		})
	}
	if key, err := decodeKey(e.Record.GetString("p256dh")); err != nil || !validP256(key) {
		return apis.NewBadRequestError("The p256dh key is not a P-256 public key.", map[string]any{
			"p256dh": map[string]string{"code": "invalid", "message": "Not a P-256 public key."},
		})
	}
	if auth, err := decodeKey(e.Record.GetString("auth")); err != nil || len(auth) != 16 {
		return apis.NewBadRequestError("The auth secret must be 16 bytes.", map[string]any{
			"auth": map[string]string{"code": "invalid", "message": "Not a 16-byte secret."},
		})
	}
	if old, err := e.App.FindFirstRecordByData("push_subscriptions", "endpoint", endpoint); err == nil {
		if err := e.App.Delete(old); err != nil {
			return err
		}
	}
	return e.Next()
}

// The browsers' push services (Chrome, Edge on Android, Opera, Samsung: FCM; Firefox; Safari; Edge on
// Windows: WNS). CRM_PUSH_HOSTS adds others, comma-separated; a leading dot also allows subdomains.
// Without this list a staff member could have the server post to any https address of their choosing.
var defaultPushHosts = []string{"fcm.googleapis.com", "android.googleapis.com", "updates.push.services.mozilla.com", ".push.apple.com", ".notify.windows.com"}

func knownPushHost(host string) bool {
	host = strings.ToLower(host)
	hosts := defaultPushHosts
	for _, h := range strings.Split(os.Getenv("CRM_PUSH_HOSTS"), ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			hosts = append(hosts[:len(hosts):len(hosts)], h)
		}
	}
	for _, h := range hosts {
		if host == h || (strings.HasPrefix(h, ".") && strings.HasSuffix(host, h)) {
			return true
		}
	}
	return false
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func validP256(key []byte) bool {
	_, err := ecdh.P256().NewPublicKey(key)
	return err == nil
}

// enqueue takes a visitor message for the worker without waiting; a full queue drops the alert.
func (p *pusher) enqueue(msg *core.Record) {
	if msg.GetString("author_kind") != "visitor" || msg.GetBool("internal") {
		return
	}
	job := pushJob{conversation: msg.GetString("conversation"), body: msg.GetString("body"), images: len(msg.GetStringSlice("attachments"))}
	select {
	case p.queue <- job:
	default:
		p.app.Logger().Warn("web push: queue full, alert dropped", "conversation", job.conversation)
	}
}

func (p *pusher) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case job := <-p.queue:
			p.send(ctx, job)
		}
	}
}

// send pushes one message's alert to its recipients' devices, a few at a time.
func (p *pusher) send(ctx context.Context, job pushJob) {
	conv, err := p.app.FindRecordById("conversations", job.conversation)
	if err != nil || conv.GetBool("deleted") {
		return
	}
	subs, err := p.recipients(conv.GetString("assignee"))
	if err != nil {
		p.app.Logger().Error("web push: finding subscriptions", "conversation", conv.Id, "error", err.Error())
		return
	}
	if len(subs) == 0 {
		return
	}
	title := ""
	if v, err := p.app.FindRecordById("visitors", conv.GetString("visitor")); err == nil {
		title = v.GetString("name")
	}
	payload, err := pushPayload(title, job, conv.Id)
	if err != nil {
		return
	}
	sem := make(chan struct{}, pushParallel)
	var wg sync.WaitGroup
	for _, sub := range subs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			p.sendOne(ctx, sub, payload, conv.Id, pushTTL, webpush.UrgencyHigh)
		}()
	}
	wg.Wait()
}

// recipients: the assignee's devices, or while in the queue those of every agent, manager and admin.
func (p *pusher) recipients(assignee string) ([]*core.Record, error) {
	if assignee != "" {
		return p.app.FindRecordsByFilter("push_subscriptions", "staff = {:id}", "", 0, 0, dbx.Params{"id": assignee})
	}
	return p.app.FindRecordsByFilter("push_subscriptions", "staff.role = 'agent' || staff.role = 'manager' || staff.role = 'admin'", "", 0, 0)
}

func pushPayload(title string, job pushJob, conversation string) ([]byte, error) {
	body := preview(job.body) // chatmessages.go: white space folded, at most 140 characters
	if utf8.RuneCountInString(body) > pushPreviewMax {
		body = string([]rune(body)[:pushPreviewMax-1]) + "…"
	}
	if body == "" && job.images > 0 {
		body = "[image]"
	}
	return json.Marshal(map[string]string{
		"title":        strings.TrimSpace(title),
		"body":         body,
		"conversation": conversation,
		"url":          "/inbox?c=" + url.QueryEscape(conversation),
	})
}

// sendOne pushes one payload to one device; ttl: seconds the push service keeps it for a device that
// is offline (a chat alert is news for a minute, a day's follow-ups for the day).
func (p *pusher) sendOne(ctx context.Context, sub *core.Record, payload []byte, topic string, ttl int, urgency webpush.Urgency) {
	endpoint := sub.GetString("endpoint")
	host := endpointHost(endpoint)
	ctx, cancel := context.WithTimeout(ctx, pushTimeout)
	defer cancel()
	res, err := webpush.SendNotificationWithContext(ctx, payload, &webpush.Subscription{
		Endpoint: endpoint,
		Keys:     webpush.Keys{P256dh: sub.GetString("p256dh"), Auth: sub.GetString("auth")},
	}, &webpush.Options{
		HTTPClient:      p.client,
		Subscriber:      p.subject,
		Topic:           topic,
		TTL:             ttl,
		Urgency:         urgency,
		VAPIDPublicKey:  p.public,
		VAPIDPrivateKey: p.private,
	})
	if err != nil {
		// The error text of a failed request carries the URL: name only the host.
		p.app.Logger().Warn("web push: not sent", "host", host, "subscription", sub.Id, "error", scrubURL(err.Error(), endpoint, host))
		return
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	res.Body.Close()
	switch {
	case res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusGone:
		// The browser dropped the subscription (unsubscribed, expired): forget it.
		if err := p.app.Delete(sub); err != nil {
			p.app.Logger().Warn("web push: removing an expired subscription", "host", host, "subscription", sub.Id, "error", err.Error())
		}
	case res.StatusCode >= 300:
		p.app.Logger().Warn("web push: refused", "host", host, "subscription", sub.Id, "status", res.StatusCode)
	}
}

func endpointHost(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil {
		return u.Host
	}
	return "?"
}

func scrubURL(msg, endpoint, host string) string {
	return strings.ReplaceAll(msg, endpoint, "https://"+host+"/…")
}
