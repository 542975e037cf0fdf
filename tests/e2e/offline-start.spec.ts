// Offline edges a field rep hits (issue "Offline edges", item 1): the app opened without a connection
// and then back online gets live updates again, without a reload.
import { test, expect, goOffline, goOnline, PHONE, waitForServiceWorker } from './fixtures';
import { api, staffToken } from './chat-fixtures';

test('live updates come back after the app started offline: a manager’s edit reaches the open page without a reload', async ({ openAs, server }) => {
	test.setTimeout(90_000);
	const manager = await staffToken(server.url, server.staff.manager);
	const stamp = Date.now().toString(36);
	const id = `live${stamp}`.padEnd(15, '0').slice(0, 15);
	await api(server.url, '/api/crm/sync/customers/push', { rows: [{ doc: { id, name: `离线启动客户 ${stamp}`, owner: server.staff.sales.id, notes: '第一版' }, base: null }] }, manager);

	const rep = await openAs('sales', { viewport: PHONE });
	const { page } = rep;
	await page.goto(`/customers/${id}`);
	await expect(page.locator('[data-field="notes"]')).toHaveText('第一版');
	await waitForServiceWorker(page);

	// The app is opened again with no connection at all (the proxy cut), then the connection returns.
	await goOffline(rep);
	await page.reload();
	await expect(page.locator('[data-field="notes"]')).toHaveText('第一版');
	await expect(page.getByTestId('sync-indicator')).toContainText('离线');
	await goOnline(rep);
	await expect(page.getByTestId('sync-indicator')).not.toContainText('离线', { timeout: 15_000 });

	// A manager edits the customer on their own phone a while later: the rep's open page shows it, no reload.
	await page.waitForTimeout(2_000);
	const boss = await openAs('manager', { viewport: PHONE });
	await boss.page.goto(`/customers/${id}`);
	await boss.page.getByRole('button', { name: '编辑客户' }).click();
	await boss.page.getByLabel('备注').fill('经理改过');
	await boss.page.getByRole('button', { name: '保存' }).click();
	await expect(boss.page.locator('[data-field="notes"]')).toHaveText('经理改过');
	await expect(page.locator('[data-field="notes"]')).toHaveText('经理改过', { timeout: 15_000 });
});

test('a phone with a connection but no answer from the server is told the server cannot be reached, not that it is offline', async ({ openAs }) => {
	const rep = await openAs('sales', { viewport: PHONE });
	const { page } = rep;
	await expect(page.getByTestId('sync-indicator')).toContainText('在线');
	// Only the way to the server is cut: the browser still says it is online.
	rep.proxy.cut();
	await page.getByRole('link', { name: /新建客户/ }).click();
	await page.getByLabel('姓名').fill('服务器不通时新建');
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.getByTestId('sync-indicator')).toContainText('连不上服务器', { timeout: 20_000 });
	await page.getByTestId('sync-indicator').click();
	await expect(page.getByRole('region', { name: /同步/ })).toContainText('本设备有网络，但 CRM 服务器没有响应');
	await page.getByRole('button', { name: '关闭' }).click();
	rep.proxy.restore();
	await expect(page.getByTestId('sync-indicator')).toContainText('在线', { timeout: 30_000 });
	await page.getByTestId('sync-indicator').click();
	await expect(page.getByTestId('sync-pending')).toHaveText('所有更改已上传', { timeout: 15_000 });
});
