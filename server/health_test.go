package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// healthApp: a throwaway PocketBase with a staff collection (its role field as the migrations make it),
// the send queue's table and partial index, and the health and metrics routes bound.
func healthApp(t testing.TB) *tests.TestApp {
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: t.TempDir(), DBConnect: durableDBConnect})
	if err != nil {
		t.Fatal(err)
	}
	staff := core.NewAuthCollection("staff")
	staff.Fields.Add(&core.SelectField{Name: "role", MaxSelect: 1, Values: []string{"admin", "manager", "agent", "sales"}})
	if err := app.Save(staff); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB().NewQuery(`CREATE TABLE campaign_recipients (id TEXT PRIMARY KEY, campaign TEXT, channel TEXT, status TEXT, next_at INTEGER);
		CREATE INDEX idx_recipients_queue ON campaign_recipients (next_at) WHERE status = 'queued'`).Execute(); err != nil {
		t.Fatal(err)
	}
	registerHealth(app)
	return app
}

// staffToken adds a staff member with the role and returns their auth token.
func staffToken(t testing.TB, app core.App, role string) string {
	staff, err := app.FindCollectionByNameOrId("staff")
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(staff)
	r.SetEmail(role + "@example.test")
	r.SetPassword("a-long-password")
	r.Set("role", role)
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	token, err := r.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func superuserToken(t testing.TB, app core.App) string {
	su, err := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(su)
	r.SetEmail("root@example.test")
	r.SetPassword("a-long-password")
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	token, err := r.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// onApp runs a scenario on an app prepared before it (its tokens go in the scenario's headers).
func onApp(app *tests.TestApp) func(testing.TB) *tests.TestApp {
	return func(testing.TB) *tests.TestApp { return app }
}

func TestDeepHealthAccess(t *testing.T) {
	t.Setenv("CRM_METRICS_TOKEN", "monitor-secret")
	deepFields := []string{`"db":{"writable":true}`, `"free_bytes":`, `"backup":{"enabled":false`, `"queues":{"send":{"pending":0,"oldest_age_s":0}}`, `"realtime":{"connections":0}`}
	type who struct {
		name   string
		header func(t testing.TB, app *tests.TestApp) string
		status int
	}
	for _, w := range []who{
		{"a guest", func(testing.TB, *tests.TestApp) string { return "" }, 403},
		{"a sales rep", func(t testing.TB, app *tests.TestApp) string { return staffToken(t, app, "sales") }, 403},
		{"a manager", func(t testing.TB, app *tests.TestApp) string { return staffToken(t, app, "manager") }, 403},
		{"a wrong token", func(testing.TB, *tests.TestApp) string { return "Bearer monitor-secreT" }, 403},
		{"an admin", func(t testing.TB, app *tests.TestApp) string { return staffToken(t, app, "admin") }, 200},
		{"a superuser", func(t testing.TB, app *tests.TestApp) string { return superuserToken(t, app) }, 200},
		{"the metrics token", func(testing.TB, *tests.TestApp) string { return "Bearer monitor-secret" }, 200},
	} {
		app := healthApp(t)
		s := tests.ApiScenario{
			Name:           "deep health for " + w.name,
			Method:         http.MethodGet,
			URL:            "/api/health?deep=1",
			Headers:        map[string]string{"Authorization": w.header(t, app)},
			ExpectedStatus: w.status,
			TestAppFactory: onApp(app),
		}
		if w.status == 200 {
			s.ExpectedContent = deepFields
		} else {
			s.ExpectedContent = []string{`"status":403`, "CRM_METRICS_TOKEN"}
			s.NotExpectedContent = []string{`"backup"`}
		}
		s.Test(t)
	}
	// Without deep=1 PocketBase's own answer stays, for anyone.
	(&tests.ApiScenario{
		Name:               "plain health",
		Method:             http.MethodGet,
		URL:                "/api/health",
		ExpectedStatus:     200,
		ExpectedContent:    []string{`"message":"API is healthy."`},
		NotExpectedContent: []string{`"backup"`},
		TestAppFactory:     healthApp,
	}).Test(t)
}

func TestDeepHealthBackup(t *testing.T) {
	t.Setenv("CRM_METRICS_TOKEN", "monitor-secret")
	now := time.Now().UTC()
	fresh := BackupStatus{Enabled: true, Target: "file:///srv/crm-backup/e1", Epoch: "e1", DBTXID: 42, ReplicaTXID: 42,
		CaughtUpAt: now.Add(-2 * time.Second), UpdatedAt: now, SnapshotAt: now.Add(-3 * time.Hour)}
	stale := fresh
	stale.UpdatedAt = now.Add(-10 * time.Second)
	broken := fresh
	broken.LastError, broken.LastErrorAt = "disk full", now.Add(-time.Second)
	for name, c := range map[string]struct {
		status           BackupStatus
		running, failing bool
		words            string
	}{
		"fresh":              {fresh, true, false, "Every write until"},
		"agent silent 10 s":  {stale, false, true, "not running"},
		"error after caught": {broken, true, true, "Replication is failing: disk full"},
	} {
		app := healthApp(t)
		if err := writeBackupStatus(app.DataDir(), c.status); err != nil {
			t.Fatal(err)
		}
		(&tests.ApiScenario{
			Name:           "backup " + name,
			Method:         http.MethodGet,
			URL:            "/api/health?deep=1",
			Headers:        map[string]string{"Authorization": "Bearer monitor-secret"},
			ExpectedStatus: 200,
			ExpectedContent: []string{`"enabled":true`, `"target":"file:///srv/crm-backup/e1"`, `"replica_txid":42`,
				`"snapshot_at":"` + c.status.SnapshotAt.Format(time.RFC3339) + `"`},
			TestAppFactory: onApp(app),
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				var got healthAnswer
				body, _ := io.ReadAll(res.Body)
				if err := json.Unmarshal(body, &got); err != nil {
					t.Fatal(err)
				}
				b := got.Backup
				if b.Running != c.running || b.Failing != c.failing || !strings.Contains(b.Words, c.words) {
					t.Errorf("running %v failing %v words %q, want %v %v %q", b.Running, b.Failing, b.Words, c.running, c.failing, c.words)
				}
				if b.LagS == nil || *b.LagS < 2 || *b.LagS > 4 {
					t.Errorf("lag_s %v, want about 2", b.LagS)
				}
			},
		}).Test(t)
	}
}

func TestSendQueueHealth(t *testing.T) {
	app := healthApp(t)
	defer app.Cleanup()
	now := time.Now()
	rows := []struct {
		id, channel, status string
		dueAgo              time.Duration
	}{
		{"r1", "email", "queued", 90 * time.Second},
		{"r2", "sms", "queued", 5 * time.Second},
		{"r3", "task", "queued", -time.Hour},  // a retry, not due yet
		{"r4", "onsite", "queued", time.Hour}, // waits for the shopper, not for the queue
		{"r5", "email", "sent", 2 * time.Hour},
	}
	for _, r := range rows {
		if _, err := app.DB().NewQuery("INSERT INTO campaign_recipients (id, campaign, channel, status, next_at) VALUES ({:id}, 'c1', {:ch}, {:st}, {:at})").
			Bind(dbx.Params{"id": r.id, "ch": r.channel, "st": r.status, "at": now.Add(-r.dueAgo).UnixMilli()}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	q := sendQueueOf(app, now)
	if q.Error != "" || q.Pending != 3 || q.OldestAgeS != 90 {
		t.Fatalf("got %+v, want 3 pending, the oldest 90 s overdue", q)
	}
}

// The queue's figures are read at every health call and scrape: through the queued rows' partial
// index, never a walk of every message ever sent.
func TestSendQueueHealthUsesIndex(t *testing.T) {
	app := migratedApp(t)
	rows := []struct {
		Detail string `db:"detail"`
	}{}
	if err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + sendQueueSQL).Bind(dbx.Params{"now": 1}).All(&rows); err != nil {
		t.Fatal(err)
	}
	plan := ""
	for _, r := range rows {
		plan += r.Detail + "\n"
	}
	if !strings.Contains(plan, "idx_recipients_queue") {
		t.Errorf("the send queue's figures do not use its index:\n%s", plan)
	}
}

func TestDBWritable(t *testing.T) {
	app := healthApp(t)
	defer app.Cleanup()
	for range 2 {
		if got := checkDBWritable(app); !got.Writable {
			t.Fatalf("not writable: %s", got.Error)
		}
	}
	var n int
	if err := app.DB().NewQuery("SELECT count(*) FROM _crm_health").Row(&n); err != nil || n != 1 {
		t.Fatalf("%d rows in _crm_health (%v), want 1", n, err)
	}
}
