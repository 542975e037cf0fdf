// The chat widget on a shared device and across visitor changes (review F1, F6, F5, F13, F2, F9), at phone
// size against a server with a shop identity secret: one shopper's chats are never shown to the next, a
// returning identified shopper gets their own history from the first session, an agent's reply still
// arrives live after identify() switched visitor, a first message whose conversation answer was lost
// opens one conversation, an expired token is renewed instead of failing the message, a not-unique
// client_id counts as sent, a reply made before the shopper's own message while realtime was down still
// arrives, and an older conversation state answered late does not undo a newer one.
import type { BrowserContext, FrameLocator, Page } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCuttableProxy, type CuttableProxy } from '../fixtures/cuttable-proxy';
import { seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { expect, goOffline, goOnline, PHONE, test } from './fixtures';

const SECRET = 'e2e-shared-device-secret';
let server: RunningServer;
let staff: Awaited<ReturnType<typeof seedStaff>>['staff'];
let shop: { url: string; close: () => Promise<void> };

interface Id {
	customer_id: string;
	ts: number;
	sig: string;
}
function identity(customer: string): Id {
	const ts = Math.floor(Date.now() / 1000);
	return { customer_id: customer, ts, sig: createHmac('sha256', SECRET).update(`${customer}.${ts}`).digest('hex') };
}

/** A shop page; ?cid&ts&sig put a signed-in customer on the chat tag (data-customer-id…). */
function startShop(): Promise<{ url: string; close: () => Promise<void> }> {
	const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
	const srv = createServer((req, res) => {
		const q = new URL(req.url ?? '/', 'http://x').searchParams;
		const who = q.get('cid') ? ` data-customer-id="${esc(q.get('cid')!)}" data-ts="${esc(q.get('ts') ?? '')}" data-sig="${esc(q.get('sig') ?? '')}"` : '';
		res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
		res.end(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title></head>
<body style="margin:0;padding:1rem"><h1>小满优选</h1><script src="${esc(q.get('crm') ?? '')}/chat.js" data-locale="zh-CN"${who} async></script></body></html>`);
	});
	// 127.0.0.1 on another port: another origin (the chat speaks to it by postMessage) but the same site, so
	// the iframe keeps its storage across page loads as a browser with partitioned storage does (on another
	// site this Chromium refuses the iframe storage, and every page load would start a new visitor anyway).
	return new Promise((ok) => srv.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, close: () => new Promise((r) => srv.close(() => r())) })));
}

test.beforeAll(async () => {
	Object.assign(process.env, { CRM_CHAT_IDENTITY_SECRET: SECRET, CRM_CHAT_HOURS: 'Mon-Sun 00:00-24:00' });
	server = await startServer().finally(() => {
		delete process.env.CRM_CHAT_IDENTITY_SECRET;
		delete process.env.CRM_CHAT_HOURS;
	});
	({ staff } = await seedStaff(server.url));
	shop = await startShop();
});
test.afterAll(async () => {
	await shop?.close();
	await server?.stop();
});

class Staff {
	token = '';
	id = '';
	async signIn(who: { email: string; password: string }) {
		const r = await this.call('POST', '/api/collections/staff/auth-with-password', { identity: who.email, password: who.password });
		this.token = r.token;
		this.id = r.record.id;
		return this;
	}
	async call(method: string, path: string, body?: unknown) {
		const res = await fetch(server.url + path, {
			method,
			headers: { 'content-type': 'application/json', ...(this.token ? { authorization: this.token } : {}) },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		const json = await res.json().catch(() => ({}));
		if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
		return json;
	}
	async conversations(filter = ''): Promise<{ id: string; visitor: string; customer: string }[]> {
		return (await this.call('GET', `/api/collections/conversations/records?perPage=200&sort=-created${filter ? `&filter=${encodeURIComponent(filter)}` : ''}`)).items;
	}
	async bodies(conversation: string): Promise<string[]> {
		const filter = encodeURIComponent(`conversation = "${conversation}"`);
		return (await this.call('GET', `/api/collections/messages/records?filter=${filter}&sort=created&perPage=200`)).items.map((m: { body: string }) => m.body);
	}
	/** The conversation holding a message with this body. */
	async find(body: string): Promise<{ id: string; visitor: string; customer: string }> {
		for (const c of await this.conversations()) if ((await this.bodies(c.id)).includes(body)) return c;
		throw new Error(`no conversation with ${body}`);
	}
	async visitors(): Promise<{ id: string; external_id: string }[]> {
		return (await this.call('GET', '/api/collections/visitors/records?perPage=500')).items;
	}
	say(conversation: string, body: string) {
		return this.call('POST', '/api/collections/messages/records', { conversation, client_id: `agent-${Date.now()}-${Math.random()}`, body });
	}
}

interface Device {
	context: BrowserContext;
	page: Page;
	proxy: CuttableProxy;
	frame: FrameLocator;
	/** The session requests' bodies, in order. */
	sessions: Record<string, unknown>[];
	visit(who?: Id | null): Promise<void>;
	close(): Promise<void>;
}

async function device(browser: import('@playwright/test').Browser): Promise<Device> {
	const proxy = await startCuttableProxy(server.port);
	const context = await browser.newContext({ viewport: PHONE, locale: 'zh-CN', hasTouch: true, isMobile: true });
	const page = await context.newPage();
	const sessions: Record<string, unknown>[] = [];
	context.on('request', (r) => {
		if (r.url().endsWith('/api/crm/chat/session')) sessions.push(r.postDataJSON());
	});
	return {
		context,
		page,
		proxy,
		sessions,
		frame: page.frameLocator('iframe[src*="/chat-widget"]'),
		async visit(who) {
			const q = new URLSearchParams({ crm: proxy.url });
			if (who) {
				q.set('cid', who.customer_id);
				q.set('ts', String(who.ts));
				q.set('sig', who.sig);
			}
			await page.goto(`${shop.url}/?${q}`);
			await page.getByRole('button', { name: /在线客服/ }).click();
		},
		async close() {
			await context.close();
			await proxy.close();
		}
	};
}

const identifyOnPage = (page: Page, who: Id | null) => page.evaluate((id) => (window as unknown as { crmChat: { identify(x: unknown): void } }).crmChat.identify(id), who);

async function say(frame: FrameLocator, text: string, topic = '售前咨询') {
	const topicButton = frame.getByRole('button', { name: topic });
	const input = frame.getByRole('textbox', { name: '消息' });
	await expect(topicButton.or(input)).toBeVisible();
	if (await topicButton.isVisible()) await topicButton.click();
	await input.fill(text);
	await input.press('Enter');
	await expect(frame.getByRole('log').getByTestId('message').filter({ hasText: text })).toBeVisible();
}

test('a shared device: the next shopper sees none of the signed-out one’s chats; signing in again brings them back', async ({ browser }) => {
	const manager = await new Staff().signIn(staff.manager);
	const agent = await new Staff().signIn(staff.agent);
	const d = await device(browser);
	const log = d.frame.getByRole('log');
	const A = `A-${Date.now()}`;

	// A, signed in at the shop, chats; the agent answers.
	const visitorsBefore = (await manager.visitors()).length;
	await d.visit(identity(A));
	await say(d.frame, 'A 的订单 7788 地址是幸福路 1 号');
	const convA = await manager.find('A 的订单 7788 地址是幸福路 1 号');
	expect(convA.customer).not.toBe('');
	await agent.call('PATCH', `/api/collections/conversations/records/${convA.id}`, { assignee: agent.id });
	await agent.say(convA.id, '给 A 的回复：已改地址');
	await expect(log.getByTestId('message').filter({ hasText: '给 A 的回复' })).toBeVisible();
	// The identity came with the very first session: one visitor, no anonymous one before it.
	expect(d.sessions.length).toBeGreaterThan(0);
	expect(d.sessions.every((s) => (s.identity as Id | undefined)?.customer_id === A)).toBe(true);
	expect((await manager.visitors()).length).toBe(visitorsBefore + 1);

	// A signs out at the shop; B, on the same browser, opens the chat anonymously.
	d.sessions.length = 0;
	await d.visit(null);
	await expect(d.frame.getByRole('heading', { name: '请问有什么可以帮您？' })).toBeVisible();
	await expect(d.frame.getByText('A 的订单')).toHaveCount(0);
	await expect(d.frame.getByText('给 A 的回复')).toHaveCount(0);
	await say(d.frame, 'B 的匿名问题');
	await expect(log.getByTestId('message')).toHaveCount(1);
	const convB = await manager.find('B 的匿名问题');
	expect(convB.id).not.toBe(convA.id);
	expect(convB.visitor).not.toBe(convA.visitor);
	expect(convB.customer).toBe('');
	expect(await manager.bodies(convA.id)).not.toContain('B 的匿名问题');
	await d.page.screenshot({ path: 'test-results/shared-device-b.png' });

	// A signs in again: their own visitor and history, none of B's.
	await d.visit(identity(A));
	await expect(log.getByTestId('message').filter({ hasText: '给 A 的回复' })).toBeVisible();
	await expect(log.getByTestId('message').filter({ hasText: 'A 的订单 7788' })).toBeVisible();
	await expect(d.frame.getByText('B 的匿名问题')).toHaveCount(0);

	// The shop signs A out while the chat is open (identify(null)): A's chat goes at once, and what the
	// next shopper writes goes to a visitor of their own.
	await identifyOnPage(d.page, null);
	await expect(d.frame.getByRole('heading', { name: '请问有什么可以帮您？' })).toBeVisible();
	await expect(d.frame.getByText('给 A 的回复')).toHaveCount(0);
	await say(d.frame, 'C 在同一台设备上', '其他');
	const convC = await manager.find('C 在同一台设备上');
	expect(convC.visitor).not.toBe(convA.visitor);
	expect(convC.customer).toBe('');
	// The token kept in the iframe is no longer A's.
	const widget = d.page.frames().find((f) => f.url().includes('/chat-widget'))!;
	const auth = JSON.parse((await widget.evaluate(() => localStorage.getItem('crm_chat_auth'))) ?? '{}');
	expect(auth.record?.id).toBe(convC.visitor);
	await d.close();
});

test('identify() switching visitor: an agent’s reply to the new visitor still arrives live', async ({ browser }) => {
	const manager = await new Staff().signIn(staff.manager);
	const agent = await new Staff().signIn(staff.agent);
	const d = await device(browser);
	const log = d.frame.getByRole('log');
	await d.visit(identity(`P-${Date.now()}`));
	await say(d.frame, 'P 先问一句');
	const convP = await manager.find('P 先问一句');
	await agent.call('PATCH', `/api/collections/conversations/records/${convP.id}`, { assignee: agent.id });
	await agent.say(convP.id, '给 P 的回复');
	await expect(log.getByTestId('message').filter({ hasText: '给 P 的回复' })).toBeVisible();

	// Another customer signs in on the open page: a visitor of their own, and realtime follows them.
	await identifyOnPage(d.page, identity(`Q-${Date.now()}`));
	await expect(d.frame.getByRole('heading', { name: '请问有什么可以帮您？' })).toBeVisible();
	await say(d.frame, 'Q 的新问题', '订单问题');
	const convQ = await manager.find('Q 的新问题');
	expect(convQ.visitor).not.toBe(convP.visitor);
	await agent.call('PATCH', `/api/collections/conversations/records/${convQ.id}`, { assignee: agent.id });
	await agent.say(convQ.id, '给 Q 的实时回复');
	await expect(log.getByTestId('message').filter({ hasText: '给 Q 的实时回复' })).toBeVisible({ timeout: 8000 });
	await expect(d.frame.getByText('给 P 的回复')).toHaveCount(0);

	// Signed out again: the next anonymous visitor hears replies live too.
	await identifyOnPage(d.page, null);
	await expect(d.frame.getByRole('heading', { name: '请问有什么可以帮您？' })).toBeVisible();
	await say(d.frame, '匿名的问题', '其他');
	const convR = await manager.find('匿名的问题');
	await agent.call('PATCH', `/api/collections/conversations/records/${convR.id}`, { assignee: agent.id });
	await agent.say(convR.id, '给匿名的实时回复');
	await expect(log.getByTestId('message').filter({ hasText: '给匿名的实时回复' })).toBeVisible({ timeout: 8000 });
	await d.close();
});

test('a first message written offline whose conversation answer is lost opens exactly one conversation', async ({ browser }) => {
	const manager = await new Staff().signIn(staff.manager);
	const d = await device(browser);
	await d.visit(null);
	await d.frame.getByRole('button', { name: '投诉' }).click();
	const input = d.frame.getByRole('textbox', { name: '消息' });
	await goOffline(d);
	await input.fill('离线写的第一条');
	await input.press('Enter');
	await expect(d.frame.getByTestId('outgoing')).toContainText('离线写的第一条');
	// Back online, the server stores the conversation but its answer is lost on the way.
	let lost = 0;
	await d.context.route('**/api/collections/conversations/records', async (route) => {
		if (route.request().method() !== 'POST' || lost++) return route.fallback();
		await route.fetch();
		await route.abort('connectionreset');
	});
	await goOnline(d);
	await expect(d.frame.getByRole('log').getByTestId('message').filter({ hasText: '离线写的第一条' })).toBeVisible({ timeout: 20_000 });
	await expect(d.frame.getByTestId('outgoing')).toHaveCount(0);
	expect(lost).toBeGreaterThan(1);
	const widget = d.page.frames().find((f) => f.url().includes('/chat-widget'))!;
	const visitor = JSON.parse((await widget.evaluate(() => localStorage.getItem('crm_chat_visitor'))) ?? '{}').id;
	const mine = await manager.conversations(`visitor = "${visitor}"`);
	expect(mine).toHaveLength(1);
	expect(await manager.bodies(mine[0].id)).toEqual(['离线写的第一条']);
	await d.close();
});

test('an expired token (401) on sending: a new session and the message is sent, not failed', async ({ browser }) => {
	const manager = await new Staff().signIn(staff.manager);
	const d = await device(browser);
	await d.visit(null);
	await say(d.frame, '第一条正常');
	const sessionsBefore = d.sessions.length;
	let refused = 0;
	await d.context.route('**/api/collections/messages/records', (route) => {
		if (route.request().method() !== 'POST' || refused++) return route.fallback();
		return route.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ status: 401, message: 'The request requires valid record authorization token.', data: {} }) });
	});
	const input = d.frame.getByRole('textbox', { name: '消息' });
	await input.fill('令牌过期后的消息');
	await input.press('Enter');
	await expect(d.frame.getByRole('log').getByTestId('message').filter({ hasText: '令牌过期后的消息' })).toBeVisible();
	await expect(d.frame.getByTestId('outgoing')).toHaveCount(0);
	expect(refused).toBeGreaterThan(1);
	expect(d.sessions.length).toBeGreaterThan(sessionsBefore);
	const conv = await manager.find('第一条正常');
	expect(await manager.bodies(conv.id)).toEqual(['第一条正常', '令牌过期后的消息']);
	await d.close();
});

test('realtime down: an agent reply made before the shopper’s own message still arrives on reconnect', async ({ browser }) => {
	const manager = await new Staff().signIn(staff.manager);
	const agent = await new Staff().signIn(staff.agent);
	const d = await device(browser);
	const log = d.frame.getByRole('log');
	await d.visit(null);
	await say(d.frame, '实时断开前的第一条');
	const conv = await manager.find('实时断开前的第一条');
	await agent.call('PATCH', `/api/collections/conversations/records/${conv.id}`, { assignee: agent.id });
	await agent.say(conv.id, '断开前的回复');
	await expect(log.getByTestId('message').filter({ hasText: '断开前的回复' })).toBeVisible();
	// The realtime stream drops and cannot come back for now; ordinary requests still go through.
	const refuse = (route: import('@playwright/test').Route) => route.abort('connectionrefused');
	await d.context.route('**/api/realtime', refuse);
	d.proxy.cut();
	d.proxy.restore();
	await d.page.waitForTimeout(500);
	await agent.say(conv.id, '断线期间的回复');
	await d.page.waitForTimeout(1000);
	await expect(d.frame.getByText('断线期间的回复')).toHaveCount(0);
	// The shopper writes after it: their own message (the POST's answer) must not hide the earlier reply.
	const input = d.frame.getByRole('textbox', { name: '消息' });
	await input.fill('断线期间我也发了一条');
	await input.press('Enter');
	await expect(log.getByTestId('message').filter({ hasText: '断线期间我也发了一条' })).toBeVisible();
	await d.context.unroute('**/api/realtime', refuse);
	await expect(log.getByTestId('message').filter({ hasText: '断线期间的回复' })).toBeVisible({ timeout: 15_000 });
	await expect(log.getByTestId('message')).toHaveCount(4);
	// Live again.
	await agent.say(conv.id, '重连后的回复');
	await expect(log.getByTestId('message').filter({ hasText: '重连后的回复' })).toBeVisible();
	await d.close();
});

test('an older conversation state fetched after a newer realtime one is ignored', async ({ browser }) => {
	const manager = await new Staff().signIn(staff.manager);
	const agent = await new Staff().signIn(staff.agent);
	const d = await device(browser);
	await d.visit(null);
	await say(d.frame, '状态会交错吗');
	const conv = await manager.find('状态会交错吗');
	await agent.call('PATCH', `/api/collections/conversations/records/${conv.id}`, { assignee: agent.id });
	// The widget's next fetch of the conversation reads it while open, but its answer comes late: after the
	// agent resolved it and the widget heard so by realtime.
	let release = () => {};
	const released = new Promise<void>((r) => (release = r));
	let held = 0;
	await d.context.route(`**/api/collections/conversations/records/${conv.id}`, async (route) => {
		if (route.request().method() !== 'GET' || held++) return route.fallback();
		const response = await route.fetch();
		await released;
		await route.fulfill({ response });
	});
	// Coming back online refetches the conversation.
	await d.context.setOffline(true);
	await d.context.setOffline(false);
	await expect.poll(() => held).toBe(1);
	await agent.call('PATCH', `/api/collections/conversations/records/${conv.id}`, { status: 'resolved' });
	await expect(d.frame.getByText('本次会话已解决。')).toBeVisible();
	release();
	await d.page.waitForTimeout(1500);
	await expect(d.frame.getByText('本次会话已解决。')).toBeVisible();
	await expect(d.frame.getByRole('button', { name: '提交评分' })).toBeVisible();
	await d.close();
});

test('another tab stored the same message at that moment (400 client_id not unique): shown as sent, not failed', async ({ browser }) => {
	const d = await device(browser);
	const log = d.frame.getByRole('log');
	await d.visit(null);
	await say(d.frame, '两个标签页之前');
	// No realtime meanwhile (it would bring the stored message anyway): only the widget's own handling counts.
	const refuse = (route: import('@playwright/test').Route) => route.abort('connectionrefused');
	await d.context.route('**/api/realtime', refuse);
	d.proxy.cut();
	d.proxy.restore();
	let raced = 0;
	await d.context.route('**/api/collections/messages/records', async (route) => {
		if (route.request().method() !== 'POST' || raced++) return route.fallback();
		await route.fetch(); // stored, as the other tab's send was
		await route.fulfill({
			status: 400,
			contentType: 'application/json',
			body: JSON.stringify({ status: 400, message: 'Failed to create record.', data: { client_id: { code: 'validation_not_unique', message: 'Value must be unique.' } } })
		});
	});
	const input = d.frame.getByRole('textbox', { name: '消息' });
	await input.fill('两个标签页同时发');
	await input.press('Enter');
	await expect(log.getByTestId('message').filter({ hasText: '两个标签页同时发' })).toBeVisible();
	await expect(d.frame.getByTestId('outgoing')).toHaveCount(0);
	await expect(d.frame.getByText('Value must be unique.')).toHaveCount(0);
	await d.context.unroute('**/api/realtime', refuse);
	await d.close();
});
