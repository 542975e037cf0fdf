package main

import (
	"encoding/csv"
	"math"
	"math/rand"
	"os"
	"strconv"
	"testing"
)

func loadCDNOW(t testing.TB) []clvObs {
	t.Helper()
	f, err := os.Open("testdata/cdnow_summary.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []clvObs
	for _, r := range rows[1:] {
		num := func(s string) float64 {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		out = append(out, clvObs{X: num(r[1]), Tx: num(r[2]), T: num(r[3]), Spend: num(r[4])})
	}
	return out
}

// The published estimates on the CDNOW sample: BG/NBD r = 0.243, alpha = 4.414, a = 0.793, b = 2.426
// with LL = -9582.4 (Fader, Hardie and Lee 2005); Gamma-Gamma p = 6.25, q = 3.74, gamma = 15.44 on its
// 946 repeat buyers (Fader and Hardie 2013).
func TestFitMatchesPublishedCDNOW(t *testing.T) {
	obs := loadCDNOW(t)
	if len(obs) != 2357 {
		t.Fatalf("CDNOW sample has %d customers, want 2357", len(obs))
	}
	m, ll, err := fitBGNBD(obs)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"r", m.R, 0.243}, {"alpha", m.Alpha, 4.414}, {"a", m.A, 0.793}, {"b", m.B, 2.426}} {
		if math.Abs(c.got-c.want) > 0.005 {
			t.Errorf("BG/NBD %s = %.4f, published %.3f (more than 0.005 apart)", c.name, c.got, c.want)
		}
	}
	if math.Abs(ll-(-9582.4)) > 0.5 {
		t.Errorf("log-likelihood %.2f, published -9582.4", ll)
	}
	g, n, err := fitGammaGamma(obs)
	if err != nil {
		t.Fatal(err)
	}
	if n != 946 {
		t.Errorf("Gamma-Gamma learned from %d repeat buyers, want 946", n)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"p", g.P, 6.25}, {"q", g.Q, 3.74}, {"gamma", g.Gamma, 15.44}} {
		if math.Abs(c.got-c.want) > 0.02 {
			t.Errorf("Gamma-Gamma %s = %.4f, published %.2f", c.name, c.got, c.want)
		}
	}
	t.Logf("BG/NBD r=%.4f alpha=%.4f a=%.4f b=%.4f LL=%.2f; Gamma-Gamma p=%.3f q=%.3f gamma=%.3f", m.R, m.Alpha, m.A, m.B, ll, g.P, g.Q, g.Gamma)

	// Customer 1 of the sample (x = 2, tx = 30.43, T = 38.86) under the published parameters: Hardie's
	// "Implementing the BG/NBD model in Excel" gives 1.226 expected purchases in the next 39 weeks; P(alive)
	// is worked by hand from eq. 13: 1 / (1 + 0.793/3.426 × (43.274/34.844)^2.243) = 0.7266.
	pub := bgnbdParams{0.243, 4.414, 0.793, 2.426}
	if got := pub.expected(clvObs{X: 2, Tx: 30.43, T: 38.86}, 39); math.Abs(got-1.226) > 0.002 {
		t.Errorf("E[Y(39) | x=2, tx=30.43, T=38.86] = %.4f, published 1.226", got)
	}
	if got := pub.pAlive(clvObs{X: 2, Tx: 30.43, T: 38.86}); math.Abs(got-0.7266) > 0.0005 {
		t.Errorf("P(alive) = %.4f, want 0.7266", got)
	}
	if got := pub.pAlive(clvObs{X: 0, T: 38.86}); got != 1 {
		t.Errorf("P(alive) without a repeat purchase = %v, BG/NBD takes them as alive (1)", got)
	}
	// The expected purchases of everyone over 39 more weeks sum to the expectation of a new customer
	// taken at the sample's size only in the limit; here: each is finite and not negative.
	for _, o := range obs[:50] {
		p := predict(m, o, g.spend(o), 0.1)
		if p.Expected30 < 0 || p.Expected90 < p.Expected30 || p.Expected365 < p.Expected90 || p.PAlive <= 0 || p.PAlive > 1 || p.Value12m < 0 || p.Lifetime < p.Value12m*0.5 {
			t.Fatalf("prediction out of order for %+v: %+v", o, p)
		}
	}
}

