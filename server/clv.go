// Predictive customer value, served (issue 15, item 2; the model is clvmodel.go):
//
//	GET  /api/crm/clv                          managers, admins: the model's fit and the shop's totals
//	POST /api/crm/clv/fit {annual_discount?}   managers, admins: fit now (also every night at 03:40)
//	GET  /api/crm/customers/{id}/prediction    staff who may see the customer: their figures
//
// Each customer's history comes from the orders the shop sent (stats_orders, purchases net of refunds,
// one purchase per shop day as in the papers); a customer's repeat purchases are the days after the
// first. The model learns from every buying customer; under clvMinCustomers buyers or clvMinRepeat repeat
// buyers it is not fitted and nothing is shown ("too_few"), as a model learned from a handful says
// nothing. The predictions are rewritten at each fit (crm_clv); erasing a customer deletes theirs.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

const (
	clvMinCustomers = 100
	clvMinRepeat    = 20
	// churn risk: a customer who bought again, now more likely gone than not
	clvChurnBelow = 0.5
)

type clvService struct {
	app    core.App
	mu     sync.Mutex
	asOfFn func() time.Time
}

func registerCLV(app core.App) *clvService {
	svc := &clvService{app: app, asOfFn: time.Now}
	app.Cron().MustAdd("crm_clv_fit", "40 3 * * *", func() {
		if _, err := svc.fit(-1); err != nil {
			app.Logger().Error("predicted value: the nightly fit failed", "error", err.Error())
		}
	})
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/crm/clv", svc.handleModel).Bind(apis.RequireAuth("staff"))
		se.Router.POST("/api/crm/clv/fit", svc.handleFit).Bind(apis.RequireAuth("staff"))
		se.Router.GET("/api/crm/customers/{id}/prediction", svc.handlePrediction).Bind(apis.RequireAuth("staff"))
		return se.Next()
	})
	return svc
}

// clvModelRow is the stored fit.
type clvModelRow struct {
	FittedAt       string  `db:"fitted_at" json:"fitted_at"`
	Status         string  `db:"status" json:"status"`
	Customers      int     `db:"customers" json:"customers"`
	RepeatBuyers   int     `db:"repeat_buyers" json:"repeat_buyers"`
	Params         string  `db:"params" json:"-"`
	AnnualDiscount float64 `db:"annual_discount" json:"annual_discount"`
	AsOf           string  `db:"as_of" json:"as_of"`
	Seconds        float64 `db:"seconds" json:"seconds"`
}

type clvParamsJSON struct {
	BGNBD      bgnbdParams      `json:"bgnbd"`
	GammaGamma gammaGammaParams `json:"gamma_gamma"`
	// SpendModel: "gamma_gamma", or "mean" when Gamma-Gamma could not be fitted (its mean is infinite)
	SpendModel string  `json:"spend_model"`
	MeanSpend  float64 `json:"mean_spend"`
	LogLik     float64 `json:"log_likelihood"`
}

func (svc *clvService) model() (clvModelRow, bool) {
	var m clvModelRow
	err := svc.app.DB().NewQuery("SELECT fitted_at, status, customers, repeat_buyers, params, annual_discount, as_of, seconds FROM crm_clv_model WHERE id = 1").One(&m)
	return m, err == nil
}

