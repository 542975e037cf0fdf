// Predicted customer value through the real server (issue 15, item 2; server/clv.go): a shop's order
// history sent through the ingestion API as a shop would (backfill), fitted on demand. The figures the
// screens show agree with the raw data: each customer's repeat purchases are the purchase days after
// the first (a fully refunded order is no purchase), and the shop's totals are the sums of the
// customers' own figures. Under the minimum, nothing is predicted. A server of its own: the model is
// the whole shop's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import PocketBase from 'pocketbase';
import { seedStaff, startServer, OWNER, type RunningServer } from '../fixtures/pocketbase';

let server: RunningServer;
let owner: PocketBase;
let manager: PocketBase;
let sales: PocketBase;
let agent: PocketBase;
let key: string;
const DAY = 86_400_000;
const NOW = Date.now();

async function client(email: string, password: string) {
	const pb = new PocketBase(server.url);
	pb.autoCancellation(false);
	await pb.collection('staff').authWithPassword(email, password);
	return pb;
}

async function send(events: unknown[]) {
	for (let i = 0; i < events.length; i += 500) {
		const res = await fetch(`${server.url}/api/crm/events?backfill=1`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
			body: JSON.stringify(events.slice(i, i + 500))
		});
		const body = await res.json();
		expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(200);
		expect(body.rejected ?? [], JSON.stringify(body.rejected).slice(0, 300)).toEqual([]);
	}
}

/** A shopper's orders: days ago and totals; a refund of a whole order by its index. */
interface Shopper {
	ext: string;
	orders: { daysAgo: number; total: number }[];
	refunded?: number;
}

/** A deterministic shop: n shoppers, some buying every few weeks, some once, some who stopped. */
function shop(n: number, prefix: string): Shopper[] {
	let seed = 42;
	const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
	return Array.from({ length: n }, (_, i) => {
		const first = 60 + Math.floor(rnd() * 600);
		const kind = i % 4; // 0 once, 1 regular, 2 stopped, 3 twice
		const gaps = kind === 0 ? [] : kind === 1 ? Array.from({ length: 2 + Math.floor(rnd() * 6) }, () => 20 + Math.floor(rnd() * 60)) : kind === 2 ? [10, 15, 12] : [30 + Math.floor(rnd() * 200)];
		const orders = [{ daysAgo: first, total: 50 + Math.round(rnd() * 30000) / 100 }];
		let d = first;
		for (const g of gaps) {
			d -= g;
			if (d < 1) break;
			orders.push({ daysAgo: d, total: 50 + Math.round(rnd() * 30000) / 100 });
		}
		return { ext: `${prefix}-${i}`, orders, refunded: kind === 1 && orders.length > 2 ? 1 : undefined };
	});
}

function events(list: Shopper[]) {
	const out: Record<string, unknown>[] = [];
	for (const s of list) {
		out.push({ id: `${s.ext}-id`, type: 'identify', time: NOW - (s.orders[0].daysAgo + 1) * DAY, customer_id: s.ext, traits: { name: `预测顾客 ${s.ext}` } });
		s.orders.forEach((o, k) => {
			out.push({ id: `${s.ext}-o${k}`, type: 'purchase', time: NOW - o.daysAgo * DAY, customer_id: s.ext, order_id: `${s.ext}-order-${k}`, total: o.total });
		});
		if (s.refunded !== undefined) {
			const o = s.orders[s.refunded];
			out.push({ id: `${s.ext}-r`, type: 'refund', time: NOW - (o.daysAgo - 1) * DAY, customer_id: s.ext, order_id: `${s.ext}-order-${s.refunded}`, total: o.total });
		}
	}
	return out;
}

/** Purchase days after the first, as the raw orders say (one purchase per shop day, UTC+8). */
function repeatPurchases(s: Shopper): number {
	const day = (t: number) => new Date(t + 8 * 3600_000).toISOString().slice(0, 10);
	const days = new Set(s.orders.filter((_, k) => k !== s.refunded).map((o) => day(NOW - o.daysAgo * DAY)));
	return Math.max(0, days.size - 1);
}

beforeAll(async () => {
	server = await startServer();
	const { staff } = await seedStaff(server.url);
	owner = await client(OWNER.email, OWNER.password);
	manager = await client(staff.manager.email, staff.manager.password);
	sales = await client(staff.sales.email, staff.sales.password);
	agent = await client(staff.agent.email, staff.agent.password);
	key = (await owner.send('/api/crm/shop-sources', { method: 'POST', body: { name: 'history', kind: 'server' } })).key;
}, 60_000);

afterAll(async () => {
	await server?.stop();
});

