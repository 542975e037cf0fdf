// The audit log on the admin's screen (issue 13): a sales rep's phone receives a customer and the rep
// reads its detail through the API; the admin, on a tablet, finds both under the rep's name, sees the
// sign-in, verifies the chain and exports the search as CSV; on a phone the page fits. A sales rep
// who opens the page is told it is for administrators, and the server refuses them too.
import { readFileSync } from 'node:fs';
import { test, expect, PHONE, TABLET } from './fixtures';
import { id15 } from '../hooks/helpers';

test('an admin finds a rep’s reads and sign-in in the audit log, verifies the chain and exports it', async ({ openAs, server }) => {
	test.setTimeout(90_000);
	const name = `审计演示顾客 ${Date.now().toString(36)}`;
	const customer = id15();
	const auth = async (who: { email: string; password: string }) =>
		(
			await (
				await fetch(`${server.url}/api/collections/staff/auth-with-password`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ identity: who.email, password: who.password })
				})
			).json()
		).token as string;
	const repToken = await auth(server.staff.sales);
	await fetch(`${server.url}/api/crm/sync/customers/push`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: repToken },
		body: JSON.stringify({ rows: [{ doc: { id: customer, name, phones: ['+8613911112222'], owner: server.staff.sales.id }, base: null }] })
	});
	await fetch(`${server.url}/api/collections/customers/records/${customer}`, { headers: { authorization: repToken } });

	// The rep's phone signs in and receives the customer.
	const rep = await openAs('sales', { viewport: PHONE });
	await rep.page.goto('/customers');
	await expect(rep.page.getByRole('link', { name: new RegExp(name) })).toBeVisible();
	// The page is for administrators: the rep is told so.
	await rep.page.goto('/settings/audit');
	await expect(rep.page.getByRole('alert')).toHaveText('只有管理员可以查看审计日志。');

	const admin = await openAs('owner', { viewport: TABLET });
	await admin.page.goto('/settings');
	await admin.page.getByRole('link', { name: '审计日志' }).click();
	await expect(admin.page.getByRole('heading', { name: '审计日志', level: 1 })).toBeVisible();
	await admin.page.getByLabel('人员（姓名或 ID）').fill('李销售');
	await admin.page.getByLabel('记录 ID').fill(customer);
	await admin.page.getByRole('button', { name: '搜索', exact: true }).click();
	const entries = admin.page.getByTestId('audit-entry');
	await expect(entries.filter({ hasText: '查看了客户详情' })).toHaveCount(1);
	await expect(entries.filter({ hasText: '查看了客户详情' })).toContainText('李销售 · 销售');
	await expect(entries.filter({ hasText: '设备接收了客户' }).first()).toBeVisible();
	await expect(entries.filter({ hasText: '新建了客户' })).toContainText('李销售');
	// No phone number on the screen: entries name fields, never values.
	await expect(admin.page.locator('main')).not.toContainText('13911112222');

	// Sign-ins of the rep.
	await admin.page.getByLabel('记录 ID').fill('');
	await admin.page.getByLabel('操作').selectOption('auth.login');
	await admin.page.getByRole('button', { name: '搜索', exact: true }).click();
	await expect(entries.first()).toContainText('登录');
	await expect(entries.first()).toContainText('李销售');

	await admin.page.getByRole('button', { name: '校验链条' }).click();
	await expect(admin.page.getByTestId('audit-verdict')).toContainText(/链条完整：\d+ 条记录校验通过/);
	await admin.page.screenshot({ path: test.info().outputPath('audit-tablet.png'), fullPage: true });

	const download = admin.page.waitForEvent('download');
	await admin.page.getByRole('button', { name: '导出 CSV' }).click();
	const file = await (await download).path();
	const csv = readFileSync(file!, 'utf8');
	expect(csv).toContain('auth.login');
	expect(csv).toContain(server.staff.sales.id);
	await expect(admin.page.getByText(/已导出 \d+ 条记录到 audit-/)).toBeVisible();

	// On a phone the page fits its width.
	await admin.page.setViewportSize(PHONE);
	await admin.page.getByLabel('操作').selectOption('');
	await admin.page.getByRole('button', { name: '搜索', exact: true }).click();
	await expect(entries.first()).toBeVisible();
	const overflow = await admin.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
	expect(overflow).toBeLessThanOrEqual(0);
	await admin.page.screenshot({ path: test.info().outputPath('audit-phone.png') });
});
