package main

// Predictive customer value (issue 15, item 2): the BG/NBD model of repeat purchases (Fader, Hardie and
// Lee, "Counting Your Customers the Easy Way: An Alternative to the Pareto/NBD Model", Marketing
// Science 24(2), 2005) and the Gamma-Gamma model of spend per transaction (Fader, Hardie and Lee, "RFM
// and CLV: Using Iso-Value Curves for Customer Base Analysis", JMR 42(4), 2005; Fader and Hardie, "The
// Gamma-Gamma Model of Monetary Value", 2013). Pure functions: the likelihoods, a Nelder-Mead fit of
// their logarithms, and the conditional expectations a customer's figures come from. Time is in weeks,
// as in the papers (clv.go turns shop days into weeks). The fit is checked against the published CDNOW
// parameters in clvmodel_test.go.

import (
	"errors"
	"math"
	"sort"
)

// clvObs is one customer's purchase summary: x repeat purchases (purchase days after the first), tx the
// time of the last purchase after the first, T the time from the first purchase to the end of the
// observation, in weeks; spend the mean value of the repeat purchases (0 when x = 0).
type clvObs struct {
	X, Tx, T float64
	Spend    float64
}

// bgnbdParams: purchase rate heterogeneity Gamma(r, alpha); dropout probability Beta(a, b).
type bgnbdParams struct {
	R, Alpha, A, B float64
}

