// SIGKILL the server during continuous ingestion, 20 times: every event answered with 200 is stored
// exactly once, and the rollups equal a recomputation from the stored raw events. Clients re-send
// what was not answered (as tracker.js and a shop's back end do), so replays happen across kills.
import { afterAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PocketBase from 'pocketbase';
import { SERVER_BIN, removeDataDir, seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { dayOf, EventModel, type RawEvent } from '../fixtures/event-model';
import { rng } from '../fixtures/demo-data';

const KILLS = 20;
const DAY = 86400000;
const dataDir = mkdtempSync(join(tmpdir(), 'crm-sigkill-'));
let server: RunningServer | undefined;

afterAll(async () => {
	await server?.stop({ keepData: true });
	removeDataDir(dataDir);
});

/** Batch k: 40 events of a few shoppers; anonymous ids belong to one customer each. */
function batch(k: number): RawEvent[] {
	const r = rng(1000 + k);
	const out: RawEvent[] = [];
	const now = Date.now();
	for (let i = 0; i < 40; i++) {
		const c = Math.floor(r() * 60);
		const who = r() < 0.3 ? { anonymous_id: `sk-anon-${c}` } : { anonymous_id: `sk-anon-${c}`, customer_id: `sk-cust-${c}` };
		const t = now - Math.floor(r() * 60 * DAY);
		const p = `p${Math.floor(r() * 12)}`;
		const kind = r();
		const id = `sk-${k}-${i}`;
		if (kind < 0.35) out.push({ id, type: 'page_view', time: t, ...who });
		else if (kind < 0.65) out.push({ id, type: 'product_view', time: t, ...who, product_id: p, category: `c${p.length}` });
		else if (kind < 0.8) out.push({ id, type: 'add_to_cart', time: t, ...who, product_id: p });
		else if (kind < 0.9) out.push({ id, type: 'checkout_start', time: t, ...who });
		else {
			const price = 5 + Math.floor(r() * 100);
			out.push({ id, type: 'purchase', time: t, ...who, order_id: `sk-o-${k}-${i}`, total: price * 2, items: [{ product_id: p, price, quantity: 2 }] });
		}
	}
	return out;
}

it(`keeps every acknowledged event exactly once across ${KILLS} SIGKILLs`, async () => {
	server = await startServer({ dataDir });
	const { staff } = await seedStaff(server.url);
	const owner = new PocketBase(server.url);
	await owner.collection('staff').authWithPassword(staff.owner.email, staff.owner.password);
	const key = (await owner.send('/api/crm/shop-sources', { method: 'POST', body: { name: 'kill test', kind: 'server', rate_limit: 10_000_000 } })).key;

	const acked = new Set<string>();
	const unanswered: number[] = [];
	let next = 0;
	let kills = 0;
	const r = rng(5);
	while (kills < KILLS) {
		const base = server.url;
		let stop = false;
		const client = async () => {
			while (!stop) {
				const k = unanswered.length && r() < 0.5 ? unanswered.shift()! : next++;
				try {
					const res = await fetch(`${base}/api/crm/events`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify(batch(k)) });
					const body = await res.json();
					if (res.status !== 200) throw new Error(`status ${res.status}`);
					expect(body.rejected).toEqual([]);
					for (const e of batch(k)) acked.add(e.id);
				} catch {
					unanswered.push(k); // killed mid-request: the client sends it again later
					return;
				}
			}
		};
		const clients = [client(), client(), client()];
		await new Promise((ok) => setTimeout(ok, 150 + Math.floor(r() * 350)));
		await server.stop({ keepData: true, signal: 'SIGKILL' });
		kills++;
		stop = true;
		await Promise.all(clients);
		server = await startServer({ dataDir });
	}
	// Everything not answered yet is sent once more, as a client would after the last restart.
	for (const k of unanswered.splice(0)) {
		const res = await fetch(`${server.url}/api/crm/events`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify(batch(k)) });
		expect(res.status).toBe(200);
		for (const e of batch(k)) acked.add(e.id);
	}
	expect(acked.size).toBeGreaterThan(1000);

	execFileSync(SERVER_BIN, ['superuser', 'upsert', 'kill@example.test', 'kill-password-1', '--dir', dataDir]);
	const su = new PocketBase(server.url);
	await su.collection('_superusers').authWithPassword('kill@example.test', 'kill-password-1');
	const rows = await su.collection('events').getFullList({ batch: 1000, fields: 'event_id,type,ts,anon_id,customer_ext,product_id,category,order_id,total,items' });
	const ids = rows.map((e) => e.event_id as string);
	expect(new Set(ids).size).toBe(ids.length); // stored at most once
	for (const id of acked) expect(ids.includes(id), id).toBe(true); // every acknowledged event stored
	expect(ids.length).toBe(acked.size); // every batch was sent until answered: nothing else stored

	// The rollups equal a recomputation from the stored raw events.
	const raw: RawEvent[] = rows
		.map((e) => ({
			id: e.event_id,
			type: e.type,
			time: e.ts,
			anonymous_id: e.anon_id || undefined,
			customer_id: e.customer_ext || undefined,
			product_id: e.product_id || undefined,
			category: e.category || undefined,
			order_id: e.order_id || undefined,
			total: e.total,
			items: e.items ?? undefined
		}))
		.sort((a, b) => a.time - b.time);
	const model = new EventModel(raw);
	const from = dayOf(Date.now() - 61 * DAY);
	const to = dayOf(Date.now());
	const q = { from, to };
	const manager = new PocketBase(server.url);
	await manager.collection('staff').authWithPassword(staff.manager.email, staff.manager.password);
	const overview = await manager.send('/api/crm/stats/overview', { query: q });
	const want = model.overview(from, to);
	for (const k of ['visitors', 'page_views', 'product_views', 'carts', 'checkouts', 'orders', 'buyers', 'repeat_buyers'] as const) expect(overview[k], k).toBe(want[k]);
	expect(overview.revenue).toBeCloseTo(want.revenue, 2);
	expect((await manager.send('/api/crm/stats/funnel', { query: q })).steps.map((s: { count: number }) => s.count)).toEqual(model.funnel(from, to));
	const trends = await manager.send('/api/crm/stats/trends', { query: q });
	expect(trends.days.map((d: { visitors: number; orders: number; carts: number }) => [d.visitors, d.orders, d.carts])).toEqual(model.trends(from, to).map((d) => [d.visitors, d.orders, d.carts]));
	const products = await manager.send('/api/crm/stats/products', { query: q });
	const wantProducts = model.products(from, to);
	for (const p of products.products)
		expect([p.views, p.carts, p.units], p.product_id).toEqual([wantProducts.get(p.product_id)!.views, wantProducts.get(p.product_id)!.carts, wantProducts.get(p.product_id)!.units]);
	const stats = await su.collection('customer_stats').getFullList({ expand: 'customer' });
	const figures = model.customers();
	expect(stats.length).toBe(figures.size);
	for (const s of stats) {
		const f = figures.get(s.expand!.customer.external_id)!;
		expect([s.order_count, Math.round(s.total_spend * 100)], s.expand!.customer.external_id).toEqual([f.orders, Math.round(f.spend * 100)]);
	}
}, 300_000);
