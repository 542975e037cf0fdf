import { test, expect, everythingOnDevice, goOffline, goOnline, PHONE, TABLET, navTo } from './fixtures';
import type { Page } from '@playwright/test';
import { api, staffToken } from './chat-fixtures';

// The agent console against the real server: a shopper (visitor) starts a chat through the chat API,
// an agent on a tablet claims it, replies, hears the shopper in realtime, keeps replying through a
// short network cut (each reply arrives exactly once), and nothing a shopper types runs as HTML.

const SHOTS = '/work/scratch/inbox';

interface Visitor {
	token: string;
	id: string;
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
	// Reloaded while offline: the chat as it was, and both replies still waiting.
	await page.reload();
	await expect(pane.getByTestId('chat-name')).toHaveText('张小花');
	await expect(messages).toContainText('订单号是 20251126001');
	await expect(messages.getByText('等待发送')).toHaveCount(2);
	// Kept on the tablet sealed (src/lib/lock/sealed-local.ts): its storage, read directly, holds none of
	// the shopper's words; opened with the tablet's key, the kept chat is there.
	// So are the replies waiting to go out (each under its own key) and the colleagues' names.
	const onDevice = await everythingOnDevice(page);
	for (const words of ['订单号是 20251126001', '已为您催促仓库', '预计明天发出']) expect(onDevice).not.toContain(words);
	const opened = await everythingOnDevice(page, { opened: true });
	for (const words of ['订单号是 20251126001', '已为您催促仓库', '预计明天发出']) expect(opened).toContain(words);
	expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('crm:chat-outbox:')).length)).toBe(2);
	expect(await page.evaluate(() => localStorage.getItem('crm:staff-directory'))).toMatch(/^sealed1:/);
	await goOnline(agent);
	await expect(messages.getByText('等待发送')).toHaveCount(0, { timeout: 20_000 });
	await expect
		.poll(
			async () => {
				const bodies = (await visitorSees(server.url, shopper, conv)).map((m) => m.body);
				return [bodies.filter((b) => b === '已为您催促仓库').length, bodies.filter((b) => b === '预计明天发出').length];
			},
			{ timeout: 15_000 }
		)
		.toEqual([1, 1]);
	// A message the shopper sent during the cut arrives after reconnecting.
	await visitorSays(server.url, shopper, conv, '好的谢谢');
	await expect(messages).toContainText('好的谢谢', { timeout: 10_000 });
	await expect(messages.getByText('已为您催促仓库', { exact: true })).toHaveCount(1);
	await expect(messages.getByText('预计明天发出', { exact: true })).toHaveCount(1);
	const order = await messages.getByTestId('message').allTextContents();
	expect(order.findIndex((t) => t.includes('已为您催促仓库'))).toBeLessThan(order.findIndex((t) => t.includes('预计明天发出')));

	// Status: open → pending → resolved.
	await pane.getByTestId('status').selectOption('pending');
	const mineItem = page.getByTestId('mine').getByRole('listitem').filter({ hasText: '张小花' });
	await expect(mineItem).toContainText('待处理');
	await page.screenshot({ path: `${SHOTS}/tablet-chat.png` });
	await pane.getByTestId('status').selectOption('resolved');
	await expect(mineItem).toContainText('已解决');
	expect(dialogs).toEqual([]);

	// Signing out leaves no chat on the device.
	await navTo(page, '设置');
	await page.getByRole('button', { name: '退出登录' }).click();
	await expect(page).toHaveURL(/\/login$/);
	expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => /^crm:(chat-outbox|inbox-|canned)/.test(k)))).toEqual([]);
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
	// A name of its own: the worker's server keeps other tests' (and a retry's) conversations.
	const name = `手机访客${Math.random().toString(36).slice(2, 6)}`;
	const shopper = await newVisitor(server.url, name);
	const conv = await startConversation(server.url, shopper, 'pre_sale');
	await visitorSays(server.url, shopper, conv, '这款手机有现货吗？');
	const agent = await openAs('agent', { viewport: PHONE });
	const { page } = agent;
	await page.getByRole('link', { name: /^会话/ }).click();
	const waiting = page.getByTestId('queue').getByRole('listitem').filter({ hasText: name });
	await expect(waiting).toBeVisible({ timeout: 15_000 });
	await page.screenshot({ path: `${SHOTS}/phone-queue.png` });
	await waiting.getByRole('button', { name: '接入' }).click();
	const pane = page.getByTestId('chat-pane');
	await expect(pane.getByTestId('messages')).toContainText('这款手机有现货吗？');
	await pane.getByTestId('compose').fill('有的，今天下单明天到');
	await pane.getByTestId('send').click();
	await expect(pane.getByTestId('messages')).toContainText('有的，今天下单明天到');
	await expect(pane.getByTestId('messages').getByText('等待发送')).toHaveCount(0);
	// The shopper's read receipt shows on the reply.
	await api(server.url, `/api/collections/conversations/records/${conv}`, { visitor_read_at: new Date().toISOString() }, shopper.token, 'PATCH');
	await expect(pane.getByTestId('message').filter({ hasText: '有的，今天下单明天到' })).toContainText('已读');
	await page.screenshot({ path: `${SHOTS}/phone-chat.png` });
	const box = await pane.boundingBox();
	expect(box!.width).toBeLessThanOrEqual(PHONE.width);
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
	await page.getByRole('button', { name: /会话列表/ }).click();
	await expect(page.getByTestId('mine')).toContainText(name);
});