// simulateBGNBD draws customers from the BG/NBD story: each buys as a Poisson process with rate
// lambda ~ Gamma(r, alpha) and after each repeat purchase drops out with probability p ~ Beta(a, b); spends
// per purchase ~ Gamma(pS, nu), nu ~ Gamma(q, gamma). It returns, per customer, the purchase times in
// weeks after their first purchase (the first at 0) and the spend of each.
func simulateBGNBD(rng *rand.Rand, n int, m bgnbdParams, g gammaGammaParams, horizon float64) [][2][]float64 {
	gamma := func(shape, rate float64) float64 { return gammaDraw(rng, shape) / rate }
	out := make([][2][]float64, n)
	for i := range out {
		lambda := gamma(m.R, m.Alpha)
		x1 := gammaDraw(rng, m.A)
		p := x1 / (x1 + gammaDraw(rng, m.B))
		nu := gamma(g.Q, g.Gamma)
		times := []float64{0}
		spends := []float64{gamma(g.P, nu)}
		t := 0.0
		// alive at the first purchase; after each repeat purchase the customer drops out with probability p
		for {
			t += rng.ExpFloat64() / lambda
			if t > horizon {
				break
			}
			times = append(times, t)
			spends = append(spends, gamma(g.P, nu))
			if rng.Float64() < p {
				break
			}
		}
		out[i] = [2][]float64{times, spends}
	}
	return out
}

// gammaDraw: Marsaglia and Tsang's method, with the boost for shape < 1.
func gammaDraw(rng *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return gammaDraw(rng, shape+1) * math.Pow(rng.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}

// Fit on the first 52 weeks of a generated history, predict the next 52: the model's forecast of the
// holdout's purchases is within 5 % of what happened in total, and it recovers the parameters that
// generated the data.
func TestHoldoutForecast(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	truth := bgnbdParams{0.5, 6, 0.8, 2.5}
	spendTruth := gammaGammaParams{6, 4, 15}
	const calib, holdout = 52.0, 52.0
	people := simulateBGNBD(rng, 20000, truth, spendTruth, 200)
	var obs []clvObs
	var actual []float64
	for i, pp := range people {
		// first purchases spread over the first 26 weeks
		start := float64(i%26) * 1.0
		times, spends := pp[0], pp[1]
		var o clvObs
		o.T = calib - start
		var sum float64
		held := 0.0
		for k, tt := range times {
			switch {
			case tt <= o.T:
				if k > 0 {
					o.X++
					o.Tx = tt
					sum += spends[k]
				}
			case tt <= o.T+holdout:
				held++
			}
		}
		if o.X > 0 {
			o.Spend = sum / o.X
		}
		obs = append(obs, o)
		actual = append(actual, held)
	}
	m, _, err := fitBGNBD(obs)
	if err != nil {
		t.Fatal(err)
	}
	var predicted, happened, byTruth float64
	for i, o := range obs {
		predicted += m.expected(o, holdout)
		byTruth += truth.expected(o, holdout)
		happened += actual[i]
	}
	t.Logf("with the generating parameters the forecast would be %.0f", byTruth)
	errPct := 100 * (predicted - happened) / happened
	t.Logf("fitted r=%.3f alpha=%.3f a=%.3f b=%.3f (truth %+v); holdout purchases predicted %.0f, happened %.0f (%.1f %%)", m.R, m.Alpha, m.A, m.B, truth, predicted, happened, errPct)
	if math.Abs(errPct) > 5 {
		t.Errorf("holdout forecast off by %.1f %% (more than 5 %%)", errPct)
	}
	if math.Abs(m.R-truth.R)/truth.R > 0.2 || math.Abs(m.Alpha-truth.Alpha)/truth.Alpha > 0.25 {
		t.Errorf("purchase rate not recovered: r=%.3f alpha=%.3f, truth r=%.2f alpha=%.2f", m.R, m.Alpha, truth.R, truth.Alpha)
	}
	g, _, err := fitGammaGamma(obs)
	if err != nil {
		t.Fatal(err)
	}
	if mean, want := g.populationMean(), spendTruth.populationMean(); math.Abs(mean-want)/want > 0.1 {
		t.Errorf("mean spend per purchase %.2f, truth %.2f", mean, want)
	}
}

func TestHyp2f1KnownValues(t *testing.T) {
	// 2F1(1, 1; 2; z) = -ln(1 - z) / z
	for _, z := range []float64{0.1, 0.5, 0.9, 0.99} {
		want := -math.Log(1-z) / z
		if got := hyp2f1(1, 1, 2, z); math.Abs(got-want) > 1e-9*want {
			t.Errorf("2F1(1,1;2;%v) = %v, want %v", z, got, want)
		}
	}
	// 2F1(a, b; b; z) = (1 - z)^-a
	if got, want := hyp2f1(0.7, 3, 3, 0.6), math.Pow(0.4, -0.7); math.Abs(got-want) > 1e-9 {
		t.Errorf("2F1(0.7,3;3;0.6) = %v, want %v", got, want)
	}
}

func BenchmarkFit20k(b *testing.B) {
	obs := loadCDNOW(b)
	var many []clvObs
	for len(many) < 20000 {
		many = append(many, obs...)
	}
	many = many[:20000]
	for i := 0; i < b.N; i++ {
		if _, _, err := fitBGNBD(many); err != nil {
			b.Fatal(err)
		}
		if _, _, err := fitGammaGamma(many); err != nil {
			b.Fatal(err)
		}
	}
}
