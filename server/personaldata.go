// The rights of the person (PIPL Art. 45 access and copy, Art. 47 deletion), for one customer:
//
//	GET  /api/crm/customers/{id}/personal-data?format=json|csv   admins: everything held about them
//	POST /api/crm/customers/{id}/erase  {confirm: "<their name>"}  admins: erase them
//
// The export gathers the profile (with its field history), statistics, service records, behaviour
// events and orders, identity links, chat visitors, conversations and messages, cases, campaigns
// received, coupons, consents and proposals. CSV is one table: section, record, field, value.
//
// Erasure keeps the customer's id as an empty tombstone (deleted, every personal field blank) so that
// every figure computed from ids stays as it was, and removes what identifies them everywhere else:
// chat message bodies and image files, contact details given in the chat, visitors' names and shop ids,
// the identity links of their browsers (so new events do not attach to them), service-record and case
// texts, proposals' copies of their values, recently viewed products, and the search text, referrer and
// query string of their events. Events, orders, conversations and campaign rows stay (de-identified),
// so the dashboards do not change. It runs in one transaction with SQLite's secure_delete on (freed
// space is overwritten) and is followed by a WAL checkpoint, so the old values do not linger in the
// database files. Devices receive the tombstone at their next sync; a later edit of an erased customer
// (from a device that was offline) is refused. The erasure is recorded in the audit log.
package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/logger"
	"github.com/pocketbase/pocketbase/tools/router"
)

// customerConversations selects the ids of the customer's conversations ({:id}): theirs, or their chat
// visitors'.
const customerConversations = `(SELECT id FROM conversations WHERE customer = {:id} OR visitor IN (SELECT id FROM visitors WHERE customer = {:id}))`

// erasedName is the tombstone's name (the field is required).
const erasedName = "(erased)"

func registerPersonalData(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/crm/customers/{id}")
		g.Bind(apis.RequireAuth("staff", core.CollectionNameSuperusers))
		g.GET("/personal-data", personalDataExport)
		g.POST("/erase", eraseCustomer)
		return se.Next()
	})
	// An erased customer stays erased: no later save may write their data back (a device that was
	// offline when they were erased pushes its edit; a service record is added for them).
	refuse := func(e *core.RecordEvent, id string) error {
		if id != "" && isErased(e.App, id) {
			return router.NewApiError(http.StatusGone, "This customer's data was erased at their request and cannot be written again.",
				validation.Errors{"id": validation.NewError("erased", "this customer's data was erased at their request and cannot be written again")})
		}
		return e.Next()
	}
	app.OnRecordUpdate("customers").BindFunc(func(e *core.RecordEvent) error { return refuse(e, e.Record.Id) })
	for _, c := range []string{"service_records", "cases", "proposals"} {
		app.OnRecordCreate(c).BindFunc(func(e *core.RecordEvent) error { return refuse(e, e.Record.GetString("customer")) })
		app.OnRecordUpdate(c).BindFunc(func(e *core.RecordEvent) error {
			if e.Record.GetString("customer") != e.Record.Original().GetString("customer") {
				return refuse(e, e.Record.GetString("customer"))
			}
			return e.Next()
		})
	}
}

func isErased(app core.App, id string) bool {
	var n int
	_ = app.DB().NewQuery("SELECT count(*) FROM erased_customers WHERE id = {:id}").Bind(dbx.Params{"id": id}).Row(&n)
	return n > 0
}

func requireRightsAdmin(e *core.RequestEvent) error {
	if !isAdmin(e.Auth) {
		return e.ForbiddenError("Only administrators export or erase a person's data.", nil)
	}
	return nil
}

type section struct {
	Name string
	Rows []map[string]any
}

