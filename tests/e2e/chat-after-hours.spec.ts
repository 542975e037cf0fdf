// Outside staffed hours (a server of its own whose CRM_CHAT_HOURS leave the shop closed now): the widget
// shows the hours and a leave-a-message form. A bad phone is refused on the device (nothing sent), a
// message written offline goes once on reconnect with its contact, the shopper sees when they will be
// answered and keeps writing in the same conversation; an agent's console marks it and shows the contact
// as text with safe mailto:/tel: links, a hostile-looking email included.
import type { Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { startCuttableProxy } from '../fixtures/cuttable-proxy';
import { seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { expect, goOffline, goOnline, PHONE, signIn, TABLET, test } from './fixtures';

const SHOTS = process.env.CHAT_SHOTS || '/work/scratch/chat-after-hours';
mkdirSync(SHOTS, { recursive: true });

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** One staffed hour three days from the shop's today (UTC+8): closed now, whatever the clock says. */
const shopDay = new Date(Date.now() + 480 * 60_000).getUTCDay();
const HOURS = `${DAYS[(shopDay + 3) % 7]} 09:00-10:00`;
// Valid as an email (the customers' rule), and still looks like an attribute break-out.
const SLY_EMAIL = "o'neil/onmouseover=alert`xss`//@evil.io";

let server: RunningServer;
let staff: Awaited<ReturnType<typeof seedStaff>>['staff'];

test.beforeAll(async () => {
	process.env.CRM_CHAT_HOURS = HOURS;
	server = await startServer().finally(() => delete process.env.CRM_CHAT_HOURS);
	({ staff } = await seedStaff(server.url));
});

test.afterAll(async () => {
	await server?.stop();
});

async function asManager<T>(path: string): Promise<T> {
	const auth = await (
		await fetch(`${server.url}/api/collections/staff/auth-with-password`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ identity: staff.manager.email, password: staff.manager.password })
		})
	).json();
	return (await fetch(server.url + path, { headers: { authorization: auth.token } })).json();
}

const conversations = async () => (await asManager<{ items: { id: string; contact: unknown; after_hours: boolean }[] }>('/api/collections/conversations/records?perPage=50')).items;
const messages = async (c: string) =>
	(await asManager<{ items: { body: string }[] }>(`/api/collections/messages/records?perPage=50&sort=created&filter=${encodeURIComponent(`conversation="${c}"`)}`)).items.map((m) => m.body);

function watchDialogs(page: Page): string[] {
	const dialogs: string[] = [];
	page.on('dialog', (d) => {
		dialogs.push(d.message());
		void d.dismiss();
	});
	return dialogs;
}

