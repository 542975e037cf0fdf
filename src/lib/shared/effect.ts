// Campaign effect (issue "Campaign effect"): what a campaign caused against its holdout, with a 95 %
// interval, and which campaign an order belongs to. Pure functions, used by the app's campaign screens
// from the server's sums; in the shared folder so the server's hooks could use them too
// (docs/campaign-effect.md explains the methods and the attribution rules).
//
// - Conversion: the difference of two proportions (treated minus holdout) with Newcombe's hybrid score
//   interval (his method 10, from two Wilson intervals): good coverage with small lists and rates near 0.
// - Revenue per recipient: the difference of two means with Welch's interval (unequal variances, the
//   Welch–Satterthwaite degrees of freedom), from counts, sums and sums of squares that the server keeps.
// - Incremental orders and revenue scale those differences to the treated group; ROI is incremental margin
//   minus cost, over cost, its interval from the revenue interval (a linear map of it).
// - The smallest detectable uplift at 80 % power for an audience and holdout, from a baseline rate.

/** z for a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;
/** z for 80 % power. */
export const Z80 = 0.8416212335729143;

export interface Interval {
	estimate: number;
	low: number;
	high: number;
}

/** Wilson's score interval for x successes in n (a proportion). */
export function wilson(x: number, n: number, z = Z95): Interval {
	if (n <= 0) return { estimate: 0, low: 0, high: 1 };
	const p = x / n;
	const z2 = z * z;
	const centre = (x + z2 / 2) / (n + z2);
	const half = (z / (n + z2)) * Math.sqrt((x * (n - x)) / n + z2 / 4);
	return { estimate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * p1 − p2 with Newcombe's hybrid score interval (Newcombe 1998, method 10): x1 of n1 treated converted,
 * x2 of n2 held out.
 */
export function newcombe(x1: number, n1: number, x2: number, n2: number, z = Z95): Interval {
	const a = wilson(x1, n1, z);
	const b = wilson(x2, n2, z);
	const d = a.estimate - b.estimate;
	const down = Math.sqrt((a.estimate - a.low) ** 2 + (b.high - b.estimate) ** 2);
	const up = Math.sqrt((a.high - a.estimate) ** 2 + (b.estimate - b.low) ** 2);
	return { estimate: d, low: Math.max(-1, d - down), high: Math.min(1, d + up) };
}

/** What the server keeps per group for a per-recipient amount (revenue): count, sum, sum of squares. */
export interface Moments {
	n: number;
	sum: number;
	sumSq: number;
}

function variance(m: Moments): number {
	if (m.n < 2) return 0;
	return Math.max(0, (m.sumSq - (m.sum * m.sum) / m.n) / (m.n - 1));
}

/** The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
	if (p <= 0) return -Infinity;
	if (p >= 1) return Infinity;
	const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
	const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
	const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
	const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
	const low = 0.02425;
	let x: number;
	if (p < low) {
		const q = Math.sqrt(-2 * Math.log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else if (p <= 1 - low) {
		const q = p - 0.5;
		const r = q * q;
		x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	} else {
		const q = Math.sqrt(-2 * Math.log(1 - p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	return x;
}

/**
 * Student's t quantile for df degrees of freedom (the Cornish–Fisher expansion around the normal
 * quantile; within 1e-3 of the exact value from df = 3 on, and the normal's beyond 1e6).
 */
export function tQuantile(p: number, df: number): number {
	const z = normalQuantile(p);
	if (!isFinite(df) || df > 1e6) return z;
	const v = Math.max(df, 1);
	const z2 = z * z;
	const g1 = (z2 * z + z) / 4;
	const g2 = (5 * z2 * z2 * z + 16 * z2 * z + 3 * z) / 96;
	const g3 = (3 * z2 * z2 * z2 * z + 19 * z2 * z2 * z + 17 * z2 * z - 15 * z) / 384;
	const g4 = (79 * z2 * z2 * z2 * z2 * z + 776 * z2 * z2 * z2 * z + 1482 * z2 * z2 * z - 1920 * z2 * z - 945 * z) / 92160;
	return z + g1 / v + g2 / v ** 2 + g3 / v ** 3 + g4 / v ** 4;
}

/** mean1 − mean2 with Welch's 95 % interval, from each group's moments. */
export function welch(treated: Moments, holdout: Moments): Interval & { df: number } {
	const m1 = treated.n ? treated.sum / treated.n : 0;
	const m2 = holdout.n ? holdout.sum / holdout.n : 0;
	const d = m1 - m2;
	if (treated.n < 2 || holdout.n < 2) return { estimate: d, low: -Infinity, high: Infinity, df: 0 };
	const a = variance(treated) / treated.n;
	const b = variance(holdout) / holdout.n;
	const se = Math.sqrt(a + b);
	if (se === 0) return { estimate: d, low: d, high: d, df: treated.n + holdout.n - 2 };
	const df = (a + b) ** 2 / ((a * a) / (treated.n - 1) + (b * b) / (holdout.n - 1));
	const t = tQuantile(0.975, df);
	return { estimate: d, low: d - t * se, high: d + t * se, df };
}

/** The moments of a list of per-recipient amounts (zeros included). */
export function moments(values: readonly number[]): Moments {
	let sum = 0;
	let sumSq = 0;
	for (const v of values) {
		sum += v;
		sumSq += v * v;
	}
	return { n: values.length, sum, sumSq };
}

/** One group's figures, as the server keeps them. */
export interface GroupFigures {
	/** Recipients in the group (treated: those messaged; holdout: those kept out). */
	recipients: number;
	/** Recipients who visited the shop within the window (the server's figures; not used by the statistics). */
	visited?: number;
	/** Recipients who bought within the attribution window. */
	converted: number;
	/** Orders within the window. */
	orders: number;
	/** Net revenue (after refunds) per recipient: count, sum, sum of squares. */
	revenue: Moments;
}

export interface Effect {
	conversion: { treated: number; holdout: number; uplift: Interval; relative: number | null };
	/**
	 * `enough`: at least MIN_BUYERS buyers in each group. With fewer, the revenue per recipient is a few
	 * orders' values and Welch's interval covers the truth too rarely (the simulation in effect.spec.ts:
	 * about 88 %); the screen then says there are too few buyers to tell, rather than show it.
	 */
	revenuePerRecipient: { treated: number; holdout: number; uplift: Interval; enough: boolean };
	incrementalConversions: Interval;
	incrementalRevenue: Interval;
	/** (incremental revenue × margin − cost) / cost; null without a cost. */
	roi: Interval | null;
	/** The interval excludes zero (for revenue: and there are enough buyers). */
	conclusive: { conversion: boolean; revenue: boolean };
}

/**
 * Treated against holdout: the uplifts with 95 % intervals, scaled to the treated group, and ROI.
 * `margin` is the share of revenue kept as margin (0–1); `cost` is the campaign's cost in money.
 */
export function effect(treated: GroupFigures, holdout: GroupFigures, margin: number, cost: number): Effect {
	const conv = newcombe(treated.converted, treated.recipients, holdout.converted, holdout.recipients);
	const rev = welch(treated.revenue, holdout.revenue);
	const n = treated.recipients;
	const scale = (i: Interval): Interval => ({ estimate: i.estimate * n, low: i.low * n, high: i.high * n });
	const incRevenue = scale(rev);
	const roi = cost > 0 ? { estimate: (incRevenue.estimate * margin - cost) / cost, low: (incRevenue.low * margin - cost) / cost, high: (incRevenue.high * margin - cost) / cost } : null;
	const holdoutRate = holdout.recipients ? holdout.converted / holdout.recipients : 0;
	const enough = treated.converted >= MIN_BUYERS && holdout.converted >= MIN_BUYERS;
	return {
		conversion: { treated: n ? treated.converted / n : 0, holdout: holdoutRate, uplift: conv, relative: holdoutRate > 0 ? conv.estimate / holdoutRate : null },
		revenuePerRecipient: { treated: n ? treated.revenue.sum / n : 0, holdout: holdout.recipients ? holdout.revenue.sum / holdout.recipients : 0, uplift: rev, enough },
		incrementalConversions: scale(conv),
		incrementalRevenue: incRevenue,
		roi,
		conclusive: { conversion: conv.low > 0 || conv.high < 0, revenue: enough && (rev.low > 0 || rev.high < 0) }
	};
}

/** Several campaigns' effect taken together (a channel's, an offer's): see pooled(). */
export interface PooledEffect {
	/** Campaigns pooled (those with recipients on both sides). */
	campaigns: number;
	treated: number;
	/** Buyers per treated recipient, and what it would have been without the campaigns. */
	conversion: { treated: number; without: number; uplift: Interval };
	incrementalConversions: Interval;
	incrementalRevenue: Interval;
	/** Buyers on each side over all the pooled campaigns (revenue is shown with MIN_BUYERS on each). */
	buyers: { treated: number; holdout: number };
	roi: Interval | null;
	conclusive: { conversion: boolean; revenue: boolean };
}

/**
 * The campaigns' effect taken together, each against its own holdout (a stratified estimate: their
 * treated and holdout groups are never mixed, so campaigns with different holdout shares or audiences
 * cannot bias it): the extra buyers Σ nᵢ(p_tᵢ − p_hᵢ) with the variance of each difference summed, the
 * rates from Agresti and Caffo's adjustment (one buyer and one non-buyer added to each side) so a side
 * with no buyers still counts its uncertainty; revenue likewise from each side's moments. Normal 95 %
 * intervals (many recipients). The seeded simulation in effect.spec.ts checks the coverage.
 */
export function pooled(list: readonly { treated: GroupFigures; holdout: GroupFigures; cost?: number }[], margin: number): PooledEffect {
	let n = 0;
	let inc = 0;
	let incVar = 0;
	let rev = 0;
	let revVar = 0;
	let convertedT = 0;
	let convertedH = 0;
	let cost = 0;
	let campaigns = 0;
	for (const { treated: t, holdout: h, cost: c } of list) {
		if (t.recipients < 1 || h.recipients < 1) continue;
		campaigns++;
		const nt = t.recipients;
		const nh = h.recipients;
		n += nt;
		convertedT += t.converted;
		convertedH += h.converted;
		cost += c ?? 0;
		inc += nt * (t.converted / nt - h.converted / nh);
		const at = (t.converted + 1) / (nt + 2);
		const ah = (h.converted + 1) / (nh + 2);
		incVar += nt * nt * ((at * (1 - at)) / (nt + 2) + (ah * (1 - ah)) / (nh + 2));
		const mt = t.revenue.n ? t.revenue.sum / t.revenue.n : 0;
		const mh = h.revenue.n ? h.revenue.sum / h.revenue.n : 0;
		rev += nt * (mt - mh);
		const vt = t.revenue.n > 1 ? variance(t.revenue) / t.revenue.n : 0;
		const vh = h.revenue.n > 1 ? variance(h.revenue) / h.revenue.n : 0;
		revVar += nt * nt * (vt + vh);
	}
	const around = (estimate: number, v: number): Interval => ({ estimate, low: estimate - Z95 * Math.sqrt(v), high: estimate + Z95 * Math.sqrt(v) });
	let incConv = around(inc, incVar);
	let incRev = around(rev, revVar);
	if (campaigns === 1) {
		// One campaign: its own intervals (Newcombe, Welch), the same figures as its page shows.
		const only = list.find((x) => x.treated.recipients >= 1 && x.holdout.recipients >= 1)!;
		const e = effect(only.treated, only.holdout, margin, 0);
		incConv = e.incrementalConversions;
		incRev = e.incrementalRevenue;
	}
	const per = (i: Interval): Interval => (n ? { estimate: i.estimate / n, low: i.low / n, high: i.high / n } : { estimate: 0, low: -Infinity, high: Infinity });
	const uplift = per(incConv);
	const enough = convertedT >= MIN_BUYERS && convertedH >= MIN_BUYERS;
	const rate = n ? convertedT / n : 0;
	return {
		campaigns,
		treated: n,
		conversion: { treated: rate, without: rate - uplift.estimate, uplift },
		incrementalConversions: incConv,
		incrementalRevenue: incRev,
		buyers: { treated: convertedT, holdout: convertedH },
		roi: cost > 0 ? { estimate: (incRev.estimate * margin - cost) / cost, low: (incRev.low * margin - cost) / cost, high: (incRev.high * margin - cost) / cost } : null,
		conclusive: { conversion: n > 0 && (uplift.low > 0 || uplift.high < 0), revenue: enough && (incRev.low > 0 || incRev.high < 0) }
	};
}

/** The share of revenue counted as margin for ROI until the shop sets its own. */
export const ASSUMED_MARGIN = 0.3;

/** The relative uplift in buyers (0.2 = 20 % more) a holdout should be able to detect. */
export const DETECTABLE_UPLIFT = 0.2;

/** Buyers needed in each group before the revenue interval is shown as meaningful. */
export const MIN_BUYERS = 5;

/**
 * The smallest absolute uplift in conversion that a test with `treated` and `holdout` recipients detects
 * at 80 % power (two-sided 5 %), when the baseline converts at `rate`.
 */
export function minimumDetectableUplift(rate: number, treated: number, holdout: number): number {
	if (treated <= 0 || holdout <= 0) return Infinity;
	const p = Math.min(Math.max(rate, 0), 1);
	return (Z95 + Z80) * Math.sqrt(p * (1 - p) * (1 / treated + 1 / holdout));
}

/** Holdout shares the editor offers, in percent. */
export const HOLDOUT_CHOICES = [5, 10, 15, 20, 25, 30, 40, 50] as const;

/**
 * The smallest holdout (percent of the audience) that detects a relative uplift of `target` (0.2 = 20 %
 * more conversions than the baseline) at 80 % power; null when even half the audience cannot.
 */
export function suggestHoldout(audience: number, rate: number, target = DETECTABLE_UPLIFT): number | null {
	if (audience <= 0 || rate <= 0) return null;
	for (const pct of HOLDOUT_CHOICES) {
		const holdout = Math.round((audience * pct) / 100);
		if (minimumDetectableUplift(rate, audience - holdout, holdout) <= rate * target) return pct;
	}
	return null;
}

// ---------------------------------------------------------------------------------------------
// Attribution

/** A touch of one customer by one campaign. */
export interface Touch {
	campaign: string;
	customer: string;
	/** click: a tracked link or an on-site click; exposure: delivered, shown or sent without a click. */
	kind: 'click' | 'exposure';
	time: number;
	/** The campaign's attribution window in days (default 7). */
	windowDays?: number;
}

export interface Order {
	id: string;
	customer: string;
	time: number;
	/** The coupon code the order carried, if any (any case). */
	coupon?: string;
}

export type AttributionRule = 'coupon' | 'click' | 'view_through';

export interface Attribution {
	order: string;
	campaign: string;
	rule: AttributionRule;
}

export const DEFAULT_WINDOW_DAYS = 7;
const DAY = 86_400_000;

/**
 * Which campaign each order belongs to (docs/campaign-effect.md): the campaign whose coupon it carries;
 * else the campaign last clicked within its window before the order; else, shown apart as view-through,
 * the campaign last seen within its window. Each order goes to one campaign at most, under one rule.
 * `coupons` maps a code (upper case) to its campaign.
 */
export function attribute(orders: readonly Order[], touches: readonly Touch[], coupons: ReadonlyMap<string, string>): Attribution[] {
	const byCustomer = new Map<string, Touch[]>();
	for (const t of touches) {
		const list = byCustomer.get(t.customer);
		if (list) list.push(t);
		else byCustomer.set(t.customer, [t]);
	}
	const out: Attribution[] = [];
	const seen = new Set<string>();
	for (const o of orders) {
		if (seen.has(o.id)) continue; // the same order delivered twice counts once
		seen.add(o.id);
		const code = o.coupon?.trim().toUpperCase();
		const byCoupon = code ? coupons.get(code) : undefined;
		if (byCoupon) {
			out.push({ order: o.id, campaign: byCoupon, rule: 'coupon' });
			continue;
		}
		const mine = byCustomer.get(o.customer) ?? [];
		const within = (t: Touch) => t.time <= o.time && o.time - t.time <= (t.windowDays ?? DEFAULT_WINDOW_DAYS) * DAY;
		const last = (kind: Touch['kind']) => {
			let best: Touch | undefined;
			for (const t of mine) if (t.kind === kind && within(t) && (!best || t.time > best.time || (t.time === best.time && t.campaign > best.campaign))) best = t;
			return best;
		};
		const click = last('click');
		if (click) {
			out.push({ order: o.id, campaign: click.campaign, rule: 'click' });
			continue;
		}
		const seenBy = last('exposure');
		if (seenBy) out.push({ order: o.id, campaign: seenBy.campaign, rule: 'view_through' });
	}
	return out;
}
