// The shop records a shopper's consent decision (its checkout box, its account page, its cookie
// banner) in the consent ledger, with its server key:
//
//	POST /api/crm/consents   {customer_id, purpose, granted, at?, how?, wording?}
//	  → 201 {id, customer, purpose, granted, at}
//
// customer_id is the shop's customer id; purpose one of the ledger's (tracking: e-mail opens may be
// counted, docs/campaign-effect.md; marketing_email, …; marketing for every channel). Decisions are
// appended, never edited: the latest per purpose applies (the campaign pipeline, the open pixel).
package main

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

var shopConsentHow = []string{"web_form", "checkout", "account", "cookie_banner", "import", "shop"}

func (in *ingestion) handleShopConsent(e *core.RequestEvent) error {
	if refused, err := in.refuseUnlessServerKey(e, "consent is recorded"); refused {
		return err
	}
	var body struct {
		CustomerID string `json:"customer_id"`
		Purpose    string `json:"purpose"`
		Granted    *bool  `json:"granted"`
		At         string `json:"at"`
		How        string `json:"how"`
		Wording    string `json:"wording"`
	}
	raw, _ := io.ReadAll(io.LimitReader(e.Request.Body, 16*1024))
	if err := json.Unmarshal(raw, &body); err != nil {
		return fail(e, http.StatusBadRequest, "invalid_json", "the body is not a JSON object: "+err.Error(), nil)
	}
	bad := func(field, code, message string) error {
		return fail(e, http.StatusBadRequest, code, message, map[string]any{"field": field})
	}
	col, err := e.App.FindCachedCollectionByNameOrId("consents")
	if err != nil {
		return err
	}
	// The purposes the ledger takes (its migration's select field).
	var consentPurposes []string
	if f, ok := col.Fields.GetByName("purpose").(*core.SelectField); ok {
		consentPurposes = f.Values
	}
	body.CustomerID = strings.TrimSpace(body.CustomerID)
	switch {
	case body.CustomerID == "" || len(body.CustomerID) > 64:
		return bad("customer_id", "required", "customer_id is the shop's customer id (1 to 64 characters)")
	case !slices.Contains(consentPurposes, body.Purpose):
		return bad("purpose", "invalid", "purpose is one of "+strings.Join(consentPurposes, ", "))
	case body.Granted == nil:
		return bad("granted", "required", "granted is true or false")
	case len(body.Wording) > 1000:
		return bad("wording", "too_long", "wording is at most 1,000 characters")
	}
	at := time.Now().UTC()
	if body.At != "" {
		t, err := time.Parse(time.RFC3339, body.At)
		if err != nil {
			return bad("at", "invalid", "at is a time such as 2026-12-01T08:00:00Z")
		}
		if t.After(at.Add(5 * time.Minute)) {
			return bad("at", "in_future", "at is in the future")
		}
		at = t.UTC()
	}
	how := body.How
	if how == "" {
		how = "shop"
	}
	if !slices.Contains(shopConsentHow, how) {
		return bad("how", "invalid", "how is one of "+strings.Join(shopConsentHow, ", "))
	}
	var customer string
	_ = e.App.DB().NewQuery(customerByShopIDSQL).Bind(dbx.Params{"x": body.CustomerID}).Row(&customer)
	if customer == "" {
		return fail(e, http.StatusNotFound, "customer_not_found", "no customer has this shop customer id yet: send an identify event first", map[string]any{"field": "customer_id"})
	}
	row := core.NewRecord(col)
	row.Set("customer", customer)
	row.Set("purpose", body.Purpose)
	row.Set("granted", *body.Granted)
	row.Set("at", at.Format(time.RFC3339Nano))
	row.Set("how", how)
	row.Set("wording", body.Wording)
	if err := e.App.Save(row); err != nil {
		return e.InternalServerError("The consent could not be saved.", err)
	}
	return e.JSON(http.StatusCreated, map[string]any{"id": row.Id, "customer": customer, "purpose": body.Purpose, "granted": *body.Granted, "at": row.GetString("at")})
}
