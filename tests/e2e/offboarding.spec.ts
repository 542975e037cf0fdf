// Offboarding and sign-in protection, as the people involved see them (issue "Security holes found by an
// outside probe", items 4 and 5): an admin deactivates a leaver on the Staff screen and the leaver's
// phone deletes its customer data at its next contact; an admin sets a new password; wrong passwords
// lock the account with a message that says when to try again.
import type { Browser, Page } from '@playwright/test';
import { test, expect, PHONE, signIn, type Device, navTo, rxdbNames } from './fixtures';
import { startCuttableProxy } from '../fixtures/cuttable-proxy';

async function device(browser: Browser, port: number, viewport = PHONE): Promise<Device> {
	const proxy = await startCuttableProxy(port);
	const context = await browser.newContext({ baseURL: proxy.url, viewport, locale: 'zh-CN' });
	return { context, page: await context.newPage(), proxy };
}

async function addStaff(admin: Page, name: string, email: string, password: string, role = 'sales') {
	await navTo(admin, '员工');
	await admin.getByLabel('姓名', { exact: true }).fill(name);
	await admin.getByLabel('邮箱').fill(email);
	await admin.getByLabel('密码').fill(password);
	await admin.getByLabel('角色').selectOption(role);
	await admin.getByRole('button', { name: '添加员工' }).click();
	await expect(admin.getByRole('status').filter({ hasText: `${name} 现在可以登录了。` })).toBeVisible();
}

test('an admin deactivates a leaver: their phone deletes its data at the next contact, their customers go to a colleague', async ({ browser, server, openAs }) => {
	const { page: admin } = await openAs('owner');
	const stamp = Date.now().toString(36);
	const email = `leaver-${stamp}@example.test`;
	await addStaff(admin, '离职销售', email, 'leaver-password-1');

	const phone = await device(browser, server.port);
	const rep = phone.page;
	await signIn(rep, email, 'leaver-password-1');
	await rep.getByRole('link', { name: /新建客户/ }).click();
	await rep.getByLabel('姓名').fill('离职前的客户');
	await rep.getByRole('button', { name: '保存' }).click();
	await expect(rep.getByRole('heading', { name: '离职前的客户' })).toBeVisible();
	await rep.getByTestId('sync-indicator').click();
	await expect(rep.getByTestId('sync-pending')).toContainText('所有更改已上传', { timeout: 15_000 });
	await rep.getByTestId('sync-indicator').click();
	expect((await rxdbNames(rep)).length).toBeGreaterThan(0);

	await admin.reload();
	await admin.getByRole('button', { name: /离职销售/ }).click();
	const editor = admin.getByRole('region', { name: '管理 离职销售' });
	await expect(editor.getByText('1 位客户').first()).toBeVisible();
	await editor.getByLabel('将其 1 位客户交给').selectOption({ label: `${server.staff.sales2.name} · 销售` });
	await admin.screenshot({ path: test.info().outputPath('staff-editor.png'), fullPage: true });
	admin.once('dialog', (d) => d.accept());
	await editor.getByRole('button', { name: '停用账号' }).click();
	await expect(editor.getByRole('status')).toContainText('已停用 离职销售。已移交 1 位客户');
	await expect(admin.getByRole('button', { name: /离职销售.*已停用/ })).toBeVisible();

	// The phone hears it without anyone touching it: its realtime connection is closed, it reconnects
	// and is told, deletes the data and says why.
	await expect(rep).toHaveURL(/\/login$/, { timeout: 20_000 });
	await expect(rep.getByRole('alert')).toContainText('此账号已被停用');
	expect(await rxdbNames(rep)).toEqual([]);
	expect(await rep.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('crm:outbox')))).toEqual([]);

	// Signing in again is refused in words, and the customer is the colleague's now.
	await rep.getByLabel('邮箱').fill(email);
	await rep.getByLabel('密码').fill('leaver-password-1');
	await rep.getByRole('button', { name: '登录' }).click();
	await expect(rep.getByRole('alert')).toContainText('此账号已被停用');
	const { page: heir } = await openAs('sales2', { viewport: PHONE });
	await expect(heir.getByRole('link', { name: /离职前的客户/ })).toBeVisible({ timeout: 15_000 });
	await phone.context.close();
	await phone.proxy.close();
});