// gammaGammaParams: spend per transaction Gamma(p, nu), nu ~ Gamma(q, gamma).
type gammaGammaParams struct {
	P, Q, Gamma float64
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// clvGroup: identical (x, tx, T) summaries counted once (a shop has many one-time buyers of one day).
type clvGroup struct {
	x, tx, T float64
	n        float64
}

func groupObs(obs []clvObs) []clvGroup {
	type key struct{ x, tx, T float64 }
	idx := map[key]int{}
	var out []clvGroup
	for _, o := range obs {
		k := key{o.X, o.Tx, o.T}
		if i, ok := idx[k]; ok {
			out[i].n++
			continue
		}
		idx[k] = len(out)
		out = append(out, clvGroup{o.X, o.Tx, o.T, 1})
	}
	return out
}

// parallelSum adds f over [0, n) in two halves at once when n is large (the machine has 2 cores; a
// 20,000-customer fit evaluates the likelihood about a thousand times).
func parallelSum(n int, f func(lo, hi int) float64) float64 {
	if n < 4000 {
		return f(0, n)
	}
	half := n / 2
	ch := make(chan float64, 1)
	go func() { ch <- f(half, n) }()
	first := f(0, half)
	return first + <-ch
}

// bgnbdLogLik: the BG/NBD log-likelihood of the grouped summaries (FHL 2005, eq. 6).
func bgnbdLogLik(p bgnbdParams, groups []clvGroup) float64 {
	return newBGNBDObjective(groups).logLik(p)
}

// bgnbdObjective: the summaries with their distinct purchase counts, so that the gamma functions of
// each count are computed once per evaluation, not once per customer (a shop has a few hundred
// distinct counts and tens of thousands of customers).
type bgnbdObjective struct {
	groups []clvGroup
	xs     []float64 // the distinct x
	xi     []int     // each group's index into xs
}

func newBGNBDObjective(groups []clvGroup) *bgnbdObjective {
	o := &bgnbdObjective{groups: groups, xi: make([]int, len(groups))}
	at := map[float64]int{}
	for i, g := range groups {
		k, ok := at[g.x]
		if !ok {
			k = len(o.xs)
			at[g.x] = k
			o.xs = append(o.xs, g.x)
		}
		o.xi[i] = k
	}
	return o
}

func (o *bgnbdObjective) logLik(p bgnbdParams) float64 {
	r, alpha, a, b := p.R, p.Alpha, p.A, p.B
	lgr, lgab, lgb, lnAlpha, lnA := lgamma(r), lgamma(a+b), lgamma(b), math.Log(alpha), math.Log(a)
	// per distinct x: ln A1 + ln A2 (without the time terms), and ln(b + x - 1)
	head := make([]float64, len(o.xs))
	lnB := make([]float64, len(o.xs))
	for k, x := range o.xs {
		head[k] = lgamma(r+x) - lgr + r*lnAlpha + lgab + lgamma(b+x) - lgb - lgamma(a+b+x)
		if x > 0 {
			lnB[k] = math.Log(b + x - 1)
		}
	}
	return parallelSum(len(o.groups), func(lo, hi int) float64 {
		total := 0.0
		for i := lo; i < hi; i++ {
			g := o.groups[i]
			k := o.xi[i]
			x := g.x
			lnA3 := -(r + x) * math.Log(alpha+g.T)
			ll := head[k]
			if x > 0 {
				lnA4 := lnA - lnB[k] - (r+x)*math.Log(alpha+g.tx)
				m := math.Max(lnA3, lnA4)
				ll += m + math.Log(math.Exp(lnA3-m)+math.Exp(lnA4-m))
			} else {
				ll += lnA3
			}
			total += g.n * ll
		}
		return total
	})
}

// gammaGammaLogLik: the Gamma-Gamma log-likelihood of the repeat buyers' mean spend (x > 0, spend > 0).
func gammaGammaLogLik(p gammaGammaParams, obs []clvObs) float64 {
	return newGammaGammaObjective(obs).logLik(p)
}

// gammaGammaObjective: the repeat buyers, with what does not depend on the parameters (ln m, ln x,
// x·m) computed once and the gamma functions once per distinct x.
type gammaGammaObjective struct {
	x, lnM, lnX, xm []float64
	xs              []float64
	xi              []int
}

func newGammaGammaObjective(obs []clvObs) *gammaGammaObjective {
	o := &gammaGammaObjective{}
	at := map[float64]int{}
	for _, c := range obs {
		if c.X <= 0 || c.Spend <= 0 {
			continue
		}
		k, ok := at[c.X]
		if !ok {
			k = len(o.xs)
			at[c.X] = k
			o.xs = append(o.xs, c.X)
		}
		o.x = append(o.x, c.X)
		o.lnM = append(o.lnM, math.Log(c.Spend))
		o.lnX = append(o.lnX, math.Log(c.X))
		o.xm = append(o.xm, c.X*c.Spend)
		o.xi = append(o.xi, k)
	}
	return o
}

func (o *gammaGammaObjective) logLik(p gammaGammaParams) float64 {
	head := make([]float64, len(o.xs))
	lgq, qlnG := lgamma(p.Q), p.Q*math.Log(p.Gamma)
	for k, x := range o.xs {
		head[k] = lgamma(p.P*x+p.Q) - lgamma(p.P*x) - lgq + qlnG
	}
	return parallelSum(len(o.x), func(lo, hi int) float64 {
		total := 0.0
		for i := lo; i < hi; i++ {
			px := p.P * o.x[i]
			total += head[o.xi[i]] + (px-1)*o.lnM[i] + px*o.lnX[i] - (px+p.Q)*math.Log(o.xm[i]+p.Gamma)
		}
		return total
	})
}

// nelderMead minimises f from x0 (the standard reflection, expansion, contraction and shrink steps).
// It stops when the simplex's values and size are within tol, or after maxIter steps.
func nelderMead(f func([]float64) float64, x0 []float64, step, tol float64, maxIter int) ([]float64, float64, int) {
	n := len(x0)
	simplex := make([][]float64, n+1)
	values := make([]float64, n+1)
	for i := range simplex {
		p := append([]float64(nil), x0...)
		if i > 0 {
			p[i-1] += step
		}
		simplex[i] = p
		values[i] = f(p)
	}
	order := make([]int, n+1)
	iter := 0
	for ; iter < maxIter; iter++ {
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(i, j int) bool { return values[order[i]] < values[order[j]] })
		best, worst, second := order[0], order[n], order[n-1]
		size := 0.0
		for _, i := range order[1:] {
			for k := 0; k < n; k++ {
				size = math.Max(size, math.Abs(simplex[i][k]-simplex[best][k]))
			}
		}
		if math.Abs(values[worst]-values[best]) <= tol && size <= tol {
			break
		}
		centroid := make([]float64, n)
		for _, i := range order[:n] {
			for k := range centroid {
				centroid[k] += simplex[i][k] / float64(n)
			}
		}
		at := func(t float64) []float64 {
			p := make([]float64, n)
			for k := range p {
				p[k] = centroid[k] + t*(simplex[worst][k]-centroid[k])
			}
			return p
		}
		xr := at(-1)
		fr := f(xr)
		switch {
		case fr < values[best]:
			xe := at(-2)
			if fe := f(xe); fe < fr {
				simplex[worst], values[worst] = xe, fe
			} else {
				simplex[worst], values[worst] = xr, fr
			}
		case fr < values[second]:
			simplex[worst], values[worst] = xr, fr
		default:
			var xc []float64
			if fr < values[worst] {
				xc = at(-0.5)
			} else {
				xc = at(0.5)
			}
			if fc := f(xc); fc < math.Min(fr, values[worst]) {
				simplex[worst], values[worst] = xc, fc
			} else {
				for _, i := range order[1:] {
					for k := 0; k < n; k++ {
						simplex[i][k] = simplex[best][k] + 0.5*(simplex[i][k]-simplex[best][k])
					}
					values[i] = f(simplex[i])
				}
			}
		}
	}
	besti := 0
	for i := range values {
		if values[i] < values[besti] {
			besti = i
		}
	}
	return simplex[besti], values[besti], iter
}