// rows reads a query into plain maps, the table's sealed columns opened (fieldcrypt.go) and JSON text
// columns decoded.
func rows(db dbx.Builder, table, q string, params dbx.Params) ([]map[string]any, error) {
	secret := secretFields[table]
	out := []map[string]any{}
	r, err := db.NewQuery(q).Bind(params).Rows()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cols, err := r.Columns()
	if err != nil {
		return nil, err
	}
	for r.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := map[string]any{}
		for i, c := range cols {
			v := vals[i]
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if s, ok := v.(string); ok && contains(secret, c) {
				if v, err = openField(table+"."+c, s); err != nil {
					return nil, err
				}
			}
			if s, ok := v.(string); ok && len(s) > 1 && (s[0] == '[' || s[0] == '{') {
				var j any
				if json.Unmarshal([]byte(s), &j) == nil {
					v = j
				}
			}
			if c == "password" || c == "tokenKey" || c == "secret_hash" || c == "key_hash" {
				continue
			}
			row[c] = v
		}
		out = append(out, row)
	}
	return out, r.Err()
}

// personalData gathers every section about the customer.
func personalData(app core.App, id string) ([]section, error) {
	p := dbx.Params{"id": id}
	conv := customerConversations
	queries := []struct{ name, table, sql string }{
		{"profile", "customers", `SELECT * FROM customers WHERE id = {:id}`},
		{"statistics", "customer_stats", `SELECT * FROM customer_stats WHERE customer = {:id}`},
		{"predicted_value", "crm_clv", `SELECT * FROM crm_clv WHERE customer = {:id}`},
		{"service_records", "service_records", `SELECT * FROM service_records WHERE customer = {:id} ORDER BY at`},
		{"events", "events", `SELECT * FROM events WHERE customer = {:id} ORDER BY ts`},
		{"orders", "stats_orders", `SELECT * FROM stats_orders WHERE customer = {:id} ORDER BY ts`},
		{"identity_links", "identities", `SELECT * FROM identities WHERE customer = {:id}`},
		{"chat_visitors", "visitors", `SELECT id, created, updated, customer, external_id, name, email, locale, blocked FROM visitors WHERE customer = {:id}`},
		{"conversations", "conversations", `SELECT * FROM conversations WHERE id IN ` + conv + ` ORDER BY created`},
		{"messages", "messages", `SELECT * FROM messages WHERE conversation IN ` + conv + ` AND internal = FALSE ORDER BY created`},
		{"cases", "cases", `SELECT * FROM cases WHERE customer = {:id} ORDER BY created`},
		{"campaigns_received", "campaign_recipients", `SELECT r.id, r.campaign, c.name AS campaign_name, r.channel, r.status, r.sent_at, r.delivered_at, r.opened_at, r.clicked_at, r.clicks, r.coupon, r.created
			FROM campaign_recipients r LEFT JOIN campaigns c ON c.id = r.campaign WHERE r.customer = {:id} AND r.test = FALSE ORDER BY r.created`},
		{"coupons", "coupons", `SELECT * FROM coupons WHERE customer = {:id}`},
		{"consents", "consents", `SELECT * FROM consents WHERE customer = {:id} ORDER BY at`},
		{"proposals", "proposals", `SELECT * FROM proposals WHERE customer = {:id} ORDER BY created`},
	}
	var out []section
	for _, q := range queries {
		r, err := rows(app.DB(), q.table, q.sql, p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q.name, err)
		}
		out = append(out, section{q.name, r})
	}
	return out, nil
}

