import { readFileSync } from 'node:fs';
import PocketBase from 'pocketbase';
import { test, expect, goOffline, goOnline, navTo } from './fixtures';

test('a change the server refuses is shown in words and kept on the device', async ({ openAs, server }) => {
	const device = await openAs('sales');
	const { page } = device;
	await page.getByRole('link', { name: /新建客户/ }).click();
	await page.getByLabel('姓名').fill('被经理转走');
	await page.getByRole('button', { name: '保存' }).click();
	await page.getByTestId('sync-indicator').click();
	await expect(page.getByTestId('sync-pending')).toContainText('所有更改已上传');
	await page.getByRole('button', { name: '关闭' }).click();
	const id = page.url().split('/').pop()!;

	await goOffline(device);
	const manager = new PocketBase(server.url);
	await manager.collection('staff').authWithPassword(server.staff.manager.email, server.staff.manager.password);
	await manager.collection('customers').update(id, { owner: server.staff.sales2.id });

	await page.getByRole('button', { name: '编辑客户' }).click();
	await page.getByLabel('备注').fill('离线时写下，但客户已被转走');
	await page.getByRole('button', { name: '保存' }).click();
	await goOnline(device);

	await expect(page.getByTestId('refused')).toContainText('未上传：您没有权限进行此更改。', { timeout: 15_000 });
	await expect(page.locator('[data-field="notes"]')).toHaveText('离线时写下，但客户已被转走');
	await expect(page.getByTestId('sync-indicator')).toHaveClass(/problem/);
	// The indicator counts the refusal too, and its details do not claim everything was uploaded.
	await expect(page.getByTestId('sync-refused-count')).toHaveText('!1');
	await page.getByTestId('sync-indicator').click();
	await expect(page.getByTestId('sync-pending')).toHaveText('没有等待上传的更改');
	await expect(page.getByRole('region', { name: /同步/ })).toContainText('服务器拒绝了 1 项更改');
	await page.getByRole('button', { name: '关闭' }).click();
	expect((await manager.collection('customers').getOne(id)).notes).toBe('');

	// Signing out would delete the refused note with the device's data: the rep is told, and can
	// export it as text first (issue "Offline edges", item 3).
	await navTo(page, '设置');
	await page.getByRole('button', { name: '退出登录' }).click();
	const warning = page.getByTestId('sign-out-unsent');
	await expect(warning).toContainText('还有 0 项更改等待上传，1 项被服务器拒绝');
	await expect(page).toHaveURL(/\/settings$/);
	const [download] = await Promise.all([page.waitForEvent('download'), warning.getByRole('button', { name: '导出这些更改（文本）' }).click()]);
	const text = readFileSync(await download.path(), 'utf8');
	expect(text).toContain('— 客户「被经理转走」 (被拒绝：您没有权限进行此更改。)');
	expect(text).toContain('  备注: 离线时写下，但客户已被转走');
	await expect(warning).toContainText('已保存为文本文件');
	await warning.getByRole('button', { name: '仍然退出' }).click();
	await expect(page).toHaveURL(/\/login$/);
});