// clvHistories reads every buying customer's purchase days as of the shop day asOf.
func clvHistories(db dbx.Builder, asOf time.Time) ([]string, []clvObs, error) {
	// One scan of the orders in table order, summed per customer and day here: a GROUP BY over a
	// million orders made SQLite sort them all first (about 4 s of a 20,000-customer fit).
	live := map[string]bool{}
	var ids []string
	if err := db.NewQuery("SELECT id FROM customers WHERE deleted = FALSE").Column(&ids); err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		live[id] = true
	}
	rows, err := db.NewQuery(`SELECT customer, day, total - refunded FROM stats_orders
		WHERE purchased = 1 AND customer != '' AND day <= {:today}`).Bind(dbx.Params{"today": asOf.Format("2006-01-02")}).Rows()
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	byCustomer := map[string]map[string]float64{}
	for rows.Next() {
		var customer, day string
		var v float64
		if err := rows.Scan(&customer, &day, &v); err != nil {
			return nil, nil, err
		}
		if !live[customer] {
			continue
		}
		days := byCustomer[customer]
		if days == nil {
			days = map[string]float64{}
			byCustomer[customer] = days
		}
		days[day] += v
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	ids = ids[:0]
	for c := range byCustomer {
		ids = append(ids, c)
	}
	slices.Sort(ids)
	obs := make([]clvObs, 0, len(ids))
	kept := ids[:0]
	weeks := func(from, to time.Time) float64 { return to.Sub(from).Hours() / 24 / 7 }
	for _, c := range ids {
		var days []string
		for d, v := range byCustomer[c] {
			// a day whose orders were all refunded is no purchase
			if v > 0 {
				days = append(days, d)
			}
		}
		if len(days) == 0 {
			continue
		}
		slices.Sort(days)
		first, err := time.Parse("2006-01-02", days[0])
		if err != nil {
			continue
		}
		o := clvObs{T: weeks(first, asOf)}
		var sum float64
		for _, day := range days[1:] {
			d, err := time.Parse("2006-01-02", day)
			if err != nil {
				continue
			}
			o.X++
			o.Tx = weeks(first, d)
			sum += byCustomer[c][day]
		}
		if o.X > 0 {
			o.Spend = sum / o.X
		}
		kept = append(kept, c)
		obs = append(obs, o)
	}
	return kept, obs, nil
}

// shopToday: the shop's day (CRM_TZ_OFFSET_MINUTES) at t, as midnight UTC of that date.
func shopToday(t time.Time) time.Time {
	local := t.UTC().Add(time.Duration(shopTZOffset()) * time.Minute)
	return time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
}