test('a manager assigns a waiting chat to an agent, links the customer; canned replies expand; the card and the metrics show it', async ({ openAs, server }) => {
	const managerToken = await staffToken(server.url, server.staff.manager);
	const customer = await api<{ id: string }>(server.url, '/api/collections/customers/records', { name: '刘顾客', phones: ['13800138000'], owner: server.staff.sales.id }, managerToken);
	await api(
		server.url,
		'/api/collections/canned_replies/records',
		{ owner: server.staff.manager.id, shared: true, shortcut: '/refund', title: '退款说明', body: '退款将在 3 个工作日内原路退回。' },
		managerToken
	);

	const shopper = await newVisitor(server.url, '刘顾客');
	const conv = await startConversation(server.url, shopper, 'order_problem');
	await visitorSays(server.url, shopper, conv, '我要退款');

	const agent = await openAs('agent', { viewport: TABLET });
	await agent.page.goto('/inbox');
	await expect(agent.page.getByTestId('queue')).toContainText('刘顾客', { timeout: 15_000 });

	const manager = await openAs('manager', { viewport: TABLET });
	const { page } = manager;
	await page.goto('/inbox');
	const waiting = page.getByTestId('queue').getByRole('listitem').filter({ hasText: '刘顾客' });
	await waiting.getByRole('button', { name: '刘顾客' }).click();
	const pane = page.getByTestId('chat-pane');
	await expect(pane.getByTestId('messages')).toContainText('我要退款');
	await expect(pane.getByTestId('claim')).toBeVisible();
	// Linking the customer is a manager's change (records API), then the assignment.
	await api(server.url, `/api/collections/conversations/records/${conv}`, { customer: customer.id }, managerToken, 'PATCH');
	await page.reload();
	await page.getByTestId('queue').getByRole('listitem').filter({ hasText: '刘顾客' }).getByRole('button', { name: '刘顾客' }).click();
	await pane.getByTestId('toggle-customer').click();
	await expect(page.getByTestId('customer-panel')).toContainText('刘顾客');
	await expect(page.getByTestId('customer-panel')).toContainText('138 0013 8000');

	// The queued chat goes to the agent: it leaves everyone's queue and is theirs.
	await pane.getByTestId('claim').waitFor();
	await page.getByTestId('transfer').selectOption({ label: server.staff.agent.name });
	await expect(page.getByTestId('queue')).not.toContainText('刘顾客');
	await expect(page.getByTestId('others')).toContainText('刘顾客');
	await expect(agent.page.getByTestId('mine')).toContainText('刘顾客', { timeout: 20_000 });
	await expect(agent.page.getByTestId('queue')).not.toContainText('刘顾客');

	// The agent answers with a canned reply: "/refund" and a space expand it.
	await agent.page
		.getByTestId('mine')
		.getByRole('button', { name: /刘顾客/ })
		.click();
	const agentPane = agent.page.getByTestId('chat-pane');
	await agentPane.getByTestId('compose').click();
	await agentPane.getByTestId('compose').pressSequentially('/ref');
	await expect(agentPane.getByTestId('canned-suggestions')).toContainText('退款说明');
	await agentPane.getByTestId('compose').press('Tab');
	await expect(agentPane.getByTestId('compose')).toHaveValue('退款将在 3 个工作日内原路退回。');
	await agentPane.getByTestId('compose').press('Enter');
	await expect.poll(async () => (await visitorSees(server.url, shopper, conv)).map((m) => m.body)).toContain('退款将在 3 个工作日内原路退回。');
	await agentPane.getByTestId('open-case').click();
	const cases = agentPane.getByTestId('cases');
	await cases.getByLabel('分类').fill('退款');
	await cases.getByLabel('摘要').fill('客户申请退款');
	await cases.getByRole('button', { name: '创建', exact: true }).click();
	await expect(cases.getByTestId('case')).toHaveCount(1);
	// The open case is listed beside the chats with its due times.
	await agent.page.reload();
	await expect(agent.page.getByTestId('cases-due')).toContainText('退款');
	await expect(agent.page.getByTestId('cases-due')).toContainText('解决截止');
	await agentPane.getByTestId('status').selectOption('resolved');
	await expect(agent.page.getByTestId('mine').getByRole('listitem').filter({ hasText: '刘顾客' })).toContainText('已解决');

	// The customer card (manager) lists the case and the chat beside the visit records.
	await page.goto(`/customers/${customer.id}`);
	const history = page.getByTestId('chat-history');
	await expect(history.getByTestId('history-case')).toContainText('退款');
	await expect(history.getByTestId('history-chat')).toContainText('已解决');

	// Service metrics: the manager sees the figures, numbers beside the charts.
	await page.goto('/service-metrics');
	await expect(page.getByRole('heading', { name: '客服指标', level: 1 })).toBeVisible();
	await expect(page.getByTestId('metrics-tiles')).toContainText('会话量');
	await expect(page.getByTestId('per-agent')).toContainText(server.staff.agent.name);
	await page.locator('canvas').first().waitFor();
	await page.screenshot({ path: `${SHOTS}/tablet-metrics.png`, fullPage: true });
	await page.setViewportSize(PHONE);
	await page.screenshot({ path: `${SHOTS}/phone-metrics.png`, fullPage: true });
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
});