func personalDataExport(e *core.RequestEvent) error {
	if err := requireRightsAdmin(e); err != nil {
		return err
	}
	id := e.Request.PathValue("id")
	if _, err := e.App.FindRecordById("customers", id); err != nil {
		return e.NotFoundError("No such customer.", nil)
	}
	format := e.Request.URL.Query().Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" {
		return apis.NewBadRequestError("format: json or csv", validation.Errors{"format": validation.NewError("invalid", "format is json or csv")})
	}
	sections, err := personalData(e.App, id)
	if err != nil {
		return e.InternalServerError("The customer's data could not be gathered.", err)
	}
	counts := map[string]any{}
	for _, s := range sections {
		counts[s.Name] = len(s.Rows)
	}
	auditRequest(e, "customers.data_export", "customers", id, map[string]any{"format": format, "counts": counts})
	name := fmt.Sprintf("personal-data-%s-%s.%s", id, time.Now().UTC().Format("2006-01-02"), format)
	e.Response.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if format == "json" {
		body := map[string]any{"customer": id, "exported_at": time.Now().UTC().Format(time.RFC3339)}
		for _, s := range sections {
			if s.Name == "profile" && len(s.Rows) == 1 {
				body[s.Name] = s.Rows[0]
			} else {
				body[s.Name] = s.Rows
			}
		}
		return e.JSON(http.StatusOK, body)
	}
	e.Response.Header().Set("Content-Type", "text/csv; charset=utf-8")
	e.Response.WriteHeader(http.StatusOK)
	_, _ = e.Response.Write([]byte("\uFEFF"))
	w := csv.NewWriter(e.Response)
	_ = w.Write([]string{"section", "record", "field", "value"})
	for _, s := range sections {
		for _, r := range s.Rows {
			rec, _ := r["id"].(string)
			if rec == "" {
				rec, _ = r["order_id"].(string)
			}
			keys := make([]string, 0, len(r))
			for k := range r {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				_ = w.Write([]string{s.Name, rec, k, csvSafe(cellText(r[k]))})
			}
		}
	}
	w.Flush()
	return w.Error()
}

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any, map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	default:
		return fmt.Sprint(x)
	}
}

type eraseBody struct {
	Confirm string `json:"confirm"`
}

func eraseCustomer(e *core.RequestEvent) error {
	if err := requireRightsAdmin(e); err != nil {
		return err
	}
	id := e.Request.PathValue("id")
	customer, err := e.App.FindRecordById("customers", id)
	if err != nil {
		return e.NotFoundError("No such customer.", nil)
	}
	if isErased(e.App, id) {
		return e.JSON(http.StatusOK, map[string]any{"erased": true, "already": true})
	}
	var body eraseBody
	if err := e.BindBody(&body); err != nil || strings.TrimSpace(body.Confirm) != strings.TrimSpace(customer.GetString("name")) {
		return apis.NewBadRequestError("confirm: type the customer's name to confirm the erasure",
			validation.Errors{"confirm": validation.NewError("mismatch", "type the customer's name exactly to confirm the erasure")})
	}
	values := personalValues(e.App, customer)
	files, counts, err := erase(e.App, customer)
	if err != nil {
		return e.InternalServerError("The erasure failed; nothing was changed.", err)
	}
	removeFiles(e.App, files)
	counts["request_logs"] = scrubLogs(e.App, values)
	checkpointAfterErase(e.App)
	auditRequest(e, "customers.erase", "customers", id, map[string]any{"counts": counts})
	return e.JSON(http.StatusOK, map[string]any{"erased": true, "counts": counts})
}

