import { describe, expect, it } from 'vitest';
import { attribute, effect, minimumDetectableUplift, moments, newcombe, normalQuantile, pooled, suggestHoldout, tQuantile, welch, wilson, type GroupFigures, type Touch } from './effect';

/** A seeded random source (mulberry32): the simulation is the same on every run. */
function random(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

describe('quantiles and intervals against published values', () => {
	it('normal and t quantiles', () => {
		expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
		expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 6);
		expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
		// t tables: df 5 → 2.5706, 10 → 2.2281, 30 → 2.0423, 120 → 1.9799
		expect(tQuantile(0.975, 5)).toBeCloseTo(2.5706, 2);
		expect(tQuantile(0.975, 10)).toBeCloseTo(2.2281, 3);
		expect(tQuantile(0.975, 30)).toBeCloseTo(2.0423, 4);
		expect(tQuantile(0.975, 120)).toBeCloseTo(1.9799, 4);
	});

	it("Wilson and Newcombe's method 10 give the values of Newcombe (1998), table II", () => {
		// 56/70 against 48/80: difference 0.2, interval 0.0524 to 0.3339
		const d = newcombe(56, 70, 48, 80);
		expect(d.estimate).toBeCloseTo(0.2, 6);
		expect(d.low).toBeCloseTo(0.0524, 4);
		expect(d.high).toBeCloseTo(0.3339, 4);
		// 9/10 against 3/10: 0.6, interval 0.1705 to 0.8090
		const e = newcombe(9, 10, 3, 10);
		expect(e.low).toBeCloseTo(0.1705, 4);
		expect(e.high).toBeCloseTo(0.809, 3);
		// 0/10 against 0/20: 0, interval -0.1611 to 0.2775
		const z = newcombe(0, 10, 0, 20);
		expect(z.low).toBeCloseTo(-0.1611, 4);
		expect(z.high).toBeCloseTo(0.2775, 4);
		expect(wilson(0, 0)).toEqual({ estimate: 0, low: 0, high: 1 });
	});

	it('Welch from moments equals Welch from the values', () => {
		const a = [0, 0, 120, 0, 80, 0, 0, 300, 0, 0];
		const b = [0, 0, 0, 100, 0, 0, 0, 0];
		const w = welch(moments(a), moments(b));
		const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
		const vari = (v: number[]) => v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / (v.length - 1);
		const se = Math.sqrt(vari(a) / a.length + vari(b) / b.length);
		const df = (vari(a) / a.length + vari(b) / b.length) ** 2 / ((vari(a) / a.length) ** 2 / (a.length - 1) + (vari(b) / b.length) ** 2 / (b.length - 1));
		expect(w.estimate).toBeCloseTo(mean(a) - mean(b), 9);
		expect(w.df).toBeCloseTo(df, 9);
		expect(w.high - w.estimate).toBeCloseTo(tQuantile(0.975, df) * se, 9);
	});
});

describe('statistical honesty: a seeded simulation of campaigns with a known true uplift', () => {
	// 1,200 campaigns (enough that the rates below are known to about ±1 %): lists of 300 to 20,000 recipients, holdouts of 10-50 %, baseline conversion of 1-20 %,
	// and a true uplift of zero for a third of them, small for the rest.
	const rand = random(20261207);
	const gaussian = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
	const SIZES = [300, 400, 600, 1000, 2000, 5000, 20_000];
	const runs = Array.from({ length: 1200 }, (_, i) => {
		const size = SIZES[Math.floor(rand() * SIZES.length)];
		const holdoutShare = 0.1 + rand() * 0.4;
		const base = 0.01 + rand() * 0.19;
		const uplift = i % 3 === 0 ? 0 : base * (0.05 + rand() * 0.5);
		const holdoutN = Math.max(2, Math.round(size * holdoutShare));
		const treatedN = size - holdoutN;
		// Order values: log-normal around ¥200, the same in both groups (so the revenue uplift is the
		// conversion uplift times the mean order value).
		const orderValue = () => 200 * Math.exp(0.6 * gaussian() - 0.18);
		const group = (n: number, rate: number) => {
			const values: number[] = [];
			let converted = 0;
			for (let k = 0; k < n; k++) {
				if (rand() < rate) {
					converted++;
					values.push(orderValue());
				} else values.push(0);
			}
			return { recipients: n, converted, orders: converted, revenue: moments(values) };
		};
		const treated = group(treatedN, base + uplift);
		const holdout = group(holdoutN, base);
		return { uplift, revenueUplift: uplift * 200, size, e: effect(treated, holdout, 0.3, 0) };
	});

	it('the conversion interval covers the true uplift in 93-97 % of campaigns', () => {
		const covered = runs.filter((r) => r.e.conversion.uplift.low <= r.uplift && r.uplift <= r.e.conversion.uplift.high).length / runs.length;
		expect(covered).toBeGreaterThanOrEqual(0.93);
		expect(covered).toBeLessThanOrEqual(0.97);
	});

	it('a zero-uplift campaign is called conclusive in about 5 % of cases at most', () => {
		const zero = runs.filter((r) => r.uplift === 0);
		expect(zero.length).toBeGreaterThanOrEqual(400);
		const falsePositive = zero.filter((r) => r.e.conclusive.conversion).length / zero.length;
		expect(falsePositive).toBeLessThanOrEqual(0.075);
	});

	it('the revenue-per-recipient interval covers the true uplift in 93-97 % of the campaigns with enough buyers to show it', () => {
		const shown = runs.filter((r) => r.e.revenuePerRecipient.enough);
		// the small lists with rare buyers are the ones left out, not most campaigns
		expect(shown.length).toBeGreaterThanOrEqual(runs.length * 0.8);
		const covered = shown.filter((r) => r.e.revenuePerRecipient.uplift.low <= r.revenueUplift && r.revenueUplift <= r.e.revenuePerRecipient.uplift.high).length / shown.length;
		expect(covered).toBeGreaterThanOrEqual(0.93);
		expect(covered).toBeLessThanOrEqual(0.97);
		// and a zero uplift is not called conclusive on revenue more than about 5 % of the time
		const zero = shown.filter((r) => r.uplift === 0);
		expect(zero.filter((r) => r.e.conclusive.revenue).length / zero.length).toBeLessThanOrEqual(0.075);
	});
});

