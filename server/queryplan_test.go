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
	}
	for name, sql := range queries {
		rows := []struct {
			Detail string `db:"detail"`
		}{}
		params := dbx.Params{"x": "U1", "a": "anon", "c": "abc", "max": 3, "id": "abc", "code": "CODE"}
		if err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + sql).Bind(params).All(&rows); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, r := range rows {
			// A one-row constant or CTE ("who") is no table scan.
			if strings.HasPrefix(r.Detail, "SCAN ") && !strings.Contains(r.Detail, "USING") && r.Detail != "SCAN CONSTANT ROW" && r.Detail != "SCAN who" {
				t.Errorf("%s scans a whole table: %s\n%s", name, r.Detail, sql)
			}
		}
	}
}
