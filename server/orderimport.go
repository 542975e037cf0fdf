// POST /api/crm/orders/import: a shop's order history from a file, imported in the app by an admin or
// a manager (issue 15, item 1; the app reads CSV/XLSX and maps the columns: src/routes/orders/import).
//
//	{"rows": [{"row": 2, "order_id": "A1", "customer_id": "C1", "name": "张三", "time": 1700000000000,
//	  "total": 88.5, "refunded": 10}], "dry_run": true}
//
// Each row becomes the events a shop would send in a history import (?backfill=1): the customer's
// identify (with the name, when the file has one), the purchase, and a refund at the order's time when
// the file says part or all of it was refunded. The same checks as the ingestion API, by row number:
// one bad row and nothing of the request is stored (422, every bad row listed with its field); a dry
// run only checks. Events are idempotent by order id (source "orderimport"), so a file sent again, or
// resumed after a lost connection, stores each order once. At most 2,000 rows a request.
package main

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

const (
	orderImportSource  = "orderimport0001"
	orderImportMaxRows = 2000
)

type orderImportRow struct {
	Row        int      `json:"row"`
	OrderID    string   `json:"order_id"`
	CustomerID string   `json:"customer_id"`
	Name       string   `json:"name"`
	Time       any      `json:"time"`
	Total      any      `json:"total"`
	Refunded   *float64 `json:"refunded"`
}

type orderImportProblem struct {
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func registerOrderImport(app core.App, in *ingestion) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.POST("/api/crm/orders/import", in.handleOrderImport).Bind(apis.RequireAuth("staff"))
		return se.Next()
	})
}

// the event field a problem names, as the file's column
var orderImportFields = map[string]string{"id": "order_id", "order_id": "order_id", "customer_id": "customer_id", "time": "time", "total": "total", "traits": "name", "traits.name": "name"}

func (in *ingestion) handleOrderImport(e *core.RequestEvent) error {
	if !isManager(e.Auth) {
		return e.ForbiddenError("Only managers and admins import the shop's order history.", nil)
	}
	var body struct {
		Rows   []orderImportRow `json:"rows"`
		DryRun bool             `json:"dry_run"`
	}
	if err := e.BindBody(&body); err != nil {
		return apiFieldError(http.StatusBadRequest, "rows", "invalid", "The body must be JSON: {\"rows\": [...]}.")
	}
	if len(body.Rows) == 0 || len(body.Rows) > orderImportMaxRows {
		return apiFieldError(http.StatusBadRequest, "rows", "invalid", "Send 1 to 2,000 rows a request.")
	}
	now := time.Now().UnixMilli()
	ctx := eventContext{now: now, kind: "server", tzOffset: in.tzOffset, backfill: true}
	var valid []indexedEvent
	var problems []orderImportProblem
	add := func(row int, raw map[string]any) bool {
		ev, p := validateEvent(raw, ctx, in.traits.Check)
		if p != nil {
			field := p.Field
			if f, ok := orderImportFields[p.Field]; ok {
				field = f
			} else if strings.HasPrefix(p.Field, "traits") {
				field = "name"
			}
			problems = append(problems, orderImportProblem{Row: row, Field: field, Code: p.Code, Message: p.Message})
			return false
		}
		valid = append(valid, indexedEvent{index: len(valid), event: ev})
		return true
	}
	seen := map[string]int{}
	for _, r := range body.Rows {
		id := strings.TrimSpace(r.OrderID)
		if id == "" {
			problems = append(problems, orderImportProblem{r.Row, "order_id", "required", "The order number is empty."})
			continue
		}
		if first, dup := seen[id]; dup {
			problems = append(problems, orderImportProblem{r.Row, "order_id", "duplicate", "This order number is also on row " + strconv.Itoa(first) + "."})
			continue
		}
		seen[id] = r.Row
		cust := strings.TrimSpace(r.CustomerID)
		if cust == "" {
			problems = append(problems, orderImportProblem{r.Row, "customer_id", "required", "The shop's customer id is empty: an order without a customer cannot be counted."})
			continue
		}
		if r.Refunded != nil {
			if total, ok := r.Total.(float64); ok && (*r.Refunded < 0 || *r.Refunded > total) {
				problems = append(problems, orderImportProblem{r.Row, "refunded", "invalid", "The refund must be from 0 to the order's total."})
				continue
			}
		}
		// identify first (a customer created with the file's name), a second before the order
		identify := map[string]any{"id": "oi-c-" + id, "type": "identify", "time": r.Time, "customer_id": cust}
		if t, ok := r.Time.(float64); ok {
			identify["time"] = t - 1000
		}
		if name := strings.TrimSpace(r.Name); name != "" {
			identify["traits"] = map[string]any{"name": name}
		}
		if !add(r.Row, identify) {
			continue
		}
		if !add(r.Row, map[string]any{"id": "oi-o-" + id, "type": "purchase", "time": r.Time, "customer_id": cust, "order_id": id, "total": r.Total}) {
			valid = valid[:len(valid)-1]
			continue
		}
		if r.Refunded != nil && *r.Refunded > 0 {
			if !add(r.Row, map[string]any{"id": "oi-r-" + id, "type": "refund", "time": r.Time, "customer_id": cust, "order_id": id, "total": *r.Refunded}) {
				valid = valid[:len(valid)-2]
			}
		}
	}
	if len(problems) > 0 {
		return e.JSON(http.StatusUnprocessableEntity, map[string]any{"status": 422, "code": "rows_rejected",
			"message": "Some rows cannot be imported; nothing of this request was stored. Each is listed with its row and column.", "problems": problems})
	}
	orders := len(seen)
	if body.DryRun {
		return e.JSON(http.StatusOK, map[string]any{"dry_run": true, "orders": orders, "events": len(valid)})
	}
	// Orders imported before (by this import): counted as already there, not again.
	orderEvents := make([]string, 0, orders)
	for id := range seen {
		orderEvents = append(orderEvents, "oi-o-"+id)
	}
	var before int
	if err := in.app.DB().NewQuery("SELECT count(*) FROM events WHERE source = {:s} AND event_id IN (SELECT value FROM json_each({:ids}))").
		Bind(dbx.Params{"s": orderImportSource, "ids": toJSON(orderEvents)}).Row(&before); err != nil {
		return e.InternalServerError("The orders could not be checked.", err)
	}
	var result batchResult
	err := in.commits.Run(func(tx core.App) error {
		r, err := in.storeBatch(tx, orderImportSource, valid, now)
		result = r
		return err
	})
	if err != nil {
		return e.InternalServerError("The orders could not be stored; nothing of this request was kept, send it again.", err)
	}
	if result.Accepted > 0 {
		in.stats.Changed()
		metricIngested(result.Accepted)
	}
	// An order the shop had already sent (through the API, with its own event ids) is not counted again.
	already := before + len(result.Rejected)
	auditRequest(e, "orders.import", "stats_orders", "", map[string]any{"orders": orders, "events": result.Accepted, "already_recorded": already})
	return e.JSON(http.StatusOK, map[string]any{"orders": orders, "events": result.Accepted, "duplicates": result.Duplicates, "already_recorded": already})
}