describe('incremental figures, ROI and the smallest detectable uplift', () => {
	it('scales the uplift to the treated group; ROI is incremental margin less cost, over cost', () => {
		const treated = { recipients: 1000, converted: 60, orders: 70, revenue: { n: 1000, sum: 12_000, sumSq: 12_000 * 200 * 1.4 } };
		const holdout = { recipients: 1000, converted: 40, orders: 45, revenue: { n: 1000, sum: 8_000, sumSq: 8_000 * 200 * 1.4 } };
		const e = effect(treated, holdout, 0.3, 500);
		expect(e.conversion.uplift.estimate).toBeCloseTo(0.02, 9);
		expect(e.incrementalConversions.estimate).toBeCloseTo(20, 9);
		expect(e.incrementalRevenue.estimate).toBeCloseTo(4000, 6);
		expect(e.roi!.estimate).toBeCloseTo((4000 * 0.3 - 500) / 500, 9);
		expect(e.roi!.low).toBeCloseTo((e.incrementalRevenue.low * 0.3 - 500) / 500, 9);
		expect(e.conversion.relative).toBeCloseTo(0.5, 9);
		expect(effect(treated, holdout, 0.3, 0).roi).toBeNull();
	});

	it('the smallest detectable uplift shrinks with the list; a holdout is suggested where one suffices', () => {
		const small = minimumDetectableUplift(0.05, 900, 100);
		const large = minimumDetectableUplift(0.05, 90_000, 10_000);
		expect(small).toBeGreaterThan(large * 9.9);
		expect(large).toBeCloseTo(2.8016 * Math.sqrt(0.05 * 0.95 * (1 / 90_000 + 1 / 10_000)), 4);
		expect(suggestHoldout(100_000, 0.05)).toBe(5);
		expect(suggestHoldout(200, 0.05)).toBeNull();
		const mid = suggestHoldout(20_000, 0.05)!;
		expect(mid).toBeGreaterThan(5);
		const h = Math.round((20_000 * mid) / 100);
		expect(minimumDetectableUplift(0.05, 20_000 - h, h)).toBeLessThanOrEqual(0.01);
	});
});

describe('attribution', () => {
	const DAY = 86_400_000;
	const t0 = Date.UTC(2026, 10, 1);
	const coupons = new Map([['SAVE20', 'c-coupon']]);
	const touch = (campaign: string, kind: Touch['kind'], days: number, windowDays?: number): Touch => ({ campaign, customer: 'u1', kind, time: t0 + days * DAY, windowDays });

	it('a coupon beats a click, and a click beats an exposure', () => {
		const touches = [touch('c-click', 'click', 1), touch('c-seen', 'exposure', 2)];
		expect(attribute([{ id: 'o1', customer: 'u1', time: t0 + 3 * DAY, coupon: 'save20' }], touches, coupons)).toEqual([{ order: 'o1', campaign: 'c-coupon', rule: 'coupon' }]);
		expect(attribute([{ id: 'o2', customer: 'u1', time: t0 + 3 * DAY }], touches, coupons)).toEqual([{ order: 'o2', campaign: 'c-click', rule: 'click' }]);
		expect(attribute([{ id: 'o3', customer: 'u1', time: t0 + 3 * DAY }], [touch('c-seen', 'exposure', 2)], coupons)).toEqual([{ order: 'o3', campaign: 'c-seen', rule: 'view_through' }]);
	});

	it('a purchase outside the window counts for nothing; a window set per campaign is used', () => {
		expect(attribute([{ id: 'o1', customer: 'u1', time: t0 + 8 * DAY }], [touch('c', 'click', 0)], coupons)).toEqual([]);
		expect(attribute([{ id: 'o1', customer: 'u1', time: t0 + 8 * DAY }], [touch('c', 'click', 0, 14)], coupons)).toEqual([{ order: 'o1', campaign: 'c', rule: 'click' }]);
		// nor one before the touch
		expect(attribute([{ id: 'o1', customer: 'u1', time: t0 }], [touch('c', 'click', 1)], coupons)).toEqual([]);
	});

	it('two campaigns clicked before one order count it once, for the last; a repeated order counts once', () => {
		const touches = [touch('first', 'click', 1), touch('second', 'click', 2), touch('second', 'exposure', 2)];
		const order = { id: 'o1', customer: 'u1', time: t0 + 3 * DAY };
		expect(attribute([order, order], touches, coupons)).toEqual([{ order: 'o1', campaign: 'second', rule: 'click' }]);
	});
});