// erase writes the tombstone and de-identifies every row about the customer in one transaction.
// It returns the message files to remove once committed.
func erase(app core.App, customer *core.Record) ([]string, map[string]int64, error) {
	id := customer.Id
	counts := map[string]int64{}
	var files []string
	err := app.RunInTransaction(func(tx core.App) error {
		db := tx.DB()
		if _, err := db.NewQuery("PRAGMA secure_delete = ON").Execute(); err != nil {
			return err
		}
		defer db.NewQuery("PRAGMA secure_delete = OFF").Execute()
		p := dbx.Params{"id": id}
		exec := func(name, q string) error {
			res, err := db.NewQuery(q).Bind(p).Execute()
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			n, _ := res.RowsAffected()
			counts[name] += n
			return nil
		}
		// Message files first: their paths, before the rows forget them.
		var withFiles []struct {
			ID   string `db:"id"`
			Coll string `db:"coll"`
		}
		conv := customerConversations
		if err := db.NewQuery(`SELECT m.id AS id, (SELECT c.id FROM _collections c WHERE c.name = 'messages') AS coll FROM messages m
			WHERE m.conversation IN ` + conv + ` AND m.attachments NOT IN ('', '[]', 'null')`).Bind(p).All(&withFiles); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		for _, m := range withFiles {
			files = append(files, m.Coll+"/"+m.ID)
		}
		steps := []struct{ name, sql string }{
			{"messages", `UPDATE messages SET body = '', attachments = '[]' WHERE conversation IN ` + conv},
			{"conversations", `UPDATE conversations SET contact = NULL, last_message_preview = '', rating_comment = '' WHERE id IN ` + conv},
			{"chat_visitors", `UPDATE visitors SET name = '', external_id = '', customer = '' WHERE customer = {:id}`},
			{"identity_links", `DELETE FROM identities WHERE customer = {:id}`},
			{"events", `UPDATE events SET customer_ext = '', query = '', referrer = '', properties = '{}',
				url = CASE WHEN instr(url, '?') > 0 THEN substr(url, 1, instr(url, '?') - 1) WHEN instr(url, '#') > 0 THEN substr(url, 1, instr(url, '#') - 1) ELSE url END
				WHERE customer = {:id}`},
			{"statistics", `UPDATE customer_stats SET recent_views = '[]', predicted_value = 0, churn_risk = FALSE WHERE customer = {:id}`},
			{"predicted_value", `DELETE FROM crm_clv WHERE customer = {:id}`},
			{"service_records", `UPDATE service_records SET summary = '', outcome = '', history = '[]', field_times = '{}' WHERE customer = {:id}`},
			{"cases", `UPDATE cases SET summary = '', history = '[]', field_times = '{}' WHERE customer = {:id}`},
			{"proposals", `UPDATE proposals SET changes = '{}', base = '{}', status = CASE WHEN status = 'open' THEN 'dismissed' ELSE status END WHERE customer = {:id}`},
		}
		for _, s := range steps {
			if err := exec(s.name, s.sql); err != nil {
				return err
			}
		}
		// The tombstone, through the model so that realtime tells devices to pull it.
		c, err := tx.FindRecordById("customers", id)
		if err != nil {
			return err
		}
		c.Set("name", erasedName)
		for _, f := range []string{"phones", "emails", "addresses", "tags", "history"} {
			c.Set(f, []any{})
		}
		for _, f := range []string{"gender", "birthday", "notes", "external_id", "source", "consent_at"} {
			c.Set(f, "")
		}
		c.Set("field_times", map[string]any{})
		c.Set("deleted", true)
		if err := tx.SaveNoValidate(c); err != nil {
			return fmt.Errorf("customer: %w", err)
		}
		counts["profile"] = 1
		_, err = db.NewQuery("INSERT INTO erased_customers (id, at) VALUES ({:id}, {:at})").Bind(dbx.Params{"id": id, "at": time.Now().UTC().Format(time.RFC3339)}).Execute()
		return err
	})
	return files, counts, err
}

// personalValues are the customer's identifying values as text, to find in the request logs: a filter
// in a logged address may hold a name, a phone number, an e-mail or a shop id.
func personalValues(app core.App, c *core.Record) []string {
	var out []string
	add := func(v string) {
		v = strings.TrimSpace(v)
		if len([]rune(v)) >= 3 && v != erasedName {
			out = append(out, v)
		}
	}
	add(c.GetString("name"))
	add(c.GetString("external_id"))
	for _, f := range []string{"phones", "emails"} {
		var list []string
		_ = json.Unmarshal([]byte(c.GetString(f)), &list)
		for _, v := range list {
			add(v)
			if strings.HasPrefix(v, "+86") {
				add(strings.TrimPrefix(v, "+86"))
			}
		}
	}
	var addresses []map[string]any
	_ = json.Unmarshal([]byte(c.GetString("addresses")), &addresses)
	for _, a := range addresses {
		if d, ok := a["detail"].(string); ok {
			add(d)
		}
	}
	var names []string
	_ = app.DB().NewQuery("SELECT crm_open('visitors.name', name) FROM visitors WHERE customer = {:id} AND name != ''").Bind(dbx.Params{"id": c.Id}).Column(&names)
	for _, n := range names {
		add(n)
	}
	return out
}

