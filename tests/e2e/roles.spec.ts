import { test, expect } from './fixtures';

test('a rep’s new customer reaches the manager live, never another rep', async ({ openAs }) => {
	const rep = await openAs('sales');
	const other = await openAs('sales2');
	const manager = await openAs('manager');
	await rep.page.getByRole('link', { name: /新建客户/ }).click();
	await rep.page.getByLabel('姓名').fill('只属于李销售');
	await rep.page.getByRole('button', { name: '保存' }).click();
	await expect(rep.page.getByRole('heading', { name: '只属于李销售' })).toBeVisible();

	// The list shows the first customers by name; with the other tests' customers on the shared server
	// this one may be below them, so the manager looks it up (search runs on the device's own data).
	await manager.page.getByRole('searchbox', { name: '搜索客户' }).fill('只属于李销售');
	await expect(manager.page.getByRole('link', { name: /只属于李销售/ })).toBeVisible({ timeout: 15_000 });
	await other.page.reload();
	await expect(other.page.getByRole('heading', { name: '客户' })).toBeVisible();
	// After a completed sync, the other rep's device still holds no trace of it.
	await other.page.getByTestId('sync-indicator').click();
	await expect(other.page.getByText(/上次同步/)).toBeVisible();
	await expect(other.page.getByText('只属于李销售')).toHaveCount(0);
	await expect(other.page.getByRole('link', { name: '员工' })).toHaveCount(0);
});
