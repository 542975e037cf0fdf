// A shop's order history on its first day (issue 15, item 1): POST /api/crm/events?backfill=1 with a
// server key takes events of any past date (from 2000 on), on a rate budget of its own, idempotent as
// live ingestion is. The same history sent before, after, or mixed with the live events gives every
// customer the same figures.
import { beforeAll, expect, it } from 'vitest';
import type PocketBase from 'pocketbase';
import { signIn, url } from './helpers';

let owner: PocketBase;
let serverKey: string;
const run = Math.random().toString(36).slice(2, 8);
const DAY = 86400_000;
const NOW = Date.now(); // one clock for the three copies of the history

async function post(events: unknown[], opts: { key?: string; backfill?: boolean } = {}) {
	const res = await fetch(`${url()}/api/crm/events${opts.backfill ? '?backfill=1' : ''}`, {
		method: 'POST',
		headers: { authorization: `Bearer ${opts.key ?? serverKey}`, 'content-type': 'application/json' },
		body: JSON.stringify(events)
	});
	return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
	owner = await signIn('owner');
	serverKey = (await owner.send('/api/crm/shop-sources', { method: 'POST', body: { name: `backfill ${run}`, kind: 'server' } })).key;
});

/** Two years of three shoppers: purchases and a refund beyond the live window, and recent ones. */
function history(prefix: string): { old: Record<string, unknown>[]; recent: Record<string, unknown>[] } {
	const at = (days: number) => NOW - days * DAY;
	const old: Record<string, unknown>[] = [];
	const recent: Record<string, unknown>[] = [];
	for (const [who, orders] of [
		['a', [700, 520, 30]],
		['b', [650, 410]],
		['c', [20, 5]]
	] as const) {
		const customer_id = `${prefix}-${who}-${run}`;
		const list = (orders as readonly number[]).map((days, i) => ({
			id: `${prefix}-${who}-o${i}-${run}`,
			type: 'purchase',
			time: at(days),
			customer_id,
			order_id: `${prefix}-${who}-${i}-${run}`,
			total: 100 + i * 37.5,
			items: [{ product_id: `p${i}`, price: 100 + i * 37.5, quantity: 1 }]
		}));
		list.unshift({ id: `${prefix}-${who}-id-${run}`, type: 'identify', time: at(orders[0] + 1), customer_id, traits: { name: `回填顾客${who}` } } as never);
		for (const e of list) ((e.time as number) < NOW - 400 * DAY ? old : recent).push(e);
	}
	old.push({ id: `${prefix}-a-r-${run}`, type: 'refund', time: at(500), customer_id: `${prefix}-a-${run}`, order_id: `${prefix}-a-0-${run}`, total: 20 });
	return { old, recent };
}

/** What the CRM holds about a shop customer, without ids and write times. */
async function figures(ext: string) {
	const [c] = await owner.collection('customers').getFullList({ filter: `external_id = "${ext}"` });
	if (!c) return null;
	const [s] = await owner.collection('customer_stats').getFullList({ filter: `customer = "${c.id}"` });
	const data = await owner.send(`/api/crm/customers/${c.id}/personal-data`, {});
	const orders = (data.orders as { order_id: string; ts: number; total: number; refunded: number; purchased: number }[])
		.map((o) => ({ order: o.order_id.split('-').slice(1, 3).join('-'), ts: o.ts, total: o.total, refunded: o.refunded, purchased: o.purchased }))
		.sort((x, y) => x.ts - y.ts);
	return {
		name: c.name,
		stats: { first_seen: s.first_seen, last_seen: s.last_seen, order_count: s.order_count, total_spend: s.total_spend, avg_order: s.avg_order, last_order_at: s.last_order_at },
		orders
	};
}

it('a live batch refuses history with a hint; a browser key may not backfill', async () => {
	const { old } = history('refuse');
	const live = await post(old);
	expect(live.status).toBe(422);
	expect(live.body.rejected[0]).toMatchObject({ field: 'time', code: 'time_out_of_range' });
	expect(live.body.rejected[0].message).toContain('?backfill=1');
	const browserKey = (await owner.send('/api/crm/shop-sources', { method: 'POST', body: { name: `browser ${run}`, kind: 'browser' } })).key;
	expect(await post(old, { key: browserKey, backfill: true })).toMatchObject({ status: 403, body: { code: 'backfill_needs_server_key' } });
	const tooOld = await post([{ ...old[0], id: `y1999-${run}`, time: Date.UTC(1999, 11, 31) }], { backfill: true });
	expect(tooOld).toMatchObject({ status: 422, body: { rejected: [{ code: 'time_out_of_range' }] } });
});