// scrubLogs removes the request log entries (PocketBase's _logs, in the auxiliary database) that name
// any of the values, as written or as escaped in an address, after writing the logs still in memory.
func scrubLogs(app core.App, values []string) int64 {
	if h, ok := app.Logger().Handler().(*logger.BatchHandler); ok {
		_ = h.WriteAll(context.WithValue(context.Background(), logger.BlockKey, true))
	}
	var removed int64
	db := app.AuxNonconcurrentDB()
	_, _ = db.NewQuery("PRAGMA secure_delete = ON").Execute()
	defer db.NewQuery("PRAGMA secure_delete = OFF").Execute()
	seen := map[string]bool{}
	for _, v := range values {
		for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v), strings.ReplaceAll(url.QueryEscape(v), "+", "%20")} {
			if seen[form] {
				continue
			}
			seen[form] = true
			res, err := db.NewQuery("DELETE FROM _logs WHERE instr(data, {:v}) > 0 OR instr(message, {:v}) > 0").Bind(dbx.Params{"v": form}).Execute()
			if err != nil {
				app.Logger().Error("erase: request logs not scrubbed", "error", err)
				return removed
			}
			n, _ := res.RowsAffected()
			removed += n
		}
	}
	_, _ = db.NewQuery("PRAGMA wal_checkpoint(TRUNCATE)").Execute()
	return removed
}

// removeFiles deletes the erased messages' files (and their thumbnails) from the storage.
func removeFiles(app core.App, prefixes []string) {
	if len(prefixes) == 0 {
		return
	}
	fs, err := app.NewFilesystem()
	if err != nil {
		app.Logger().Error("erase: the file storage could not be opened", "error", err)
		return
	}
	defer fs.Close()
	for _, p := range prefixes {
		if errs := fs.DeletePrefix(p + "/"); len(errs) > 0 {
			app.Logger().Error("erase: files left", "prefix", p, "errors", len(errs))
		}
	}
}

// checkpointRequestFile, in the data directory, asks the backup agent for a TRUNCATE checkpoint: the
// agent's Litestream holds a read lock on the WAL between its cycles, so only it can empty the WAL.
const checkpointRequestFile = "checkpoint-truncate.request"

// checkpointAfterErase moves the erasure (or the sealing of plain values, fieldcrypt.go) into the
// database file and empties the WAL, so that the old values are not left in the WAL file's frames: the backup agent does it (after copying the WAL) when it
// runs, else the server.
func checkpointAfterErase(app core.App) {
	if st, _ := readBackupStatus(app.DataDir()); st.Running(time.Now()) {
		req := filepath.Join(app.DataDir(), checkpointRequestFile)
		if err := os.WriteFile(req, []byte(time.Now().UTC().Format(time.RFC3339Nano)), 0o600); err == nil {
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				if _, err := os.Stat(req); os.IsNotExist(err) {
					return
				}
			}
		}
		app.Logger().Warn("the backup agent did not empty the WAL within 10 s; its next checkpoint will")
		return
	}
	for i := 0; i < 10; i++ {
		var busy, logFrames, done int
		err := app.NonconcurrentDB().NewQuery("PRAGMA wal_checkpoint(TRUNCATE)").Row(&busy, &logFrames, &done)
		if err == nil && busy == 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	app.Logger().Warn("the WAL could not be emptied at once; the next checkpoint will")
}
