import { test, expect, goOffline, goOnline, PHONE } from './fixtures';

test('a rep works offline on one device; the other device sees the changes without a reload', async ({ openAs }) => {
	const a = await openAs('sales', { viewport: PHONE });
	const b = await openAs('sales', { viewport: PHONE });

	await goOffline(a);
	await expect(a.page.getByTestId('sync-indicator')).toContainText('离线');

	await a.page.getByRole('link', { name: /新建客户/ }).click();
	await a.page.getByLabel('姓名').fill('离线新客户');
	await a.page.getByLabel('电话').fill('139 1234 5678');
	await a.page.getByRole('button', { name: '保存' }).click();
	await expect(a.page.getByRole('heading', { name: '离线新客户' })).toBeVisible();

	await a.page.getByRole('button', { name: '编辑客户' }).click();
	await a.page.getByLabel('备注').fill('离线时记下的备注');
	await a.page.getByRole('button', { name: '保存' }).click();
	await expect(a.page.locator('[data-field="notes"]')).toHaveText('离线时记下的备注');
	await expect(a.page.getByTestId('sync-indicator')).toContainText('1');

	// Reload while offline: the shell comes from the service worker, the data from IndexedDB.
	await a.page.reload();
	await expect(a.page.getByRole('heading', { name: '离线新客户' })).toBeVisible();
	await expect(a.page.locator('[data-field="notes"]')).toHaveText('离线时记下的备注');
	await a.page.getByTestId('sync-indicator').click();
	await expect(a.page.getByTestId('sync-pending')).toContainText('1 项更改等待上传');

	await expect(b.page.getByText('离线新客户')).toHaveCount(0);
	await goOnline(a);
	await expect(a.page.getByTestId('sync-pending')).toContainText('所有更改已上传', { timeout: 15_000 });

	// B never reloads: realtime brings the change.
	await expect(b.page.getByRole('link', { name: /离线新客户/ })).toBeVisible({ timeout: 15_000 });
	await b.page.getByRole('link', { name: /离线新客户/ }).click();
	await expect(b.page.locator('[data-field="notes"]')).toHaveText('离线时记下的备注');
	await expect(b.page.locator('[data-field="phones"]')).toHaveText('139 1234 5678');
});