it('history imports once, and gives the same figures sent first, last or mixed with the live events', async () => {
	const orders = ['first', 'last', 'mixed'] as const;
	for (const how of orders) {
		const { old, recent } = history(how);
		if (how === 'first') {
			expect((await post(old, { backfill: true })).body.rejected).toEqual([]);
			expect((await post(recent)).body.rejected).toEqual([]);
		} else if (how === 'last') {
			expect((await post(recent)).body.rejected).toEqual([]);
			expect((await post(old, { backfill: true })).body.rejected).toEqual([]);
		} else {
			const all = [...old, ...recent].sort((x, y) => String(x.id).localeCompare(String(y.id)));
			for (let i = 0; i < all.length; i += 3) expect((await post(all.slice(i, i + 3), { backfill: true })).body.rejected).toEqual([]);
		}
		// A second import of the same file changes nothing.
		expect((await post(old, { backfill: true })).body).toMatchObject({ accepted: 0, duplicates: old.length });
	}
	for (const who of ['a', 'b', 'c']) {
		const [first, last, mixed] = await Promise.all(orders.map((how) => figures(`${how}-${who}-${run}`)));
		expect(first, who).not.toBeNull();
		expect(last, who).toEqual(first);
		expect(mixed, who).toEqual(first);
	}
	// The history counts: a's first order, 700 days ago, less its refund.
	const a = (await figures(`first-a-${run}`))!;
	expect(a.stats.order_count).toBe(3);
	expect(a.orders[0]).toMatchObject({ total: 100, refunded: 20 });
	expect(a.stats.total_spend).toBe(100 - 20 + 137.5 + 175);
});

it('a history import has its own rate budget and leaves the live one untouched', async () => {
	const key = (await owner.send('/api/crm/shop-sources', { method: 'POST', body: { name: `budget ${run}`, kind: 'server', rate_limit: 10 } })).key;
	const many = Array.from({ length: 60 }, (_, i) => ({ id: `budget-${i}-${run}`, type: 'page_view', time: Date.now() - 500 * DAY + i, anonymous_id: `budget-anon-${run}` }));
	expect((await post(many, { key, backfill: true })).body).toMatchObject({ accepted: 60 });
	const live = Array.from({ length: 9 }, (_, i) => ({ id: `budget-live-${i}-${run}`, type: 'page_view', time: Date.now(), anonymous_id: `budget-anon-${run}` }));
	expect((await post(live, { key })).body).toMatchObject({ accepted: 9 });
});

it('money is rounded one way everywhere: 42.285 is 42.29 in an order, the average order and the dashboard', async () => {
	const ext = `round-${run}`;
	const t0 = NOW - 3 * DAY;
	const sent = await post([
		{ id: `round-id-${run}`, type: 'identify', time: t0 - 1000, customer_id: ext, traits: { name: '四舍五入' } },
		// 42.285 and 1.005 lie just under the half as binary floats: half-up on the decimal amount
		{ id: `round-1-${run}`, type: 'purchase', time: t0, customer_id: ext, order_id: `round-o1-${run}`, total: 42.285 },
		{ id: `round-2-${run}`, type: 'purchase', time: t0 + 1000, customer_id: ext, order_id: `round-o2-${run}`, total: 42.28 },
		{ id: `round-3-${run}`, type: 'purchase', time: t0 + 2000, customer_id: `${ext}-b`, order_id: `round-o3-${run}`, total: 1.005 }
	]);
	expect(sent.status).toBe(200);
	const f = await figures(ext);
	expect(f!.orders.map((o) => o.total)).toEqual([42.29, 42.28]);
	expect(f!.stats.total_spend).toBe(84.57);
	// 84.57 / 2 = 42.285: the average order is 42.29, as the order itself was rounded (SQLite's round() said 42.28)
	expect(f!.stats.avg_order).toBe(42.29);
	expect((await figures(`${ext}-b`))!.stats.total_spend).toBe(1.01);
});
