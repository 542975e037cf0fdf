// The product catalogue (issue 18, item 3): POST /api/crm/products with a server shop key or as a
// manager or admin; all or nothing, every bad row named; staff read it; the customer card's timeline
// and the analytics' top products carry the catalogue's names and pictures.
import { beforeAll, describe, expect, it } from 'vitest';
import type PocketBase from 'pocketbase';
import { signIn, url } from './helpers';

let owner: PocketBase;
let manager: PocketBase;
let sales: PocketBase;
let agent: PocketBase;
let serverKey: string;
let browserKey: string;
const run = Math.random().toString(36).slice(2, 8);
const P = (n: number) => `PC-${run}-${n}`;

const post = async (body: unknown, headers: Record<string, string> = {}) => {
	const res = await fetch(`${url()}/api/crm/products`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
	return { status: res.status, body: await res.json() };
};
const byKey = (key: string, body: unknown) => post(body, { authorization: `Bearer ${key}` });
const catalogued = async (pb: PocketBase) =>
	(await pb.collection('products').getFullList({ filter: `product_id ~ "PC-${run}-"`, sort: 'product_id' })).map((p) => ({ product_id: p.product_id, name: p.name, price: p.price }));

beforeAll(async () => {
	[owner, manager, sales, agent] = await Promise.all(['owner', 'manager', 'sales', 'agent'].map((k) => signIn(k)));
	serverKey = (await owner.send('/api/crm/shop-sources', { method: 'POST', body: { name: `catalogue ${run}`, kind: 'server' } })).key;
	browserKey = (await owner.send('/api/crm/shop-sources', { method: 'POST', body: { name: `browser ${run}`, kind: 'browser' } })).key;
});

describe('products API', () => {
	it('a server key upserts by product id; a second send updates, an unchanged row is counted as such', async () => {
		const first = await byKey(serverKey, {
			products: [
				{ product_id: P(1), name: '羊毛围巾', category: '配饰', price: 199, image_url: 'https://img.shop.test/1.jpg' },
				{ product_id: P(2), name: '皮手套', price: '88.5' }
			]
		});
		expect(first).toEqual({ status: 200, body: { created: 2, updated: 0, unchanged: 0, dry_run: false } });
		const again = await post(
			{
				products: [
					{ product_id: P(1), name: '羊毛围巾（灰）', category: '配饰', price: 199, image_url: 'https://img.shop.test/1.jpg' },
					{ product_id: P(2), name: '皮手套', price: 88.5 }
				]
			},
			{ 'X-Shop-Key': serverKey }
		);
		expect(again.body).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
		expect(await catalogued(sales)).toEqual([
			{ product_id: P(1), name: '羊毛围巾（灰）', price: 199 },
			{ product_id: P(2), name: '皮手套', price: 88.5 }
		]);
		expect(await catalogued(agent)).toHaveLength(2);
	});

	it('who may send: a server key, managers and admins; not a browser key, an unknown key, a rep or a guest', async () => {
		const body = { products: [{ product_id: P(3), name: '帽子' }] };
		expect((await byKey(browserKey, body)).status).toBe(403);
		expect((await byKey('crm_sk_unknownunknownunknownunknown12', body)).status).toBe(401);
		expect((await post(body)).status).toBe(401);
		await expect(sales.send('/api/crm/products', { method: 'POST', body })).rejects.toMatchObject({ status: 403 });
		await expect(agent.send('/api/crm/products', { method: 'POST', body })).rejects.toMatchObject({ status: 403 });
		expect(await manager.send('/api/crm/products', { method: 'POST', body })).toMatchObject({ created: 1 });
		expect(await owner.send('/api/crm/products', { method: 'POST', body: { products: [{ product_id: P(3), name: '帽子', price: 30 }] } })).toMatchObject({ updated: 1 });
		// Not through the collection's REST API.
		await expect(manager.collection('products').create({ product_id: P(9), name: 'x' })).rejects.toMatchObject({ status: 403 });
		expect((await fetch(`${url()}/api/collections/products/records`)).status).toBe(200);
		expect((await (await fetch(`${url()}/api/collections/products/records`)).json()).items).toEqual([]);
	});

	it('one bad row and nothing is saved, each bad row named; a dry run writes nothing; too many rows is refused', async () => {
		const bad = await byKey(serverKey, {
			products: [
				{ row: 2, product_id: P(4), name: '好的' },
				{ row: 3, product_id: '', name: '没编号' },
				{ row: 4, product_id: P(5), name: '坏价格', price: -1 },
				{ row: 5, product_id: P(4), name: '重复' },
				{ row: 6, product_id: P(6), name: '坏图片', image_url: 'javascript:alert(1)' }
			]
		});
		expect(bad.status).toBe(422);
		expect(bad.body.problems.map((p: { row: number; field: string; code: string }) => `${p.row}:${p.field}:${p.code}`)).toEqual([
			'3:product_id:required',
			'4:price:invalid',
			'5:product_id:duplicate',
			'6:image_url:invalid_url'
		]);
		expect((await catalogued(owner)).map((p) => p.product_id)).not.toContain(P(4));
		expect((await byKey(serverKey, { products: [{ product_id: P(7), name: '试' }], dry_run: true })).body).toMatchObject({ created: 1, dry_run: true });
		expect((await catalogued(owner)).map((p) => p.product_id)).not.toContain(P(7));
		const many = await byKey(serverKey, { products: Array.from({ length: 1001 }, (_, i) => ({ product_id: `${P(8)}-${i}`, name: 'n' })) });
		expect(many.status).toBe(400);
		expect(Object.keys(many.body.data)).toEqual(['products']);
		expect((await byKey(serverKey, { products: [] })).status).toBe(400);
	});

	it('the timeline and the top products name the catalogued products', async () => {
		const cust = `pc-${run}`;
		const now = Date.now();
		const events = [
			{ id: `pv-${run}`, type: 'product_view', time: now - 5000, customer_id: cust, product_id: P(1) },
			{ id: `pv2-${run}`, type: 'product_view', time: now - 4000, customer_id: cust, product_id: `UNKNOWN-${run}` },
			{
				id: `buy-${run}`,
				type: 'purchase',
				time: now - 3000,
				customer_id: cust,
				order_id: `O-${run}`,
				total: 287.5,
				items: [
					{ product_id: P(1), price: 199, quantity: 1 },
					{ product_id: P(2), price: 88.5, quantity: 1 }
				]
			}
		];
		const sent = await fetch(`${url()}/api/crm/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${serverKey}` }, body: JSON.stringify({ events }) });
		expect(sent.status).toBe(200);
		const [c] = await owner.collection('customers').getFullList({ filter: `external_id = "${cust}"` });
		const timeline = await owner.send(`/api/crm/customers/${c.id}/timeline`, {});
		expect(timeline.products).toEqual({
			[P(1)]: { name: '羊毛围巾（灰）', image_url: 'https://img.shop.test/1.jpg' },
			[P(2)]: { name: '皮手套', image_url: '' }
		});
		// The top products of this customer alone (a segment of one), so the rows are certainly there
		// whatever other tests sent to the shared server.
		const day = new Date(now + 8 * 3600_000).toISOString().slice(0, 10);
		const seg = `pcseg${run}`.padEnd(15, '0').slice(0, 15);
		const pushed = await owner.send('/api/crm/sync/segments/push', {
			method: 'POST',
			body: { rows: [{ doc: { id: seg, name: `商品 ${run}`, kind: 'static', members: [c.id], owner: owner.authStore.record!.id }, base: null }] }
		});
		expect(pushed.rejected).toEqual([]);
		const top = await owner.send(`/api/crm/stats/products?from=${day}&to=${day}&segment=${seg}`, {});
		expect(top.products.map((p: { product_id: string; name: string; image_url: string }) => [p.product_id, p.name, p.image_url]).sort()).toEqual([
			[P(1), '羊毛围巾（灰）', 'https://img.shop.test/1.jpg'],
			[P(2), '皮手套', '']
		]);
	});
});