describe('predicted customer value', () => {
	it('under the minimum of buyers nothing is predicted, and the answer says how many there are', async () => {
		await send(events(shop(30, 'few')));
		const fit = await manager.send('/api/crm/clv/fit', { method: 'POST', body: {} });
		expect(fit).toMatchObject({ status: 'too_few', customers: 30, min_customers: 100, min_repeat_buyers: 20, at_risk: [] });
		expect(fit.totals).toBeUndefined();
		const [c] = await manager.collection('customers').getFullList({ filter: 'external_id = "few-1"' });
		expect(await manager.send(`/api/crm/customers/${c.id}/prediction`, {})).toMatchObject({ status: 'too_few', prediction: null, learned_from: 30 });
	});

	it('fitted on the history: each customer’s figures follow their orders, the totals are their sums, roles are kept', async () => {
		const list = shop(240, 'many');
		await send(events(list));
		const fit = await manager.send('/api/crm/clv/fit', { method: 'POST', body: { annual_discount: 0.1 } });
		expect(fit.status).toBe('ready');
		expect(fit.customers).toBe(270); // 30 + 240 buyers
		expect(fit.params.bgnbd.R).toBeGreaterThan(0);

		const customers = await manager.collection('customers').getFullList({ filter: 'external_id ~ "many-" || external_id ~ "few-"', fields: 'id,external_id,owner' });
		const byExt = new Map(customers.map((c) => [c.external_id as string, c.id]));
		let sum12 = 0;
		let sumLife = 0;
		let churn = 0;
		let repeat = 0;
		const all = [...shop(30, 'few'), ...list];
		for (const s of all) {
			const p = await manager.send(`/api/crm/customers/${byExt.get(s.ext)}/prediction`, {});
			expect(p.status).toBe('ready');
			expect(p.prediction.repeat_purchases, s.ext).toBe(repeatPurchases(s));
			expect(p.prediction.p_alive).toBeGreaterThan(0);
			expect(p.prediction.p_alive).toBeLessThanOrEqual(1);
			expect(p.prediction.expected_90).toBeGreaterThanOrEqual(p.prediction.expected_30);
			expect(p.prediction.expected_365).toBeGreaterThanOrEqual(p.prediction.expected_90);
			expect(p.prediction.value_12m).toBeCloseTo(p.prediction.expected_365 * p.prediction.spend, 0);
			sum12 += p.prediction.value_12m;
			sumLife += p.prediction.lifetime;
			churn += p.prediction.churn_risk ? 1 : 0;
			repeat += p.prediction.repeat_purchases > 0 ? 1 : 0;
			if (p.prediction.repeat_purchases === 0) expect(p.prediction.churn_risk).toBe(false);
		}
		expect(fit.repeat_buyers).toBe(repeat);
		expect(fit.totals.customers).toBe(270);
		expect(fit.totals.value_12m).toBeCloseTo(sum12, 1);
		expect(fit.totals.lifetime).toBeCloseTo(sumLife, 1);
		expect(fit.totals.churn_risk).toBe(churn);
		// Those who stopped after three quick purchases are the ones at risk.
		expect(churn).toBeGreaterThan(0);
		expect(fit.at_risk.length).toBe(Math.min(10, churn));
		for (const r of fit.at_risk) expect(r.name).toMatch(/^预测顾客 /);

		// A segment of the repeat buyers at risk worth keeping: the server's members are those whose
		// figures say so (the rule reads the value to two significant figures, as devices pull it).
		const sig2 = (v: number) => (v <= 0 ? 0 : Number(v.toPrecision(2)));
		const predictions = new Map<string, { value_12m: number; churn_risk: boolean }>();
		for (const s of all) predictions.set(byExt.get(s.ext)!, (await manager.send(`/api/crm/customers/${byExt.get(s.ext)}/prediction`, {})).prediction);
		const values = [...predictions.values()]
			.filter((p) => p.churn_risk)
			.map((p) => sig2(p.value_12m))
			.sort((a, b) => a - b);
		const threshold = values[Math.floor(values.length / 2)] ?? 0;
		const wanted = [...predictions]
			.filter(([, p]) => p.churn_risk && sig2(p.value_12m) >= threshold)
			.map(([id]) => id)
			.sort();
		expect(wanted.length).toBeGreaterThan(0);
		const segment = await manager.collection('segments').create({
			name: '高价值流失风险',
			kind: 'dynamic',
			owner: (manager.authStore.record as { id: string }).id,
			shared: true,
			rule: {
				op: 'and',
				rules: [
					{ field: 'churn_risk', cmp: 'is_true' },
					{ field: 'predicted_value', cmp: 'gte', value: threshold }
				]
			}
		});
		const members = await manager.send(`/api/crm/segments/${segment.id}/members`, {});
		expect([...members.ids].filter((id: string) => predictions.has(id)).sort()).toEqual(wanted);
		// The devices pull the same two figures with the customer's other figures.
		const stats = await manager.collection('customer_stats').getFullList({ filter: `customer = "${wanted[0]}"` });
		expect(stats[0]).toMatchObject({ churn_risk: true, predicted_value: sig2(predictions.get(wanted[0])!.value_12m) });

		// Roles: a rep sees only their own customers' figures, never the shop's model; an agent only those of
		// the customers whose chats they were given (here none).
		const mine = customers[0];
		await manager.collection('customers').update(mine.id, { owner: (sales.authStore.record as { id: string }).id });
		expect((await sales.send(`/api/crm/customers/${mine.id}/prediction`, {})).status).toBe('ready');
		await expect(sales.send(`/api/crm/customers/${customers[1].id}/prediction`, {})).rejects.toMatchObject({ status: 404 });
		await expect(sales.send('/api/crm/clv', {})).rejects.toMatchObject({ status: 403 });
		await expect(agent.send('/api/crm/clv/fit', { method: 'POST', body: {} })).rejects.toMatchObject({ status: 403 });
		await expect(agent.send(`/api/crm/customers/${customers[1].id}/prediction`, {})).rejects.toMatchObject({ status: 404 });
		const bad = await manager.send('/api/crm/clv/fit', { method: 'POST', body: { annual_discount: -1 } }).catch((e) => e);
		expect(bad.status).toBe(400);
		expect(bad.response.data.annual_discount.code).toBe('out_of_range');

		// Erased: their prediction goes with them.
		const erasedId = byExt.get('many-5')!;
		const name = (await owner.collection('customers').getOne(erasedId)).name;
		await owner.send(`/api/crm/customers/${erasedId}/erase`, { method: 'POST', body: { confirm: name } });
		const again = await manager.send('/api/crm/clv', {});
		expect(again.totals.customers).toBe(269);
	});
});
