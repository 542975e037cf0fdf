// GET /api/crm/search/orders (the global search's order numbers): staff only; a prefix of the number
// as typed or in capitals; newest first, at most 10; orders of customers the caller may not view (a
// colleague's, a deleted one) are left out; bad input names q.
import { beforeAll, describe, expect, it } from 'vitest';
import type PocketBase from 'pocketbase';
import { signIn, staff, url } from './helpers';

type Found = { orders: { order_id: string; customer: string; time: string; total: number; items: number }[] };
const pb = {} as Record<'owner' | 'manager' | 'sales' | 'sales2' | 'agent', PocketBase>;
const run = Math.random().toString(36).slice(2, 7).toUpperCase();
const NOW = Date.now();
const DAY = 86_400_000;
const search = (p: PocketBase, q: string) => p.send<Found>(`/api/crm/search/orders?q=${encodeURIComponent(q)}`, {});
const ids = (f: Found) => f.orders.map((o) => o.order_id);

beforeAll(async () => {
	for (const k of ['owner', 'manager', 'sales', 'sales2', 'agent'] as const) pb[k] = await signIn(k);
	const rows = [
		{ row: 2, order_id: `SO${run}-1`, customer_id: `srch-${run}-a`, name: '搜索顾客甲', time: NOW - 30 * DAY, total: 120.5 },
		{ row: 3, order_id: `SO${run}-2`, customer_id: `srch-${run}-a`, name: '搜索顾客甲', time: NOW - 3 * DAY, total: 80 },
		{ row: 4, order_id: `SO${run}-3`, customer_id: `srch-${run}-b`, name: '搜索顾客乙', time: NOW - DAY, total: 42 },
		{ row: 5, order_id: `SO${run}-4`, customer_id: `srch-${run}-c`, name: '搜索顾客丙', time: NOW - 2 * DAY, total: 9 },
		...Array.from({ length: 12 }, (_, i) => ({ row: 6 + i, order_id: `SX${run}-${i}`, customer_id: `srch-${run}-a`, name: '搜索顾客甲', time: NOW - (40 + i) * DAY, total: 1 }))
	];
	await pb.manager.send('/api/crm/orders/import', { method: 'POST', body: { rows } });
	const owners = { a: staff('sales').id, b: staff('sales2').id, c: staff('sales').id };
	for (const [k, owner] of Object.entries(owners)) {
		const [c] = await pb.owner.collection('customers').getFullList({ filter: `external_id = "srch-${run}-${k}"` });
		await pb.owner.collection('customers').update(c.id, k === 'c' ? { owner, deleted: true } : { owner });
	}
});

describe('order number search', () => {
	it('finds a prefix, as typed or in capitals, newest first, only of customers the caller may view', async () => {
		expect(ids(await search(pb.manager, `SO${run}`))).toEqual([`SO${run}-3`, `SO${run}-2`, `SO${run}-1`]);
		expect(ids(await search(pb.owner, `so${run.toLowerCase()}-2`))).toEqual([`SO${run}-2`]);
		expect(ids(await search(pb.sales, `SO${run}`))).toEqual([`SO${run}-2`, `SO${run}-1`]);
		expect(ids(await search(pb.sales2, `SO${run}`))).toEqual([`SO${run}-3`]);
		expect(ids(await search(pb.agent, `SO${run}`))).toEqual([]);
		const [a] = (await search(pb.sales, `SO${run}-2`)).orders;
		const [c] = await pb.sales.collection('customers').getFullList({ filter: `external_id = "srch-${run}-a"` });
		expect(a).toMatchObject({ customer: c.id, total: 80 });
		expect(Date.parse(a.time)).toBeGreaterThan(NOW - 4 * DAY);
		expect((await search(pb.manager, `SX${run}`)).orders).toHaveLength(10);
	});

	it('refuses guests and shoppers, and a query too short or too long, naming q', async () => {
		expect((await fetch(`${url()}/api/crm/search/orders?q=SO${run}`)).status).toBe(401);
		for (const q of ['', 'S1', 'x'.repeat(65)]) {
			await expect(search(pb.manager, q), q).rejects.toMatchObject({ status: 400, response: { data: { q: { code: 'invalid_length' } } } });
		}
	});
});