test('the inbox in English', async ({ openAs, server }) => {
	const shopper = await newVisitor(server.url, 'Alice');
	const conv = await startConversation(server.url, shopper, 'other');
	await visitorSays(server.url, shopper, conv, 'Hello, is anyone there?');
	const agent = await openAs('agent', { viewport: TABLET, locale: 'en-US' });
	const { page } = agent;
	await page.getByRole('link', { name: /^Inbox/ }).click();
	await expect(page.getByRole('heading', { name: 'Waiting' })).toBeVisible();
	const waiting = page.getByTestId('queue').getByRole('listitem').filter({ hasText: 'Alice' });
	await expect(waiting).toContainText('waiting');
	await waiting.getByRole('button', { name: 'Claim' }).click();
	const pane = page.getByTestId('chat-pane');
	await expect(pane.getByTestId('messages')).toContainText('Hello, is anyone there?');
	await expect(pane.getByTestId('compose')).toHaveAttribute('placeholder', 'Type a reply, or / for canned replies');
	await pane.getByTestId('toggle-customer').click();
	await expect(page.getByTestId('customer-panel')).toContainText('not linked to a shop customer');
	await page.screenshot({ path: `${SHOTS}/tablet-english.png` });
});

test('a shopper message written while the agent was offline shows after the agent’s offline reply is stored (review F2)', async ({ openAs, server }) => {
	const name = `断网访客${Math.random().toString(36).slice(2, 6)}`;
	const shopper = await newVisitor(server.url, name);
	const conv = await startConversation(server.url, shopper, 'order_problem');
	await visitorSays(server.url, shopper, conv, '请问什么时候发货？');
	const agent = await openAs('agent', { viewport: TABLET });
	const { page } = agent;
	await page.goto('/inbox');
	const waiting = page.getByTestId('queue').getByRole('listitem').filter({ hasText: name });
	await expect(waiting).toBeVisible({ timeout: 15_000 });
	await waiting.getByRole('button', { name: '接入' }).click();
	const pane = page.getByTestId('chat-pane');
	const messages = pane.getByTestId('messages');
	await expect(messages).toContainText('请问什么时候发货？');

	// The agent's network goes; meanwhile the shopper writes, then the agent replies (it waits on the device).
	await goOffline(agent);
	await expect(page.getByText('离线：回复暂存在本设备')).toBeVisible();
	await visitorSays(server.url, shopper, conv, '断网期间访客的消息');
	await page.waitForTimeout(1500); // the reply is stored clearly later than the shopper's message
	await pane.getByTestId('compose').fill('离线时写的回复');
	await pane.getByTestId('compose').press('Enter');
	await expect(messages.getByText('等待发送')).toHaveCount(1);

	// Back online: the reply is stored, and the shopper's message written during the cut shows too,
	// once, before the reply.
	await goOnline(agent);
	await expect(messages.getByText('等待发送')).toHaveCount(0, { timeout: 20_000 });
	const expectThread = async () => {
		await expect(messages.getByText('断网期间访客的消息', { exact: true })).toHaveCount(1, { timeout: 20_000 });
		await expect(messages.getByText('离线时写的回复', { exact: true })).toHaveCount(1);
		const order = await messages.getByTestId('message').allTextContents();
		const at = (s: string) => order.findIndex((t) => t.includes(s));
		expect(at('请问什么时候发货？')).toBeLessThan(at('断网期间访客的消息'));
		expect(at('断网期间访客的消息')).toBeLessThan(at('离线时写的回复'));
	};
	await expectThread();
	// And after a reload (the device cache and its watermark), still once and in order.
	await page.reload();
	await expect(pane.getByTestId('chat-name')).toHaveText(name);
	await expectThread();
	expect((await visitorSees(server.url, shopper, conv)).filter((m) => m.body === '离线时写的回复')).toHaveLength(1);
});

