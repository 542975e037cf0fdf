// Campaigns as a manager and shoppers meet them (issue "Marketing campaigns", acceptance): a manager
// drafts a campaign offline on a phone, reconnects and publishes it; the demo shop shows the on-site
// banner to a shopper of the audience, and not to one held out or to one outside the audience.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from '@playwright/test';
import { test, expect, goOffline, goOnline, PHONE, navTo, waitForServiceWorker } from './fixtures';
import { effect, moments, pooled, type GroupFigures } from '../../src/lib/shared/effect';
import { statsFormats } from '../../src/lib/stats/format';

async function api(url: string, method: string, path: string, token: string, body?: unknown) {
	const res = await fetch(url + path, { method, headers: { 'content-type': 'application/json', authorization: token }, body: body === undefined ? undefined : JSON.stringify(body) });
	const json = await res.json();
	if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
	return json;
}

const id15 = () => Array.from({ length: 15 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('');

async function shopper(browser: Browser, baseURL: string, key: string, shopId: string): Promise<Page> {
	const context = await browser.newContext({ baseURL, viewport: PHONE, locale: 'zh-CN' });
	const page = await context.newPage();
	await page.goto(`/demo-shop/?key=${key}`);
	await page.getByLabel(/以顾客身份登录/).fill(shopId);
	await page.getByRole('button', { name: '登录' }).click();
	await expect(page.getByText(`已登录：${shopId}`)).toBeVisible();
	// The next page view asks whether a campaign has something for this shopper.
	await page.reload();
	return page;
}

test('a manager drafts a campaign offline on a phone, publishes it online; the banner shows for the audience, not the holdout or others', async ({ browser, server, openAs }) => {
	test.setTimeout(120_000);
	const owner = await api(server.url, 'POST', '/api/collections/staff/auth-with-password', '', { identity: server.staff.owner.email, password: server.staff.owner.password });
	const manager = await api(server.url, 'POST', '/api/collections/staff/auth-with-password', '', { identity: server.staff.manager.email, password: server.staff.manager.password });
	const browserKey = (await api(server.url, 'POST', '/api/crm/shop-sources', owner.token, { name: 'demo pages', kind: 'browser' })).key;
	const stamp = Date.now().toString(36);
	const people = ['A', 'B', 'C'].map((x) => ({ id: id15(), name: `活动顾客${x}`, external_id: `E2E-CAMP-${x}-${stamp}`, marketing_consent: true, consent_how: 'web_form' }));
	await api(server.url, 'POST', '/api/crm/sync/customers/push', manager.token, { rows: people.map((doc) => ({ doc, base: null })) });
	const segmentName = `活动分组 ${stamp}`;
	await api(server.url, 'POST', '/api/crm/sync/segments/push', manager.token, {
		rows: [{ doc: { id: id15(), name: segmentName, kind: 'static', members: [people[0].id, people[1].id], owner: server.staff.manager.id, shared: true }, base: null }]
	});

	// The manager on a phone, offline on the way to a meeting.
	const device = await openAs('manager', { viewport: PHONE });
	const { page } = device;
	await page.getByTestId('sync-indicator').click();
	await expect(page.getByText(/上次同步/)).toBeVisible();
	await page.getByTestId('sync-indicator').click();
	await goOffline(device);
	await navTo(page, '营销活动');
	await page.getByRole('button', { name: /新建活动/ }).click();
	await page.getByLabel('活动名称').fill(`周末站内横幅 ${stamp}`);
	await page.getByLabel('发送给客户分组').selectOption({ label: segmentName });
	await page.getByLabel('对照组比例（%）').fill('50');
	await page.getByRole('button', { name: '下一步' }).click();
	await expect(page.getByLabel('优惠类型')).toHaveValue('none');
	await page.getByRole('button', { name: '下一步' }).click();
	await page.getByRole('checkbox', { name: /^站内消息/ }).check();
	await page.getByLabel('标题').fill('周末专享');
	await page.getByLabel('消息内容').fill('{{name}}，本周末全场包邮');
	await page.getByLabel('按钮文字').fill('去逛逛');
	await page.getByLabel('按钮链接').fill('https://shop.example/weekend');
	await expect(page.getByLabel('预览')).toContainText('本周末全场包邮');
	await page.getByRole('button', { name: '下一步' }).click();
	await page.getByRole('button', { name: '下一步' }).click();
	await expect(page.getByRole('status').filter({ hasText: '已保存到本设备' })).toBeVisible();
	await expect(page.getByText('可以发布了。')).toBeVisible();
	await expect(page.getByText('计算受众需要联网。')).toBeVisible();
	await expect(page.getByRole('button', { name: '发布活动' })).toBeDisabled();
	await page.screenshot({ path: test.info().outputPath('campaign-review-offline.png'), fullPage: true });

	// Back online: the draft uploads, the review counts the recipients, the manager publishes.
	await goOnline(device);
	await page.getByTestId('sync-indicator').click();
	await expect(page.getByTestId('sync-pending')).toContainText('所有更改已上传', { timeout: 15_000 });
	await page.getByTestId('sync-indicator').click();
	await page.getByRole('button', { name: '重新计算' }).click();
	await expect(page.getByRole('row', { name: /对照组（不发送）\s*1/ })).toBeVisible();
	// Whether the holdout can show an effect: nobody in this audience bought in the last 30 days.
	await expect(page.getByTestId('holdout-power')).toContainText('过去 30 天购买率：0%（2 人中 0 人）');
	await expect(page.getByTestId('holdout-power')).toContainText('暂时无法估计');
	await page.screenshot({ path: test.info().outputPath('campaign-review-online.png'), fullPage: true });
	await page.getByRole('button', { name: '发布活动' }).click();
	await expect(page.getByRole('status').filter({ hasText: '已发布，正在发送。' })).toBeVisible();
	await expect(page.getByText('进行中').first()).toBeVisible({ timeout: 15_000 });
	await page.getByTestId('sync-indicator').click();
	await expect(page.getByTestId('sync-pending')).toContainText('所有更改已上传', { timeout: 15_000 });
	await page.screenshot({ path: test.info().outputPath('campaign-running.png'), fullPage: true });
	await page.getByTestId('sync-indicator').click();

	// Who was held out (drawn on the server, reproducibly).
	const campaigns = await api(server.url, 'GET', `/api/collections/campaigns/records?filter=${encodeURIComponent(`name ~ "${stamp}"`)}`, manager.token);
	const id = campaigns.items[0].id;
	const held = (await api(server.url, 'GET', `/api/crm/campaigns/${id}/recipients?channel=holdout`, manager.token)).items.map((r: { customer: string }) => r.customer);
	expect(held).toHaveLength(1);
	const treated = people.find((p) => p.id !== held[0] && p !== people[2])!;
	const heldOut = people.find((p) => p.id === held[0])!;

	const shop = server.url;
	const inAudience = await shopper(browser, shop, browserKey, treated.external_id);
	const banner = inAudience.getByRole('region', { name: '周末专享' });
	await expect(banner).toBeVisible({ timeout: 10_000 });
	await expect(banner).toContainText(`${treated.name}，本周末全场包邮`);
	await expect(banner.getByRole('link', { name: '去逛逛' })).toHaveAttribute('href', 'https://shop.example/weekend');
	await inAudience.screenshot({ path: test.info().outputPath('shop-banner.png') });
	for (const other of [heldOut, people[2]]) {
		const p = await shopper(browser, shop, browserKey, other.external_id);
		await p.waitForTimeout(2500);
		await expect(p.getByRole('region', { name: '周末专享' })).toHaveCount(0);
		await p.context().close();
	}
	// Seen and closed come back: the manager's recipients list shows it delivered.
	await banner.getByRole('button', { name: /关闭/ }).click();
	await expect(banner).toHaveCount(0);
	await expect
		.poll(async () => (await api(server.url, 'GET', `/api/crm/campaigns/${id}/recipients?channel=onsite`, manager.token)).items.find((r: { customer: string }) => r.customer === treated.id)?.status, {
			timeout: 15_000
		})
		.toBe('delivered');
	await inAudience.context().close();
});

test('a campaign’s chat message reaches an audience shopper in the chat widget on their next visit, not the holdout or others', async ({ browser, server }) => {
	test.setTimeout(90_000);
	const owner = await api(server.url, 'POST', '/api/collections/staff/auth-with-password', '', { identity: server.staff.owner.email, password: server.staff.owner.password });
	const manager = await api(server.url, 'POST', '/api/collections/staff/auth-with-password', '', { identity: server.staff.manager.email, password: server.staff.manager.password });
	const browserKey = (await api(server.url, 'POST', '/api/crm/shop-sources', owner.token, { name: 'demo pages (chat)', kind: 'browser' })).key;
	const stamp = Date.now().toString(36);
	const people = ['A', 'B', 'C'].map((x) => ({ id: id15(), name: `聊天顾客${x}`, external_id: `E2E-CHAT-${x}-${stamp}`, marketing_consent: true, consent_how: 'web_form' }));
	await api(server.url, 'POST', '/api/crm/sync/customers/push', manager.token, { rows: people.map((doc) => ({ doc, base: null })) });
	const segment = id15();
	await api(server.url, 'POST', '/api/crm/sync/segments/push', manager.token, {
		rows: [{ doc: { id: segment, name: `聊天分组 ${stamp}`, kind: 'static', members: [people[0].id, people[1].id], owner: server.staff.manager.id, shared: true }, base: null }]
	});
	const id = id15();
	const pushed = await api(server.url, 'POST', '/api/crm/sync/campaigns/push', manager.token, {
		rows: [
			{
				doc: {
					id,
					name: `聊天问候 ${stamp}`,
					kind: 'broadcast',
					state: 'draft',
					owner: server.staff.manager.id,
					channels: ['chat'],
					audience: { segment, holdout_pct: 50 },
					content: { chat: { body: '{{name}}，您收藏的商品降价了：https://shop.example/sale' } },
					offer: { type: 'none' },
					schedule: { quiet_from: '00:00', quiet_to: '00:00' }
				},
				base: null
			}
		]
	});
	expect(pushed.rejected).toEqual([]);
	await api(server.url, 'POST', `/api/crm/campaigns/${id}/publish`, manager.token);
	const held = (await api(server.url, 'GET', `/api/crm/campaigns/${id}/recipients?channel=holdout`, manager.token)).items.map((r: { customer: string }) => r.customer);
	expect(held).toHaveLength(1);
	const treated = people.find((p) => p.id !== held[0] && p !== people[2])!;
	const heldOut = people.find((p) => p.id === held[0])!;

	// Signed in on the shop: the chat, never used before, loads hidden and finds the message.
	const page = await shopper(browser, server.url, browserKey, treated.external_id);
	const launcher = page.getByRole('button', { name: /在线客服/ });
	const teaser = page.getByRole('status').filter({ hasText: '您收藏的商品降价了' });
	await expect(teaser).toBeVisible({ timeout: 15_000 });
	await expect(teaser).toContainText(`${treated.name}，您收藏的商品降价了`);
	await expect(launcher).toHaveAccessibleName('在线客服（1 条新消息）');
	await page.screenshot({ path: test.info().outputPath('shop-chat-teaser.png') });
	await teaser.click();
	const frame = page.frameLocator('iframe[title="在线客服"]');
	const message = frame.getByTestId('campaign-message');
	await expect(message).toContainText(`${treated.name}，您收藏的商品降价了`);
	await expect(message.getByRole('link', { name: 'https://shop.example/sale' })).toHaveAttribute('href', 'https://shop.example/sale');
	await expect(message).toContainText('来自店铺');
	await page.screenshot({ path: test.info().outputPath('shop-chat-campaign.png') });
	await expect
		.poll(async () => (await api(server.url, 'GET', `/api/crm/campaigns/${id}/recipients?channel=chat`, manager.token)).items.find((r: { customer: string }) => r.customer === treated.id)?.status, {
			timeout: 10_000
		})
		.toBe('delivered');
	// Seen: a new page keeps the message in the chat, without a teaser or a badge; closed, it is gone.
	await page.reload();
	await page.waitForTimeout(2000);
	await expect(teaser).toHaveCount(0);
	await expect(launcher).toHaveAccessibleName('在线客服');
	await launcher.click();
	await expect(message).toHaveCount(1);
	await message.getByRole('button', { name: '关闭这条消息' }).click();
	await expect(message).toHaveCount(0);
	await page.context().close();

	for (const other of [heldOut, people[2]]) {
		const p = await shopper(browser, server.url, browserKey, other.external_id);
		await p.waitForTimeout(3000);
		await expect(p.getByRole('status').filter({ hasText: '您收藏的商品降价了' })).toHaveCount(0);
		await p.getByRole('button', { name: /在线客服/ }).click();
		// The chat opens as it does for anyone: topics while staffed, the form to leave a message after hours.
		const widget = p.frameLocator('iframe[title="在线客服"]');
		await expect(widget.getByRole('heading', { name: '请问有什么可以帮您？' }).or(widget.getByRole('heading', { name: '客服现在不在线，请留言' }))).toBeVisible();
		await expect(p.frameLocator('iframe[title="在线客服"]').getByTestId('campaign-message')).toHaveCount(0);
		await p.context().close();
	}
});

test('a manager reads on a phone whether a campaign made buyers against its holdout; the figures match the events and open offline', async ({ server, openAs }) => {
	test.setTimeout(90_000);
	const owner = await api(server.url, 'POST', '/api/collections/staff/auth-with-password', '', { identity: server.staff.owner.email, password: server.staff.owner.password });
	const manager = await api(server.url, 'POST', '/api/collections/staff/auth-with-password', '', { identity: server.staff.manager.email, password: server.staff.manager.password });
	const serverKey = (await api(server.url, 'POST', '/api/crm/shop-sources', owner.token, { name: 'shop back end (effect)', kind: 'server' })).key;
	const stamp = Date.now().toString(36);
	const people = Array.from({ length: 30 }, (_, i) => ({ id: id15(), name: `效果顾客${i}`, external_id: `E2E-EFF-${i}-${stamp}`, marketing_consent: true, consent_how: 'web_form' }));
	await api(server.url, 'POST', '/api/crm/sync/customers/push', manager.token, { rows: people.map((doc) => ({ doc, base: null })) });
	// Bought before, some long ago: RFM groups, within which the holdout is drawn.
	const before = await fetch(`${server.url}/api/crm/events`, {
		method: 'POST',
		headers: { authorization: `Bearer ${serverKey}`, 'content-type': 'application/json' },
		body: JSON.stringify(
			people.map((p, i) => ({
				id: `eff-pre-${stamp}-${i}`,
				type: 'purchase',
				time: Date.now() - (1 + ((i * 37) % 300)) * 86_400_000,
				customer_id: p.external_id,
				order_id: `eff-pre-o-${stamp}-${i}`,
				total: 50 + ((i * 53) % 900)
			}))
		)
	});
	expect((await before.json()).rejected).toEqual([]);
	await api(server.url, 'POST', '/api/crm/stats/rfm/refresh', manager.token);
	const segment = id15();
	await api(server.url, 'POST', '/api/crm/sync/segments/push', manager.token, {
		rows: [{ doc: { id: segment, name: `效果分组 ${stamp}`, kind: 'static', members: people.map((p) => p.id), owner: server.staff.manager.id, shared: true }, base: null }]
	});
	const id = id15();
	await api(server.url, 'POST', '/api/crm/sync/campaigns/push', manager.token, {
		rows: [
			{
				doc: {
					id,
					name: `效果活动 ${stamp}`,
					kind: 'broadcast',
					state: 'draft',
					owner: server.staff.manager.id,
					channels: ['onsite'],
					audience: { segment, holdout_pct: 50 },
					content: { onsite: { body: '冬季上新' } },
					offer: { type: 'none' },
					cost: 200,
					schedule: { quiet_from: '00:00', quiet_to: '00:00' }
				},
				base: null
			}
		]
	});
	await api(server.url, 'POST', `/api/crm/campaigns/${id}/publish`, manager.token);
	let started = 0;
	await expect.poll(async () => (started = Date.parse((await api(server.url, 'GET', `/api/collections/campaigns/records/${id}`, manager.token)).started_at || 'x')) > 0).toBe(true);
	const held = new Set((await api(server.url, 'GET', `/api/crm/campaigns/${id}/recipients?channel=holdout&per_page=100`, manager.token)).items.map((r: { customer: string }) => r.customer));
	const treated = people.filter((p) => !held.has(p.id));
	const holdout = people.filter((p) => held.has(p.id));
	await new Promise((r) => setTimeout(r, 2500));
	// 12 of the campaign's customers and 5 of the holdout buy once; before buying, 4 of the 12 clicked
	// the banner and 1 saw it without a click.
	const buys = [...treated.slice(0, 12).map((p, i) => ({ p, total: 100 + i * 10 })), ...holdout.slice(0, 5).map((p, i) => ({ p, total: 90 + i * 5 }))];
	const onsiteRows = new Map<string, string>(
		(await api(server.url, 'GET', `/api/crm/campaigns/${id}/recipients?channel=onsite&per_page=100`, manager.token)).items.map((r: { customer: string; id: string }) => [r.customer, r.id])
	);
	const touch = (type: string, p: (typeof people)[number], i: number) => ({
		id: `eff-t-${stamp}-${type}-${i}`,
		type,
		time: started + 1000,
		customer_id: p.external_id,
		properties: { delivery: onsiteRows.get(p.id), campaign: id }
	});
	const touches = [...treated.slice(0, 4).map((p, i) => touch('campaign_click', p, i)), touch('campaign_impression', treated[4], 4)];
	const res = await fetch(`${server.url}/api/crm/events`, {
		method: 'POST',
		headers: { authorization: `Bearer ${serverKey}`, 'content-type': 'application/json' },
		body: JSON.stringify([
			...touches,
			...buys.map(({ p, total }, i) => ({ id: `eff-${stamp}-${i}`, type: 'purchase', time: started + 1500, customer_id: p.external_id, order_id: `eff-o-${stamp}-${i}`, total }))
		])
	});
	expect((await res.json()).rejected).toEqual([]);

	// The same figures worked out here from what was sent.
	const revenue = (group: typeof people) => group.map((p) => buys.find((b) => b.p === p)?.total ?? 0);
	const group = (g: typeof people, n: number) => ({ recipients: g.length, converted: n, orders: n, revenue: moments(revenue(g)) });
	const want = effect(group(treated, 12), group(holdout, 5), 0.3, 200);
	const pts = (v: number) => `${v >= 0 ? '+' : '−'}${new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 1 }).format(Math.abs(v * 100))} 个百分点`;

	const device = await openAs('manager', { viewport: PHONE });
	const { page } = device;
	await page.goto(`/campaigns/${id}`);
	const card = page.getByTestId('campaign-effect');
	await expect(card.getByRole('row', { name: /活动组/ })).toContainText(
		`${treated.length}12${new Intl.NumberFormat('zh-CN', { style: 'percent', maximumFractionDigits: 1 }).format(12 / treated.length)}`
	);
	await expect(card.getByRole('row', { name: /对照组/ })).toContainText(`${holdout.length}5`);
	// visited: the buyers (their purchases are visits; the banner's own impressions and clicks are not)
	const pct = (v: number) => new Intl.NumberFormat('zh-CN', { style: 'percent', maximumFractionDigits: 1 }).format(v);
	await expect(card.getByTestId('effect-visited')).toHaveText(`窗口期内访问过店铺：活动组 ${pct(12 / treated.length)}（12 人），对照组 ${pct(5 / holdout.length)}（5 人）。`);
	await expect(card.getByTestId('effect-uplift')).toContainText(pts(want.conversion.uplift.estimate));
	await expect(card.getByTestId('effect-uplift')).toContainText(`95% 区间 ${pts(want.conversion.uplift.low)} 至 ${pts(want.conversion.uplift.high)}`);
	await expect(card.getByTestId('effect-verdict')).toHaveText(want.conclusive.conversion ? '与不做活动相比，活动带来了更多购买。' : /尚无定论/);
	const f = statsFormats('zh-CN');
	await expect(card.getByTestId('effect-revenue')).toContainText(
		`+${f.money(want.incrementalRevenue.estimate)} （95% 区间 +${f.money(want.incrementalRevenue.low)} 至 +${f.money(want.incrementalRevenue.high)}）`
	);
	// By RFM group: every customer of the campaign is in one of the rows.
	const byRfm = card.getByTestId('effect-by-rfm');
	await expect(byRfm.getByRole('listitem').first()).toBeVisible();
	const lines = await byRfm.getByRole('listitem').allInnerTexts();
	expect(lines.reduce((sum, l) => sum + Number(/共 (\d+) 位客户/.exec(l)?.[1] ?? 0), 0)).toBe(people.length); // a group on one side only is listed too
	// Orders attributed: the 4 who clicked (last touch), the one who only saw it apart.
	const yuan = (v: number) => new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' }).format(v);
	const attributed = card.getByTestId('effect-attributed');
	await expect(attributed).toContainText(`点击后下单 4 笔订单，${yuan(100 + 110 + 120 + 130)}`);
	await expect(attributed).toContainText(`归因合计（末次触达） 4 笔订单，${yuan(460)}`);
	await expect(attributed).toContainText(`看到未点击（单列） 1 笔订单，${yuan(140)}`);
	await card.screenshot({ path: test.info().outputPath('campaign-effect-card.png') });

	// The figures as CSV, and the recipients with their response.
	const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: '导出效果（CSV）' }).click()]);
	const exported = readFileSync(await download.path(), 'utf8');
	expect(exported).toContain(
		`全部客户,${treated.length},${holdout.length},12,5,${(12 / treated.length).toFixed(4)},${(5 / holdout.length).toFixed(4)},${want.conversion.uplift.estimate.toFixed(4)},${want.conversion.uplift.low.toFixed(4)},${want.conversion.uplift.high.toFixed(4)}`
	);
	const [list] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: '导出收件人（CSV）' }).click()]);
	expect(
		readFileSync(await list.path(), 'utf8')
			.trim()
			.split('\r\n')
	).toHaveLength(people.length + 1);

	// The buyer's card: the campaign and what they bought after it.
	await page.goto(`/customers/${treated[0].id}`);
	await expect(page.getByTestId('campaign-response')).toHaveText(`活动后购买 1 单，${new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' }).format(100)}`);

	// Side by side with the shop's other campaigns: the same uplift.
	await page.goto('/campaigns');
	await page.getByRole('button', { name: '效果对比' }).click();
	const row = page
		.getByTestId('campaign-compare')
		.getByRole('listitem')
		.filter({ hasText: `效果活动 ${stamp}` });
	await expect(row.getByTestId('compare-uplift')).toContainText(pts(want.conversion.uplift.estimate));
	await expect(row).toContainText(want.conclusive.conversion ? '带来更多购买' : '尚无定论');
	await page.getByTestId('campaign-compare').screenshot({ path: test.info().outputPath('campaign-compare.png') });

	// The analytics area: the period's campaigns pooled by channel, each against its own holdout (the
	// same pooled() over the campaigns' figures as the server gives them).
	const compared = await api(server.url, 'GET', '/api/crm/campaigns-compare?months=1', manager.token);
	const onsite = compared.campaigns.filter((c: { channels: string[] }) => c.channels.join('+') === 'onsite');
	const pool = pooled(
		onsite.map((c: { groups: { treated: GroupFigures; holdout: GroupFigures }; cost: number }) => ({ ...c.groups, cost: c.cost })),
		0.3
	);
	await page.goto('/analytics');
	const section = page.locator('#campaigns');
	const channelRow = section.getByTestId('pool-channels').locator('li[data-key="onsite"]');
	await expect(channelRow.getByTestId('pool-uplift')).toContainText(pts(pool.conversion.uplift.estimate));
	await expect(channelRow.getByTestId('pool-uplift')).toContainText(`95% 区间 ${pts(pool.conversion.uplift.low)} 至 ${pts(pool.conversion.uplift.high)}`);
	await expect(channelRow).toContainText(`${onsite.length} 个活动，触达 ${pool.treated} 位客户`);
	await expect(
		section
			.getByRole('listitem')
			.filter({ hasText: `效果活动 ${stamp}` })
			.getByTestId('compare-uplift')
	).toContainText(pts(want.conversion.uplift.estimate));
	await section.screenshot({ path: test.info().outputPath('analytics-campaigns-phone.png') });
	await page.setViewportSize({ width: 768, height: 1024 });
	await expect(channelRow.getByTestId('pool-uplift')).toBeVisible();
	await section.screenshot({ path: test.info().outputPath('analytics-campaigns-tablet.png') });
	await page.setViewportSize(PHONE);
	await page.goto(`/campaigns/${id}`);
	await expect(card.getByTestId('effect-uplift')).toBeVisible();

	// Offline, after a reload: the same figures from the device, with the time they are from.
	await waitForServiceWorker(page);
	await goOffline(device);
	await page.reload();
	await expect(card).toContainText(/离线 — 数据截至/);
	await expect(card.getByTestId('effect-uplift')).toContainText(pts(want.conversion.uplift.estimate));
	await goOnline(device);
});
