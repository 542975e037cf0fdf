import type { Page } from '@playwright/test';
import { test, expect, goOffline, goOnline } from './fixtures';

async function createCustomer(page: Page, name: string) {
	await page.getByRole('link', { name: /新建客户/ }).click();
	await page.getByLabel('姓名').fill(name);
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.getByRole('heading', { name })).toBeVisible();
}

async function edit(page: Page, fields: Record<string, string>) {
	await page.getByRole('button', { name: '编辑客户' }).click();
	for (const [label, value] of Object.entries(fields)) await page.getByLabel(label, { exact: true }).fill(value);
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.getByText('已保存到本设备')).toBeVisible();
}

async function openCustomer(page: Page, name: string) {
	await page.getByRole('link', { name: '客户', exact: true }).click();
	// Searched, as a rep would: other tests' customers share the server, and the list shows a window of them.
	await page.getByPlaceholder('姓名、电话或邮箱').fill(name);
	await page.getByRole('link', { name: new RegExp(name) }).click();
	await expect(page.getByRole('heading', { name })).toBeVisible();
}

test('two offline devices: edits to different fields both survive', async ({ openAs }) => {
	const a = await openAs('sales');
	const b = await openAs('sales');
	await createCustomer(a.page, '两台设备');
	await openCustomer(b.page, '两台设备');

	await goOffline(a);
	await goOffline(b);
	await edit(a.page, { 地区: '华南' });
	await edit(b.page, { 备注: 'B 设备的备注' });
	await goOnline(a);
	await goOnline(b);

	for (const { page } of [a, b]) {
		await expect(page.locator('[data-field="region"]')).toHaveText('华南', { timeout: 15_000 });
		await expect(page.locator('[data-field="notes"]')).toHaveText('B 设备的备注', { timeout: 15_000 });
		await expect(page.getByTestId('history')).toHaveCount(0);
	}
});

test('two offline devices: the later edit of one field wins, the other is kept in history', async ({ openAs }) => {
	const a = await openAs('sales');
	const b = await openAs('sales');
	await createCustomer(a.page, '同一字段');
	await openCustomer(b.page, '同一字段');

	await goOffline(a);
	await goOffline(b);
	await edit(a.page, { 备注: '较早的备注（A）' });
	await edit(b.page, { 备注: '较晚的备注（B）' });
	// The earlier edit reaches the server first; the later one still wins.
	await goOnline(a);
	await expect(a.page.getByTestId('sync-indicator')).not.toContainText('1', { timeout: 15_000 });
	await goOnline(b);

	for (const { page } of [a, b]) {
		await expect(page.locator('[data-field="notes"]')).toHaveText('较晚的备注（B）', { timeout: 15_000 });
		await expect(page.getByTestId('history')).toContainText('较早的备注（A）', { timeout: 15_000 });
	}
});