describe('campaigns taken together (a channel, an offer): a seeded simulation', () => {
	// 600 pools of 2 to 8 campaigns each, of 300 to 5,000 recipients, holdouts of 5-50 %, baselines of
	// 1-15 %; a third of the pools have no effect anywhere, the rest a different small uplift per campaign.
	const rand = random(20261208);
	const gaussian = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
	const SIZES = [300, 500, 1000, 2000, 5000];
	const group = (n: number, rate: number): GroupFigures => {
		const values: number[] = [];
		let converted = 0;
		for (let k = 0; k < n; k++) {
			if (rand() < rate) {
				converted++;
				values.push(150 * Math.exp(0.5 * gaussian() - 0.125));
			} else values.push(0);
		}
		return { recipients: n, converted, orders: converted, revenue: moments(values) };
	};
	const pools = Array.from({ length: 600 }, (_, i) => {
		const k = 2 + Math.floor(rand() * 7);
		const none = i % 3 === 0;
		let trueInc = 0;
		let trueRev = 0;
		let treatedN = 0;
		const list = Array.from({ length: k }, () => {
			const size = SIZES[Math.floor(rand() * SIZES.length)];
			const hn = Math.max(2, Math.round(size * (0.05 + rand() * 0.45)));
			const tn = size - hn;
			const base = 0.01 + rand() * 0.14;
			const uplift = none ? 0 : base * rand() * 0.4;
			trueInc += tn * uplift;
			trueRev += tn * uplift * 150;
			treatedN += tn;
			return { treated: group(tn, base + uplift), holdout: group(hn, base), cost: 100 };
		});
		return { none, uplift: trueInc / treatedN, trueRev, p: pooled(list, 0.3) };
	});

	it('the pooled uplift interval covers the truth in 93-97 %; no effect is called conclusive in about 5 % at most', () => {
		const covered = pools.filter((x) => x.p.conversion.uplift.low <= x.uplift && x.uplift <= x.p.conversion.uplift.high).length / pools.length;
		expect(covered).toBeGreaterThanOrEqual(0.93);
		expect(covered).toBeLessThanOrEqual(0.97);
		const zero = pools.filter((x) => x.none);
		expect(zero.filter((x) => x.p.conclusive.conversion).length / zero.length).toBeLessThanOrEqual(0.075);
	});

	it('the pooled extra revenue interval covers the truth in 93-97 % of pools with enough buyers', () => {
		const shown = pools.filter((x) => x.p.buyers.treated >= 5 && x.p.buyers.holdout >= 5);
		expect(shown.length).toBeGreaterThanOrEqual(pools.length * 0.9);
		const covered = shown.filter((x) => x.p.incrementalRevenue.low <= x.trueRev && x.trueRev <= x.p.incrementalRevenue.high).length / shown.length;
		expect(covered).toBeGreaterThanOrEqual(0.93);
		expect(covered).toBeLessThanOrEqual(0.97);
	});

	it('one campaign alone: the same estimate as effect(); campaigns without a holdout are left out; the ROI counts every cost', () => {
		const t = { recipients: 1000, converted: 60, orders: 60, revenue: { n: 1000, sum: 9000, sumSq: 9000 * 300 } };
		const h = { recipients: 500, converted: 20, orders: 20, revenue: { n: 500, sum: 3000, sumSq: 3000 * 300 } };
		const one = pooled(
			[
				{ treated: t, holdout: h, cost: 200 },
				{ treated: t, holdout: { ...h, recipients: 0, converted: 0, revenue: { n: 0, sum: 0, sumSq: 0 } }, cost: 999 }
			],
			0.3
		);
		const e = effect(t, h, 0.3, 200);
		expect(one.campaigns).toBe(1);
		expect(one.conversion.uplift.estimate).toBeCloseTo(e.conversion.uplift.estimate, 12);
		// its own interval, as on its page
		expect(one.conversion.uplift.low).toBeCloseTo(e.conversion.uplift.low, 12);
		expect(one.incrementalRevenue.high).toBeCloseTo(e.incrementalRevenue.high, 9);
		expect(one.incrementalRevenue.estimate).toBeCloseTo(e.incrementalRevenue.estimate, 9);
		expect(one.conversion.without).toBeCloseTo(0.04, 12);
		expect(one.roi!.estimate).toBeCloseTo((3000 * 0.3 - 200) / 200, 9);
		expect(pooled([], 0.3)).toMatchObject({ campaigns: 0, treated: 0, roi: null, conclusive: { conversion: false, revenue: false } });
	});
});
