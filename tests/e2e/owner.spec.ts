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
