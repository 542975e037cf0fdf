package main

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// clvApp: a throwaway PocketBase with staff, customers (owner, list and view rules as the migrations
// make them for reps), the order and stats tables, the model's tables, and the routes bound.
func clvApp(t testing.TB) (*tests.TestApp, *clvService) {
	app := healthApp(t)
	staff, _ := app.FindCollectionByNameOrId("staff")
	customers := core.NewBaseCollection("customers")
	customers.Fields.Add(&core.TextField{Name: "name"}, &core.RelationField{Name: "owner", CollectionId: staff.Id, MaxSelect: 1}, &core.BoolField{Name: "deleted"})
	// (agents read the customers of chats assigned to them; here: all, so the route's check is the rule's)
	rule := `@request.auth.collectionName = "staff" && (@request.auth.role = "admin" || @request.auth.role = "manager" || @request.auth.role = "agent" || owner = @request.auth.id)`
	customers.ListRule, customers.ViewRule = &rule, &rule
	if err := app.Save(customers); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE stats_orders (order_id TEXT PRIMARY KEY NOT NULL, person TEXT NOT NULL DEFAULT '', customer TEXT NOT NULL DEFAULT '',
			ts INTEGER NOT NULL DEFAULT 0, day TEXT NOT NULL DEFAULT '', month TEXT NOT NULL DEFAULT '', purchased INTEGER NOT NULL DEFAULT 0,
			total REAL NOT NULL DEFAULT 0, refunded REAL NOT NULL DEFAULT 0, items TEXT NOT NULL DEFAULT '[]')`,
		`CREATE TABLE customer_stats (id TEXT PRIMARY KEY, customer TEXT, total_spend REAL NOT NULL DEFAULT 0,
			predicted_value REAL NOT NULL DEFAULT 0, churn_risk BOOLEAN NOT NULL DEFAULT FALSE, writes INTEGER NOT NULL DEFAULT 0,
			rfm_segment TEXT NOT NULL DEFAULT '')`,
		// counts the fit's writes of a row (what would send it to the devices again)
		`CREATE TRIGGER stats_writes AFTER UPDATE OF predicted_value, churn_risk ON customer_stats BEGIN
			UPDATE customer_stats SET writes = writes + 1 WHERE rowid = NEW.rowid; END`,
		`CREATE TABLE crm_clv_model (id INTEGER PRIMARY KEY CHECK (id = 1), fitted_at TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT '',
			customers INTEGER NOT NULL DEFAULT 0, repeat_buyers INTEGER NOT NULL DEFAULT 0, params TEXT NOT NULL DEFAULT '{}',
			annual_discount REAL NOT NULL DEFAULT 0.1, as_of TEXT NOT NULL DEFAULT '', seconds REAL NOT NULL DEFAULT 0)`,
		`CREATE TABLE crm_clv (customer TEXT PRIMARY KEY NOT NULL, x INTEGER NOT NULL DEFAULT 0, tx REAL NOT NULL DEFAULT 0, t REAL NOT NULL DEFAULT 0,
			p_alive REAL NOT NULL DEFAULT 0, expected_30 REAL NOT NULL DEFAULT 0, expected_90 REAL NOT NULL DEFAULT 0,
			expected_365 REAL NOT NULL DEFAULT 0, spend REAL NOT NULL DEFAULT 0, value_12m REAL NOT NULL DEFAULT 0,
			lifetime REAL NOT NULL DEFAULT 0, churn_risk INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID`,
	} {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	svc := registerCLV(app)
	svc.asOfFn = func() time.Time { return time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC) }
	return app, svc
}

// clvShop: n customers (the first owned by the rep) whose purchase days come from the BG/NBD story
// over the year to 2026-06-30; some orders fully refunded. It returns, per customer, the purchase
// days and their net values as the test's own record of what happened.
func clvShop(t testing.TB, main core.App, n int, repOwner string) ([]string, map[string][][2]any) {
	var ids []string
	days := map[string][][2]any{}
	err := main.RunInTransaction(func(app core.App) error {
		ids, days = clvShopIn(t, app, n, repOwner)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, days
}

func clvShopIn(t testing.TB, app core.App, n int, repOwner string) ([]string, map[string][][2]any) {
	customers, _ := app.FindCollectionByNameOrId("customers")
	rng := rand.New(rand.NewSource(3))
	people := simulateBGNBD(rng, n, bgnbdParams{0.6, 8, 0.7, 2.8}, gammaGammaParams{5, 4, 60}, 60)
	end := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	var ids []string
	days := map[string][][2]any{}
	for i, pp := range people {
		r := core.NewRecord(customers)
		r.Set("name", fmt.Sprintf("顾客%d", i))
		if i == 0 {
			r.Set("owner", repOwner)
		}
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.Id)
		if _, err := app.DB().NewQuery(`INSERT INTO customer_stats (id, customer, rfm_segment) VALUES ({:id}, {:c}, {:g})`).Bind(dbx.Params{"id": "s" + r.Id[1:], "c": r.Id, "g": []string{"champions", "loyal", "at_risk", ""}[i%4]}).Execute(); err != nil {
			t.Fatal(err)
		}
		start := end.AddDate(0, 0, -(10 + i%300))
		for k, w := range pp[0] {
			d := start.Add(time.Duration(w*7*24) * time.Hour)
			if d.After(end) {
				break
			}
			day := d.Format("2006-01-02")
			total := math.Round(pp[1][k]*100) / 100
			refunded := 0.0
			if k > 0 && k%7 == 0 {
				refunded = total // a returned order is not a purchase
			}
			if _, err := app.DB().NewQuery(`INSERT INTO stats_orders (order_id, customer, ts, day, purchased, total, refunded)
				VALUES ({:o}, {:c}, {:ts}, {:d}, 1, {:t}, {:r})`).Bind(dbx.Params{"o": fmt.Sprintf("o-%d-%d", i, k), "c": r.Id, "ts": d.UnixMilli(), "d": day, "t": total, "r": refunded}).Execute(); err != nil {
				t.Fatal(err)
			}
			if refunded < total {
				if l := len(days[r.Id]); l > 0 && days[r.Id][l-1][0] == day {
					days[r.Id][l-1][1] = days[r.Id][l-1][1].(float64) + total - refunded
				} else {
					days[r.Id] = append(days[r.Id], [2]any{day, total - refunded})
				}
			}
		}
	}
	return ids, days
}

// clvWorld: an app with a manager, an agent and a rep (who owns the first customer), a shop of n
// customers, fitted at a 12 % discount when asked.
type clvWorld struct {
	app    *tests.TestApp
	svc    *clvService
	ids    []string
	days   map[string][][2]any
	tokens map[string]string
}

func newCLVWorld(t testing.TB, n int, fitted bool) *clvWorld {
	app, svc := clvApp(t)
	w := &clvWorld{app: app, svc: svc, tokens: map[string]string{"nobody": ""}}
	for _, role := range []string{"manager", "agent", "sales", "admin"} {
		w.tokens[role] = staffToken(t, app, role)
	}
	rep, _ := app.FindAuthRecordByEmail("staff", "sales@example.test")
	w.ids, w.days = clvShop(t, app, n, rep.Id)
	if fitted {
		if _, err := svc.fit(0.12); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func TestCLVRoutes(t *testing.T) {
	type scenario struct {
		name, method, url, who, body string
		fitted                       bool
		status                       int
		content                      []string
	}
	for _, s := range []scenario{
		{"never fitted: said so", "GET", "/api/crm/clv", "manager", "", false, 200, []string{`"status":"never"`, `"min_customers":100`}},
		{"a rep may not fit", "POST", "/api/crm/clv/fit", "sales", "", false, 403, []string{`"status":403`}},
		{"an agent may not fit", "POST", "/api/crm/clv/fit", "agent", "", false, 403, []string{`"status":403`}},
		{"nobody may fit", "POST", "/api/crm/clv/fit", "nobody", "", false, 401, []string{`"status":401`}},
		{"a rep may not read the model", "GET", "/api/crm/clv", "sales", "", true, 403, []string{`"status":403`}},
		{"an agent may not read the model", "GET", "/api/crm/clv", "agent", "", true, 403, []string{`"status":403`}},
		{"a discount out of range names the field", "POST", "/api/crm/clv/fit", "manager", `{"annual_discount": 3}`, false, 400, []string{`"annual_discount"`, `"out_of_range"`}},
		{"a manager fits", "POST", "/api/crm/clv/fit", "manager", `{"annual_discount": 0.08}`, false, 200, []string{`"status":"ready"`, `"as_of":"2026-06-30"`, `"annual_discount":0.08`, `"bgnbd":`, `"at_risk":[{`}},
		{"an admin reads the model", "GET", "/api/crm/clv", "admin", "", true, 200, []string{`"status":"ready"`, `"customers":`, `"value_12m":`}},
		{"the owner reads their customer's figures", "GET", "/api/crm/customers/{first}/prediction", "sales", "", true, 200, []string{`"status":"ready"`, `"p_alive":`, `"value_12m":`}},
		{"another rep's customer is not found", "GET", "/api/crm/customers/{second}/prediction", "sales", "", true, 404, []string{`"status":404`}},
		{"an agent reads a customer's figures", "GET", "/api/crm/customers/{second}/prediction", "agent", "", true, 200, []string{`"status":"ready"`}},
		{"before a fit a customer has none", "GET", "/api/crm/customers/{first}/prediction", "manager", "", false, 200, []string{`"status":"never"`, `"prediction":null`}},
	} {
		w := newCLVWorld(t, 200, s.fitted)
		url := strings.NewReplacer("{first}", w.ids[0], "{second}", w.ids[1]).Replace(s.url)
		sc := tests.ApiScenario{Name: s.name, Method: s.method, URL: url, Headers: map[string]string{"Authorization": w.tokens[s.who]},
			ExpectedStatus: s.status, ExpectedContent: s.content, TestAppFactory: onApp(w.app)}
		if s.body != "" {
			sc.Body = strings.NewReader(s.body)
			sc.Headers["Content-Type"] = "application/json"
		}
		sc.Test(t)
		w.app.Cleanup()
	}
}

// Agreement: the model's totals are the figures recomputed here, customer by customer, from the
// orders as the test recorded them (refunded orders left out, one purchase per day).
func TestCLVTotalsAgree(t *testing.T) {
	w := newCLVWorld(t, 400, true)
	defer w.app.Cleanup()
	fitted, err := w.svc.view()
	if err != nil {
		t.Fatal(err)
	}
	if fitted.Customers != len(w.days) || fitted.Params == nil || fitted.Totals == nil {
		t.Fatalf("fitted on %d customers (the test recorded %d buyers): %+v", fitted.Customers, len(w.days), fitted)
	}
	asOf := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	var sum12, sumLife float64
	var repeat, churn int
	byGroup := map[string]float64{}
	m := fitted.Params.BGNBD
	g := fitted.Params.GammaGamma
	for _, id := range w.ids {
		list := w.days[id]
		if len(list) == 0 {
			continue
		}
		first, _ := time.Parse("2006-01-02", list[0][0].(string))
		o := clvObs{T: asOf.Sub(first).Hours() / 24 / 7}
		var spent float64
		for _, d := range list[1:] {
			at, _ := time.Parse("2006-01-02", d[0].(string))
			o.X++
			o.Tx = at.Sub(first).Hours() / 24 / 7
			spent += d[1].(float64)
		}
		if o.X > 0 {
			o.Spend = spent / o.X
			repeat++
		}
		p := predict(m, o, g.spend(o), 0.12)
		sum12 += roundMoney(p.Value12m)
		sumLife += roundMoney(p.Lifetime)
		if o.X > 0 && p.PAlive < 0.5 {
			churn++
		}
		var i int
		for i = range w.ids {
			if w.ids[i] == id {
				break
			}
		}
		byGroup[[]string{"champions", "loyal", "at_risk", ""}[i%4]] += roundMoney(p.Value12m)
	}
	if len(fitted.ByRFM) != len(byGroup) {
		t.Errorf("by RFM group: %d groups, recomputed %d", len(fitted.ByRFM), len(byGroup))
	}
	for _, g := range fitted.ByRFM {
		if math.Abs(g.Value12m-byGroup[g.Segment]) > 0.02 {
			t.Errorf("RFM group %q: 12-month value %.2f, recomputed %.2f", g.Segment, g.Value12m, byGroup[g.Segment])
		}
	}
	if fitted.RepeatBuyers != repeat || fitted.Totals.ChurnRisk != churn {
		t.Errorf("repeat buyers %d, churn risk %d; recomputed %d and %d", fitted.RepeatBuyers, fitted.Totals.ChurnRisk, repeat, churn)
	}
	if math.Abs(fitted.Totals.Value12m-sum12) > 0.02 || math.Abs(fitted.Totals.Lifetime-sumLife) > 0.02 {
		t.Errorf("12-month value %.2f, lifetime %.2f; recomputed %.2f and %.2f", fitted.Totals.Value12m, fitted.Totals.Lifetime, sum12, sumLife)
	}
	if fitted.Totals.Lifetime <= fitted.Totals.Value12m {
		t.Errorf("ten discounted years (%.2f) should be worth more than one (%.2f)", fitted.Totals.Lifetime, fitted.Totals.Value12m)
	}
	if churn == 0 || len(fitted.AtRisk) == 0 {
		t.Errorf("no customer at risk in a shop where some stopped buying (%d, %d listed)", churn, len(fitted.AtRisk))
	}
	t.Logf("%d customers, %d repeat buyers, %d at risk; 12-month value %.2f, lifetime %.2f; fit %.3f s", fitted.Customers, repeat, churn, fitted.Totals.Value12m, fitted.Totals.Lifetime, fitted.Seconds)

	// The rule fields on the customers' figures follow the predictions; a second fit on the same data
	// writes no row again, and a model that can no longer be fitted clears them.
	type ruleRow struct {
		V      float64 `db:"predicted_value"`
		R      bool    `db:"churn_risk"`
		Exact  float64 `db:"value_12m"`
		Risk   bool    `db:"risk"`
		Writes int     `db:"writes"`
	}
	var rows []ruleRow
	read := func() {
		rows = nil
		if err := w.app.DB().NewQuery(`SELECT s.predicted_value, s.churn_risk, coalesce(p.value_12m, 0) AS value_12m, coalesce(p.churn_risk, 0) AS risk, s.writes
			FROM customer_stats s LEFT JOIN crm_clv p ON p.customer = s.customer`).All(&rows); err != nil {
			t.Fatal(err)
		}
	}
	read()
	written := 0
	for _, r := range rows {
		if r.V != ruleValue(r.Exact) || r.R != r.Risk {
			t.Fatalf("customer_stats has %v/%v for a prediction of %v/%v", r.V, r.R, r.Exact, r.Risk)
		}
		written += r.Writes
	}
	if _, err := w.svc.fit(0.12); err != nil {
		t.Fatal(err)
	}
	read()
	again := 0
	for _, r := range rows {
		again += r.Writes
	}
	if again != written {
		t.Errorf("a second fit on the same history wrote %d rows again", again-written)
	}
	if _, err := w.app.DB().NewQuery("DELETE FROM stats_orders WHERE rowid % 2 = 0").Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.DB().NewQuery("DELETE FROM stats_orders WHERE customer IN (SELECT customer FROM stats_orders GROUP BY customer LIMIT 300)").Execute(); err != nil {
		t.Fatal(err)
	}
	if row, err := w.svc.fit(0.12); err != nil || row.Status != "too_few" {
		t.Fatalf("after most orders went: %+v %v", row, err)
	}
	read()
	for _, r := range rows {
		if r.V != 0 || r.R {
			t.Fatalf("rule fields kept from a model no longer fitted: %+v", r)
		}
	}
}

func TestRuleValue(t *testing.T) {
	for in, want := range map[float64]float64{1234.56: 1200, 87.4: 87, 0.424: 0.42, 99.6: 100, 0: 0, -3: 0, 15: 15, 1_950_000: 2_000_000} {
		if got := ruleValue(in); math.Abs(got-want) > 1e-9*math.Max(1, want) {
			t.Errorf("ruleValue(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestCLVTooFewCustomers(t *testing.T) {
	app, svc := clvApp(t)
	defer app.Cleanup()
	rep := staffToken(t, app, "sales")
	_ = rep
	clvShop(t, app, 60, "")
	row, err := svc.fit(-1)
	if err != nil {
		t.Fatal(err)
	}
	if row.Status != "too_few" || row.Customers != 60 {
		t.Fatalf("status %q on %d customers, want too_few on 60", row.Status, row.Customers)
	}
	var n int
	_ = app.DB().NewQuery("SELECT count(*) FROM crm_clv").Row(&n)
	if n != 0 {
		t.Errorf("%d predictions kept from a model that was not fitted", n)
	}
}
