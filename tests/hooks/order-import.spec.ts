// POST /api/crm/orders/import (server/orderimport.go; issue 15, item 1): a shop's order history from a
// file, as the app sends it after reading and mapping the columns. Managers and admins only; a dry run
// writes nothing; one bad row and nothing of the request is stored, every bad row named by row and
// column; the orders count in the customer's figures as if the shop had sent them; a file imported
// again, or an order the shop had sent through the API, is counted once.
import { beforeAll, describe, expect, it } from 'vitest';
import type PocketBase from 'pocketbase';
import { signIn, url } from './helpers';

let manager: PocketBase;
let owner: PocketBase;
let sales: PocketBase;
let agent: PocketBase;
const run = Math.random().toString(36).slice(2, 8);
const DAY = 86_400_000;
const NOW = Date.now();

beforeAll(async () => {
	[manager, owner, sales, agent] = await Promise.all(['manager', 'owner', 'sales', 'agent'].map((k) => signIn(k)));
});

const importRows = (pb: PocketBase, rows: unknown[], dryRun = false) => pb.send('/api/crm/orders/import', { method: 'POST', body: { rows, dry_run: dryRun } });

async function figures(ext: string) {
	const [c] = await owner.collection('customers').getFullList({ filter: `external_id = "${ext}"` });
	if (!c) return null;
	const [s] = await owner.collection('customer_stats').getFullList({ filter: `customer = "${c.id}"` });
	return { name: c.name, order_count: s?.order_count, total_spend: s?.total_spend };
}

describe('order history import', () => {
	const rows = [
		{ row: 2, order_id: `imp-${run}-1`, customer_id: `imp-${run}-a`, name: '导入顾客甲', time: NOW - 700 * DAY, total: 120.5 },
		{ row: 3, order_id: `imp-${run}-2`, customer_id: `imp-${run}-a`, name: '导入顾客甲', time: NOW - 300 * DAY, total: 80, refunded: 30 },
		{ row: 4, order_id: `imp-${run}-3`, customer_id: `imp-${run}-b`, name: '', time: NOW - 20 * DAY, total: 42.285 }
	];

	it('only managers and admins import; bad input names the field', async () => {
		await expect(importRows(sales, rows)).rejects.toMatchObject({ status: 403 });
		await expect(importRows(agent, rows)).rejects.toMatchObject({ status: 403 });
		const res = await fetch(`${url()}/api/crm/orders/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows }) });
		expect(res.status).toBe(401);
		await expect(importRows(manager, [])).rejects.toMatchObject({ status: 400, response: { data: { rows: { code: 'invalid' } } } });
		const many = Array.from({ length: 2001 }, (_, i) => ({ ...rows[0], row: i + 2, order_id: `x${i}` }));
		await expect(importRows(manager, many)).rejects.toMatchObject({ status: 400 });
	});

	it('a dry run checks and writes nothing; one bad row and nothing of the request is stored', async () => {
		expect(await importRows(manager, rows, true)).toMatchObject({ dry_run: true, orders: 3 });
		expect(await figures(`imp-${run}-a`)).toBeNull();
		const bad = [
			...rows,
			{ row: 5, order_id: `imp-${run}-4`, customer_id: '', time: NOW, total: 5 },
			{ row: 6, order_id: `imp-${run}-1`, customer_id: 'x', time: NOW, total: 5 },
			{ row: 7, order_id: `imp-${run}-5`, customer_id: 'x', time: Date.UTC(1999, 0, 1), total: 5 },
			{ row: 8, order_id: `imp-${run}-6`, customer_id: 'x', time: NOW, total: -1 },
			{ row: 9, order_id: `imp-${run}-7`, customer_id: 'x', time: NOW, total: 5, refunded: 6 }
		];
		const refused = await importRows(manager, bad).catch((e) => e);
		expect(refused.status).toBe(422);
		expect(refused.response.problems.map((p: { row: number; field: string; code: string }) => `${p.row}:${p.field}:${p.code}`)).toEqual([
			'5:customer_id:required',
			'6:order_id:duplicate',
			'7:time:time_out_of_range',
			'8:total:invalid',
			'9:refunded:invalid'
		]);
		expect(await figures(`imp-${run}-a`)).toBeNull();
	});

	it('imported orders count as the shop had sent them; again, they count once', async () => {
		// One of the orders the shop had already sent through the API, with its own event id.
		const key = (await owner.send('/api/crm/shop-sources', { method: 'POST', body: { name: `import ${run}`, kind: 'server' } })).key;
		const api = await fetch(`${url()}/api/crm/events?backfill=1`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
			body: JSON.stringify([{ id: `api-${run}`, type: 'purchase', time: rows[2].time, customer_id: rows[2].customer_id, order_id: rows[2].order_id, total: 42.29 }])
		});
		expect(api.status).toBe(200);
		const first = await importRows(manager, rows);
		expect(first).toMatchObject({ orders: 3, already_recorded: 1 });
		expect(await figures(`imp-${run}-a`)).toEqual({ name: '导入顾客甲', order_count: 2, total_spend: 170.5 }); // 120.5 + 80 − 30
		expect(await figures(`imp-${run}-b`)).toMatchObject({ order_count: 1, total_spend: 42.29 });
		const again = await importRows(owner, rows);
		expect(again).toMatchObject({ orders: 3, already_recorded: 3, events: 0 });
		expect(await figures(`imp-${run}-a`)).toEqual({ name: '导入顾客甲', order_count: 2, total_spend: 170.5 });
		// The import is in the audit log, with who and how many.
		const log = await owner.send(`/api/crm/audit?${new URLSearchParams({ action: 'orders.import', actor: (manager.authStore.record as { id: string }).id })}`, {});
		expect(log.items[0]).toMatchObject({ action: 'orders.import' });
		expect(JSON.parse(log.items[0].detail)).toMatchObject({ orders: 3 });
	});
});
