import { test, expect, PHONE } from './fixtures';

test('a manager assigns a new customer to a sales rep, whose phone receives it', async ({ openAs }) => {
	const manager = await openAs('manager', { viewport: PHONE });
	const rep = await openAs('sales', { viewport: PHONE });
	await manager.page.getByRole('link', { name: /新建客户/ }).click();
	await manager.page.getByLabel('姓名').fill('经理分配的客户');
	await manager.page.getByLabel('负责人').selectOption({ label: '李销售' });
	await manager.page.getByRole('button', { name: '保存' }).click();
	await expect(manager.page.getByRole('heading', { name: '经理分配的客户' })).toBeVisible();
	await expect(manager.page.locator('[data-field="owner"]')).toHaveText('李销售');
	await expect(rep.page.getByRole('link', { name: /经理分配的客户/ })).toBeVisible({ timeout: 15_000 });
	// A rep gets no owner menu: what they create is theirs.
	await rep.page.getByRole('link', { name: /新建客户/ }).click();
	await expect(rep.page.getByLabel('负责人')).toHaveCount(0);
});

test('creating a customer whose phone exists offers the existing one first', async ({ openAs }) => {
	const { page } = await openAs('sales2', { viewport: PHONE });
	await page.getByRole('link', { name: /新建客户/ }).click();
	await page.getByLabel('姓名').fill('原有客户');
	await page.getByLabel('电话').fill('135 0000 1234');
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.getByRole('heading', { name: '原有客户' })).toBeVisible();
	await page.getByRole('link', { name: '客户', exact: true }).click();
	await page.getByRole('link', { name: /新建客户/ }).click();
	await page.getByLabel('姓名').fill('可能重复');
	await page.getByLabel('电话').fill('+86 13500001234');
	await page.getByRole('button', { name: '保存' }).click();
	const notice = page.getByRole('alert').filter({ hasText: '本设备上已有电话或邮箱相同的客户' });
	await expect(notice.getByRole('link', { name: '原有客户' })).toBeVisible();
	await notice.getByRole('button', { name: '仍然新建' }).click();
	await expect(page.getByRole('heading', { name: '可能重复' })).toBeVisible();
});
