import PocketBase from 'pocketbase';
import { test, expect, everythingOnDevice, goOffline, goOnline, PHONE, TABLET, type Device, navTo } from './fixtures';
import { addDays, shopDay } from '../../src/lib/stats/range';
import { statsFormats } from '../../src/lib/stats/format';

// The analytics dashboard, the customer card's shop activity and Settings → Shop connections against
// the real server. The worker's server is shared by every test, so each test sends its own events
// with ids of its own, and the dashboard tests look at days of their own far in the past.

type Server = { url: string; staff: Record<string, { email: string; password: string }> };

async function ownerClient(server: Server) {
	const pb = new PocketBase(server.url);
	await pb.collection('staff').authWithPassword(server.staff.owner.email, server.staff.owner.password);
	return pb;
}

async function createKey(server: Server, name: string, kind: 'server' | 'browser' = 'server'): Promise<string> {
	const pb = await ownerClient(server);
	const res = await pb.send('/api/crm/shop-sources', { method: 'POST', body: { name, kind } });
	expect(res.key).toMatch(/^crm_sk_/);
	return res.key;
}

async function postEvents(url: string, key: string, events: unknown[]) {
	const res = await fetch(`${url}/api/crm/events`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify({ events })
	});
	return { status: res.status, body: await res.json() };
}

/** Noon of a shop day (UTC+8). */
const at = (day: string, hour = 12) => `${day}T${String(hour).padStart(2, '0')}:00:00+08:00`;

/**
 * Four shoppers over three days: two anonymous visitors (one leaves a cart), and two customers who
 * buy (one twice); one order is partly refunded.
 */
function shopWeek(R: string, D0: string) {
	const D1 = addDays(D0, 1);
	const D2 = addDays(D0, 2);
	const [a1, a2, c1, c2] = [`${R}-a1`, `${R}-a2`, `${R}-c1`, `${R}-c2`];
	const [p1, p2] = [`${R}-p1`, `${R}-p2`];
	let n = 0;
	const ev = (o: Record<string, unknown>) => ({ id: `${R}-e${++n}`, ...o });
	const events = [
		ev({ type: 'page_view', time: at(D0, 9), anonymous_id: a1, url: 'https://shop.example/' }),
		ev({ type: 'product_view', time: at(D0, 9), anonymous_id: a1, product_id: p1, category: '服饰', price: 50 }),
		ev({ type: 'product_view', time: at(D0, 10), anonymous_id: a2, product_id: p1, category: '服饰', price: 50 }),
		ev({ type: 'add_to_cart', time: at(D0, 10), anonymous_id: a2, product_id: p1, category: '服饰', price: 50 }),
		ev({ type: 'product_view', time: at(D0, 11), customer_id: c1, product_id: p1, category: '服饰', price: 50, traits: { name: `${R} 甲` } }),
		ev({ type: 'add_to_cart', time: at(D0, 11), customer_id: c1, product_id: p1, category: '服饰', price: 50, quantity: 2 }),
		ev({ type: 'checkout_start', time: at(D0, 11), customer_id: c1 }),
		ev({ type: 'purchase', time: at(D0, 12), customer_id: c1, order_id: `${R}-o1`, total: 100, items: [{ product_id: p1, category: '服饰', price: 50, quantity: 2 }] }),
		ev({ type: 'product_view', time: at(D1, 9), customer_id: c2, product_id: p2, category: '数码', price: 80, traits: { name: `${R} 乙` } }),
		ev({ type: 'add_to_cart', time: at(D1, 9), customer_id: c2, product_id: p2, category: '数码', price: 80 }),
		ev({ type: 'checkout_start', time: at(D1, 10), customer_id: c2 }),
		ev({ type: 'purchase', time: at(D1, 10), customer_id: c2, order_id: `${R}-o2`, total: 80, items: [{ product_id: p2, category: '数码', price: 80, quantity: 1 }] }),
		ev({ type: 'product_view', time: at(D1, 15), customer_id: c1, product_id: p2, category: '数码', price: 30 }),
		ev({ type: 'purchase', time: at(D1, 16), customer_id: c1, order_id: `${R}-o3`, total: 30, items: [{ product_id: p2, category: '数码', price: 30, quantity: 1 }] }),
		ev({ type: 'refund', time: at(D2, 10), customer_id: c1, order_id: `${R}-o1`, total: 20 })
	];
	// What the dashboard must show for D0..D2, worked out from the events above.
	const expected = {
		visitors: 4, // a1, a2, c1, c2
		orders: 3,
		revenue: 210,
		refunds: 20,
		net: 190,
		conversion: '75%', // 3 orders / 4 visitors
		aov: 70,
		repeat: '50%', // c1 of c1, c2
		funnel: { view: 4, cart: 3, checkout: 2, purchase: 2 },
		p2: { units: 2, revenue: 110, views: 2, carts: 1 },
		p1: { units: 2, revenue: 100, views: 3, carts: 2 },
		days: [D0, D1, D2]
	};
	return { events, expected, D1, D2 };
}