describe('products learned from the events', () => {
	it('a product event’s own name, picture and link fill the catalogue, never over a product the API sent', async () => {
		const now = Date.now();
		const cust = `pl-${run}`;
		const events = [
			{
				id: `l1-${run}`,
				type: 'product_view',
				time: now - 3000,
				customer_id: cust,
				product_id: P(20),
				category: '帽子',
				price: 59,
				properties: { product_name: '旧名字', image_url: 'https://img.shop.test/20.jpg' }
			},
			{ id: `l2-${run}`, type: 'add_to_cart', time: now - 2000, customer_id: cust, product_id: P(20), price: 59, properties: { product_name: '针织帽', product_url: 'https://shop.test/p/20' } },
			// The catalogue's own product: the event does not rename it.
			{ id: `l3-${run}`, type: 'product_view', time: now - 1000, customer_id: cust, product_id: P(1), properties: { product_name: '事件里的名字' } },
			// A name too long is not the catalogue's.
			{ id: `l4-${run}`, type: 'product_view', time: now - 500, customer_id: cust, product_id: P(21), properties: { product_name: 'x'.repeat(300) } }
		];
		const sent = await fetch(`${url()}/api/crm/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${serverKey}` }, body: JSON.stringify({ events }) });
		expect(sent.status).toBe(200);
		const refreshed = await owner.send('/api/crm/stats/rfm/refresh', { method: 'POST' });
		expect(refreshed.products_learned).toBeGreaterThanOrEqual(1);
		const list = await owner.collection('products').getFullList({ filter: `product_id = "${P(20)}" || product_id = "${P(1)}" || product_id = "${P(21)}"`, sort: 'product_id' });
		expect(list.map((p) => ({ product_id: p.product_id, name: p.name, source: p.source }))).toEqual([
			{ product_id: P(1), name: '羊毛围巾（灰）', source: 'api' },
			{ product_id: P(20), name: '针织帽', source: 'events' }
		]);
		expect(list[1]).toMatchObject({ category: '', price: 59, image_url: '', shop_url: 'https://shop.test/p/20' });
		// Sent later by the API, the product becomes the catalogue's.
		expect((await byKey(serverKey, { products: [{ product_id: P(20), name: '羊毛针织帽' }] })).body).toMatchObject({ updated: 1 });
		expect((await owner.collection('products').getFirstListItem(`product_id = "${P(20)}"`)).source).toBe('api');
	});
});