test('two tabs of the console: replies queued offline in each arrive once, also when the first tab is closed (review F11)', async ({ openAs, server }) => {
	const name = `双标签访客${Math.random().toString(36).slice(2, 6)}`;
	const shopper = await newVisitor(server.url, name);
	const conv = await startConversation(server.url, shopper, 'pre_sale');
	await visitorSays(server.url, shopper, conv, '两个标签页');
	const agent = await openAs('agent', { viewport: TABLET });
	const tabA = agent.page;
	await tabA.goto('/inbox');
	const waiting = tabA.getByTestId('queue').getByRole('listitem').filter({ hasText: name });
	await expect(waiting).toBeVisible({ timeout: 15_000 });
	await waiting.getByRole('button', { name: '接入' }).click();
	await expect(tabA.getByTestId('chat-pane').getByTestId('messages')).toContainText('两个标签页');
	// A second tab of the same console, with the same conversation open (the open tabs are kept).
	const tabB = await agent.context.newPage();
	await tabB.goto('/inbox');
	await expect(tabB.getByTestId('chat-pane').getByTestId('chat-name')).toHaveText(name, { timeout: 15_000 });

	await goOffline(agent);
	for (const [tab, text] of [
		[tabA, '标签甲的离线回复'],
		[tabB, '标签乙的离线回复']
	] as const) {
		await expect(tab.getByText('离线：回复暂存在本设备')).toBeVisible();
		await tab.getByTestId('chat-pane').getByTestId('compose').fill(text);
		await tab.getByTestId('chat-pane').getByTestId('compose').press('Enter');
	}
	// Each tab shows both waiting (the other's through storage events); tab A closes before coming online.
	await expect(tabB.getByTestId('chat-pane').getByText('等待发送')).toHaveCount(2);
	await expect(tabA.getByTestId('chat-pane').getByText('等待发送')).toHaveCount(2);
	await tabA.close();
	await goOnline(agent);
	await expect
		.poll(
			async () => {
				const bodies = (await visitorSees(server.url, shopper, conv)).map((m) => m.body);
				return [bodies.filter((b) => b === '标签甲的离线回复').length, bodies.filter((b) => b === '标签乙的离线回复').length];
			},
			{ timeout: 20_000 }
		)
		.toEqual([1, 1]);
	await expect(tabB.getByTestId('chat-pane').getByText('等待发送')).toHaveCount(0, { timeout: 20_000 });
	await expect(tabB.getByTestId('chat-pane').getByTestId('messages').getByText('标签甲的离线回复', { exact: true })).toHaveCount(1);
});

test('an agent on a fresh tablet transfers a chat to a colleague (the colleagues are listed for agents too)', async ({ openAs, server }) => {
	// Found by the user guide's run: an agent's transfer menu was empty on a device that had never
	// loaded the staff list, since only managers loaded it.
	const owner = await staffToken(server.url, server.staff.owner);
	const stamp = Date.now().toString(36);
	const colleague = await api<{ id: string }>(
		server.url,
		'/api/collections/staff/records',
		{ email: `zhou-${stamp}@example.test`, password: 'zhou-password-1', passwordConfirm: 'zhou-password-1', name: `周客服${stamp}`, role: 'agent' },
		owner
	);
	const shopper = await newVisitor(server.url, `转接顾客${stamp}`);
	const conv = await startConversation(server.url, shopper);
	await visitorSays(server.url, shopper, conv, '请帮我查一下物流');

	const { page } = await openAs('agent', { viewport: TABLET });
	await page.goto('/inbox');
	const waiting = page
		.getByTestId('queue')
		.getByRole('listitem')
		.filter({ hasText: `转接顾客${stamp}` });
	await waiting.getByRole('button', { name: '接入' }).click();
	await expect(page.getByTestId('mine')).toContainText(`转接顾客${stamp}`);
	await page
		.getByTestId('chat-pane')
		.getByTestId('transfer')
		.selectOption({ label: `周客服${stamp}` });
	await expect(page.getByTestId('mine')).not.toContainText(`转接顾客${stamp}`, { timeout: 15_000 });
	const after = await api<{ assignee: string }>(server.url, `/api/collections/conversations/records/${conv}`, undefined, owner, 'GET');
	expect(after.assignee).toBe(colleague.id);
});
