import { test, expect, goOffline, goOnline, PHONE, TABLET } from './fixtures';
import type { Page } from '@playwright/test';

// The agent console against the real server: a shopper (visitor) starts a chat through the chat API,
// an agent on a tablet claims it, replies, hears the shopper in realtime, keeps replying through a
// short network cut (each reply arrives exactly once), and nothing a shopper types runs as HTML.

const SHOTS = '/work/scratch/inbox';

interface Visitor {
	token: string;
	id: string;
}

async function api<T>(url: string, path: string, body: unknown, token?: string, method = 'POST'): Promise<T> {
	const res = await fetch(url + path, {
		method,
		headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
		body: method === 'GET' ? undefined : JSON.stringify(body)
	});
	const json = await res.json();
	if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
	return json as T;
}

async function newVisitor(url: string, name: string): Promise<Visitor> {
	const s = await api<{ token: string; visitor: { id: string } }>(url, '/api/crm/chat/session', { name, locale: 'zh-CN' });
	return { token: s.token, id: s.visitor.id };
}

async function startConversation(url: string, v: Visitor, topic = 'order_problem'): Promise<string> {
	const c = await api<{ id: string }>(url, '/api/collections/conversations/records', { visitor: v.id, status: 'open', topic, channel: 'web' }, v.token);
	return c.id;
}

let n = 0;
async function visitorSays(url: string, v: Visitor, conversation: string, body: string) {
	await api(url, '/api/collections/messages/records', { conversation, client_id: `v-${Date.now()}-${n++}`, author_kind: 'visitor', body }, v.token);
}

async function visitorSees(url: string, v: Visitor, conversation: string): Promise<{ body: string; author_kind: string; internal: boolean }[]> {
	const q = new URLSearchParams({ filter: `conversation="${conversation}"`, sort: 'created', perPage: '200' });
	const res = await fetch(`${url}/api/collections/messages/records?${q}`, { headers: { authorization: v.token } });
	return (await res.json()).items;
}

async function noScriptRan(page: Page) {
	expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
}

