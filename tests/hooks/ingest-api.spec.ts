// POST /api/crm/events and the shop keys: every bad input gets its documented status and reason
// (docs/api/ingestion.md), and the valid events of the same batch are kept.
import { beforeAll, describe, expect, it } from 'vitest';
import type PocketBase from 'pocketbase';
import { signIn, url } from './helpers';
import { signedCustomer } from './shop-secret';

let owner: PocketBase;
let manager: PocketBase;
let serverKey: string;
let browserKey: string;
const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const eid = () => `t-${run}-${n++}`;

async function post(body: unknown, opts: { key?: string | null; raw?: string; contentType?: string } = {}) {
	const headers: Record<string, string> = {};
	const key = opts.key === undefined ? serverKey : opts.key;
	if (key) headers.authorization = `Bearer ${key}`;
	if (opts.contentType) headers['content-type'] = opts.contentType;
	const res = await fetch(`${url()}/api/crm/events`, { method: 'POST', headers, body: opts.raw ?? JSON.stringify(body) });
	return { status: res.status, headers: res.headers, body: await res.json() };
}

async function createKey(kind: 'server' | 'browser', extra: Record<string, unknown> = {}) {
	return owner.send('/api/crm/shop-sources', { method: 'POST', body: { name: `${kind} ${run}`, kind, ...extra } });
}

/** The stored events of a shop customer, through the customer card's timeline. */
async function storedFor(customerId: string): Promise<{ id: string; type: string; time: string }[]> {
	const list = await owner.collection('customers').getFullList({ filter: `external_id = "${customerId}"` });
	if (!list.length) return [];
	return (await owner.send(`/api/crm/customers/${list[0].id}/timeline`, {})).events;
}

const view = (customer: string, extra: Record<string, unknown> = {}) => ({ id: eid(), type: 'page_view', time: Date.now() - 1000, customer_id: customer, ...extra });

beforeAll(async () => {
	owner = await signIn('owner');
	manager = await signIn('manager');
	serverKey = (await createKey('server')).key;
	browserKey = (await createKey('browser')).key;
});

describe('shop keys', () => {
	it('are created by admins only, shown once, listed without the key or its hash', async () => {
		expect(serverKey).toMatch(/^crm_sk_[A-Za-z0-9]{33}$/);
		expect(browserKey).toMatch(/^crm_pk_[A-Za-z0-9]{33}$/);
		const denied = await manager.send('/api/crm/shop-sources', { method: 'POST', body: { name: 'x', kind: 'server' } }).catch((e) => e);
		expect(denied.status).toBe(403);
		const list = await owner.send('/api/crm/shop-sources', {});
		const mine = list.items.find((i: { prefix: string }) => serverKey.startsWith(i.prefix));
		expect(mine).toMatchObject({ kind: 'server', revoked: false });
		expect(JSON.stringify(list)).not.toContain(serverKey);
		expect(JSON.stringify(list)).not.toContain('key_hash');
		// Nobody reads them through the records API either.
		await expect(owner.collection('shop_sources').getList(1, 1)).rejects.toMatchObject({ status: 403 });
	});

	it('names a bad field when created', async () => {
		const bad = await owner.send('/api/crm/shop-sources', { method: 'POST', body: { name: '', kind: 'phone', rate_limit: -1 } }).catch((e) => e);
		expect(bad.status).toBe(400);
		expect(Object.keys(bad.response.data).sort()).toEqual(['kind', 'name', 'rate_limit']);
	});

	it('a revoked key is refused at once; an unknown or missing key too', async () => {
		const k = await createKey('server');
		expect((await post([view(`rev-${run}`)], { key: k.key })).status).toBe(200);
		await owner.send(`/api/crm/shop-sources/${k.id}/revoke`, { method: 'POST' });
		expect(await post([view(`rev-${run}`)], { key: k.key })).toMatchObject({ status: 401, body: { code: 'key_revoked' } });
		expect(await post([view(`rev-${run}`)], { key: 'crm_sk_nonsense' })).toMatchObject({ status: 401, body: { code: 'unknown_key' } });
		expect(await post([view(`rev-${run}`)], { key: null })).toMatchObject({ status: 401, body: { code: 'missing_key' } });
		expect(await storedFor(`rev-${run}`)).toHaveLength(1);
	});
});

