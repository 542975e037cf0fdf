package main

import (
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/plugins/jsvm"
)

// migratedApp: an app with the project's real migrations applied (the JS ones, as the server runs them).
func migratedApp(t *testing.T) core.App {
	// The JS migrations register in PocketBase's global list: keep them out of the other tests' apps.
	saved := core.AppMigrations
	core.AppMigrations = core.MigrationsList{}
	t.Cleanup(func() { core.AppMigrations = saved })
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: t.TempDir(), DBConnect: durableDBConnect})
	jsvm.MustRegister(app, jsvm.Config{MigrationsDir: "../pb_migrations", HooksDir: t.TempDir()})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	if err := app.RunAllMigrations(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.ResetBootstrapState() })
	return app
}

// The lookups made on every request of the shop's pages (tracker.js's on-site question, coupon checks)
// must use an index: a bound value does not tell SQLite that it is not empty, so a lookup by shop
// customer id scanned every customer until "external_id != ”" let it use the partial index.
func TestHotQueriesUseIndexes(t *testing.T) {
	app := migratedApp(t)
	queries := map[string]string{
		"customer by shop id": customerByShopIDSQL,
		"on-site candidates":  onsiteCandidatesSQL,
		"consent":             "SELECT " + consentSQL("marketing_onsite") + " FROM customers c WHERE c.id = {:id}",
		"coupon":              couponLookupSQL,
		// the ingestion's campaign outcome refresh (every purchase of a recipient)
		"campaign outcomes": `UPDATE campaign_outcomes SET ` + outcomeFigures + ` WHERE customer IN (SELECT value FROM json_each({:ids}))`,
		// and its visits and attribution (every batch with a known customer's event)
		"campaign visits":      visitsSQL,
		"campaign attribution": attributionSQL,
		"attributed orders":    attributedSQL,
		"unsubscribes":         unsubscribesSQL,
	}
	for name, sql := range queries {
		rows := []struct {
			Detail string `db:"detail"`
		}{}
		params := dbx.Params{"x": "U1", "a": "anon", "c": "abc", "max": 3, "id": "abc", "code": "CODE", "ids": `["abc"]`, "v": `[{"c":"abc","t":1}]`}
		if err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + sql).Bind(params).All(&rows); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, r := range rows {
			// A one-row constant or CTE ("who"), the caller's own rows made by a CTE ("picks"), or the list
			// of ids passed in (json_each), is no table scan.
			if strings.HasPrefix(r.Detail, "SCAN ") && !strings.Contains(r.Detail, "USING") && r.Detail != "SCAN CONSTANT ROW" && r.Detail != "SCAN who" && r.Detail != "SCAN picks" && !strings.Contains(r.Detail, "VIRTUAL TABLE") {
				t.Errorf("%s scans a whole table: %s\n%s", name, r.Detail, sql)
			}
		}
	}
}

// A campaign's results read their counts from indexes alone: with 100,000 recipients, reading the
// table's rows took most of the results' time (campaign.results_p95_ms).
func TestCampaignResultsReadIndexes(t *testing.T) {
	app := migratedApp(t)
	want := map[string]string{
		deliveryCountsSQL: "USING COVERING INDEX idx_recipients_campaign_status",
		engagementSQL:     "USING INDEX idx_recipients_engaged",
		couponCountsSQL:   "USING COVERING INDEX idx_coupons_campaign",
	}
	for sql, plan := range want {
		rows := []struct {
			Detail string `db:"detail"`
		}{}
		if err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + sql).Bind(dbx.Params{"c": "abc"}).All(&rows); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range rows {
			found = found || strings.Contains(r.Detail, plan)
		}
		if !found {
			t.Errorf("expected %q in the plan of\n%s\ngot %+v", plan, sql, rows)
		}
	}
}

// Linking a batch's anonymous ids to customers walks the anon_id and person indexes: the events update
// once took the (customer, ts) index for customer = ” (every anonymous event), 100 s for 300,000 events.
func TestLinkWalksIndexes(t *testing.T) {
	app := migratedApp(t)
	want := []string{"", "USING INDEX idx_events_anon (anon_id=?)", "USING INDEX idx_stats_person_day_person (person=?)",
		"USING INDEX idx_stats_person_day_person (person=?)", "USING INDEX idx_stats_orders_person (person=?)"}
	for i, sql := range linkStatements {
		rows := []struct {
			Detail string `db:"detail"`
		}{}
		if err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + sql).Bind(dbx.Params{"links": `[{"a":"x","p":"a:x","c":"c1"}]`, "now": 1}).All(&rows); err != nil {
			t.Fatal(err)
		}
		plan := ""
		for _, r := range rows {
			plan += r.Detail + "\n"
			if strings.HasPrefix(r.Detail, "SCAN ") && !strings.Contains(r.Detail, "VIRTUAL TABLE") {
				t.Errorf("link statement %d scans a table: %s", i, r.Detail)
			}
		}
		if !strings.Contains(plan, want[i]) {
			t.Errorf("link statement %d: want %q in its plan:\n%s", i, want[i], plan)
		}
	}
}