test('an admin sets a new password for a colleague who forgot theirs', async ({ browser, server, openAs }) => {
	const { page: admin } = await openAs('owner');
	const email = `forgot-${Date.now().toString(36)}@example.test`;
	await addStaff(admin, '忘记密码', email, 'first-password-1', 'agent');
	await admin.getByRole('button', { name: /忘记密码/ }).click();
	const editor = admin.getByRole('region', { name: '管理 忘记密码' });
	await editor.getByLabel('新密码').fill('short');
	await editor.getByRole('button', { name: '设置新密码' }).click();
	await expect(editor.getByRole('alert')).toContainText('至少需要 8 个字符');
	await editor.getByLabel('新密码').fill('second-password-2');
	await editor.getByRole('button', { name: '设置新密码' }).click();
	await expect(editor.getByRole('status')).toContainText('已为 忘记密码 设置新密码');

	const tablet = await device(browser, server.port, { width: 768, height: 1024 });
	await tablet.page.goto('/login');
	await tablet.page.getByLabel('邮箱').fill(email);
	await tablet.page.getByLabel('密码').fill('first-password-1');
	await tablet.page.getByRole('button', { name: '登录' }).click();
	await expect(tablet.page.getByRole('alert')).toContainText('邮箱或密码不正确');
	await signIn(tablet.page, email, 'second-password-2');
	await tablet.context.close();
	await tablet.proxy.close();
});

test('five wrong passwords lock the account; even the right one is refused with when to try again', async ({ browser, server }) => {
	// An account of its own: the lock lasts 30 s and the other tests sign in as the seeded staff.
	const owner = await (
		await fetch(`${server.url}/api/collections/staff/auth-with-password`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ identity: server.staff.owner.email, password: server.staff.owner.password })
		})
	).json();
	const email = `locked-${Date.now().toString(36)}@example.test`;
	const password = 'locked-password-1';
	const made = await fetch(`${server.url}/api/collections/staff/records`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: owner.token },
		body: JSON.stringify({ email, password, passwordConfirm: password, name: '锁定测试', role: 'agent' })
	});
	expect(made.status).toBe(200);
	const phone = await device(browser, server.port);
	const page = phone.page;
	await page.goto('/login');
	await page.getByLabel('邮箱').fill(email);
	for (let i = 0; i < 4; i++) {
		await page.getByLabel('密码').fill(`wrong-${i}`);
		await page.getByRole('button', { name: '登录' }).click();
		await expect(page.getByRole('alert')).toContainText('邮箱或密码不正确');
	}
	await page.getByLabel('密码').fill('wrong-5');
	await page.getByRole('button', { name: '登录' }).click();
	await expect(page.getByRole('alert')).toContainText(/账号已暂时锁定。请 \d+ 秒后（.+）再试。/);
	await page.getByLabel('密码').fill(password);
	await page.getByRole('button', { name: '登录' }).click();
	await expect(page.getByRole('alert')).toContainText('账号已暂时锁定');
	await expect(page).toHaveURL(/\/login$/);
	await page.screenshot({ path: test.info().outputPath('locked.png') });
	await phone.context.close();
	await phone.proxy.close();
});

test('a rep’s phone is lost: an admin signs them out everywhere; the phone deletes its data at its next contact; the rep signs in again elsewhere', async ({ browser, server, openAs }) => {
	const { page: admin } = await openAs('owner');
	const stamp = Date.now().toString(36);
	const email = `lost-phone-${stamp}@example.test`;
	await addStaff(admin, '丢手机的销售', email, 'lost-phone-password-1');

	const lost = await device(browser, server.port);
	await signIn(lost.page, email, 'lost-phone-password-1');
	await lost.page.getByRole('link', { name: /新建客户/ }).click();
	await lost.page.getByLabel('姓名').fill(`手机上的客户 ${stamp}`);
	await lost.page.getByRole('button', { name: '保存' }).click();
	await expect(lost.page.getByRole('heading', { name: `手机上的客户 ${stamp}` })).toBeVisible();
	await lost.page.getByTestId('sync-indicator').click();
	await expect(lost.page.getByTestId('sync-pending')).toContainText('所有更改已上传', { timeout: 15_000 });
	expect((await rxdbNames(lost.page)).length).toBeGreaterThan(0);
	// The phone is out of reach when the admin acts.
	await lost.proxy.cut();

	await admin.reload();
	await admin.getByRole('button', { name: /丢手机的销售/ }).click();
	const editor = admin.getByRole('region', { name: '管理 丢手机的销售' });
	await editor.getByRole('button', { name: '登出所有设备' }).click();
	await expect(editor.getByRole('status')).toHaveText('丢手机的销售 已在所有设备上退出登录。');

	// Back in reach, at its next contact the phone deletes its data and says why.
	await lost.proxy.restore();
	await lost.page.reload();
	await expect(lost.page).toHaveURL(/\/login$/, { timeout: 20_000 });
	await expect(lost.page.getByRole('alert')).toContainText('此账号已在所有设备上退出登录，其在本设备上的数据已删除');
	expect(await rxdbNames(lost.page)).toEqual([]);

	// The rep signs in again on a new phone and has their customer back.
	const fresh = await device(browser, server.port);
	await signIn(fresh.page, email, 'lost-phone-password-1');
	await expect(fresh.page.getByRole('link', { name: new RegExp(`手机上的客户 ${stamp}`) })).toBeVisible({ timeout: 15_000 });
	for (const d of [lost, fresh]) {
		await d.context.close();
		await d.proxy.close();
	}
});
