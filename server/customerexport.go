// POST /api/crm/customers/export: the customer CSV export goes through the server (issue 13, item 3),
// so that it is limited by role and recorded in the audit log. The server answers the customers the
// caller may list (the records API's list rule), live ones only, with the export's fields opened
// (fieldcrypt.go); the app writes the CSV from them (src/lib/csv/export.ts). Service agents do not
// export customers. Body: {"columns": [...], "segment": "id", "ids": [...]}: ids (a segment's members,
// as the device computed them) narrow the export further; segment and columns are recorded.
package main

import (
	"net/http"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// exportColumns are the customer fields an export may hold (src/lib/csv/import.ts CUSTOMER_CSV_FIELDS).
var exportColumns = []string{"name", "phones", "emails", "addresses", "gender", "birthday", "tags", "category", "region", "source", "notes", "external_id"}

type exportBody struct {
	Columns []string `json:"columns"`
	Segment string   `json:"segment"`
	IDs     []string `json:"ids"`
}

func registerCustomerExport(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.POST("/api/crm/customers/export", exportCustomers).Bind(apis.RequireAuth("staff", core.CollectionNameSuperusers))
		return se.Next()
	})
}

func exportCustomers(e *core.RequestEvent) error {
	if !e.Auth.IsSuperuser() && e.Auth.GetString("role") == "agent" {
		return router.NewForbiddenError("Service agents do not export customers; ask a manager.", nil)
	}
	var body exportBody
	if err := e.BindBody(&body); err != nil {
		return apis.NewBadRequestError("The export request must be JSON.", nil)
	}
	if len(body.Columns) == 0 {
		body.Columns = exportColumns
	}
	for _, c := range body.Columns {
		if !contains(exportColumns, c) {
			return apis.NewBadRequestError("columns: unknown field "+c, validation.Errors{"columns": validation.NewError("invalid", "unknown field "+c+"; fields: "+strings.Join(exportColumns, ", "))})
		}
	}
	info, err := e.RequestInfo()
	if err != nil {
		return err
	}
	ids, err := listableIDs(e.App, "customers", info)
	if err != nil {
		return e.InternalServerError("The customers could not be listed.", err)
	}
	if body.IDs != nil {
		wanted := make(map[string]bool, len(body.IDs))
		for _, id := range body.IDs {
			wanted[id] = true
		}
		kept := ids[:0]
		for _, id := range ids {
			if wanted[id] {
				kept = append(kept, id)
			}
		}
		ids = kept
	}
	cols := []string{"id"}
	for _, c := range body.Columns {
		cols = append(cols, "["+"["+c+"]"+"]")
	}
	items, err := rows(e.App.DB(), "customers", `SELECT `+strings.Join(cols, ", ")+` FROM customers
		WHERE deleted = FALSE AND id IN (SELECT value FROM json_each({:ids})) ORDER BY id`, map[string]any{"ids": toJSON(ids)})
	if err != nil {
		return e.InternalServerError("The customers could not be read.", err)
	}
	auditRequest(e, "customers.export", "customers", "", map[string]any{"count": len(items), "columns": body.Columns, "segment": body.Segment})
	return e.JSON(http.StatusOK, map[string]any{"items": items})
}