test('an agent on a tablet claims a waiting chat, replies, and replies sent offline arrive once', async ({ openAs, server }) => {
	const agent = await openAs('agent', { viewport: TABLET });
	const { page } = agent;
	const dialogs: string[] = [];
	page.on('dialog', (d) => {
		dialogs.push(d.message());
		void d.dismiss();
	});
	await page.getByRole('link', { name: /^会话/ }).click();
	await expect(page).toHaveURL(/\/inbox$/);
	await expect(page.getByRole('heading', { name: '会话', level: 1 })).toBeVisible();

	const shopper = await newVisitor(server.url, '张小花');
	const conv = await startConversation(server.url, shopper);
	await visitorSays(server.url, shopper, conv, '你好，我的订单三天了还没发货');

	// Realtime: the conversation joins the queue with a ticking wait time, and the tab shows a badge.
	const queue = page.getByTestId('queue');
	const waiting = queue.getByRole('listitem').filter({ hasText: '张小花' });
	await expect(waiting).toBeVisible({ timeout: 15_000 });
	await expect(waiting).toContainText('你好，我的订单三天了还没发货');
	const wait1 = await waiting.getByTestId('wait').textContent();
	await expect.poll(async () => waiting.getByTestId('wait').textContent(), { timeout: 5000 }).not.toBe(wait1);
	await expect(page.getByTestId('inbox-badge')).toBeVisible();
	await page.screenshot({ path: `${SHOTS}/tablet-queue.png` });

	await waiting.getByRole('button', { name: '接入' }).click();
	await expect(page.getByTestId('mine')).toContainText('张小花');
	await expect(queue.getByText('张小花')).toHaveCount(0);
	const pane = page.getByTestId('chat-pane');
	await expect(pane.getByTestId('chat-name')).toHaveText('张小花');
	const messages = pane.getByTestId('messages');
	await expect(messages).toContainText('你好，我的订单三天了还没发货');

	await pane.getByTestId('compose').fill('您好，我来帮您查询订单');
	await pane.getByTestId('send').click();
	await expect.poll(async () => (await visitorSees(server.url, shopper, conv)).map((m) => m.body)).toContain('您好，我来帮您查询订单');

	// The shopper answers: it shows up in the agent's pane without a reload.
	await visitorSays(server.url, shopper, conv, '订单号是 20251126001');
	await expect(messages).toContainText('订单号是 20251126001', { timeout: 10_000 });

	// A brief network cut: two replies wait on the device, then each arrives exactly once.
	await goOffline(agent);
	await expect(page.getByText('离线：回复暂存在本设备')).toBeVisible();
	for (const text of ['已为您催促仓库', '预计明天发出']) {
		await pane.getByTestId('compose').fill(text);
		await pane.getByTestId('compose').press('Enter');
	}
	await expect(messages.getByText('等待发送')).toHaveCount(2);
	await goOnline(agent);
	await expect(messages.getByText('等待发送')).toHaveCount(0, { timeout: 20_000 });
	await expect.poll(async () => {
		const bodies = (await visitorSees(server.url, shopper, conv)).map((m) => m.body);
		return [bodies.filter((b) => b === '已为您催促仓库').length, bodies.filter((b) => b === '预计明天发出').length];
	}, { timeout: 15_000 }).toEqual([1, 1]);
	// A message the shopper sent during the cut arrives after reconnecting.
	await visitorSays(server.url, shopper, conv, '好的谢谢');
	await expect(messages).toContainText('好的谢谢', { timeout: 10_000 });
	await expect(messages.getByText('已为您催促仓库', { exact: true })).toHaveCount(1);
	await expect(messages.getByText('预计明天发出', { exact: true })).toHaveCount(1);
	const order = await messages.getByTestId('message').allTextContents();
	expect(order.findIndex((t) => t.includes('已为您催促仓库'))).toBeLessThan(order.findIndex((t) => t.includes('预计明天发出')));

	// Status: open → pending → resolved.
	await pane.getByTestId('status').selectOption('pending');
	await expect(page.getByTestId('mine').getByText('待处理')).toBeVisible();
	await page.screenshot({ path: `${SHOTS}/tablet-chat.png` });
	await pane.getByTestId('status').selectOption('resolved');
	await expect(page.getByTestId('mine').getByText('已解决')).toBeVisible();
	expect(dialogs).toEqual([]);
});