describe('whole-batch errors store nothing', () => {
	it('malformed JSON, a body that is not a batch', async () => {
		expect(await post(null, { raw: '[{"id": "x", "type": ' })).toMatchObject({ status: 400, body: { code: 'invalid_json' } });
		expect(await post({ event: [] })).toMatchObject({ status: 400, body: { code: 'invalid_body' } });
		expect(await post('hello')).toMatchObject({ status: 400, body: { code: 'invalid_body' } });
	});

	it('a body over 1 MiB, a batch over 500 events', async () => {
		const big = [view(`big-${run}`, { properties: { pad: 'x'.repeat(1024 * 1024) } })];
		expect(await post(big)).toMatchObject({ status: 413, body: { code: 'body_too_large' } });
		const many = Array.from({ length: 501 }, () => view(`many-${run}`));
		expect(await post(many)).toMatchObject({ status: 413, body: { code: 'too_many_events' } });
		expect(await storedFor(`big-${run}`)).toHaveLength(0);
		expect(await storedFor(`many-${run}`)).toHaveLength(0);
	});

	it('a key over its rate limit gets 429 with Retry-After', async () => {
		const k = await createKey('server', { rate_limit: 10 });
		const batch = () => Array.from({ length: 6 }, () => view(`rate-${run}`));
		expect((await post(batch(), { key: k.key })).status).toBe(200);
		const limited = await post(batch(), { key: k.key });
		expect(limited).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
		expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
		expect(await storedFor(`rate-${run}`)).toHaveLength(6);
	});

	it('refused events do not use up the rate budget: only stored events count (issue 15)', async () => {
		const k = await createKey('server', { rate_limit: 10 });
		// Twenty events from too long ago (a history import past the window): all refused, one request's cost.
		const old = Array.from({ length: 20 }, () => ({ ...view(`budget-${run}`), time: Date.now() - 2 * 365 * 86400_000 }));
		expect((await post(old, { key: k.key })).status).toBe(422);
		// The minute's budget of 10 is still there for 9 events that are stored.
		const ok = await post(
			Array.from({ length: 9 }, () => view(`budget-${run}`)),
			{ key: k.key }
		);
		expect(ok).toMatchObject({ status: 200, body: { accepted: 9 } });
		expect((await post([view(`budget-${run}`), view(`budget-${run}`)], { key: k.key })).status).toBe(429);
	});
});

describe('a batch of which nothing can be stored says so (issue 15)', () => {
	it('answers 422 all_rejected with every event and its reason, and stores nothing', async () => {
		const c = `all-bad-${run}`;
		const res = await post([
			{ ...view(c), time: Date.now() - 2 * 365 * 86400_000 },
			{ ...view(c), type: 'Bad Type' }
		]);
		expect(res.status).toBe(422);
		expect(res.body).toMatchObject({ status: 422, code: 'all_rejected', accepted: 0, duplicates: 0 });
		expect(res.body.message).toContain('none of the 2 events');
		expect(res.body.rejected.map((r: { index: number; code: string }) => [r.index, r.code])).toEqual([
			[0, 'time_out_of_range'],
			[1, 'invalid']
		]);
		expect(await storedFor(c)).toHaveLength(0);
		// A replay is not a refusal: it answers 200 with the duplicates.
		const batch = [view(c)];
		expect((await post(batch)).status).toBe(200);
		expect((await post(batch)).body).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
	});

	it('an order stored before is refused at storage: the batch of that one order answers 422 too', async () => {
		const c = `again-${run}`;
		const order = { type: 'purchase', ...signedCustomer(c), order_id: `again-${run}`, total: 12, time: Date.now() };
		expect((await post([{ id: eid(), ...order }])).status).toBe(200);
		const again = await post([{ id: eid(), ...order }]);
		expect(again).toMatchObject({ status: 422, body: { code: 'all_rejected', rejected: [{ index: 0, field: 'order_id', code: 'order_exists' }] } });
	});
});