test('after hours a shopper leaves a message with a contact; offline it goes once on reconnect; the agent sees it and the contact', async ({ browser }) => {
	expect((await (await fetch(`${server.url}/api/crm/chat/config`)).json()).open).toBe(false);
	const proxy = await startCuttableProxy(server.port);
	const context = await browser.newContext({ baseURL: proxy.url, viewport: PHONE, locale: 'zh-CN', hasTouch: true, isMobile: true });
	const device = { context, page: await context.newPage(), proxy };
	const { page } = device;
	const dialogs = watchDialogs(page);
	await page.goto('/demo-shop/');
	await page.getByRole('button', { name: /在线客服/ }).click();
	const frame = page.frameLocator('iframe[src*="/chat-widget"]');

	// The hours, in Chinese, and the form instead of the topic buttons.
	await expect(frame.getByRole('heading', { name: '客服现在不在线，请留言' })).toBeVisible();
	const dayZh = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'][(shopDay + 3) % 7];
	await expect(frame.getByText(`服务时间：${dayZh} 09:00–10:00（UTC+08:00）`)).toBeVisible();
	await expect(frame.getByText(/客服将于 .+上线/)).toBeVisible();
	await expect(frame.getByRole('button', { name: '售前咨询' })).toHaveCount(0);
	await page.screenshot({ path: `${SHOTS}/01-form-zh.png` });

	const body = frame.getByRole('textbox', { name: '留言内容' });
	const phone = frame.getByRole('textbox', { name: '手机号' });
	const email = frame.getByRole('textbox', { name: '邮箱' });
	const submit = frame.getByRole('button', { name: '提交留言' });
	await frame.getByRole('combobox', { name: '咨询类型' }).selectOption({ label: '售前咨询' });

	// Nothing at all: the message and a way to reach them are asked for.
	await submit.click();
	await expect(frame.getByText('请填写留言内容。')).toBeVisible();
	await expect(frame.getByText('请留下手机号或邮箱，方便我们回复您。')).toBeVisible();
	await expect(body).toBeFocused();

	// A bad phone: a clear error on that field, focus on it, nothing sent.
	await body.fill('想订一件 M 码黑色外套，到货请联系我');
	await phone.fill('12345');
	await submit.click();
	await expect(frame.getByText(/手机号无效/)).toBeVisible();
	await expect(frame.getByRole('alert')).toContainText('留言尚未发送');
	await expect(phone).toBeFocused();
	await expect(phone).toHaveAttribute('aria-invalid', 'true');
	await page.screenshot({ path: `${SHOTS}/02-bad-phone-zh.png` });
	// Markup in the email is not an email.
	await phone.fill('139 1234 5678');
	await expect(frame.getByText(/手机号无效/)).toHaveCount(0);
	await email.fill('<img src=x onerror=alert(1)>@x.io');
	await submit.click();
	await expect(frame.getByText(/邮箱地址无效/)).toBeVisible();
	await expect(email).toBeFocused();
	await page.waitForTimeout(500);
	expect(await conversations()).toHaveLength(0);

	// Good contact, sent while offline: it waits on the device.
	await email.fill(SLY_EMAIL);
	await goOffline(device);
	await submit.click();
	const log = frame.getByRole('log');
	await expect(log.getByTestId('outgoing')).toContainText('想订一件 M 码黑色外套');
	await expect(log.getByTestId('outgoing')).toContainText('等待网络');
	await expect(frame.getByTestId('left-confirmation')).toContainText('联网后会立即发送');
	await page.screenshot({ path: `${SHOTS}/03-offline-zh.png` });
	await page.waitForTimeout(1000);
	expect(await conversations()).toHaveLength(0);

	// Back online: one conversation, after hours, with the contact normalised, and the message once.
	await goOnline(device);
	await expect(log.getByTestId('outgoing')).toHaveCount(0);
	await expect(log.getByTestId('message').filter({ hasText: '想订一件 M 码黑色外套' })).toHaveCount(1);
	const confirmation = frame.getByTestId('left-confirmation');
	await expect(confirmation).toContainText(/留言已收到，谢谢！客服将于 .+（您当地时间）起在这里回复您/);
	await expect(confirmation).toContainText(`139 1234 5678 / ${SLY_EMAIL}`);
	// The contact is text there: no element of its making.
	expect(await confirmation.evaluate((el) => el.children.length)).toBe(0);
	await page.screenshot({ path: `${SHOTS}/04-left-zh.png` });
	await page.waitForTimeout(2000); // a second send would show by now
	const [conv, ...others] = await conversations();
	expect(others).toHaveLength(0);
	expect(conv).toMatchObject({ after_hours: true, contact: { phone: '+8613912345678', email: SLY_EMAIL } });
	expect(await messages(conv.id)).toEqual(['想订一件 M 码黑色外套，到货请联系我']);

	// They keep writing in the same conversation.
	const input = frame.getByRole('textbox', { name: '消息' });
	await input.fill('补充：要黑色的');
	await input.press('Enter');
	await expect.poll(() => messages(conv.id)).toEqual(['想订一件 M 码黑色外套，到货请联系我', '补充：要黑色的']);
	expect(await conversations()).toHaveLength(1);

	// An agent on a tablet, in a second browser: the queue marks it, the header shows the contact.
	const agentContext = await browser.newContext({ baseURL: server.url, viewport: TABLET, locale: 'zh-CN' });
	const agent = await agentContext.newPage();
	const agentDialogs = watchDialogs(agent);
	await signIn(agent, staff.agent.email, staff.agent.password);
	await agent.goto('/inbox');
	const queued = agent.getByTestId('queue').getByRole('listitem').filter({ hasText: '补充：要黑色的' });
	await expect(queued).toContainText('留言');
	await queued.getByRole('button').first().click();
	const pane = agent.getByTestId('chat-pane');
	await expect(pane.getByTestId('left-message')).toHaveText('留言');
	const contact = pane.getByTestId('contact');
	await expect(contact).toContainText('139 1234 5678');
	await expect(contact).toContainText(SLY_EMAIL);
	await expect(contact.getByRole('link', { name: '拨打 +8613912345678' })).toHaveAttribute('href', 'tel:+8613912345678');
	const mail = contact.getByRole('link', { name: `发邮件至 ${SLY_EMAIL}` });
	await expect(mail).toHaveAttribute('href', "mailto:o'neil%2Fonmouseover%3Dalert%60xss%60%2F%2F@evil.io");
	await mail.hover();
	const injected = await contact.evaluate((el) => Array.from(el.querySelectorAll('*')).filter((n) => Array.from(n.attributes).some((a) => a.name.startsWith('on'))).length);
	expect(injected).toBe(0);
	await expect(pane.getByTestId('messages')).toContainText('想订一件 M 码黑色外套');
	await agent.screenshot({ path: `${SHOTS}/05-console-zh.png` });
	// The queue shows the number they left, not "#ab12" (issue 18, item 9).
	await expect(queued).toContainText('139 1234 5678');
	// The agent takes it and answers while the shop is still closed: for the shopper this is a live
	// chat now, so the after-hours banner and "请留言…" give way.
	await pane.getByRole('button', { name: '接入', exact: true }).click();
	await pane.getByTestId('compose').fill('您好，我在，这就帮您查');
	await pane.getByTestId('compose').press('Enter');
	await expect(frame.getByText('您好，我在，这就帮您查')).toBeVisible({ timeout: 15_000 });
	await expect(frame.getByRole('note').filter({ hasText: '客服现在不在线' })).toHaveCount(0);
	await expect(input).toHaveAttribute('placeholder', '输入消息…');
	// Not signed in on the shop, but the phone they left finds or makes their customer record.
	await pane.getByTestId('toggle-customer').click();
	const panel = agent.getByTestId('customer-panel');
	await expect(panel).toContainText('持有访客留下的电话或邮箱');
	await panel.getByLabel('新客户姓名').fill('留言的李女士');
	await panel.getByRole('button', { name: '新建客户并关联' }).click();
	await expect(panel.getByText('留言的李女士', { exact: true })).toBeVisible({ timeout: 15_000 });
	await expect(panel.getByRole('link', { name: '打开客户卡片' })).toBeVisible();
	expect(dialogs).toEqual([]);
	expect(agentDialogs).toEqual([]);

	await agentContext.close();
	await context.close();
	await proxy.close();
});