/** A canvas inside the element holds drawn (non-white) pixels. */
async function drawn(device: Device, selector: string) {
	return device.page
		.locator(selector)
		.locator('canvas')
		.first()
		.evaluate((c: HTMLCanvasElement) => {
			const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
			let colored = 0;
			for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && !(d[i] > 240 && d[i + 1] > 240 && d[i + 2] > 240)) colored++;
			return colored;
		});
}

/** Screenshots to look at (SCREENS_DIR keeps them out of test-results/, which every run empties). */
const SCREENS = process.env.SCREENS_DIR ?? 'test-results/screens';
const randomId = () => Array.from({ length: 15 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('');
const money = (n: number) => new RegExp(`¥\\s?${n.toLocaleString('en-US')}\\.00`);

for (const [name, viewport, back] of [
	['phone', PHONE, 300],
	['tablet', TABLET, 250]
] as const) {
	test(`a manager's dashboard shows the figures of the shop's events, and keeps them offline (${name})`, async ({ openAs, server }) => {
		const R = `an${name}${Date.now().toString(36)}`;
		const D0 = addDays(shopDay(Date.now()), -back);
		const { events, expected, D2 } = shopWeek(R, D0);
		const key = await createKey(server, `dashboard ${R}`);
		const sent = await postEvents(server.url, key, events);
		expect(sent, JSON.stringify(sent.body)).toMatchObject({ status: 200, body: { accepted: events.length, duplicates: 0, rejected: [] } });

		// A fixed segment with one of the two buyers, to look at its figures alone.
		const owner = await ownerClient(server);
		const c1 = await owner.collection('customers').getFirstListItem(`external_id="${R}-c1"`);
		const manager = new PocketBase(server.url);
		await manager.collection('staff').authWithPassword(server.staff.manager.email, server.staff.manager.password);
		const segmentName = `${R} 甲组`;
		const seg = { id: randomId(), name: segmentName, kind: 'static', owner: manager.authStore.record!.id, shared: false, members: [c1.id] };
		const pushed = await manager.send('/api/crm/sync/segments/push', { method: 'POST', body: { rows: [{ doc: seg, base: null }] } });
		expect(pushed.rejected).toEqual([]);

		const device = await openAs('manager', { viewport });
		const { page } = device;
		await navTo(page, '分析');
		await expect(page.getByRole('heading', { name: '数据分析', level: 1 })).toBeVisible();
		await expect(page.getByTestId('as-of')).toContainText('数据截至');

		// The three days, chosen as a custom range.
		await page.getByLabel('时间范围', { exact: true }).selectOption('custom');
		await page.getByLabel('开始', { exact: true }).fill(D0);
		await page.getByLabel('结束', { exact: true }).fill(D2);
		await page.getByRole('button', { name: '查看' }).click();
		await expect(page).toHaveURL(new RegExp(`from=${D0}&to=${D2}`));

		await expect(page.getByTestId('kpi-orders')).toContainText(String(expected.orders));
		await expect(page.getByTestId('kpi-visitors').locator('.value')).toHaveText(String(expected.visitors));
		await expect(page.getByTestId('kpi-orders').locator('.value')).toHaveText(String(expected.orders));
		await expect(page.getByTestId('kpi-revenue').locator('.value')).toHaveText(money(expected.revenue));
		await expect(page.getByTestId('kpi-net_revenue').locator('.value')).toHaveText(money(expected.net));
		await expect(page.getByTestId('kpi-net_revenue')).toContainText(money(expected.refunds));
		await expect(page.getByTestId('kpi-conversion').locator('.value')).toHaveText(expected.conversion);
		await expect(page.getByTestId('kpi-aov').locator('.value')).toHaveText(money(expected.aov));
		await expect(page.getByTestId('kpi-repeat_rate').locator('.value')).toHaveText(expected.repeat);

		const funnel = page.getByTestId('funnel-table');
		for (const [step, count] of Object.entries(expected.funnel)) {
			await expect(funnel.locator(`tr[data-step="${step}"] td`).first()).toHaveText(String(count));
		}
		await expect(funnel.locator('tr[data-step="cart"] td').nth(1)).toHaveText('75%');
		await expect(funnel.locator('tr[data-step="purchase"] td').nth(2)).toHaveText('50%');

		const products = page.getByTestId('products-table');
		await expect(products.locator('tbody tr').first()).toHaveAttribute('data-product', `${R}-p2`); // top by revenue
		for (const p of ['p1', 'p2'] as const) {
			const cells = products.locator(`tr[data-product="${R}-${p}"] td`);
			await expect(cells.nth(0)).toHaveText(money(expected[p].revenue));
			await expect(cells.nth(1)).toHaveText(String(expected[p].units));
			await expect(cells.nth(2)).toHaveText(String(expected[p].views));
			await expect(cells.nth(3)).toHaveText(String(expected[p].carts));
		}
		await expect(page.getByTestId('categories-table')).toContainText('数码');

		// Daily figures, one row per day of the range.
		await page.getByText('每日数据（3 天）').click();
		const daily = page.locator('details.numbers tbody tr');
		await expect(daily).toHaveCount(3);
		await expect(daily.nth(0).locator('td').nth(1)).toHaveText('1');
		await expect(daily.nth(1).locator('td').nth(1)).toHaveText('2');
		await expect(daily.nth(1).locator('td').nth(2)).toHaveText(money(110));
		await page.getByText('每日数据（3 天）').click();

		// The charts are drawn.
		for (const section of ['funnel-table', 'products-table']) {
			const region = page.locator('section', { has: page.getByTestId(section) });
			expect(
				await region
					.locator('canvas')
					.first()
					.evaluate((c: HTMLCanvasElement) => c.width)
			).toBeGreaterThan(100);
		}
		expect(await drawn(device, 'section:has([data-testid="funnel-table"])')).toBeGreaterThan(100);
		await expect(page.getByTestId('rfm-grid')).toBeVisible();
		await page.screenshot({ path: `${SCREENS}/analytics-${name}.png`, fullPage: true });
		for (const [part, testid] of [
			['funnel', 'funnel-table'],
			['rfm', 'rfm-grid'],
			['cohorts', 'cohorts-table'],
			['products', 'products-table']
		]) {
			await page.locator('section', { has: page.getByTestId(testid) }).screenshot({ path: `${SCREENS}/analytics-${name}-${part}.png` });
		}
		await page.evaluate(() => scrollTo(0, 0));
		await page.screenshot({ path: `${SCREENS}/analytics-${name}-top.png` });

		// Only the segment's customer: c1's two orders (100 + 30), one shopper through every step; views and carts are not kept per customer.
		await page.getByLabel('客户范围', { exact: true }).selectOption({ label: segmentName });
		await expect(page.getByText(`只统计“${segmentName}”中的客户`)).toBeVisible();
		await expect(page.getByTestId('kpi-orders').locator('.value')).toHaveText('2');
		await expect(page.getByTestId('kpi-revenue').locator('.value')).toHaveText(money(130));
		await expect(page.getByTestId('kpi-visitors').locator('.value')).toHaveText('1');
		await expect(page.getByTestId('funnel-table').locator('tr[data-step="purchase"] td').first()).toHaveText('1');
		await expect(page.getByTestId('products-table').locator(`tr[data-product="${R}-p1"] td`).nth(2)).toHaveText('—');
		await page.getByLabel('客户范围', { exact: true }).selectOption({ label: '全部访客' });
		await expect(page.getByTestId('kpi-orders').locator('.value')).toHaveText(String(expected.orders));

		// Offline, after a reload: the same figures, from the device, with the time they are from.
		await goOffline(device);
		await page.reload();
		await expect(page.getByTestId('as-of')).toContainText(/离线 — 数据截至 \d+月\d+日 \d\d:\d\d/);
		await expect(page.getByTestId('kpi-orders').locator('.value')).toHaveText(String(expected.orders));
		await expect(page.getByTestId('kpi-revenue').locator('.value')).toHaveText(money(expected.revenue));
		await expect(page.getByTestId('funnel-table').locator('tr[data-step="view"] td').first()).toHaveText(String(expected.funnel.view));
		await page.screenshot({ path: `${SCREENS}/analytics-${name}-offline.png` });

		// A period never opened on this device: said so, in words.
		await page.getByLabel('时间范围', { exact: true }).selectOption('7d');
		await expect(page.getByTestId('analytics-error')).toContainText('当前离线，本设备上还没有保存这些数据');
	});
}

test('sales reps and service agents have no analytics: no menu entry, a clear message, and the API refuses them', async ({ openAs, server }) => {
	for (const who of ['sales', 'agent'] as const) {
		const { page } = await openAs(who, { viewport: PHONE });
		const nav = page.getByRole('navigation', { name: '主导航' });
		await expect(nav.getByRole('link', { name: '设置' })).toBeVisible();
		await expect(nav.getByRole('link', { name: '分析' })).toHaveCount(0);
		await page.goto('/analytics');
		await expect(page.getByTestId('analytics-refused')).toHaveText('数据分析仅供经理和管理员使用。如需这些数据，请联系您的经理。');
		await expect(page.getByTestId('kpi-orders')).toHaveCount(0);

		const pb = new PocketBase(server.url);
		await pb.collection('staff').authWithPassword(server.staff[who].email, server.staff[who].password);
		await expect(pb.send('/api/crm/stats/overview', {})).rejects.toMatchObject({ status: 403 });
	}
	// The manager has the entry; the owner too, and the phone's tab bar still fits every entry.
	const { page } = await openAs('owner', { viewport: PHONE, locale: 'en-US' });
	const nav = page.getByRole('navigation', { name: /主导航|Main navigation/ });
	await expect(nav.getByRole('link', { name: /^(分析|Analytics)$/ })).toBeVisible();
	for (const link of await nav.getByRole('link').all()) {
		const box = (await link.boundingBox())!;
		expect(box.width).toBeGreaterThanOrEqual(44);
		// The label is whole (not cut short with an ellipsis) and inside its tab.
		expect(await link.locator('span').evaluate((s) => s.scrollWidth <= s.clientWidth)).toBe(true);
		const label = (await link.locator('span').boundingBox())!;
		expect(label.x).toBeGreaterThanOrEqual(box.x);
		expect(label.x + label.width).toBeLessThanOrEqual(box.x + box.width);
	}
	await page.screenshot({ path: `${SCREENS}/analytics-nav-owner-phone.png` });
});

test('the customer card shows the shop activity and orders, and keeps them offline', async ({ openAs, server }) => {
	const R = `tl${Date.now().toString(36)}`;
	const key = await createKey(server, `timeline ${R}`);
	const now = Date.now();
	const c = `${R}-c`;
	const other = `${R}-d`;
	const events = [
		{ id: `${R}-1`, type: 'product_view', time: now - 3 * 3600_000, customer_id: c, product_id: `${R}-tea`, category: '茶叶', price: 88, traits: { name: `${R} 时间线` } },
		{ id: `${R}-2`, type: 'search', time: now - 3 * 3600_000 + 60_000, customer_id: c, query: '龙井' },
		{ id: `${R}-3`, type: 'add_to_cart', time: now - 2 * 3600_000, customer_id: c, product_id: `${R}-tea`, category: '茶叶', price: 88 },
		{ id: `${R}-4`, type: 'purchase', time: now - 3600_000, customer_id: c, order_id: `${R}-o1`, total: 88, items: [{ product_id: `${R}-tea`, category: '茶叶', price: 88, quantity: 1 }] },
		{ id: `${R}-5`, type: 'page_view', time: now - 3600_000, customer_id: other, url: 'https://shop.example/', traits: { name: `${R} 未打开` } }
	];
	const sent = await postEvents(server.url, key, events);
	expect(sent.body).toMatchObject({ accepted: events.length, rejected: [] });

	const device = await openAs('manager', { viewport: PHONE });
	const { page } = device;
	await page.getByLabel('搜索客户').fill(`${R} 时间线`);
	await page.getByRole('link', { name: new RegExp(`${R} 时间线`) }).click();
	const timeline = page.getByTestId('shop-timeline');
	await expect(timeline.getByRole('heading', { name: '店铺行为' })).toBeVisible();
	await expect(timeline.getByTestId('timeline-orders')).toContainText(`订单 ${R}-o1`);
	await expect(timeline.getByTestId('timeline-orders')).toContainText('¥88.00');
	await expect(timeline.getByTestId('timeline-events')).toContainText(`浏览了商品 ${R}-tea`);
	await expect(timeline.getByTestId('timeline-events')).toContainText('搜索了“龙井”');
	await expect(timeline.getByTestId('timeline-events')).toContainText(`将 ${R}-tea 加入购物车`);
	await expect(timeline).toContainText('截至');
	await timeline.scrollIntoViewIfNeeded();
	await page.screenshot({ path: `${SCREENS}/timeline-phone.png` });

	await goOffline(device);
	await page.reload();
	await expect(timeline.getByTestId('timeline-orders')).toContainText(`订单 ${R}-o1`);
	await expect(timeline).toContainText('离线 — 数据截至');
	// Kept sealed under the device key (issue 13): the phone's storage, read directly, has none of it.
	expect(await everythingOnDevice(page)).not.toContain(`${R}-o1`);
	expect(await everythingOnDevice(page, { opened: true })).toContain(`${R}-o1`);

	// A customer whose activity was never loaded on this device: a quiet note, not an error.
	await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '客户', exact: true }).click();
	await page.getByLabel('搜索客户').fill(`${R} 未打开`);
	await page.getByRole('link', { name: new RegExp(`${R} 未打开`) }).click();
	await expect(page.getByTestId('shop-timeline')).toContainText('离线时不可用');
	await expect(page.getByTestId('shop-timeline').getByRole('alert')).toHaveCount(0);

	// Signing out removes the kept figures with the rest of the user's data.
	await goOnline(device);
	expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('crm:stats:')).length)).toBeGreaterThan(0);
	await navTo(page, '设置');
	await page.getByRole('button', { name: '退出登录' }).click();
	await expect(page).toHaveURL(/\/login$/);
	expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('crm:stats:')))).toEqual([]);
});

