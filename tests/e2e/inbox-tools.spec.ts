// The agent console's tools against the real server: canned replies edited and deleted by who may,
// a shopper blocked and unblocked by a manager (the widget tells them), images sent from the composer
// and shown from the protected file URL in the console and the widget, and the service metrics by team.
import type { Browser, Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { expect, PHONE, signIn, TABLET } from './fixtures';
import { api, staffedTest, staffToken } from './chat-fixtures';

const test = staffedTest;

const SHOTS = '/work/scratch/inbox-tools';
mkdirSync(SHOTS, { recursive: true });

/** A shopper with a conversation and a first message, through the chat API. */
async function shopperWith(url: string, name: string, text: string): Promise<{ token: string; id: string; conversation: string }> {
	const s = await api<{ token: string; visitor: { id: string } }>(url, '/api/crm/chat/session', { name, locale: 'zh-CN' });
	const c = await api<{ id: string }>(url, '/api/collections/conversations/records', { visitor: s.visitor.id, topic: 'other' }, s.token);
	await api(url, '/api/collections/messages/records', { conversation: c.id, client_id: `v-${Date.now()}-${Math.random()}`, body: text }, s.token);
	return { token: s.token, id: s.visitor.id, conversation: c.id };
}

/** The widget opened directly (not framed) on a phone; the shopper picks a topic and writes. */
async function widgetShopper(browser: Browser, url: string, text: string): Promise<Page> {
	const context = await browser.newContext({ baseURL: url, viewport: PHONE, locale: 'zh-CN' });
	const page = await context.newPage();
	await page.goto('/chat-widget');
	await page.getByRole('button', { name: '其他' }).click();
	await page.getByLabel('消息').fill(text);
	await page.getByRole('button', { name: '发送', exact: true }).click();
	await expect(page.getByTestId('message').filter({ hasText: text })).toBeVisible();
	return page;
}

/** A real PNG of w×h (a colour ramp), so the browser has something to draw. */
function png(w: number, h: number): Buffer {
	const crc = (buf: Buffer) => {
		let c = ~0;
		for (const b of buf) {
			c ^= b;
			for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
		}
		return ~c >>> 0;
	};
	const chunk = (type: string, data: Buffer) => {
		const len = Buffer.alloc(4);
		len.writeUInt32BE(data.length);
		const td = Buffer.concat([Buffer.from(type), data]);
		const sum = Buffer.alloc(4);
		sum.writeUInt32BE(crc(td));
		return Buffer.concat([len, td, sum]);
	};
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(w, 0);
	ihdr.writeUInt32BE(h, 4);
	ihdr[8] = 8;
	ihdr[9] = 2;
	const raw = Buffer.alloc((w * 3 + 1) * h);
	for (let y = 0; y < h; y++) {
		for (let x = 0; x < w; x++) {
			const i = y * (w * 3 + 1) + 1 + x * 3;
			raw[i] = 15 + Math.round((x / w) * 200);
			raw[i + 1] = 118;
			raw[i + 2] = 110 + Math.round((y / h) * 120);
		}
	}
	return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const tagOf = () => Math.random().toString(36).slice(2, 6);

test('canned replies: an agent edits and deletes their own, never a shared one; a refusal is said in Chinese', async ({ openAs, server, browser }) => {
	const tag = tagOf();
	const managerToken = await staffToken(server.url, server.staff.manager);
	const agentToken = await staffToken(server.url, server.staff.agent);
	await api(server.url, '/api/collections/canned_replies/records', { owner: server.staff.manager.id, shared: true, shortcut: `/s${tag}`, title: '共享回复', body: '共享内容' }, managerToken);
	const shopper = await shopperWith(server.url, `模板顾客${tag}`, '你好');
	await api(server.url, `/api/collections/conversations/records/${shopper.conversation}`, { assignee: server.staff.agent.id }, agentToken, 'PATCH');

	const { page } = await openAs('agent', { viewport: TABLET });
	await page.goto('/inbox');
	await page
		.getByTestId('mine')
		.getByRole('button', { name: new RegExp(`模板顾客${tag}`) })
		.click();
	const pane = page.getByTestId('chat-pane');
	await pane.getByRole('button', { name: '快捷回复', exact: true }).click();
	const list = page.getByTestId('canned-list');
	const sharedItem = list.getByTestId('canned-item').filter({ hasText: `/s${tag}` });
	await expect(sharedItem).toContainText('团队共享');
	await expect(sharedItem.getByRole('button', { name: /编辑|删除/ })).toHaveCount(0);

	// A reply of their own: created, edited, used with its new text.
	await list.getByText('新建快捷回复').click();
	const newForm = list.locator('details');
	await newForm.getByLabel('快捷词').fill(`/m${tag}`);
	await newForm.getByLabel('标题').fill('查询中');
	await newForm.getByLabel('内容').fill('请稍等，我查一下');
	await newForm.getByRole('button', { name: '保存', exact: true }).click();
	await expect(list.getByTestId('canned-notice')).toHaveText('快捷回复已保存。');
	const mine = list.getByTestId('canned-item').filter({ hasText: `/m${tag}` });
	await expect(mine).toContainText('我的');
	await mine.getByRole('button', { name: `编辑 /m${tag}` }).click();
	// While edited, the item is a form (its texts are in fields).
	const editForm = list.getByRole('form', { name: `编辑 /m${tag}` });
	await expect(editForm.getByLabel('快捷词')).toHaveValue(`/m${tag}`);
	await editForm.getByLabel('内容').fill('请稍等片刻，我马上为您查询');
	await editForm.getByRole('button', { name: '保存修改' }).click();
	await expect(list.getByTestId('canned-notice')).toHaveText('快捷回复已更新。');
	const stored = () =>
		api<{ items: { body: string; deleted: boolean }[] }>(server.url, `/api/collections/canned_replies/records?filter=${encodeURIComponent(`shortcut="/m${tag}"`)}`, null, agentToken, 'GET');
	expect((await stored()).items).toMatchObject([{ body: '请稍等片刻，我马上为您查询', deleted: false }]);
	await pane.getByTestId('compose').click();
	await pane.getByTestId('compose').pressSequentially(`/m${tag} `);
	await expect(pane.getByTestId('compose')).toHaveValue('请稍等片刻，我马上为您查询');
	await pane.getByTestId('compose').fill('');
	await page.screenshot({ path: `${SHOTS}/tablet-canned.png` });
	await page.setViewportSize(PHONE);
	await list.scrollIntoViewIfNeeded();
	await page.screenshot({ path: `${SHOTS}/phone-canned.png` });
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
	await page.setViewportSize(TABLET);

	// Deleted after a confirmation: gone from the list and the suggestions, kept as deleted on the server.
	await mine.getByRole('button', { name: `删除 /m${tag}` }).click();
	const confirm = mine.getByRole('group', { name: `删除 /m${tag}` });
	await expect(confirm).toContainText(`删除快捷回复 /m${tag}？`);
	await confirm.getByRole('button', { name: '删除', exact: true }).click();
	await expect(list.getByTestId('canned-notice')).toHaveText('快捷回复已删除。');
	await expect(list.getByTestId('canned-item').filter({ hasText: `/m${tag}` })).toHaveCount(0);
	expect((await stored()).items).toMatchObject([{ deleted: true }]);
	await pane.getByTestId('compose').pressSequentially(`/m${tag}`);
	await expect(pane.getByTestId('canned-suggestions')).toHaveCount(0);

	// A manager edits shared ones; demoted while editing, the server's refusal is shown in Chinese.
	const ownerToken = await staffToken(server.url, server.staff.owner);
	const lead = { email: `lead-${tag}@example.test`, password: `lead-${tag}-password-1` };
	const leadRec = await api<{ id: string }>(server.url, '/api/collections/staff/records', { ...lead, passwordConfirm: lead.password, name: `组长${tag}`, role: 'manager' }, ownerToken);
	const context = await browser.newContext({ baseURL: server.url, viewport: TABLET, locale: 'zh-CN' });
	const lp = await context.newPage();
	await signIn(lp, lead.email, lead.password);
	await lp.goto('/inbox');
	await lp
		.getByTestId('others')
		.getByRole('button', { name: new RegExp(`模板顾客${tag}`) })
		.click();
	await lp.getByTestId('chat-pane').getByRole('button', { name: '快捷回复', exact: true }).click();
	const leadShared = lp
		.getByTestId('canned-list')
		.getByTestId('canned-item')
		.filter({ hasText: `/s${tag}` });
	await leadShared.getByRole('button', { name: `编辑 /s${tag}` }).click();
	const leadForm = lp.getByRole('form', { name: `编辑 /s${tag}` });
	await expect(leadForm.getByLabel('与团队共享')).toBeChecked();
	await leadForm.getByLabel('内容').fill('共享内容（新）');
	await api(server.url, `/api/collections/staff/records/${leadRec.id}`, { role: 'agent' }, ownerToken, 'PATCH');
	await leadForm.getByRole('button', { name: '保存修改' }).click();
	await expect(lp.getByTestId('canned-notice')).toHaveText('该内容已不存在，或您已无权修改。');
	await expect(lp.getByTestId('canned-notice')).toHaveAttribute('role', 'alert');
	const sharedNow = await api<{ items: { body: string }[] }>(server.url, `/api/collections/canned_replies/records?filter=${encodeURIComponent(`shortcut="/s${tag}"`)}`, null, managerToken, 'GET');
	expect(sharedNow.items).toMatchObject([{ body: '共享内容' }]);
	await context.close();
});

test('a manager blocks a shopper after confirming; the widget says so (zh-CN, en); unblocked, the chat goes on', async ({ openAs, server, browser }) => {
	const tag = tagOf();
	const text = `能开发票吗-${tag}`;
	const widget = await widgetShopper(browser, server.url, text);
	const visitorKey = await widget.evaluate(() => localStorage.getItem('crm_chat_visitor'));
	expect(visitorKey).toBeTruthy();

	// An agent has no way to block.
	const agent = await openAs('agent', { viewport: TABLET });
	await agent.page.goto('/inbox');
	await agent.page.getByTestId('queue').getByRole('listitem').filter({ hasText: text }).locator('.pick').click();
	await expect(agent.page.getByTestId('chat-pane').getByTestId('messages')).toContainText(text);
	await expect(agent.page.getByTestId('block')).toHaveCount(0);

	const { page } = await openAs('manager', { viewport: TABLET });
	await page.goto('/inbox');
	await page.getByTestId('queue').getByRole('listitem').filter({ hasText: text }).locator('.pick').click();
	const pane = page.getByTestId('chat-pane');
	await expect(pane.getByTestId('messages')).toContainText(text);
	await pane.getByTestId('block').click();
	await expect(pane.getByTestId('block-confirm')).toContainText('对方将不能再发送消息或发起会话');
	await page.screenshot({ path: `${SHOTS}/tablet-block-confirm.png` });
	await page.setViewportSize(PHONE);
	await page.screenshot({ path: `${SHOTS}/phone-block-confirm.png` });
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
	await page.setViewportSize(TABLET);
	// Cancelling changes nothing.
	await pane.getByTestId('block-confirm').getByRole('button', { name: '取消' }).click();
	await expect(pane.getByTestId('blocked-chip')).toHaveCount(0);
	await pane.getByTestId('block').click();
	await pane.getByTestId('block-confirm').getByRole('button', { name: '拉黑访客' }).click();
	await expect(pane.getByTestId('blocked-chip')).toHaveText('已拉黑');
	await expect(pane.getByTestId('block')).toHaveText('解除拉黑');
	await expect(pane.getByTestId('block-notice')).toContainText('已拉黑');

	// The shopper's next message is refused: the widget says why, in Chinese, and keeps the visitor.
	await widget.getByLabel('消息').fill('还在吗？');
	await widget.getByRole('button', { name: '发送', exact: true }).click();
	await expect(widget.getByTestId('blocked')).toHaveText('您目前无法使用在线客服。如有疑问，请通过其他方式联系商家。');
	await widget.reload();
	await expect(widget.getByTestId('blocked')).toBeVisible();
	await widget.screenshot({ path: `${SHOTS}/phone-widget-blocked.png` });
	expect(await widget.evaluate(() => localStorage.getItem('crm_chat_visitor'))).toBe(visitorKey);
	await widget.goto('/chat-widget?locale=en');
	await expect(widget.getByTestId('blocked')).toHaveText('You cannot use this chat. If you think this is a mistake, please contact the shop another way.');

	// Unblocked: the same shopper is back, and what waited on their device is sent.
	await pane.getByTestId('block').click();
	await expect(pane.getByTestId('block-confirm')).toContainText('对方可以再次聊天');
	await pane.getByTestId('block-confirm').getByRole('button', { name: '解除拉黑' }).click();
	await expect(pane.getByTestId('blocked-chip')).toHaveCount(0);
	await widget.goto('/chat-widget');
	await expect(widget.getByTestId('message').filter({ hasText: text })).toBeVisible();
	await expect(pane.getByTestId('messages')).toContainText('还在吗？', { timeout: 15_000 });
	expect(await widget.evaluate(() => localStorage.getItem('crm_chat_visitor'))).toBe(visitorKey);
	await widget.context().close();
});

test('an agent sends images from the composer: checked first, refusals said, shown from the protected URL in the console and the widget', async ({ openAs, server, browser }) => {
	const tag = tagOf();
	const text = `图片咨询-${tag}`;
	const widget = await widgetShopper(browser, server.url, text);
	const { page } = await openAs('agent', { viewport: PHONE });
	await page.goto('/inbox');
	await page.getByTestId('queue').getByRole('listitem').filter({ hasText: text }).getByRole('button', { name: '接入' }).click();
	const pane = page.getByTestId('chat-pane');
	await expect(pane.getByTestId('messages')).toContainText(text);
	const input = pane.getByTestId('image-input');
	const problem = pane.getByTestId('image-problem');

	await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
	await expect(problem).toHaveText('“notes.txt”无法发送：仅支持 JPEG、PNG、WebP 或 GIF 图片。');
	await input.setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(5 * 1024 * 1024 + 1) });
	await expect(problem).toHaveText('“huge.png”超过 5 MB。');
	await expect(pane.getByTestId('chosen-images')).toHaveCount(0);

	// Named and typed as a PNG but not one: the server looks at the content and refuses it.
	await input.setInputFiles({ name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
	await expect(pane.getByTestId('chosen-images')).toContainText('fake.png');
	await pane.getByTestId('send').click();
	await expect(problem).toHaveText('服务器拒绝了图片：仅支持 JPEG、PNG、WebP 或 GIF，每张不超过 5 MB，最多 4 张。');
	await pane.getByRole('button', { name: '移除 fake.png' }).click();

	await input.setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: png(160, 100) });
	await pane.getByTestId('compose').fill('<b>这是</b>商品实拍图');
	await pane.getByTestId('send').click();
	const sent = pane.getByTestId('message').filter({ has: page.getByTestId('message-image') });
	await expect(sent).toHaveCount(1);
	await expect(sent).toContainText('<b>这是</b>商品实拍图');
	await expect(sent.locator('b')).toHaveCount(0);
	const img = sent.getByTestId('message-image');
	expect(await img.getAttribute('src')).toMatch(/\/api\/files\/[^/]+\/[a-z0-9]{15}\/photo_\w+\.png\?token=.+/);
	await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(160);
	await expect(pane.getByTestId('chosen-images')).toHaveCount(0);
	await expect(pane.getByTestId('compose')).toHaveValue('');
	await page.screenshot({ path: `${SHOTS}/phone-image.png` });
	// Protected: without the token the file is not served.
	const bare = (await img.getAttribute('src'))!.replace(/\?token=.*$/, '');
	expect((await fetch(new URL(bare, server.url))).status).toBeGreaterThanOrEqual(400);

	// The shopper sees the picture in the widget, drawn from the protected URL with their own token.
	const wimg = widget.getByTestId('message').filter({ hasText: '商品实拍图' }).locator('img');
	await expect(wimg).toHaveCount(1, { timeout: 15_000 });
	expect(await wimg.getAttribute('src')).toMatch(/\/api\/files\/.+\?token=.+/);
	await expect.poll(() => wimg.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(160);
	await widget.screenshot({ path: `${SHOTS}/phone-widget-image.png` });
	await widget.context().close();
});

test('service metrics: a manager filters by team and by agent, and reads the per-team table', async ({ openAs, server }) => {
	const tag = tagOf();
	const team = `一组${tag}`;
	const ownerToken = await staffToken(server.url, server.staff.owner);
	const agentToken = await staffToken(server.url, server.staff.agent);
	await api(server.url, `/api/collections/staff/records/${server.staff.agent.id}`, { team }, ownerToken, 'PATCH');
	const shopper = await shopperWith(server.url, `指标顾客${tag}`, '在吗');
	await api(server.url, `/api/collections/conversations/records/${shopper.conversation}`, { assignee: server.staff.agent.id }, agentToken, 'PATCH');
	await api(server.url, '/api/collections/messages/records', { conversation: shopper.conversation, client_id: `a-${tag}`, body: '在的' }, agentToken);

	const { page } = await openAs('manager', { viewport: TABLET });
	await page.goto('/service-metrics');
	const perTeam = page.getByTestId('per-team');
	await expect(perTeam.getByRole('row').filter({ hasText: team })).toBeVisible();
	await page.getByTestId('metrics-team').selectOption(team);
	// The agent menu lists the team's people only.
	await expect(page.getByTestId('metrics-agent').locator('option')).toHaveText(['全部客服', server.staff.agent.name]);
	const asked = page.waitForResponse((r) => r.url().includes('/api/crm/stats/service') && r.url().includes(`team=${encodeURIComponent(team)}`));
	await page.getByRole('button', { name: '查看' }).click();
	const answer = await (await asked).json();
	expect(answer.team).toBe(team);
	await expect(perTeam.getByRole('row')).toHaveCount(2);
	await expect(perTeam).toContainText(team);
	await expect(page.getByTestId('per-agent')).toContainText(server.staff.agent.name);
	await expect(page.getByTestId('per-agent')).not.toContainText(server.staff.manager.name);
	await page.screenshot({ path: `${SHOTS}/tablet-metrics-team.png`, fullPage: true });

	await page.getByTestId('metrics-agent').selectOption({ label: server.staff.agent.name });
	const askedAgent = page.waitForResponse((r) => r.url().includes('/api/crm/stats/service') && r.url().includes(`agent=${server.staff.agent.id}`));
	await page.getByRole('button', { name: '查看' }).click();
	expect((await (await askedAgent).json()).agent).toBe(server.staff.agent.id);
	await page.setViewportSize(PHONE);
	await page.screenshot({ path: `${SHOTS}/phone-metrics-team.png`, fullPage: true });
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);

	// Agents see their own figures: no team or agent menus.
	const agent = await openAs('agent', { viewport: PHONE });
	await agent.page.goto('/service-metrics');
	await expect(agent.page.getByTestId('metrics-tiles')).toBeVisible();
	await expect(agent.page.getByTestId('metrics-team')).toHaveCount(0);
	await expect(agent.page.getByTestId('metrics-agent')).toHaveCount(0);
});