test('shopper input and internal notes render as plain text; sales reps have no inbox', async ({ openAs, server }) => {
	const agent = await openAs('agent', { viewport: TABLET });
	const { page } = agent;
	const dialogs: string[] = [];
	page.on('dialog', (d) => {
		dialogs.push(d.message());
		void d.dismiss();
	});
	await page.goto('/inbox');

	const XSS_NAME = '<img src=x onerror="window.__xss=1">';
	const corpus = [
		'<script>window.__xss=1</script>',
		'<img src=x onerror="window.__xss=1;alert(1)">',
		'<a href="javascript:window.__xss=1">点我</a>',
		'<svg onload="window.__xss=1"><circle r=5 /></svg>',
		'<iframe src="javascript:alert(1)"></iframe>',
		'[link](javascript:alert(1)) **bold**'
	];
	const shopper = await newVisitor(server.url, XSS_NAME);
	const conv = await startConversation(server.url, shopper, 'complaint');
	for (const body of corpus) await visitorSays(server.url, shopper, conv, body);

	const waiting = page.getByTestId('queue').getByRole('listitem').filter({ hasText: XSS_NAME });
	await expect(waiting).toBeVisible({ timeout: 15_000 });
	await waiting.getByRole('button', { name: '接入' }).click();
	const pane = page.getByTestId('chat-pane');
	await expect(pane.getByTestId('chat-name')).toHaveText(XSS_NAME);
	const messages = pane.getByTestId('messages');
	for (const body of corpus) await expect(messages.getByText(body, { exact: true })).toBeVisible();

	// An internal note with markup: shown as a note, as text.
	await pane.getByText('备注', { exact: true }).click();
	await pane.getByTestId('compose').fill('<b onmouseover="window.__xss=1">内部</b><script>window.__xss=1</script>');
	await pane.getByTestId('send').click();
	const note = messages.getByTestId('message').filter({ hasText: '内部备注' });
	await expect(note).toHaveCount(1);
	await expect(note).toContainText('<b onmouseover="window.__xss=1">内部</b><script>window.__xss=1</script>');
	await expect(note).not.toContainText('等待发送', { timeout: 10_000 });
	// The shopper never sees the note.
	await expect.poll(async () => (await visitorSees(server.url, shopper, conv)).filter((m) => m.internal).length).toBe(0);

	await expect(messages.locator('script, img, svg, iframe, a, b')).toHaveCount(0);
	await expect(page.getByTestId('queue').locator('img, svg image')).toHaveCount(0);
	await messages.hover();
	await noScriptRan(page);
	expect(dialogs).toEqual([]);

	// The customer panel and the case form work from this conversation.
	await pane.getByTestId('toggle-customer').click();
	await expect(page.getByTestId('customer-panel')).toContainText('此访客尚未关联商城客户');
	await pane.getByTestId('open-case').click();
	const cases = pane.getByTestId('cases');
	await cases.getByLabel('类型').selectOption('complaint');
	await cases.getByLabel('分类').fill('物流');
	await cases.getByLabel('优先级').selectOption('urgent');
	await cases.getByLabel('摘要').fill('<svg onload="window.__xss=1">延误</svg>');
	await cases.getByRole('button', { name: '创建', exact: true }).click();
	await expect(cases.getByTestId('case')).toHaveCount(1);
	await expect(cases.getByTestId('case')).toContainText('紧急');
	await expect(cases.getByTestId('case').getByTestId('sla-response')).toContainText('首次响应截止');
	await noScriptRan(page);
	await page.screenshot({ path: `${SHOTS}/tablet-xss-case.png`, fullPage: true });

	// A sales rep: no Inbox tab, and the address shows no conversations.
	const rep = await openAs('sales', { viewport: PHONE });
	await expect(rep.page.getByRole('link', { name: /^会话/ })).toHaveCount(0);
	await rep.page.goto('/inbox');
	await expect(rep.page.getByTestId('no-inbox')).toBeVisible();
	await expect(rep.page.getByText(XSS_NAME)).toHaveCount(0);
});

test('the inbox on a phone: the list, then one conversation with a way back', async ({ openAs, server }) => {
	const shopper = await newVisitor(server.url, '手机访客');
	const conv = await startConversation(server.url, shopper, 'pre_sale');
	await visitorSays(server.url, shopper, conv, '这款手机有现货吗？');
	const agent = await openAs('agent', { viewport: PHONE });
	const { page } = agent;
	await page.getByRole('link', { name: /^会话/ }).click();
	const waiting = page.getByTestId('queue').getByRole('listitem').filter({ hasText: '手机访客' });
	await expect(waiting).toBeVisible({ timeout: 15_000 });
	await page.screenshot({ path: `${SHOTS}/phone-queue.png` });
	await waiting.getByRole('button', { name: '接入' }).click();
	const pane = page.getByTestId('chat-pane');
	await expect(pane.getByTestId('messages')).toContainText('这款手机有现货吗？');
	await pane.getByTestId('compose').fill('有的，今天下单明天到');
	await pane.getByTestId('send').click();
	await expect(pane.getByTestId('messages')).toContainText('有的，今天下单明天到');
	await expect(pane.getByTestId('messages').getByText('等待发送')).toHaveCount(0);
	await page.screenshot({ path: `${SHOTS}/phone-chat.png` });
	const box = await pane.boundingBox();
	expect(box!.width).toBeLessThanOrEqual(PHONE.width);
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
	await page.getByRole('button', { name: /会话列表/ }).click();
	await expect(page.getByTestId('mine')).toContainText('手机访客');
});