test('an administrator creates a shop key (shown once), and a revoked key is refused', async ({ openAs, server }) => {
	const name = `网店后台 ${Date.now().toString(36)}`;
	const device = await openAs('owner', { viewport: PHONE });
	const { page, context } = device;
	await context.grantPermissions(['clipboard-read', 'clipboard-write']);
	await navTo(page, '设置');
	const section = page.getByRole('region', { name: '店铺连接' });
	await expect(section).toBeVisible();

	// A name is needed.
	await section.getByRole('button', { name: '创建密钥' }).click();
	await expect(section.getByText('请为密钥填写名称。')).toBeVisible();

	await section.getByLabel('名称').fill(name);
	await section.getByLabel(/服务器密钥/).check();
	await section.getByRole('button', { name: '创建密钥' }).click();
	const shown = section.getByTestId('new-key');
	await expect(shown).toContainText('密钥只显示这一次');
	const key = await shown.getByLabel('新密钥').inputValue();
	expect(key).toMatch(/^crm_sk_.{33}$/);
	await shown.getByRole('button', { name: '复制', exact: true }).click();
	await expect(shown.getByRole('button', { name: '已复制', exact: true })).toBeVisible();
	expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
	await shown.scrollIntoViewIfNeeded();
	await page.screenshot({ path: `${SCREENS}/shop-key-phone.png` });

	// The key works.
	const ok = await postEvents(server.url, key, [{ id: `k-${Date.now()}`, type: 'page_view', time: Date.now(), anonymous_id: `anon-${Date.now()}` }]);
	expect(ok.status).toBe(200);
	expect(ok.body.accepted).toBe(1);

	// Once dismissed, the key is not shown again: only its first characters.
	await shown.getByRole('button', { name: '我已复制' }).click();
	await expect(section.getByTestId('new-key')).toHaveCount(0);
	await page.reload();
	const row = page.getByTestId('shop-source').filter({ hasText: name });
	await expect(row).toContainText(key.slice(0, 10));
	await expect(page.getByText(key)).toHaveCount(0);
	await expect(row).toContainText('最近使用');

	// Revoked (after confirming), refused at once.
	page.once('dialog', (d) => {
		expect(d.message()).toContain(name);
		d.accept();
	});
	await row.getByRole('button', { name: `吊销“${name}”` }).click();
	await expect(page.getByRole('status').filter({ hasText: `“${name}”已吊销` })).toBeVisible();
	await expect(row).toContainText('已吊销');
	await page.screenshot({ path: `${SCREENS}/shop-revoked-phone.png`, fullPage: true });
	const refused = await postEvents(server.url, key, [{ id: `k2-${Date.now()}`, type: 'page_view', time: Date.now(), anonymous_id: 'x' }]);
	expect(refused.status).toBe(401);
	expect(refused.body.code).toBe('key_revoked');
});

