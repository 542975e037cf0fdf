// The global search (issue 18, "Also expected"): from any screen, by the header's button or "/",
// customers (pinyin initials), chats, order numbers (asked of the server), segments and campaigns;
// each hit opens its screen. A manager on a tablet; a sales rep on a phone sees only their own
// customers' orders, and offline is told that order numbers need the network.
import { test, expect, goOffline, goOnline, PHONE, TABLET } from './fixtures';
import { api, staffToken } from './chat-fixtures';

test('a manager finds a customer, a chat, an order and a segment from any screen; a rep on a phone only their own', async ({ openAs, server }) => {
	const stamp = Date.now().toString(36);
	const manager = await staffToken(server.url, server.staff.manager);
	const cid = `gs${stamp}`.padEnd(15, '0').slice(0, 15);
	// A phone number of this test only (other tests create customers with their own numbers).
	const phone = `139${String(Date.now()).slice(-8)}`;
	const other = `go${stamp}`.padEnd(15, '0').slice(0, 15);
	expect(
		await api(
			server.url,
			'/api/crm/sync/customers/push',
			{
				rows: [
					{ doc: { id: cid, name: '欧阳晓岚', owner: server.staff.sales.id, phones: [phone], external_id: `gs-${stamp}` }, base: null },
					{ doc: { id: other, name: '欧阳同事客户', owner: server.staff.sales2.id, external_id: `go-${stamp}` }, base: null }
				]
			},
			manager
		)
	).toEqual({ conflicts: [], rejected: [] });
	const order = `GS${Date.now()}X`;
	await api(
		server.url,
		'/api/crm/orders/import',
		{
			rows: [
				{ row: 2, order_id: `${order}-1`, customer_id: `gs-${stamp}`, time: Date.now() - 86_400_000, total: 268.5 },
				{ row: 3, order_id: `${order}-2`, customer_id: `go-${stamp}`, time: Date.now() - 86_400_000, total: 12 }
			]
		},
		manager
	);
	const segment = `search${stamp}`.padEnd(15, '0').slice(0, 15);
	await api(
		server.url,
		'/api/crm/sync/segments/push',
		{ rows: [{ doc: { id: segment, name: `欧阳家族 ${stamp}`, kind: 'static', members: [cid], owner: server.staff.manager.id, shared: true }, base: null }] },
		manager
	);
	const shopper = await api<{ token: string; visitor: { id: string } }>(server.url, '/api/crm/chat/session', { name: `晓岚访客${stamp}`, locale: 'zh-CN' });
	const conv = await api<{ id: string }>(server.url, '/api/collections/conversations/records', { visitor: shopper.visitor.id, status: 'open', topic: 'pre_sale', channel: 'web' }, shopper.token);
	await api(server.url, '/api/collections/messages/records', { conversation: conv.id, client_id: `v-${stamp}`, author_kind: 'visitor', body: '有没有大码' }, shopper.token);

	const { page } = await openAs('manager', { viewport: TABLET });
	await page.goto('/analytics');
	await page.getByRole('button', { name: '全局搜索' }).click();
	const dialog = page.getByRole('dialog', { name: '全局搜索' });
	const box = dialog.getByRole('searchbox', { name: '全局搜索' });
	await expect(box).toBeFocused();
	await box.fill('oyxl');
	await expect(dialog.getByRole('region', { name: '客户', exact: true }).getByRole('link')).toHaveText([/欧阳晓岚/]);
	await dialog
		.getByRole('region', { name: '客户', exact: true })
		.getByRole('link', { name: /欧阳晓岚/ })
		.click();
	await expect(page).toHaveURL(new RegExp(`/customers/${cid}$`));
	await expect(page.getByRole('heading', { name: '欧阳晓岚' })).toBeVisible();
	await expect(dialog).toHaveCount(0);

	// "/" opens it again; an order number is looked up on the server and shows whose it is.
	await page.keyboard.press('/');
	await expect(box).toBeFocused();
	await box.fill(order.toLowerCase());
	const orders = dialog.getByRole('region', { name: '订单' });
	await expect(orders.getByRole('link')).toHaveCount(2);
	await expect(orders.getByRole('link', { name: new RegExp(`${order}-1`) })).toContainText('欧阳晓岚 · ¥268.50');
	await page.screenshot({ path: test.info().outputPath('global-search-tablet.png') });
	await box.press('Escape');
	await expect(dialog).toHaveCount(0);
	await expect(page.getByRole('button', { name: '全局搜索' })).toBeFocused();

	// A chat by the shopper's name, and a segment by its name; arrows and Enter choose.
	await page.keyboard.press('Control+k');
	await box.fill(`晓岚访客${stamp}`);
	await expect(dialog.getByRole('region', { name: '会话' }).getByRole('link')).toHaveCount(1, { timeout: 15_000 });
	await box.press('ArrowDown');
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(/\/inbox/);
	await expect(page.getByTestId('chat-pane').getByTestId('chat-name')).toHaveText(`晓岚访客${stamp}`);
	await page.keyboard.press('/');
	await box.fill(`欧阳家族 ${stamp}`);
	await box.press('Enter');
	await expect(page).toHaveURL(new RegExp(`/segments/${segment}`));

	// A rep on a phone: their customer's order, not a colleague's; offline, a word instead.
	const rep = await openAs('sales', { viewport: PHONE });
	await rep.page.getByRole('button', { name: '全局搜索' }).click();
	const repBox = rep.page.getByRole('dialog', { name: '全局搜索' }).getByRole('searchbox');
	await repBox.fill(order);
	const repOrders = rep.page.getByRole('dialog').getByRole('region', { name: '订单' });
	await expect(repOrders.getByRole('link')).toHaveCount(1);
	await expect(repOrders.getByRole('link')).toContainText(`${order}-1`);
	await repBox.fill('欧阳');
	await expect(rep.page.getByRole('dialog').getByRole('region', { name: '客户', exact: true }).getByRole('link')).toHaveText([/欧阳晓岚/]);
	await rep.page.screenshot({ path: test.info().outputPath('global-search-phone.png') });
	await goOffline(rep);
	await repBox.fill(`${order}-1`);
	await expect(rep.page.getByRole('dialog')).toContainText('订单号在服务器上查找：联网后在这里显示。');
	await goOnline(rep);
	await rep.page.getByRole('button', { name: '关闭搜索' }).click();
	await expect(rep.page.getByRole('dialog')).toHaveCount(0);
});
