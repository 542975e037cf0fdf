import PocketBase from 'pocketbase';
import { test, expect, goOffline, goOnline } from './fixtures';

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
	expect((await manager.collection('customers').getOne(id)).notes).toBe('');
});
