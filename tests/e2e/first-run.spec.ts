import { test, expect, newBrowserContext, PHONE, navTo } from './fixtures';
import { startServer } from '../fixtures/pocketbase';

test('a fresh install leads the first visitor to create the owner, who adds a sales rep', async ({ browser }) => {
	const server = await startServer();
	try {
		const context = await newBrowserContext(browser, server.url, { viewport: PHONE });
		const page = await context.newPage();
		await page.goto('/');
		await expect(page).toHaveURL(/\/setup$/);
		await expect(page.getByRole('heading', { name: '欢迎！请创建店主账号' })).toBeVisible();

		await page.getByLabel('您的姓名').fill('店主');
		await page.getByLabel('邮箱').fill('owner@shop.test');
		await page.getByLabel('密码').fill('short');
		await page.getByRole('button', { name: '创建店主账号' }).click();
		await expect(page.locator('#pw-hint')).toHaveClass(/error/);

		await page.getByLabel('密码').fill('a-long-owner-password');
		await page.getByRole('button', { name: '创建店主账号' }).click();
		await expect(page).toHaveURL(/\/customers$/);
		await expect(page.getByText('还没有客户')).toBeVisible();

		await navTo(page, '员工');
		await page.getByLabel('姓名', { exact: true }).fill('新销售');
		await page.getByLabel('邮箱').fill('rep@shop.test');
		await page.getByLabel('密码').fill('rep-password-123');
		await page.getByLabel('角色').selectOption('sales');
		await page.getByRole('button', { name: '添加员工' }).click();
		await expect(page.getByText('新销售 现在可以登录了')).toBeVisible();
		await expect(page.getByRole('list', { name: '员工' })).toContainText('销售');

		// The session survives a reload.
		await page.reload();
		await expect(page.getByRole('list', { name: '员工' })).toContainText('新销售');

		await navTo(page, '设置');
		await page.getByRole('button', { name: '退出登录' }).click();
		await expect(page).toHaveURL(/\/login$/);
		const dbs = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
		expect(dbs.filter((n) => n?.startsWith('rxdb-dexie-crm_'))).toEqual([]);

		// The setup route is closed now.
		await page.goto('/setup');
		await page.getByLabel('您的姓名').fill('冒充者');
		await page.getByLabel('邮箱').fill('x@shop.test');
		await page.getByLabel('密码').fill('another-long-password');
		await page.getByRole('button', { name: '创建店主账号' }).click();
		await expect(page.getByRole('alert')).toContainText('店主账号已存在');

		await page.goto('/login');
		await page.getByLabel('邮箱').fill('rep@shop.test');
		await page.getByLabel('密码').fill('rep-password-123');
		await page.getByRole('button', { name: '登录' }).click();
		await expect(page).toHaveURL(/\/customers$/);
		await expect(page.getByRole('link', { name: '员工' })).toHaveCount(0);
		await context.close();
	} finally {
		await server.stop();
	}
});
