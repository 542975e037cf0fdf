package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
)

// loadCandidates folds the consent ledger in Go; hasConsent asks SQLite (consentSQL), which the send
// queue and the on-site answer use. Both must give the same answer for every customer and channel:
// grants and withdrawals per channel and for all marketing, in any order, and no decision at all.
func TestCandidatesConsentAgreesWithLedgerSQL(t *testing.T) {
	app := migratedApp(t)
	purposes := []string{"marketing", "marketing_email", "marketing_sms", "marketing_onsite", "marketing_chat", "marketing_phone"}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := []string{}
	for i := range 60 {
		id := fmt.Sprintf("cust%011d", i)
		ids = append(ids, id)
		if _, err := app.DB().NewQuery(`INSERT INTO customers (id, name, marketing_consent, deleted, created, updated) VALUES ({:id}, {:n}, {:mc}, 0, '2026-01-01 00:00:00.000Z', '2026-01-01 00:00:00.000Z')`).
			Bind(dbx.Params{"id": id, "n": "c" + id, "mc": i%2 == 0}).Execute(); err != nil {
			t.Fatal(err)
		}
		// i decisions, a different mix for each customer (none for i = 0); some share a time.
		for k := range i % 7 {
			at := base.Add(time.Duration((i*k)%5) * time.Hour).Format(time.RFC3339Nano)
			if _, err := app.DB().NewQuery(`INSERT INTO consents (id, customer, purpose, granted, at, how, deleted, created, updated)
				VALUES ({:id}, {:c}, {:p}, {:g}, {:at}, 'web_form', {:d}, {:cr}, {:cr})`).Bind(dbx.Params{
				"id": fmt.Sprintf("cons%05d%06d", i, k), "c": id, "p": purposes[(i+k*3)%len(purposes)], "g": (i+k)%3 != 0, "at": at,
				"d": k == 5, "cr": fmt.Sprintf("2026-01-01 00:00:%02d.000Z", k),
			}).Execute(); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := loadCandidates(app, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Fatalf("%d candidates for %d customers", len(got), len(ids))
	}
	for _, c := range got {
		for purpose, v := range map[string]bool{"marketing_email": c.Email, "marketing_sms": c.SMS, "marketing_onsite": c.Onsite, "marketing_chat": c.Chat, "marketing_phone": c.Phone} {
			if want := hasConsent(app, c.ID, purpose); v != want {
				t.Errorf("%s %s: loadCandidates says %v, the ledger query %v", c.ID, purpose, v, want)
			}
		}
	}
}
