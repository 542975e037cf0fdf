// Checking one event of POST /api/crm/events (docs/api/ingestion.md): the same rules, fields, codes and
// order as validateEvent in src/lib/shared/events.ts, which tests/tracker and the docs use; the hook
// tests (tests/hooks/ingest-api.spec.ts) hold both to the documented answers. Traits (a customer's
// phone, email, address) are checked by the shared TypeScript itself (traits.go), so the phone rules
// of the device and the server are one.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

const (
	bodyLimit        = 1024 * 1024
	eventsPerBatch   = 500
	propertiesLimit  = 4096
	itemsPerPurchase = 100
	futureMs         = 10 * 60 * 1000
	pastMs           = 400 * 24 * 3600 * 1000
	backfillFromMs   = 946684800000 // 2000-01-01T00:00:00Z: the earliest event a history import takes
	defaultRate      = 120000
	backfillRate     = 1500000 // a history import: at least 25,000 events/s, more than the server stores
)

var (
	eventIDRe   = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
	eventTypeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	isoTimeRe   = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$`)
)

type fieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type eventItem struct {
	ProductID string  `json:"product_id"`
	SKU       string  `json:"sku"`
	Category  string  `json:"category"`
	Price     float64 `json:"price"`
	Quantity  int     `json:"quantity"`
}

type shopEvent struct {
	EventID     string
	Type        string
	TS          int64
	Day         string
	AnonID      string
	CustomerExt string
	ProductID   string
	SKU         string
	Category    string
	Price       float64
	Quantity    int
	OrderID     string
	Total       float64
	Query       string
	URL         string
	Referrer    string
	Coupon      string      // the campaign coupon code a purchase used
	Items       []eventItem // nil when the event has none
	Properties  map[string]any
	Traits      map[string]any // normalised by the shared checkTraits
	// resolved when stored
	Customer string
	Person   string
}

type eventContext struct {
	now      int64
	skewMs   int64
	kind     string
	tzOffset int
	// backfill: a server key's history import (?backfill=1): any past time from backfillFromMs on.
	backfill bool
	// identitySecret signs the shop's customer ids for browser keys (shopIdentitySecret).
	identitySecret string
}

// jsLength counts UTF-16 code units, as a JavaScript string's length does.
func jsLength(s string) int {
	return len(utf16.Encode([]rune(s)))
}

func jsNumberText(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// text reads an optional text field (a number is taken as its text), trimmed, at most max long.
func text(raw map[string]any, field string, max int, errs *[]fieldError, prefix string) string {
	v, ok := raw[field]
	if !ok || v == nil {
		return ""
	}
	var s string
	switch t := v.(type) {
	case string:
		if t == "" {
			return ""
		}
		s = t
	case float64:
		s = jsNumberText(t)
	default:
		*errs = append(*errs, fieldError{prefix + field, "invalid", prefix + field + " must be text"})
		return ""
	}
	s = strings.TrimSpace(s)
	if jsLength(s) > max {
		*errs = append(*errs, fieldError{prefix + field, "too_long", fmt.Sprintf("%s takes at most %d characters", prefix+field, max)})
	}
	return s
}

func money(raw map[string]any, field string, errs *[]fieldError, required bool, prefix string) float64 {
	v, ok := raw[field]
	if !ok || v == nil || v == "" {
		if required {
			*errs = append(*errs, fieldError{prefix + field, "required", prefix + field + " is required"})
		}
		return 0
	}
	f, isNum := v.(float64)
	if !isNum || math.IsInf(f, 0) || math.IsNaN(f) || f < 0 || f > 1e12 {
		*errs = append(*errs, fieldError{prefix + field, "invalid", prefix + field + " must be a number of at least 0"})
		return 0
	}
	return roundMoney(f)
}

func quantity(raw map[string]any, field string, errs *[]fieldError, prefix string) int {
	v, ok := raw[field]
	if !ok || v == nil {
		return 1
	}
	f, isNum := v.(float64)
	if !isNum || math.Floor(f) != f || f < 1 || f > 10000 {
		*errs = append(*errs, fieldError{prefix + field, "invalid", prefix + field + " must be a whole number from 1 to 10000"})
		return 1
	}
	return int(f)
}

// parseEventTime: milliseconds since 1970 from an ISO 8601 text (no zone = UTC) or a number.
func parseEventTime(v any) (int64, bool) {
	switch t := v.(type) {
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return 0, false
		}
		return int64(math.Floor(t)), true
	case string:
		m := isoTimeRe.FindStringSubmatch(strings.TrimSpace(t))
		if m == nil {
			return 0, false
		}
		n := func(i int) int {
			if m[i] == "" {
				return 0
			}
			x, _ := strconv.Atoi(m[i])
			return x
		}
		y, mo, d, h, mi, s := n(1), n(2), n(3), n(4), n(5), n(6)
		if mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59 {
			return 0, false
		}
		if d > time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
			return 0, false
		}
		ms := 0
		if m[7] != "" {
			frac, _ := strconv.ParseFloat("0."+m[7], 64)
			ms = int(math.Floor(frac * 1000))
		}
		ts := time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC).UnixMilli() + int64(ms)
		if zone := m[8]; zone != "" && zone != "Z" {
			sign := int64(1)
			if zone[0] == '-' {
				sign = -1
			}
			digits := strings.Replace(zone[1:], ":", "", 1)
			zh, _ := strconv.Atoi(digits[:2])
			zm, _ := strconv.Atoi(digits[2:])
			ts -= sign * int64(zh*60+zm) * 60000
		}
		return ts, true
	}
	return 0, false
}

func shopDay(ts int64, tzOffset int) string {
	return time.UnixMilli(ts + int64(tzOffset)*60000).UTC().Format("2006-01-02")
}

// jsonBytes: the UTF-8 size of the value as JSON.stringify writes it.
func jsonBytes(v any) int {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return math.MaxInt
	}
	return buf.Len() - 1 // the encoder's newline
}

func items(raw any, errs *[]fieldError) []eventItem {
	if raw == nil {
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		*errs = append(*errs, fieldError{"items", "invalid", "items must be a list of order lines"})
		return nil
	}
	if len(list) > itemsPerPurchase {
		*errs = append(*errs, fieldError{"items", "too_large", fmt.Sprintf("items takes at most %d lines", itemsPerPurchase)})
		return nil
	}
	out := make([]eventItem, 0, len(list))
	for i, entry := range list {
		line, ok := entry.(map[string]any)
		prefix := fmt.Sprintf("items.%d.", i)
		if !ok {
			*errs = append(*errs, fieldError{fmt.Sprintf("items.%d", i), "invalid", fmt.Sprintf("items.%d must be an object", i)})
			continue
		}
		it := eventItem{ProductID: text(line, "product_id", 64, errs, prefix)}
		if it.ProductID == "" {
			*errs = append(*errs, fieldError{prefix + "product_id", "required", prefix + "product_id is required"})
		}
		it.SKU = text(line, "sku", 64, errs, prefix)
		it.Category = text(line, "category", 100, errs, prefix)
		it.Price = money(line, "price", errs, false, prefix)
		it.Quantity = quantity(line, "quantity", errs, prefix)
		out = append(out, it)
	}
	return out
}

// validateEvent checks one raw event (decoded JSON) and returns it normalised, or its first problem.
func validateEvent(value any, ctx eventContext, checkTraits func(map[string]any) (map[string]any, *fieldError)) (*shopEvent, *fieldError) {
	raw, ok := value.(map[string]any)
	if !ok {
		return nil, &fieldError{"", "invalid", "an event must be an object"}
	}
	errs := []fieldError{}
	first := func() (*shopEvent, *fieldError) { return nil, &errs[0] }

	id, present := raw["id"]
	if !present || id == nil || id == "" {
		return nil, &fieldError{"id", "required", "id is required"}
	}
	idText, isText := id.(string)
	if !isText || !eventIDRe.MatchString(idText) {
		return nil, &fieldError{"id", "invalid", "id must be 1-64 characters of A-Z a-z 0-9 _ - . :"}
	}

	typ, present := raw["type"]
	if !present || typ == nil || typ == "" {
		return nil, &fieldError{"type", "required", "type is required"}
	}
	typeText, isText := typ.(string)
	if !isText || !eventTypeRe.MatchString(typeText) {
		return nil, &fieldError{"type", "invalid", "type must be a known event type or lower-case letters, digits and _ (at most 40)"}
	}
	if ctx.kind == "browser" && (typeText == "purchase" || typeText == "refund") {
		return nil, &fieldError{"type", "type_not_allowed", typeText + " events must come from the shop's server key, not a browser key"}
	}

	tv, present := raw["time"]
	if !present || tv == nil || tv == "" {
		return nil, &fieldError{"time", "required", "time is required"}
	}
	sent, ok := parseEventTime(tv)
	if !ok {
		return nil, &fieldError{"time", "invalid", "time must be an ISO 8601 time or milliseconds since 1970"}
	}
	ts := sent + ctx.skewMs
	if ctx.backfill {
		if ts > ctx.now+futureMs || ts < backfillFromMs {
			return nil, &fieldError{"time", "time_out_of_range", "in a history import, time must be from 2000-01-01 on and at most 10 minutes ahead of the server"}
		}
	} else if ts > ctx.now+futureMs || ts < ctx.now-pastMs {
		return nil, &fieldError{"time", "time_out_of_range", "time must be at most 10 minutes ahead of the server and at most 400 days back (older history: send it with ?backfill=1 and a server key)"}
	}

	anon := text(raw, "anonymous_id", 64, &errs, "")
	ext := text(raw, "customer_id", 64, &errs, "")
	if len(errs) > 0 {
		return first()
	}
	if anon == "" && ext == "" {
		return nil, &fieldError{"anonymous_id", "required", "anonymous_id or customer_id is required"}
	}
	if ctx.kind == "browser" && ext != "" {
		if problem := checkSignedCustomer(raw, ext, ctx); problem != nil {
			return nil, problem
		}
	}

	ev := &shopEvent{EventID: idText, Type: typeText, TS: ts, Day: shopDay(ts, ctx.tzOffset), AnonID: anon, CustomerExt: ext}
	ev.ProductID = text(raw, "product_id", 64, &errs, "")
	ev.SKU = text(raw, "sku", 64, &errs, "")
	ev.Category = text(raw, "category", 100, &errs, "")
	ev.Price = money(raw, "price", &errs, false, "")
	ev.Quantity = quantity(raw, "quantity", &errs, "")
	ev.OrderID = text(raw, "order_id", 64, &errs, "")
	ev.Query = text(raw, "query", 200, &errs, "")
	ev.URL = text(raw, "url", 2000, &errs, "")
	ev.Referrer = text(raw, "referrer", 2000, &errs, "")
	ev.Coupon = strings.ToUpper(strings.TrimSpace(text(raw, "coupon", 40, &errs, "")))
	ev.Items = items(raw["items"], &errs)
	if len(errs) > 0 {
		return first()
	}

	if (typeText == "product_view" || typeText == "add_to_cart" || typeText == "remove_from_cart") && ev.ProductID == "" {
		return nil, &fieldError{"product_id", "required", "product_id is required for " + typeText}
	}
	if typeText == "purchase" || typeText == "refund" {
		if ev.OrderID == "" {
			return nil, &fieldError{"order_id", "required", "order_id is required for " + typeText}
		}
		ev.Total = money(raw, "total", &errs, true, "")
		if len(errs) > 0 {
			return first()
		}
	}

	if p, present := raw["properties"]; present && p != nil {
		props, ok := p.(map[string]any)
		if !ok {
			return nil, &fieldError{"properties", "invalid", "properties must be an object"}
		}
		if jsonBytes(props) > propertiesLimit {
			return nil, &fieldError{"properties", "too_large", fmt.Sprintf("properties takes at most %d bytes", propertiesLimit)}
		}
		ev.Properties = props
	}
	if t, present := raw["traits"]; present && t != nil {
		if ext == "" {
			return nil, &fieldError{"traits", "invalid", "traits need a customer_id"}
		}
		traits, ok := t.(map[string]any)
		if !ok {
			return nil, &fieldError{"traits", "invalid", "traits must be an object"}
		}
		normalised, problem := checkTraits(traits)
		if problem != nil {
			return nil, problem
		}
		ev.Traits = normalised
	}
	return ev, nil
}