// fit learns the model from the shop's history and rewrites every customer's figures. A negative
// discount keeps the one in use.
func (svc *clvService) fit(annualDiscount float64) (clvModelRow, error) {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	started := time.Now()
	if annualDiscount < 0 {
		annualDiscount = 0.1
		if m, ok := svc.model(); ok {
			annualDiscount = m.AnnualDiscount
		}
	}
	asOf := shopToday(svc.asOfFn())
	ids, obs, err := clvHistories(svc.app.DB(), asOf)
	if err != nil {
		return clvModelRow{}, err
	}
	// One line per fit in the server's output: how long each part took (the nightly fit's record).
	var phases []string
	phase := func(name string, since time.Time) {
		phases = append(phases, fmt.Sprintf("%s %.2fs", name, time.Since(since).Seconds()))
	}
	defer func() { log.Printf("predicted value fit: %d buyers; %s", len(obs), strings.Join(phases, ", ")) }()
	phase("histories", started)
	tFit := time.Now()
	row := clvModelRow{Customers: len(obs), AnnualDiscount: annualDiscount, AsOf: asOf.Format("2006-01-02"), Params: "{}"}
	var allSpend, allN float64
	for _, o := range obs {
		if o.X > 0 {
			row.RepeatBuyers++
			allSpend += o.Spend * o.X
			allN += o.X
		}
	}
	var preds []clvPrediction
	if row.Customers < clvMinCustomers || row.RepeatBuyers < clvMinRepeat {
		row.Status = "too_few"
	} else {
		m, ll, err := fitBGNBD(obs)
		if err != nil {
			return clvModelRow{}, err
		}
		pj := clvParamsJSON{BGNBD: m, LogLik: ll, SpendModel: "gamma_gamma"}
		g, _, gerr := fitGammaGamma(obs)
		pj.GammaGamma = g
		if gerr != nil || math.IsInf(g.populationMean(), 0) {
			// Spend too uneven for Gamma-Gamma's mean: every customer is valued at the mean repeat purchase.
			pj.SpendModel = "mean"
		}
		if allN > 0 {
			pj.MeanSpend = allSpend / allN
		}
		b, _ := json.Marshal(pj)
		row.Params = string(b)
		row.Status = "ready"
		phase("models", tFit)
		tPredict := time.Now()
		preds = make([]clvPrediction, len(obs))
		parallelSum(len(obs), func(lo, hi int) float64 {
			for i := lo; i < hi; i++ {
				spend := pj.MeanSpend
				if pj.SpendModel == "gamma_gamma" {
					spend = g.spend(obs[i])
				}
				preds[i] = predict(m, obs[i], spend, annualDiscount)
			}
			return 0
		})
		phase("predictions", tPredict)
	}
	row.FittedAt = time.Now().UTC().Format(time.RFC3339)
	tWrite := time.Now()
	defer phase("writes", tWrite)
	err = svc.app.RunInTransaction(func(tx core.App) error {
		db := tx.DB()
		if _, err := db.NewQuery("DELETE FROM crm_clv").Execute(); err != nil {
			return err
		}
		for start := 0; start < len(preds); start += 400 {
			end := min(start+400, len(preds))
			q := "INSERT INTO crm_clv (customer, x, tx, t, p_alive, expected_30, expected_90, expected_365, spend, value_12m, lifetime, churn_risk) VALUES "
			params := dbx.Params{}
			for i := start; i < end; i++ {
				if i > start {
					q += ", "
				}
				k := func(name string) string { return name + strconv.Itoa(i) }
				q += "({:" + k("c") + "}, {:" + k("x") + "}, {:" + k("tx") + "}, {:" + k("t") + "}, {:" + k("pa") + "}, {:" + k("e30") + "}, {:" + k("e90") + "}, {:" + k("e365") + "}, {:" + k("s") + "}, {:" + k("v") + "}, {:" + k("l") + "}, {:" + k("r") + "})"
				o, p := obs[i], preds[i]
				churn := 0
				if o.X > 0 && p.PAlive < clvChurnBelow {
					churn = 1
				}
				params[k("c")] = ids[i]
				params[k("x")] = int(o.X)
				params[k("tx")] = round4(o.Tx)
				params[k("t")] = round4(o.T)
				params[k("pa")] = round4(p.PAlive)
				params[k("e30")] = round4(p.Expected30)
				params[k("e90")] = round4(p.Expected90)
				params[k("e365")] = round4(p.Expected365)
				params[k("s")] = roundMoney(p.Spend)
				params[k("v")] = roundMoney(p.Value12m)
				params[k("l")] = roundMoney(p.Lifetime)
				params[k("r")] = churn
			}
			if _, err := db.NewQuery(q).Bind(params).Execute(); err != nil {
				return err
			}
		}
		// The rule fields on the customers' figures: only rows whose rounded values changed are written
		// (each write sends the row to the devices that see the customer).
		if _, err := db.NewQuery(`UPDATE customer_stats SET predicted_value = 0, churn_risk = FALSE
			WHERE (predicted_value != 0 OR churn_risk) AND customer NOT IN (SELECT customer FROM crm_clv)`).Execute(); err != nil {
			return err
		}
		type ruleRow struct {
			C string  `json:"c"`
			V float64 `json:"v"`
			R bool    `json:"r"`
		}
		list := make([]ruleRow, len(preds))
		for i := range preds {
			list[i] = ruleRow{ids[i], ruleValue(preds[i].Value12m), obs[i].X > 0 && preds[i].PAlive < clvChurnBelow}
		}
		// One statement for all: only the rows whose rounded values change are written.
		if _, err := db.NewQuery(`UPDATE customer_stats SET predicted_value = j.v, churn_risk = j.r
			FROM (SELECT value->>'c' AS c, value->>'v' AS v, value->>'r' AS r FROM json_each({:rows})) AS j
			WHERE customer_stats.customer = j.c AND (customer_stats.predicted_value != j.v OR customer_stats.churn_risk != j.r)`).Bind(dbx.Params{"rows": toJSON(list)}).Execute(); err != nil {
			return err
		}
		row.Seconds = math.Round(time.Since(started).Seconds()*1000) / 1000
		_, err := db.NewQuery(`INSERT INTO crm_clv_model (id, fitted_at, status, customers, repeat_buyers, params, annual_discount, as_of, seconds)
			VALUES (1, {:f}, {:s}, {:n}, {:r}, {:p}, {:d}, {:a}, {:sec})
			ON CONFLICT (id) DO UPDATE SET fitted_at = excluded.fitted_at, status = excluded.status, customers = excluded.customers,
			  repeat_buyers = excluded.repeat_buyers, params = excluded.params, annual_discount = excluded.annual_discount,
			  as_of = excluded.as_of, seconds = excluded.seconds`).Bind(dbx.Params{
			"f": row.FittedAt, "s": row.Status, "n": row.Customers, "r": row.RepeatBuyers, "p": row.Params,
			"d": row.AnnualDiscount, "a": row.AsOf, "sec": row.Seconds,
		}).Execute()
		return err
	})
	return row, err
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// ruleValue: the 12-month value as segment rules see it, to two significant figures (1,234.56 → 1,200;
// 87.4 → 87; 0.42 → 0.42), so that it changes on a device only when it changes in a way a rule can use.
func ruleValue(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	scale := math.Pow(10, math.Floor(math.Log10(v))-1)
	return math.Round(v/scale) * scale
}

// clvView is what the API answers about the model.
type clvView struct {
	clvModelRow
	MinCustomers int            `json:"min_customers"`
	MinRepeat    int            `json:"min_repeat_buyers"`
	Params       *clvParamsJSON `json:"params,omitempty"`
	Totals       *clvTotals     `json:"totals,omitempty"`
	AtRisk       []clvAtRisk    `json:"at_risk"`
	// ByRFM: the predictions by the customers' RFM group now ("" for those not scored)
	ByRFM []clvRFMRow `json:"by_rfm"`
}

type clvRFMRow struct {
	Segment   string  `db:"segment" json:"segment"`
	Customers int     `db:"n" json:"customers"`
	Value12m  float64 `db:"v" json:"value_12m"`
	ChurnRisk int     `db:"r" json:"churn_risk"`
	PAlive    float64 `db:"a" json:"mean_p_alive"`
}

type clvTotals struct {
	Customers  int     `db:"n" json:"customers"`
	Value12m   float64 `db:"v" json:"value_12m"`
	Lifetime   float64 `db:"l" json:"lifetime"`
	Expected90 float64 `db:"e" json:"expected_90"`
	ChurnRisk  int     `db:"r" json:"churn_risk"`
	Active     float64 `db:"a" json:"expected_active"`
}

type clvAtRisk struct {
	Customer  string  `db:"customer" json:"customer"`
	Name      string  `db:"name" json:"name"`
	PAlive    float64 `db:"p_alive" json:"p_alive"`
	Spent     float64 `db:"spent" json:"total_spend"`
	Value12m  float64 `db:"value_12m" json:"value_12m"`
	Purchases int     `db:"x" json:"repeat_purchases"`
}

func (svc *clvService) view() (clvView, error) {
	v := clvView{MinCustomers: clvMinCustomers, MinRepeat: clvMinRepeat, AtRisk: []clvAtRisk{}, ByRFM: []clvRFMRow{}}
	m, ok := svc.model()
	if !ok {
		v.Status = "never"
		return v, nil
	}
	v.clvModelRow = m
	if m.Status != "ready" {
		return v, nil
	}
	var pj clvParamsJSON
	if json.Unmarshal([]byte(m.Params), &pj) == nil {
		v.Params = &pj
	}
	var t clvTotals
	if err := svc.app.DB().NewQuery(`SELECT count(*) AS n, coalesce(sum(value_12m), 0) AS v, coalesce(sum(lifetime), 0) AS l,
		coalesce(sum(expected_90), 0) AS e, coalesce(sum(churn_risk), 0) AS r, coalesce(sum(p_alive), 0) AS a FROM crm_clv`).One(&t); err != nil {
		return v, err
	}
	t.Value12m, t.Lifetime, t.Expected90, t.Active = roundMoney(t.Value12m), roundMoney(t.Lifetime), round4(t.Expected90), math.Round(t.Active*10)/10
	v.Totals = &t
	if err := svc.app.DB().NewQuery(`SELECT coalesce(s.rfm_segment, '') AS segment, count(*) AS n, coalesce(sum(p.value_12m), 0) AS v,
		coalesce(sum(p.churn_risk), 0) AS r, avg(p.p_alive) AS a
		FROM crm_clv p LEFT JOIN customer_stats s ON s.customer = p.customer GROUP BY 1 ORDER BY v DESC`).All(&v.ByRFM); err != nil {
		return v, err
	}
	for i := range v.ByRFM {
		v.ByRFM[i].Value12m = roundMoney(v.ByRFM[i].Value12m)
		v.ByRFM[i].PAlive = round4(v.ByRFM[i].PAlive)
	}
	// The customers most worth a call: at risk, by what they spent.
	err := svc.app.DB().NewQuery(`SELECT p.customer, coalesce(crm_open('customers.name', c.name), '') AS name, p.p_alive, p.value_12m, p.x,
		coalesce(s.total_spend, 0) AS spent
		FROM crm_clv p JOIN customers c ON c.id = p.customer AND c.deleted = FALSE LEFT JOIN customer_stats s ON s.customer = p.customer
		WHERE p.churn_risk = 1 ORDER BY spent DESC, p.customer LIMIT 10`).All(&v.AtRisk)
	return v, err
}

func (svc *clvService) handleModel(e *core.RequestEvent) error {
	if !isManager(e.Auth) {
		return e.ForbiddenError("Only managers and admins see the predicted value of the shop's customers.", nil)
	}
	v, err := svc.view()
	if err != nil {
		return e.InternalServerError("The predicted value could not be read.", err)
	}
	return e.JSON(http.StatusOK, v)
}

func (svc *clvService) handleFit(e *core.RequestEvent) error {
	if !isManager(e.Auth) {
		return e.ForbiddenError("Only managers and admins fit the predicted value model.", nil)
	}
	var body struct {
		AnnualDiscount *float64 `json:"annual_discount"`
	}
	if e.Request.ContentLength != 0 {
		if err := e.BindBody(&body); err != nil {
			return apiFieldError(http.StatusBadRequest, "annual_discount", "invalid", "The body must be JSON: {\"annual_discount\": 0.1}.")
		}
	}
	d := -1.0
	if body.AnnualDiscount != nil {
		d = *body.AnnualDiscount
		if math.IsNaN(d) || d < 0 || d > 1 {
			return apiFieldError(http.StatusBadRequest, "annual_discount", "out_of_range", "annual_discount is a yearly rate from 0 to 1 (0.1 is 10 %).")
		}
	}
	if !svc.mu.TryLock() {
		return apiFieldError(http.StatusConflict, "fit", "running", "A fit is running; its figures will show when it ends.")
	}
	svc.mu.Unlock()
	if _, err := svc.fit(d); err != nil {
		return e.InternalServerError("The model could not be fitted.", err)
	}
	v, err := svc.view()
	if err != nil {
		return e.InternalServerError("The predicted value could not be read.", err)
	}
	return e.JSON(http.StatusOK, v)
}

// clvCustomerView: one customer's figures, with the model's state.
type clvCustomerView struct {
	Status   string `json:"status"`
	FittedAt string `json:"fitted_at"`
	// LearnedFrom: the buyers the model learned from
	LearnedFrom int            `json:"learned_from"`
	Prediction  *clvCustomerFx `json:"prediction"`
}

type clvCustomerFx struct {
	RepeatPurchases int     `db:"x" json:"repeat_purchases"`
	PAlive          float64 `db:"p_alive" json:"p_alive"`
	Expected30      float64 `db:"expected_30" json:"expected_30"`
	Expected90      float64 `db:"expected_90" json:"expected_90"`
	Expected365     float64 `db:"expected_365" json:"expected_365"`
	Spend           float64 `db:"spend" json:"spend"`
	Value12m        float64 `db:"value_12m" json:"value_12m"`
	Lifetime        float64 `db:"lifetime" json:"lifetime"`
	ChurnRisk       bool    `db:"churn_risk" json:"churn_risk"`
}

func (svc *clvService) handlePrediction(e *core.RequestEvent) error {
	customer, err := visibleCustomer(e)
	if err != nil {
		return err
	}
	out := clvCustomerView{Status: "never"}
	if m, ok := svc.model(); ok {
		out.Status, out.FittedAt, out.LearnedFrom = m.Status, m.FittedAt, m.Customers
	}
	if out.Status == "ready" {
		var fx clvCustomerFx
		if err := e.App.DB().NewQuery(`SELECT x, p_alive, expected_30, expected_90, expected_365, spend, value_12m, lifetime, churn_risk
			FROM crm_clv WHERE customer = {:c}`).Bind(dbx.Params{"c": customer.Id}).One(&fx); err == nil {
			out.Prediction = &fx
		}
	}
	return e.JSON(http.StatusOK, out)
}
