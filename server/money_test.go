package main

import "testing"

// The same cases as src/lib/shared/money.spec.ts: one rule on both sides.
var moneyCases = []struct{ in, want float64 }{
	{42.285, 42.29}, {84.57 / 2, 42.29}, {1.005, 1.01}, {2.675, 2.68}, {0.125, 0.13}, {-1.005, -1.01},
	{42.2849, 42.28}, {100.0 / 3, 33.33}, {2.0 / 3, 0.67}, {0.1 + 0.2, 0.3}, {1e-7, 0}, {123456789.125, 123456789.13},
	{19.99, 19.99}, {0, 0}, {5, 5}, {999999999999.995, 1000000000000},
}

func TestRoundMoney(t *testing.T) {
	for _, c := range moneyCases {
		if got := roundMoney(c.in); got != c.want {
			t.Errorf("roundMoney(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// In SQL: the average order of 84.57 over two orders is 42.29, as the API rounds it.
func TestSQLMoney(t *testing.T) {
	app := healthApp(t)
	defer app.Cleanup()
	var got float64
	if err := app.DB().NewQuery("SELECT crm_money(84.57 / 2)").Row(&got); err != nil {
		t.Fatal(err)
	}
	if got != 42.29 {
		t.Errorf("crm_money(84.57 / 2) = %v, want 42.29", got)
	}
}