// minimise runs Nelder-Mead from x0, then again from where it stopped (a fresh simplex gets it out of
// a collapsed one), until a restart no longer improves.
func minimise(f func([]float64) float64, x0 []float64) ([]float64, float64) {
	x, v, _ := nelderMead(f, x0, 0.5, 1e-9, 3000)
	for i := 0; i < 3; i++ {
		x2, v2, _ := nelderMead(f, x, 0.05, 1e-10, 1500)
		better := v - v2
		x, v = x2, v2
		if better < 1e-10 {
			break
		}
	}
	return x, v
}

var errTooFew = errors.New("too few customers to fit the model")

// logBound keeps the fitted parameters within e^±12 (6e-6 to 1.6e5). Where the likelihood keeps rising
// towards infinity (a shop whose customers show no dropout, or no spread in spend), the search stops
// at the bound instead of wandering a flat ridge for seconds; the predictions there are the limit's.
const logBound = 12

func outOfBounds(v []float64) bool {
	for _, x := range v {
		if x > logBound || x < -logBound {
			return true
		}
	}
	return false
}

// fitBGNBD: maximum likelihood over the logarithms of (r, alpha, a, b).
func fitBGNBD(obs []clvObs) (bgnbdParams, float64, error) {
	if len(obs) == 0 {
		return bgnbdParams{}, 0, errTooFew
	}
	objective := newBGNBDObjective(groupObs(obs))
	n := float64(len(obs))
	f := func(v []float64) float64 {
		if outOfBounds(v) {
			return math.Inf(1)
		}
		p := bgnbdParams{math.Exp(v[0]), math.Exp(v[1]), math.Exp(v[2]), math.Exp(v[3])}
		ll := objective.logLik(p)
		if math.IsNaN(ll) || math.IsInf(ll, 0) {
			return math.Inf(1)
		}
		return -ll / n
	}
	// Start from alpha near the mean observation length (the rate's scale), the rest at 1.
	var sumT float64
	for _, o := range obs {
		sumT += o.T
	}
	x, v := minimise(f, []float64{0, math.Log(math.Max(sumT/n, 1e-3)), 0, 0})
	p := bgnbdParams{math.Exp(x[0]), math.Exp(x[1]), math.Exp(x[2]), math.Exp(x[3])}
	return p, -v * n, nil
}

// fitGammaGamma: maximum likelihood over the logarithms of (p, q, gamma), on the repeat buyers.
func fitGammaGamma(obs []clvObs) (gammaGammaParams, int, error) {
	var buyers []clvObs
	var sum float64
	for _, o := range obs {
		if o.X > 0 && o.Spend > 0 {
			buyers = append(buyers, o)
			sum += o.Spend
		}
	}
	if len(buyers) < 2 {
		return gammaGammaParams{}, len(buyers), errTooFew
	}
	n := float64(len(buyers))
	objective := newGammaGammaObjective(buyers)
	f := func(v []float64) float64 {
		if outOfBounds(v) {
			return math.Inf(1)
		}
		ll := objective.logLik(gammaGammaParams{math.Exp(v[0]), math.Exp(v[1]), math.Exp(v[2])})
		if math.IsNaN(ll) || math.IsInf(ll, 0) {
			return math.Inf(1)
		}
		return -ll / n
	}
	x, _ := minimise(f, []float64{0, 0, math.Log(math.Max(sum/n, 1e-3))})
	return gammaGammaParams{math.Exp(x[0]), math.Exp(x[1]), math.Exp(x[2])}, len(buyers), nil
}

