// Every dashboard figure equals the same figure recomputed from the raw events (tests/fixtures/
// event-model.ts), also when the batches arrive shuffled, split differently, repeated, and with
// repeats inside a batch. Runs its own server: RFM quintiles are shop-wide, so no other test's
// customers may share it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import PocketBase from 'pocketbase';
import { seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { dayOf, EventModel, type RawEvent } from '../fixtures/event-model';
import { rng } from '../fixtures/demo-data';

const DAY = 86400000;
let server: RunningServer;
let owner: PocketBase;
let key: string;
let model: EventModel;
const NOW = Date.now();
const FROM = dayOf(NOW - 95 * DAY);
/** The end of a shop day (exclusive), in ms: shop days are UTC+8 (tests/fixtures/event-model.ts). */
const dayEndMs = (day: string) => Date.parse(`${day}T00:00:00Z`) + DAY - 8 * 3600_000;
const TO = dayOf(NOW);

/** A small shop: 40 customers, 25 anonymous visitors (10 of whom log in later), 9 products. */
function shopEvents(seed: number): RawEvent[] {
	const r = rng(seed);
	const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
	const products = Array.from({ length: 9 }, (_, i) => ({ product_id: `p${i}`, category: ['鞋', '包', '衣服'][i % 3], price: 10 + i * 7.5 }));
	const events: RawEvent[] = [];
	let n = 0;
	let order = 0;
	const id = () => `ev-${seed}-${n++}`;
	const session = (who: { anonymous_id?: string; customer_id?: string }, t: number, buy: boolean) => {
		events.push({ id: id(), type: 'page_view', time: t, ...who });
		const p = pick(products);
		events.push({ id: id(), type: 'product_view', time: t + 1000, ...who, product_id: p.product_id, category: p.category, price: p.price });
		if (r() < 0.6) events.push({ id: id(), type: 'add_to_cart', time: t + 2000, ...who, product_id: p.product_id, category: p.category, price: p.price });
		if (r() < 0.5) events.push({ id: id(), type: 'checkout_start', time: t + 3000, ...who });
		if (buy) {
			const q = 1 + Math.floor(r() * 3);
			const p2 = pick(products);
			const items = [
				{ product_id: p.product_id, category: p.category, price: p.price, quantity: q },
				{ product_id: p2.product_id, category: p2.category, price: p2.price, quantity: 1 }
			];
			const total = Math.round((p.price * q + p2.price) * 100) / 100;
			const order_id = `o-${seed}-${order++}`;
			events.push({ id: id(), type: 'purchase', time: t + 4000, ...who, order_id, total, items });
			if (r() < 0.15) events.push({ id: id(), type: 'refund', time: t + 5 * DAY, ...who, order_id, total: Math.round(total * 50) / 100 });
		}
	};
	for (let c = 0; c < 40; c++) {
		const visits = 1 + Math.floor(r() * 6);
		for (let v = 0; v < visits; v++) session({ customer_id: `cust-${seed}-${c}`, anonymous_id: `anon-c${seed}-${c}` }, NOW - Math.floor(r() * 90 * DAY) - 6 * DAY, r() < 0.5);
	}
	for (let a = 0; a < 25; a++) {
		const anon = `anon-${seed}-${a}`;
		const t = NOW - Math.floor(r() * 80 * DAY) - 8 * DAY;
		session({ anonymous_id: anon }, t, false);
		// Ten of them log in later (a day on): their earlier anonymous events count for the customer.
		if (a < 10) session({ anonymous_id: anon, customer_id: `late-${seed}-${a}` }, t + DAY, r() < 0.7);
	}
	return events;
}

async function post(body: unknown) {
	const res = await fetch(`${server.url}/api/crm/events`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
	return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
	server = await startServer();
	const { staff } = await seedStaff(server.url);
	owner = new PocketBase(server.url);
	await owner.collection('staff').authWithPassword(staff.owner.email, staff.owner.password);
	key = (await owner.send('/api/crm/shop-sources', { method: 'POST', body: { name: 'Agreement shop', kind: 'server' } })).key;

	const events = shopEvents(7);
	model = new EventModel(events);
	// Shuffled, in batches of 1-60, each batch with a repeat of one of its own events; then a third of
	// the batches sent again. Every answer must add up: nothing refused.
	const r = rng(99);
	const shuffled = [...events].sort(() => r() - 0.5);
	const batches: RawEvent[][] = [];
	for (let i = 0; i < shuffled.length;) {
		const size = 1 + Math.floor(r() * 60);
		const b = shuffled.slice(i, i + size);
		batches.push([...b, b[0]]);
		i += size;
	}
	let accepted = 0;
	for (const b of batches) {
		const res = await post(b);
		expect(res.status).toBe(200);
		expect(res.body.rejected).toEqual([]);
		accepted += res.body.accepted;
	}
	for (const b of batches.filter((_, i) => i % 3 === 0)) {
		const res = await post({ events: b });
		expect(res.body).toMatchObject({ accepted: 0, duplicates: b.length, rejected: [] });
	}
	expect(accepted).toBe(events.length);
}, 120_000);

afterAll(async () => {
	await server?.stop();
});

const stats = (name: string, query: Record<string, string> = {}) => owner.send(`/api/crm/stats/${name}`, { query: { from: FROM, to: TO, ...query } });

describe('statistics agree with a recomputation from the raw events', () => {
	it('overview: the whole range and a sub-range', async () => {
		for (const [from, to] of [
			[FROM, TO],
			[dayOf(NOW - 40 * DAY), dayOf(NOW - 20 * DAY)]
		]) {
			const got = await stats('overview', { from, to });
			const want = model.overview(from, to);
			for (const k of ['visitors', 'page_views', 'product_views', 'carts', 'checkouts', 'orders', 'buyers', 'repeat_buyers'] as const) {
				expect(got[k], k).toBe(want[k]);
			}
			for (const k of ['revenue', 'refunds', 'net_revenue'] as const) expect(got[k], k).toBeCloseTo(want[k], 2);
			expect(got.aov).toBeCloseTo(want.orders ? want.revenue / want.orders : 0, 2);
			expect(got.conversion).toBeCloseTo(want.visitors ? want.orders / want.visitors : 0, 4);
			expect(got.repeat_rate).toBeCloseTo(want.buyers ? want.repeat_buyers / want.buyers : 0, 4);
			expect(got.clv).toBeCloseTo(model.clv(to), 2);
		}
	});

	it('trends: every day of the range', async () => {
		const got = await stats('trends');
		const want = model.trends(FROM, TO);
		expect(got.days.map((d: { day: string }) => d.day)).toEqual(want.map((d) => d.day));
		for (let i = 0; i < want.length; i++) {
			expect(got.days[i].visitors, want[i].day).toBe(want[i].visitors);
			expect(got.days[i].orders, want[i].day).toBe(want[i].orders);
			expect(got.days[i].carts, want[i].day).toBe(want[i].carts);
			expect(got.days[i].product_views, want[i].day).toBe(want[i].product_views);
			expect(got.days[i].revenue, want[i].day).toBeCloseTo(want[i].revenue, 2);
		}
	});

	it('funnel: view, cart, checkout, purchase', async () => {
		const got = await stats('funnel');
		expect(got.steps.map((s: { count: number }) => s.count)).toEqual(model.funnel(FROM, TO));
		const sub = await stats('funnel', { from: dayOf(NOW - 30 * DAY) });
		expect(sub.steps.map((s: { count: number }) => s.count)).toEqual(model.funnel(dayOf(NOW - 30 * DAY), TO));
	});

	it('top products and categories', async () => {
		const got = await stats('products');
		const want = model.products(FROM, TO);
		expect(got.products.length).toBe(Math.min(10, want.size));
		for (const p of got.products) {
			const w = want.get(p.product_id)!;
			expect({ views: p.views, carts: p.carts, units: p.units }).toEqual({ views: w.views, carts: w.carts, units: w.units });
			expect(p.revenue).toBeCloseTo(w.revenue, 2);
		}
		const revenues = got.products.map((p: { revenue: number }) => p.revenue);
		expect(revenues).toEqual([...revenues].sort((a, b) => b - a));
		const unitsByCategory = new Map<string, number>();
		for (const [id, p] of want) unitsByCategory.set(['鞋', '包', '衣服'][Number(id.slice(1)) % 3], (unitsByCategory.get(['鞋', '包', '衣服'][Number(id.slice(1)) % 3]) ?? 0) + p.units);
		for (const c of got.categories) expect(c.units, c.category).toBe(unitsByCategory.get(c.category));
	});

	it('cohort retention by first-purchase month', async () => {
		const got = await stats('cohorts');
		const want = model.cohorts(FROM.slice(0, 7), TO.slice(0, 7));
		expect(got.cohorts).toEqual(want);
	});

	it('RFM: named segments, the R×F grid, and the scores written into customer_stats', async () => {
		const want = model.rfm();
		const got = await stats('rfm');
		expect(got.customers).toBe(want.size);
		for (const s of got.segments) expect(s.count, s.segment).toBe([...want.values()].filter((w) => w.segment === s.segment).length);
		const refreshed = await owner.send('/api/crm/stats/rfm/refresh', { method: 'POST' });
		expect(refreshed.changed).toBeGreaterThan(0);
		const customers = await owner.collection('customers').getFullList({ filter: 'source = "shop"' });
		const byId = new Map(customers.map((c) => [c.id, c.external_id as string]));
		const rows = await owner.collection('customer_stats').getFullList();
		const figures = model.customers();
		expect(rows.length).toBe(figures.size);
		for (const row of rows) {
			const ext = byId.get(row.customer)!;
			const f = figures.get(ext)!;
			expect(row.order_count, ext).toBe(f.orders);
			expect(row.total_spend, ext).toBeCloseTo(f.spend, 2);
			expect(Date.parse(row.last_seen.replace(' ', 'T')), ext).toBe(f.lastSeen);
			expect(Date.parse(row.first_seen.replace(' ', 'T')), ext).toBe(f.firstSeen);
			expect(
				row.recent_views.map((v: { product_id: string; at: number }) => ({ product_id: v.product_id, at: v.at })),
				ext
			).toEqual(model.recentViews(ext));
			const w = want.get(ext);
			expect({ r: row.rfm_r, f: row.rfm_f, m: row.rfm_m, segment: row.rfm_segment }, ext).toEqual(w ?? { r: 0, f: 0, m: 0, segment: '' });
		}
		// A second refresh changes nothing: only moved scores are written (devices pull only those).
		expect((await owner.send('/api/crm/stats/rfm/refresh', { method: 'POST' })).changed).toBe(0);
	});

	it('RFM as of an earlier moment or the end of an earlier range counts only the orders before it (issue 15, item 3)', async () => {
		const queries: Record<string, string>[] = [{ now: String(NOW - 40 * DAY) }, { from: dayOf(NOW - 80 * DAY), to: dayOf(NOW - 30 * DAY) }];
		for (const query of queries) {
			const asOf = query.now ? Number(query.now) + 1 : dayEndMs(query.to);
			const want = model.rfm(asOf);
			const all = model.rfm();
			expect(want.size, 'the moment leaves some customers out').toBeLessThan(all.size);
			const got = await stats('rfm', query);
			expect(got.customers, JSON.stringify(query)).toBe(want.size);
			for (const s of got.segments) expect(s.count, `${s.segment} ${JSON.stringify(query)}`).toBe([...want.values()].filter((w) => w.segment === s.segment).length);
			const grid = new Map<string, number>();
			for (const w of want.values()) grid.set(`${w.r}${w.f}`, (grid.get(`${w.r}${w.f}`) ?? 0) + 1);
			expect(Object.fromEntries(got.grid.map((g: { r: number; f: number; count: number }) => [`${g.r}${g.f}`, g.count]))).toEqual(Object.fromEntries(grid));
		}
	});

	it('a segment filter counts only its members (anonymous shoppers left out)', async () => {
		const customers = await owner.collection('customers').getFullList({ filter: 'source = "shop"', sort: 'external_id' });
		const chosen = customers.filter((_, i) => i % 3 === 0);
		const segment = await owner.collection('segments').create({ name: 'Every third', kind: 'static', members: chosen.map((c) => c.id), owner: owner.authStore.record!.id, shared: true });
		const members = new Set(chosen.map((c) => c.external_id as string));
		const overview = await stats('overview', { segment: segment.id });
		const want = model.overview(FROM, TO, members);
		for (const k of ['visitors', 'orders', 'carts', 'buyers', 'repeat_buyers'] as const) expect(overview[k], k).toBe(want[k]);
		expect(overview.revenue).toBeCloseTo(want.revenue, 2);
		expect(overview.clv).toBeCloseTo(model.clv(TO, members), 2);
		expect((await stats('funnel', { segment: segment.id })).steps.map((s: { count: number }) => s.count)).toEqual(model.funnel(FROM, TO, members));
		expect((await stats('cohorts', { segment: segment.id })).cohorts).toEqual(model.cohorts(FROM.slice(0, 7), TO.slice(0, 7), members));
		const trends = await stats('trends', { segment: segment.id });
		const wantDays = model.trends(FROM, TO, members);
		expect(trends.days.map((d: { visitors: number; orders: number }) => [d.visitors, d.orders])).toEqual(wantDays.map((d) => [d.visitors, d.orders]));
	});

	it("a customer's timeline: their latest events, earlier anonymous ones included", async () => {
		const [late] = await owner.collection('customers').getFullList({ filter: 'external_id = "late-7-0"' });
		const timeline = await owner.send(`/api/crm/customers/${late.id}/timeline`, {});
		const mine = model.events.filter((e) => model.person(e) === 'late-7-0');
		expect(timeline.events.length).toBe(Math.min(50, mine.length));
		expect(timeline.events.some((e: { id: string }) => mine.find((m) => m.id === e.id && !m.customer_id))).toBe(true);
		const times = timeline.events.map((e: { time: string }) => Date.parse(e.time));
		expect(times).toEqual([...times].sort((a, b) => b - a));
	});

	// Last: it adds events of its own, on a day before the others.
	it('a period with orders but no browsing has no conversion rate (not 200 %): null, and the day in the trends too', async () => {
		const t = NOW - 200 * DAY;
		const day = dayOf(t);
		const orders = [0, 1].map((i) => ({ id: `backend-${i}`, type: 'purchase', time: t + i * 1000, customer_id: `backend-${i}`, order_id: `backend-o${i}`, total: 50 }));
		expect((await post(orders)).body).toMatchObject({ accepted: 2, rejected: [] });
		const overview = await stats('overview', { from: day, to: day });
		expect(overview).toMatchObject({ orders: 2, page_views: 0, conversion: null });
		const trends = await stats('trends', { from: day, to: day });
		expect(trends.days).toMatchObject([{ day, orders: 2, conversion: null }]);
		// Where the shop did send browsing, the rate is there as before.
		expect(typeof (await stats('overview')).conversion).toBe('number');
	});
});
