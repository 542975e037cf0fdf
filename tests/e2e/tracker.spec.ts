// tracker.js in a real browser against a real server, through the demo shop: events made online,
// offline, across a reload with the server unreachable and across a page hide (beacon) all arrive
// exactly once; with consent required nothing is sent or stored before consent.
import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { startCuttableProxy, type CuttableProxy } from '../fixtures/cuttable-proxy';
import { goOffline, goOnline, PHONE } from './fixtures';

type Staff = Awaited<ReturnType<typeof seedStaff>>['staff'];
type Queued = { id: string; type: string; customer_id?: string; customer_sig?: string; total?: number };

// A server of its own: the figures checked below must not include other tests' events.
const test = base.extend<object, { shop: RunningServer & { staff: Staff; ownerToken: string; managerToken: string; browserKey: string; serverKey: string } }>({
	shop: [
		// eslint-disable-next-line no-empty-pattern -- Playwright reads the fixtures a fixture needs from this destructuring
		async ({}, use) => {
			const server = await startServer();
			const { staff, ownerToken } = await seedStaff(server.url);
			const managerToken = (await api(server.url, '/api/collections/staff/auth-with-password', { identity: staff.manager.email, password: staff.manager.password })).token;
			const browserKey = (await api(server.url, '/api/crm/shop-sources', { name: 'e2e shop pages', kind: 'browser' }, ownerToken)).key;
			const serverKey = (await api(server.url, '/api/crm/shop-sources', { name: 'e2e shop back end', kind: 'server' }, ownerToken)).key;
			await use({ ...server, staff, ownerToken, managerToken, browserKey, serverKey });
			await server.stop();
		},
		{ scope: 'worker' }
	]
});