// hyp2f1 is Gauss's hypergeometric function 2F1(a, b; c; z) by its series, for 0 <= z < 1.
func hyp2f1(a, b, c, z float64) float64 {
	term, sum := 1.0, 1.0
	for k := 0.0; k < 200000; k++ {
		term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
		sum += term
		if math.Abs(term) <= 1e-15*math.Abs(sum) {
			break
		}
	}
	return sum
}

// pAlive: the probability that a customer with this history has not dropped out (FHL 2005, eq. 13).
// Under BG/NBD a customer who never bought again (x = 0) is taken as alive.
func (p bgnbdParams) pAlive(o clvObs) float64 {
	if o.X == 0 {
		return 1
	}
	return 1 / (1 + p.A/(p.B+o.X-1)*math.Pow((p.Alpha+o.T)/(p.Alpha+o.Tx), p.R+o.X))
}

// expected: the expected number of purchases in the next t weeks (FHL 2005, eq. 10).
func (p bgnbdParams) expected(o clvObs, t float64) float64 {
	if t <= 0 {
		return 0
	}
	r, alpha, a, b := p.R, p.Alpha, p.A, p.B
	x := o.X
	c := a + b + x - 1
	z := t / (alpha + o.T + t)
	head := c / (a - 1)
	body := 1 - math.Pow((alpha+o.T)/(alpha+o.T+t), r+x)*hyp2f1(r+x, b+x, c, z)
	den := 1.0
	if x > 0 {
		den += a / (b + x - 1) * math.Pow((alpha+o.T)/(alpha+o.Tx), r+x)
	}
	v := head * body / den
	if math.IsNaN(v) || v < 0 {
		return 0
	}
	return v
}

// expectedNew: the expected purchases of a new customer in t weeks (FHL 2005, eq. 9).
func (p bgnbdParams) expectedNew(t float64) float64 {
	r, alpha, a, b := p.R, p.Alpha, p.A, p.B
	return (a + b - 1) / (a - 1) * (1 - math.Pow(alpha/(alpha+t), r)*hyp2f1(r, b, a+b-1, t/(alpha+t)))
}

// spend: the expected value of this customer's future purchases (Gamma-Gamma's conditional mean: a
// weighted mean of the population's and the customer's own).
func (g gammaGammaParams) spend(o clvObs) float64 {
	if o.X <= 0 || o.Spend <= 0 {
		return g.populationMean()
	}
	return g.P * (g.Gamma + o.X*o.Spend) / (g.P*o.X + g.Q - 1)
}

// populationMean: the mean spend per purchase across customers (infinite when q <= 1).
func (g gammaGammaParams) populationMean() float64 {
	if g.Q <= 1 {
		return math.Inf(1)
	}
	return g.P * g.Gamma / (g.Q - 1)
}

const weeksPerYear = 365.25 / 7

// clvPrediction: one customer's predicted figures.
type clvPrediction struct {
	PAlive      float64
	Expected30  float64
	Expected90  float64
	Expected365 float64
	Spend       float64
	Value12m    float64
	// Lifetime: the discounted value of the next 10 years' purchases, by month.
	Lifetime float64
}

// predict: the figures for one customer, whose purchases are each worth spend (Gamma-Gamma's
// conditional mean, gammaGammaParams.spend); annualDiscount (e.g. 0.1) discounts the lifetime value,
// quarter by quarter over ten years (each quarter's expected purchases at its end's discount).
func predict(m bgnbdParams, o clvObs, spend, annualDiscount float64) clvPrediction {
	out := clvPrediction{
		PAlive:      m.pAlive(o),
		Expected30:  m.expected(o, 30/7.0),
		Expected90:  m.expected(o, 90/7.0),
		Expected365: m.expected(o, weeksPerYear),
		Spend:       spend,
	}
	out.Value12m = out.Expected365 * spend
	quarterly := math.Pow(1+annualDiscount, 0.25) - 1
	prev := 0.0
	discount := 1.0
	for i := 1; i <= 40; i++ {
		cum := out.Expected365
		if i != 4 {
			cum = m.expected(o, float64(i)*weeksPerYear/4)
		}
		discount /= 1 + quarterly
		out.Lifetime += (cum - prev) * spend * discount
		prev = cum
	}
	return out
}
