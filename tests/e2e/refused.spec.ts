import { readFileSync } from 'node:fs';
import PocketBase from 'pocketbase';
import { test, expect, goOffline, goOnline, navTo, PHONE } from './fixtures';

async function managerClient(url: string, who: { email: string; password: string }) {
	const pb = new PocketBase(url);
	await pb.collection('staff').authWithPassword(who.email, who.password);
	return pb;
}

test('a change the server refuses is shown in words, counted on the indicator, and offered as text before sign-out deletes it', async ({ openAs, server }) => {
	const device = await openAs('sales', { viewport: PHONE });
	const { page } = device;
	await page.getByRole('link', { name: /新建客户/ }).click();
	await page.getByLabel('姓名').fill('拜访后被转走');
	await page.getByRole('button', { name: '保存' }).click();
	await page.getByTestId('sync-indicator').click();
	await expect(page.getByTestId('sync-pending')).toContainText('所有更改已上传');
	await page.getByRole('button', { name: '关闭' }).click();
	const id = page.url().split('/').pop()!;

	// Offline, the rep logs a visit; meanwhile the customer goes to a colleague: the visit is refused.
	await goOffline(device);
	const manager = await managerClient(server.url, server.staff.manager);
	await manager.collection('customers').update(id, { owner: server.staff.sales2.id });
	const form = page.getByRole('form', { name: '记录拜访、电话或备注' });
	await form.getByLabel('类型').selectOption('visit');
	await form.getByLabel('情况').fill('上门拜访，客户想要样品');
	await form.getByRole('button', { name: '记录' }).click();
	await goOnline(device);

	await expect(page.getByTestId('sync-refused-count')).toHaveText('!1', { timeout: 15_000 });
	await expect(page.getByTestId('sync-indicator')).toHaveClass(/problem/);
	// Its details do not claim everything was uploaded beside a refusal.
	await page.getByTestId('sync-indicator').click();
	await expect(page.getByTestId('sync-pending')).toHaveText('没有等待上传的更改');
	await expect(page.getByRole('region', { name: /同步/ })).toContainText('服务器拒绝了 1 项更改');
	await page.getByRole('button', { name: '关闭' }).click();
	expect(await manager.collection('service_records').getFullList({ filter: `customer = "${id}"` })).toEqual([]);

	// Signing out would delete the refused visit with the device's data: the rep is told, and can
	// export it as text first (issue "Offline edges", item 3).
	await navTo(page, '设置');
	await page.getByRole('button', { name: '退出登录' }).click();
	const warning = page.getByTestId('sign-out-unsent');
	await expect(warning).toContainText('还有 0 项更改等待上传，1 项被服务器拒绝');
	await expect(page).toHaveURL(/\/settings$/);
	const [download] = await Promise.all([page.waitForEvent('download'), warning.getByRole('button', { name: '导出这些更改（文本）' }).click()]);
	const text = readFileSync(await download.path(), 'utf8');
	expect(text).toContain('— 服务记录「上门拜访，客户想要样品」 (被拒绝：您没有权限进行此更改。)');
	await expect(warning).toContainText('已保存为文本文件');
	await warning.getByRole('button', { name: '仍然退出' }).click();
	await expect(page).toHaveURL(/\/login$/);
});

test('a note written offline on a customer handed to a colleague meanwhile reaches the colleague as a proposal; the rep is told', async ({ openAs, server }) => {
	const rep = await openAs('sales', { viewport: PHONE });
	const { page } = rep;
	await page.getByRole('link', { name: /新建客户/ }).click();
	await page.getByLabel('姓名').fill('被经理转走');
	await page.getByRole('button', { name: '保存' }).click();
	await page.getByTestId('sync-indicator').click();
	await expect(page.getByTestId('sync-pending')).toContainText('所有更改已上传');
	await page.getByRole('button', { name: '关闭' }).click();
	const id = page.url().split('/').pop()!;

	await goOffline(rep);
	const manager = await managerClient(server.url, server.staff.manager);
	await manager.collection('customers').update(id, { owner: server.staff.sales2.id });
	await page.getByRole('button', { name: '编辑客户' }).click();
	await page.getByLabel('备注').fill('离线时写下，但客户已被转走');
	await page.getByRole('button', { name: '保存' }).click();
	await goOnline(rep);

	// The rep is told in words, nothing stays refused, and the customer leaves the device.
	await expect(page.getByTestId('lost-notice')).toHaveText(/您离线期间，「被经理转走」已转给同事：您的更改已作为建议转交给对方/, { timeout: 15_000 });
	await expect(page.getByTestId('sync-refused-count')).toHaveCount(0);
	await expect(page.getByText('本设备上没有这位客户。')).toBeVisible({ timeout: 10_000 });
	await page.screenshot({ path: test.info().outputPath('rep-told.png') });
	expect((await manager.collection('customers').getOne(id)).notes).toBe('');

	// The colleague who holds the customer now sees the proposal and accepts it.
	const colleague = await openAs('sales2', { viewport: PHONE });
	await colleague.page.goto(`/customers/${id}`);
	const proposal = colleague.page.getByTestId('proposals');
	await expect(proposal).toContainText('备注');
	await expect(proposal).toContainText('离线时写下，但客户已被转走');
	await expect(proposal).toContainText(server.staff.sales.name);
	await proposal.screenshot({ path: test.info().outputPath('proposal.png') });
	await proposal.getByRole('button', { name: '采纳' }).click();
	await expect(colleague.page.locator('[data-field="notes"]')).toHaveText('离线时写下，但客户已被转走', { timeout: 15_000 });
	await expect(proposal).toHaveCount(0);
	const saved = await manager.collection('customers').getOne(id);
	expect(saved.notes).toBe('离线时写下，但客户已被转走');
	expect(saved.owner).toBe(server.staff.sales2.id);
});