async function api(url: string, path: string, body?: unknown, token?: string) {
	const res = await fetch(url + path, {
		method: body === undefined ? 'GET' : 'POST',
		headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const json = await res.json();
	if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
	return json;
}

interface Shopper {
	context: BrowserContext;
	page: Page;
	proxy: CuttableProxy;
	/** every event tracker.js queued, in order (across page loads) */
	queued: Queued[];
	/** requests to the events endpoint that left the browser */
	requests: string[];
}

async function openShop(browser: import('@playwright/test').Browser, port: number): Promise<Shopper> {
	const proxy = await startCuttableProxy(port);
	const context = await browser.newContext({ baseURL: proxy.url, viewport: PHONE, locale: 'zh-CN' });
	const queued: Queued[] = [];
	const requests: string[] = [];
	await context.exposeBinding('__queued', (_src, e: Queued) => void queued.push(e));
	await context.addInitScript(() => addEventListener('crm:event', (e) => (window as unknown as { __queued(d: unknown): void }).__queued((e as CustomEvent).detail)));
	context.on('request', (r) => {
		if (r.url().includes('/api/crm/events')) requests.push(`${r.method()} ${r.resourceType()}`);
	});
	const page = await context.newPage();
	return { context, page, proxy, queued, requests };
}

const queueLength = (page: Page) => page.evaluate(() => (JSON.parse(localStorage.getItem('crm_q') || '[]') as unknown[]).length);
const crmKeys = (page: Page) =>
	page.evaluate(() =>
		Object.keys(localStorage)
			.filter((k) => k.startsWith('crm_'))
			.sort()
	);
const countByType = (events: { type: string }[]) => events.reduce<Record<string, number>>((a, e) => ((a[e.type] = (a[e.type] ?? 0) + 1), a), {});

async function overview(shop: { url: string; managerToken: string }) {
	return api(shop.url, '/api/crm/stats/overview', undefined, shop.managerToken) as Promise<Record<string, number>>;
}

async function funnelCounts(shop: { url: string; managerToken: string }): Promise<number[]> {
	const { steps } = await api(shop.url, '/api/crm/stats/funnel', undefined, shop.managerToken);
	return steps.map((x: { count: number }) => x.count);
}

async function openProduct(page: Page, name: string) {
	await page
		.getByRole('link', { name: new RegExp(name) })
		.first()
		.click();
	await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

test.describe.configure({ mode: 'serial' });
test.use({ actionTimeout: 10_000 });

test('consent required: nothing is sent or stored before consent, then what happened on the page arrives once', async ({ browser, shop }) => {
	const before = await overview(shop);
	const s = await openShop(browser, shop.port);
	const { page } = s;
	await page.goto(`/demo-shop/?key=${shop.browserKey}&consent=required`);
	const banner = page.getByRole('region', { name: '隐私设置' });
	await expect(banner).toBeVisible();
	await openProduct(page, '口红');
	await page.getByRole('button', { name: '加入购物车' }).click();
	await page.getByRole('searchbox', { name: '搜索商品' }).fill('耳机');
	await page.getByRole('button', { name: '搜索', exact: true }).click();
	await expect(page.getByRole('heading', { name: /搜索“耳机”/ })).toBeVisible();
	// A reload hides the page (no beacon may go out either) and drops what was held in memory.
	const beforeReload = s.queued.length;
	await page.reload();
	await openProduct(page, '降噪头戴耳机'); // from the search results
	await page.waitForTimeout(3000); // longer than the 2 s batching
	expect(s.requests).toEqual([]);
	expect(await crmKeys(page)).toEqual([]);
	// The server got nothing either (Playwright does not see requests made while a page unloads, such as beacons).
	expect(await overview(shop)).toMatchObject({ visitors: before.visitors, page_views: before.page_views });

	const heldSinceReload = s.queued.slice(beforeReload);
	await banner.getByRole('button', { name: '同意' }).click();
	await expect(banner).toBeHidden();
	await expect.poll(() => queueLength(page)).toBe(0);
	expect(await crmKeys(page)).toEqual(['crm_aid', 'crm_consent']);
	const after = await overview(shop);
	// Only this page load's events (page_view, product_view) were held; the ones before the reload are gone.
	expect(heldSinceReload.map((e) => e.type)).toEqual(['page_view', 'page_view', 'product_view']);
	expect(after.visitors - before.visitors).toBe(1);
	expect(after.page_views - before.page_views).toBe(2);
	expect(after.product_views - before.product_views).toBe(1);
	expect(after.carts - before.carts).toBe(0);

	// Refusing clears the id and the queue, and nothing more is sent.
	const sentSoFar = s.requests.length;
	await page.evaluate(() => (window as unknown as { crm: { consent(g: boolean): void } }).crm.consent(false));
	await page.getByRole('link', { name: '小满优选' }).click();
	await openProduct(page, '帆布鞋');
	await page.waitForTimeout(2500);
	expect(s.requests.length).toBe(sentSoFar);
	expect(await crmKeys(page)).toEqual(['crm_consent']);
	await s.context.close();
	await s.proxy.close();
});

test('every event arrives exactly once: online, offline, a reload with the server unreachable, a page hide', async ({ browser, shop }) => {
	test.setTimeout(120_000);
	const before = await overview(shop);
	const funnelBefore = await funnelCounts(shop);
	const s = await openShop(browser, shop.port);
	const { page } = s;
	const customerId = 'E2E-1001';

	// Online, anonymous: browse, add to the cart, search.
	await page.goto(`/demo-shop/?key=${shop.browserKey}&server_key=${shop.serverKey}`);
	await openProduct(page, '无线蓝牙耳机');
	await page.getByRole('button', { name: '加入购物车' }).click();
	await page.getByRole('searchbox', { name: '搜索商品' }).fill('茶');
	await page.getByRole('button', { name: '搜索', exact: true }).click();
	await expect.poll(() => queueLength(page)).toBe(0);
	const sentOnline = s.requests.length;
	expect(sentOnline).toBeGreaterThan(0);

	// Logging in needs the shop's server (it signs the customer id: docs/api/ingestion.md, "Identity").
	await page.getByLabel(/以顾客身份登录/).fill(customerId);
	await page.getByLabel('姓名').fill('测试顾客');
	await page.getByRole('button', { name: '登录' }).click();
	await expect(page.getByText(`已登录：${customerId}`)).toBeVisible();
	await expect.poll(() => queueLength(page)).toBe(0);
	const sentLoggedIn = s.requests.length;

	// Offline: more pages and the cart; all of it waits in localStorage, signed as the customer.
	const beforeOffline = s.queued.length;
	await goOffline({ context: s.context, page, proxy: s.proxy });
	await page.getByRole('link', { name: '小满优选' }).click();
	await openProduct(page, '口红');
	await page.getByRole('button', { name: '加入购物车' }).click();
	await page.getByRole('link', { name: /^购物车/ }).click();
	await page.getByRole('button', { name: '删除 无线蓝牙耳机' }).click();
	await page.waitForTimeout(2500);
	const waiting = await queueLength(page);
	expect(waiting).toBe(s.queued.length - beforeOffline);
	expect(waiting).toBeGreaterThanOrEqual(5);
	expect(s.queued.slice(beforeOffline).every((e) => e.customer_id === customerId && !!e.customer_sig)).toBe(true);
	expect(s.requests.length).toBe(sentLoggedIn);

	// Back online: the queue drains by itself.
	await goOnline({ context: s.context, page, proxy: s.proxy });
	await expect.poll(() => queueLength(page), { timeout: 15_000 }).toBe(0);

	// The server unreachable (the page still loads): events survive a reload and go out after it.
	await s.context.route('**/api/crm/events', (r) => r.abort('connectionrefused'));
	await page.getByRole('link', { name: '小满优选' }).click();
	await openProduct(page, '西湖龙井');
	await page.getByRole('button', { name: '加入购物车' }).click();
	await page.waitForTimeout(2500);
	expect(await queueLength(page)).toBeGreaterThanOrEqual(3);
	await page.reload();
	await expect(page.getByRole('heading', { level: 1, name: '西湖龙井' })).toBeVisible();
	expect(await queueLength(page)).toBeGreaterThanOrEqual(5);
	await s.context.unroute('**/api/crm/events');
	await expect.poll(() => queueLength(page), { timeout: 20_000 }).toBe(0);

	// Checkout, then the page is left at once: the tracker hands its queue to sendBeacon. The events
	// stay queued (a beacon can be lost) and are sent again later; the server keeps one copy.
	await page.getByRole('link', { name: /^购物车/ }).click();
	await page.getByRole('button', { name: '去结算' }).click();
	await expect(page.getByRole('heading', { name: '确认订单' })).toBeVisible();
	const checkoutsBefore = (await overview(shop)).checkouts;
	await page.goto('about:blank');
	// (Playwright does not see requests made while a page unloads; the server does.)
	await expect.poll(async () => (await overview(shop)).checkouts - checkoutsBefore).toBe(1);
	await page.goto('/demo-shop/#/checkout');
	await expect(page.getByRole('heading', { name: '确认订单' })).toBeVisible();
	const beaconed = await page.evaluate(() => (JSON.parse(localStorage.getItem('crm_q') || '[]') as { type: string; _b?: number }[]).filter((e) => e._b).map((e) => e.type));
	expect(beaconed).toEqual(['page_view', 'page_view', 'checkout_start']); // still queued, to be sent again

	// The order: in the demo the page plays the shop's back end and posts the purchase with the server key.
	await page.getByRole('button', { name: /提交订单/ }).click();
	await expect(page.getByRole('heading', { name: '下单成功' })).toBeVisible();
	await expect.poll(() => queueLength(page), { timeout: 30_000 }).toBe(0);

	// What the browser queued, each event once (ids are unique).
	const ids = s.queued.map((e) => e.id);
	expect(new Set(ids).size).toBe(ids.length);
	const sent = countByType(s.queued);
	expect(sent).toMatchObject({ identify: 1, add_to_cart: 3, remove_from_cart: 1, search: 1, checkout_start: 2 });

	// The CRM counted each of them exactly once, all for one shopper: the anonymous start was linked.
	const after = await overview(shop);
	const delta = (k: string) => after[k] - before[k];
	expect(delta('visitors')).toBe(1);
	expect(delta('page_views')).toBe(sent.page_view);
	expect(delta('product_views')).toBe(sent.product_view);
	expect(delta('carts')).toBe(sent.add_to_cart);
	expect(delta('checkouts')).toBe(sent.checkout_start);
	expect(delta('orders')).toBe(1);
	expect(delta('revenue')).toBeCloseTo(239 + 399, 2); // 口红 and 西湖龙井 (the earbuds were removed)
	const funnel = await funnelCounts(shop);
	expect(funnel.map((n, i) => n - funnelBefore[i])).toEqual([1, 1, 1, 1]); // viewed, carted, checked out, bought

	// The customer's timeline holds every event of the browser once, the anonymous ones included.
	const found = await api(shop.url, `/api/collections/customers/records?filter=${encodeURIComponent(`external_id="${customerId}"`)}`, undefined, shop.ownerToken);
	expect(found.items).toHaveLength(1);
	expect(found.items[0].name).toBe('测试顾客');
	const timeline = await api(shop.url, `/api/crm/customers/${found.items[0].id}/timeline`, undefined, shop.ownerToken);
	expect(s.queued.length + 1).toBeLessThanOrEqual(50);
	expect(countByType(timeline.events)).toEqual({ ...sent, purchase: 1 });
	const stored = timeline.events.map((e: { id: string }) => e.id).filter((id: string) => !id.startsWith('order-'));
	expect(stored.sort()).toEqual([...ids].sort()); // the sender's ids, each once
	expect(timeline.orders).toHaveLength(1);
	await s.context.close();
	await s.proxy.close();
});
