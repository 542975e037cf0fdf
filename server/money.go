package main

// One rounding rule for money (issue 15, item 4): to the fen, half away from zero, on the amount as
// written in decimal (the shortest decimal that reads back as the same float: what the shop sent, or
// what a division gave). 42.285 is 42.29 and 1.005 is 1.01, although as binary floats both lie just
// under the half, which math.Round(v*100)/100 and SQLite's round(v, 2) each resolve their own way
// (the average order showed 42.28 beside an ingested 42.29). The same rule in TypeScript is
// src/lib/shared/money.ts (the device and the JS hooks); SQL uses crm_money(v) (sqlite.go).

import (
	"math"
	"strconv"
	"strings"
)

func roundMoney(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	abs := math.Abs(v)
	if abs >= 1e15 {
		return math.Round(v*100) / 100
	}
	s := strconv.FormatFloat(abs, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) <= 2 {
		return v
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return math.Round(v*100) / 100
	}
	cents := w*100 + int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	if frac[2] >= '5' {
		cents++
	}
	r := float64(cents) / 100
	if v < 0 {
		return -r
	}
	return r
}

// sqlMoney is crm_money(v) for SQL: the same rule; NULL stays NULL.
func sqlMoney(v any) any {
	switch x := v.(type) {
	case float64:
		return roundMoney(x)
	case int64:
		return x
	default:
		return v
	}
}