test('English: the hours and the form in the shopper’s language; a shopper’s bad email is named', async ({ browser }) => {
	const context = await browser.newContext({ baseURL: server.url, viewport: PHONE, locale: 'en-US', hasTouch: true, isMobile: true });
	const page = await context.newPage();
	await page.goto('/chat-widget?locale=en');
	await expect(page.getByRole('heading', { name: 'We are away: leave us a message' })).toBeVisible();
	await expect(page.getByText(`Our hours: ${DAYS[(shopDay + 3) % 7]} 09:00–10:00 (UTC+08:00)`)).toBeVisible();
	await page.screenshot({ path: `${SHOTS}/06-form-en.png` });
	await page.getByRole('textbox', { name: 'Your message' }).fill('Do you ship to Canada?');
	await page.getByRole('textbox', { name: 'Email' }).fill('sam@example');
	await page.getByRole('button', { name: 'Leave message' }).click();
	await expect(page.getByText(/This email address is not valid/)).toBeVisible();
	await page.screenshot({ path: `${SHOTS}/07-bad-email-en.png` });
	await page.getByRole('textbox', { name: 'Email' }).fill('Sam@Example.com');
	await page.getByRole('textbox', { name: 'Phone' }).fill('+1 415 555 2671');
	await page.getByRole('button', { name: 'Leave message' }).click();
	await expect(page.getByTestId('left-confirmation')).toContainText(/Thank you, we have your message\. An agent will answer from .+ \(your time\)/);
	await expect(page.getByTestId('left-confirmation')).toContainText('+14155552671 / sam@example.com');
	await page.screenshot({ path: `${SHOTS}/08-left-en.png` });
	await expect.poll(async () => (await conversations()).some((c) => JSON.stringify(c.contact) === JSON.stringify({ email: 'sam@example.com', phone: '+14155552671' }))).toBe(true);
	await context.close();
});