test('a manager computes predicted value on a phone; the analytics and a customer’s card show the server’s figures, and the card keeps them offline', async ({ openAs, server }) => {
	test.setTimeout(90_000);
	const R = `pv${Date.now().toString(36)}`;
	const key = await createKey(server, `history ${R}`);
	const DAY = 86_400_000;
	const now = Date.now();
	// 130 shoppers' order history: a quarter bought once, some every month until last week, some who
	// bought three times in quick succession half a year or more ago and never again (the ones at risk).
	const events: Record<string, unknown>[] = [];
	for (let i = 0; i < 130; i++) {
		const c = `${R}-${i}`;
		const kind = i % 4;
		const first = 200 + ((i * 37) % 300);
		const days =
			kind === 0
				? [first]
				: kind === 1
					? Array.from({ length: Math.floor(first / 30) }, (_, k) => first - 30 * k).concat([3 + (i % 5)])
					: kind === 2
						? [first, first - 8, first - 16]
						: [first, first - 60];
		events.push({ id: `${c}-id`, type: 'identify', time: now - (first + 1) * DAY, customer_id: c, traits: { name: `${R} 顾客${i}` } });
		days.forEach((d, k) => events.push({ id: `${c}-o${k}`, type: 'purchase', time: now - d * DAY, customer_id: c, order_id: `${c}-order-${k}`, total: 80 + ((i * 13 + k * 7) % 120) }));
	}
	for (let i = 0; i < events.length; i += 500) {
		const res = await fetch(`${server.url}/api/crm/events?backfill=1`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
			body: JSON.stringify(events.slice(i, i + 500))
		});
		expect(res.status).toBe(200);
	}
	const manager = new PocketBase(server.url);
	await manager.collection('staff').authWithPassword(server.staff.manager.email, server.staff.manager.password);
	const f = statsFormats('zh-CN');

	const device = await openAs('manager', { viewport: PHONE });
	const { page } = device;
	await navTo(page, '分析');
	const section = page.getByRole('region', { name: '预测价值' });
	await section.getByRole('button', { name: '重新计算预测' }).click();
	await expect(section.getByTestId('pv-shop-churn')).toBeVisible({ timeout: 20_000 });
	// Agreement: the tiles are the server's model, as fitted just now.
	const model = await manager.send('/api/crm/clv', {});
	expect(model.status).toBe('ready');
	await expect(section.getByTestId('pv-shop-value-12m')).toContainText(f.moneyTile(model.totals.value_12m));
	await expect(section.getByTestId('pv-shop-lifetime')).toContainText(f.moneyTile(model.totals.lifetime));
	await expect(section.getByTestId('pv-shop-churn')).toContainText(f.num(model.totals.churn_risk));
	await expect(section).toContainText(`根据 ${f.num(model.customers)} 位顾客（其中 ${f.num(model.repeat_buyers)} 位复购）`);
	// By RFM group: each row the server's sum.
	const groups = section.getByTestId('pv-by-rfm').getByRole('row');
	await expect(groups).toHaveCount(1 + model.by_rfm.length);
	await expect(groups.nth(1)).toContainText(f.money(model.by_rfm[0].value_12m));
	await expect(groups.nth(1)).toContainText(f.num(model.by_rfm[0].churn_risk));
	const rows = section.getByTestId('pv-at-risk').getByRole('listitem');
	await expect(rows).toHaveCount(model.at_risk.length);
	await expect(rows.first()).toContainText(model.at_risk[0].name);
	await expect(rows.first()).toContainText(f.money(model.at_risk[0].total_spend));
	await expect(rows.first()).toContainText(f.pct(model.at_risk[0].p_alive));
	await section.scrollIntoViewIfNeeded();
	await page.screenshot({ path: `${SCREENS}/prediction-analytics-phone.png`, fullPage: false });

	// A shopper who stopped: the card says so, with the server's figures.
	const stopped = `${R} 顾客2`;
	const id = (await manager.collection('customers').getFullList({ filter: `external_id = "${R}-2"` }))[0].id;
	const mine = await manager.send(`/api/crm/customers/${id}/prediction`, {});
	expect(mine.prediction.churn_risk).toBe(true);
	await navTo(page, '客户');
	await page.getByLabel('搜索客户').fill(stopped);
	await page
		.getByRole('link', { name: new RegExp(`${stopped}$`) })
		.first()
		.click();
	const card = page.getByTestId('customer-prediction');
	await expect(card.getByTestId('pv-value-12m')).toHaveText(f.money(mine.prediction.value_12m));
	await expect(card.getByTestId('pv-p-alive')).toHaveText(f.pct(mine.prediction.p_alive));
	await expect(card).toContainText('有流失风险');
	await card.scrollIntoViewIfNeeded();
	await page.screenshot({ path: `${SCREENS}/prediction-card-phone.png` });

	await goOffline(device);
	await page.reload();
	await expect(card.getByTestId('pv-value-12m')).toHaveText(f.money(mine.prediction.value_12m));
	await expect(card).toContainText('本设备保存的数据');
	await goOnline(device);
});