describe('per-event errors keep the valid events of the batch', () => {
	it('names the index, field and reason of each bad event', async () => {
		const c = `mixed-${run}`;
		const now = Date.now();
		const batch = [
			view(c), // 0 valid
			{ ...view(c), price: 'cheap' }, // 1
			{ ...view(c), type: 'Not A Type' }, // 2
			{ ...view(c), properties: { note: '长'.repeat(2000) } }, // 3: 6,000 bytes
			{ ...view(c), time: now + 3600_000 }, // 4
			{ ...view(c), time: now - 2 * 365 * 86400_000 }, // 5
			{ ...view(c), id: undefined }, // 6
			{ id: eid(), type: 'page_view', time: now }, // 7: nobody
			{ ...view(c), type: 'purchase', total: 10 }, // 8: no order id
			{ ...view(c), type: 'product_view' }, // 9: no product
			{ ...view(c), traits: { phone: 'not a phone' } }, // 10
			{ ...view(c), quantity: 0 }, // 11
			{ ...view(c), time: '2026-02-30T10:00:00Z' }, // 12
			'not an object', // 13
			view(c, { type: 'product_view', product_id: 'sku-1', category: '鞋', price: 99.5 }) // 14 valid
		];
		const res = await post(batch);
		expect(res.status).toBe(200);
		expect(res.body.accepted).toBe(2);
		const reasons = res.body.rejected.map((r: { index: number; field: string; code: string }) => [r.index, r.field, r.code]);
		expect(reasons).toEqual([
			[1, 'price', 'invalid'],
			[2, 'type', 'invalid'],
			[3, 'properties', 'too_large'],
			[4, 'time', 'time_out_of_range'],
			[5, 'time', 'time_out_of_range'],
			[6, 'id', 'required'],
			[7, 'anonymous_id', 'required'],
			[8, 'order_id', 'required'],
			[9, 'product_id', 'required'],
			[10, 'traits.phone', 'invalid'],
			[11, 'quantity', 'invalid'],
			[12, 'time', 'invalid'],
			[13, '', 'invalid']
		]);
		for (const r of res.body.rejected) expect(r.message.length).toBeGreaterThan(5);
		expect((await storedFor(c)).map((e) => e.id).sort()).toEqual([batch[0], batch[14]].map((e) => (e as { id: string }).id).sort());
	});

	it('a replayed batch is accepted once', async () => {
		const c = `replay-${run}`;
		const batch = [view(c), view(c), view(c)];
		expect((await post(batch)).body).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
		expect((await post(batch)).body).toEqual({ accepted: 0, duplicates: 3, rejected: [] });
		expect((await post([...batch, batch[0]])).body).toEqual({ accepted: 0, duplicates: 4, rejected: [] });
		expect(await storedFor(c)).toHaveLength(3);
	});

	it('a second purchase of the same order is refused', async () => {
		const c = `order-${run}`;
		const order = { type: 'purchase', customer_id: c, order_id: `o-${run}`, total: 20, time: Date.now() - 5000 };
		expect((await post([{ id: eid(), ...order }])).body.accepted).toBe(1);
		const again = await post([{ id: eid(), ...order }]);
		expect(again.body.rejected).toMatchObject([{ index: 0, field: 'order_id', code: 'order_exists' }]);
	});

	it('a browser key may not send purchases or refunds', async () => {
		const c = `browser-${run}`;
		const res = await post([view(c, signedCustomer(c)), { id: eid(), type: 'purchase', ...signedCustomer(c), order_id: `b-${run}`, total: 5, time: Date.now() }], { key: browserKey });
		expect(res.body.accepted).toBe(1);
		expect(res.body.rejected).toMatchObject([{ index: 1, field: 'type', code: 'type_not_allowed' }]);
	});

	it('a beacon (text/plain, key in the body) with a sender clock two hours fast lands at the right time', async () => {
		const c = `beacon-${run}`;
		const fast = Date.now() + 2 * 3600_000;
		const res = await post({ key: browserKey, sent_at: fast, events: [{ id: eid(), type: 'page_view', time: fast - 60_000, ...signedCustomer(c) }] }, { key: null, contentType: 'text/plain' });
		expect(res.body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
		const [stored] = await storedFor(c);
		expect(Math.abs(Date.parse(stored.time) - (Date.now() - 60_000))).toBeLessThan(10_000);
	});

	it('an unknown shop customer id creates the customer (source shop) with its traits', async () => {
		const c = `new-${run}`;
		await post([view(c, { type: 'identify', traits: { name: '王芳', phone: '13912345678', email: 'WF@Example.com', region: '上海' } })]);
		const [customer] = await owner.collection('customers').getFullList({ filter: `external_id = "${c}"` });
		expect(customer).toMatchObject({ name: '王芳', source: 'shop', phones: ['+8613912345678'], emails: ['wf@example.com'], region: '上海' });
	});

	it('two anonymous browsers of one customer linked in the same batch: their events, orders and days all count for the customer once', async () => {
		const c = `two-browsers-${run}`;
		const [a, b] = [`anon-a-${run}`, `anon-b-${run}`];
		const t = Date.now() - 60_000;
		expect(
			(
				await post([
					{ id: eid(), type: 'page_view', time: t, anonymous_id: a },
					{ id: eid(), type: 'purchase', time: t + 1, anonymous_id: a, order_id: `o-a-${run}`, total: 50 },
					{ id: eid(), type: 'page_view', time: t + 2, anonymous_id: b },
					{ id: eid(), type: 'purchase', time: t + 3, anonymous_id: b, order_id: `o-b-${run}`, total: 30 }
				])
			).body.rejected
		).toEqual([]);
		expect(
			(
				await post([
					{ id: eid(), type: 'identify', time: t + 10, anonymous_id: a, customer_id: c },
					{ id: eid(), type: 'identify', time: t + 11, anonymous_id: b, customer_id: c }
				])
			).body.rejected
		).toEqual([]);
		const stored = await storedFor(c);
		expect(stored.map((e) => e.type).sort()).toEqual(['identify', 'identify', 'page_view', 'page_view', 'purchase', 'purchase']);
		const [customer] = await owner.collection('customers').getFullList({ filter: `external_id = "${c}"` });
		const [stats] = await owner.collection('customer_stats').getFullList({ filter: `customer = "${customer.id}"` });
		expect(stats).toMatchObject({ order_count: 2, total_spend: 80 });
	});

	it('a customer the chat made before the shop named them takes the name of the first traits; a real name stays', async () => {
		const c = `chat-first-${run}`;
		const s = signedCustomer(c);
		const res = await fetch(`${url()}/api/crm/chat/session`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ identity: { customer_id: c, ts: s.customer_ts, sig: s.customer_sig } })
		});
		expect(res.status).toBe(200);
		const [made] = await owner.collection('customers').getFullList({ filter: `external_id = "${c}"` });
		expect(made.name).toBe(`Shop customer ${c}`);
		await post([view(c, { type: 'identify', traits: { name: '李娜' } })]);
		expect((await owner.collection('customers').getOne(made.id)).name).toBe('李娜');
		// named now: later traits do not rename (a rep may have corrected it)
		await post([view(c, { type: 'identify', traits: { name: '别人' } })]);
		expect((await owner.collection('customers').getOne(made.id)).name).toBe('李娜');
	});

	it('a browser key names a shop customer only as the shop signed it; traits need that signature too (security probe, item 8)', async () => {
		const c = `signed-${run}`;
		const ts = Math.floor(Date.now() / 1000);
		const events = [
			{ id: eid(), type: 'identify', time: Date.now() - 1000, customer_id: c, traits: { name: '冒名', phone: '13900000000' } },
			{ id: eid(), type: 'page_view', time: Date.now() - 1000, ...signedCustomer(c), customer_sig: signedCustomer(`${c}-other`).customer_sig },
			{ id: eid(), type: 'page_view', time: Date.now() - 1000, ...signedCustomer(c, ts - 8 * 24 * 3600) },
			{ id: eid(), type: 'page_view', time: Date.now() - 1000, anonymous_id: `a-${run}`, ...signedCustomer(c, ts, 'not-the-shop-secret') },
			{ id: eid(), type: 'page_view', time: Date.now() - 1000, anonymous_id: `a-${run}` }
		];
		const res = await post(events, { key: browserKey });
		expect(res.status).toBe(200);
		expect(res.body.accepted).toBe(1);
		expect(res.body.rejected.map((r: { index: number; code: string }) => [r.index, r.code])).toEqual([
			[0, 'identity_unsigned'],
			[1, 'identity_invalid'],
			[2, 'identity_expired'],
			[3, 'identity_invalid']
		]);
		expect(await owner.collection('customers').getFullList({ filter: `external_id = "${c}"` })).toEqual([]);

		const ok = await post([{ id: eid(), type: 'identify', time: Date.now() - 1000, ...signedCustomer(c), traits: { name: '本人', region: '杭州' } }], { key: browserKey });
		expect(ok.body).toMatchObject({ accepted: 1, rejected: [] });
		const [customer] = await owner.collection('customers').getFullList({ filter: `external_id = "${c}"` });
		expect(customer).toMatchObject({ name: '本人', source: 'shop', region: '杭州' });
		// the shop's back end (server key) needs no signature
		expect((await post([view(`server-${run}`)])).body).toMatchObject({ accepted: 1 });
	});

	it('devices subscribed to customer_stats hear of new figures (they are written without record events)', async () => {
		let heard = 0;
		const unsubscribe = await manager.collection('customer_stats').subscribe('*', () => heard++);
		try {
			await post([view(`live-${run}`, { type: 'purchase', order_id: `live-${run}`, total: 12 })]);
			const started = Date.now();
			while (!heard && Date.now() - started < 6000) await new Promise((r) => setTimeout(r, 50));
			expect(heard).toBeGreaterThan(0);
		} finally {
			await unsubscribe();
		}
	});
});
