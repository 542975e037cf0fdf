// Follow-up reminders (issue 18, "Also expected"): once a day, from CRM_REMINDER_HOUR (shop time,
// default 9), each staff member with a device subscribed to alerts (push_subscriptions) gets one push
// saying how many of their follow-ups are due today and how many are overdue (service records they
// logged, not done, of customers not deleted), opening the Today list. No names in the push: it shows
// on a locked phone's screen. A day's reminder is sent once per staff member (crm_reminders_sent), also
// across restarts; a server that was down at nine sends it at its next check.
//
// Environment: CRM_REMINDER_HOUR (0-23, or "off"), CRM_REMINDER_EVERY (how often to check, a Go
// duration, default 5m; tests use 1s).
package main

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/pocketbase/dbx"
)

const reminderTTL = 12 * 3600 // a phone offline in the morning still hears of the day's follow-ups

// reminderHour: the shop-time hour from which the day's reminders go out, or -1 when turned off.
func reminderHour() int {
	v := strings.TrimSpace(os.Getenv("CRM_REMINDER_HOUR"))
	if strings.EqualFold(v, "off") {
		return -1
	}
	if h, err := strconv.Atoi(v); err == nil && h >= 0 && h <= 23 {
		return h
	}
	return 9
}

func reminderInterval() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("CRM_REMINDER_EVERY")); err == nil && d >= 100*time.Millisecond {
		return d
	}
	return 5 * time.Minute
}

// followUpsDue: one staff member's follow-ups due on the shop day and those overdue.
type followUpsDue struct {
	Staff   string `db:"staff"`
	Due     int    `db:"due"`
	Overdue int    `db:"overdue"`
}

func (p *pusher) remindEvery(ctx context.Context, every time.Duration) {
	hour := reminderHour()
	if hour < 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if err := p.remind(ctx, now, hour); err != nil {
				p.app.Logger().Error("follow-up reminders", "error", err.Error())
			}
		}
	}
}

// remind sends the shop day's reminders still owed, once the shop's clock has passed the hour.
func (p *pusher) remind(ctx context.Context, now time.Time, hour int) error {
	local := now.UTC().Add(time.Duration(shopTZOffset()) * time.Minute)
	if local.Hour() < hour {
		return nil
	}
	day := local.Format("2006-01-02")
	var owed []followUpsDue
	err := p.app.DB().NewQuery(`
		SELECT s.id AS staff,
		  (SELECT count(*) FROM service_records r JOIN customers c ON c.id = r.customer AND c.deleted = FALSE
		    WHERE r.staff = s.id AND r.follow_up = {:day} AND r.follow_up_done = FALSE AND r.deleted = FALSE) AS due,
		  (SELECT count(*) FROM service_records r JOIN customers c ON c.id = r.customer AND c.deleted = FALSE
		    WHERE r.staff = s.id AND r.follow_up != '' AND r.follow_up < {:day} AND r.follow_up_done = FALSE AND r.deleted = FALSE) AS overdue
		FROM staff s
		WHERE s.deactivated = FALSE AND s.id IN (SELECT staff FROM push_subscriptions)
		  AND s.id NOT IN (SELECT staff FROM crm_reminders_sent WHERE day = {:day})`).
		Bind(dbx.Params{"day": day}).All(&owed)
	if err != nil {
		return err
	}
	sent := 0
	for _, o := range owed {
		// Marked first: a crash in the middle costs one reminder, never sends one twice.
		if _, err := p.app.DB().NewQuery(`INSERT OR IGNORE INTO crm_reminders_sent (staff, day, due, overdue) VALUES ({:s}, {:d}, {:due}, {:over})`).
			Bind(dbx.Params{"s": o.Staff, "d": day, "due": o.Due, "over": o.Overdue}).Execute(); err != nil {
			return err
		}
		if o.Due+o.Overdue == 0 {
			continue
		}
		payload, _ := json.Marshal(map[string]any{"kind": "followups", "day": day, "due": o.Due, "overdue": o.Overdue, "url": "/today"})
		subs, err := p.app.FindRecordsByFilter("push_subscriptions", "staff = {:id}", "", 0, 0, dbx.Params{"id": o.Staff})
		if err != nil {
			return err
		}
		for _, sub := range subs {
			p.sendOne(ctx, sub, payload, "followups", reminderTTL, webpush.UrgencyNormal)
		}
		sent++
	}
	if sent > 0 {
		p.app.Logger().Info("follow-up reminders sent", "day", day, "staff", sent)
	}
	return nil
}
