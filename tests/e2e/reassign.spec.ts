// A customer handed to a colleague leaves the previous rep's phone within seconds, and one a manager
// deleted is said once (issue "Offline edges", item 2 and "Also"): the server tells the device on
// crm/lost (server/lostrecords.go), and the device asks which it may still see.
import { test, expect, goOffline, goOnline, PHONE } from './fixtures';
import { api, staffToken } from './chat-fixtures';

test('a reassigned customer leaves the previous rep’s open phone within 5 s, with a word; a deleted one is said once', async ({ openAs, server }) => {
	const manager = await staffToken(server.url, server.staff.manager);
	const stamp = Date.now().toString(36);
	const id = (n: number) => `re${n}${stamp}`.padEnd(15, '0').slice(0, 15);
	const names = [`转走的客户 ${stamp}`, `删掉的客户 ${stamp}`, `离线时删掉 ${stamp}`];
	await api(server.url, '/api/crm/sync/customers/push', { rows: names.map((name, i) => ({ doc: { id: id(i), name, owner: server.staff.sales.id }, base: null })) }, manager);

	const rep = await openAs('sales', { viewport: PHONE });
	const { page } = rep;
	await page.goto('/customers');
	// (other tests' customers share the server: only this test's, which all carry the stamp)
	await page.getByPlaceholder('姓名、电话或邮箱').fill(stamp);
	await expect(page.getByRole('link', { name: new RegExp(names[0]) })).toBeVisible();
	await expect(page.getByRole('link', { name: new RegExp(names[1]) })).toBeVisible();
	await page.waitForTimeout(1_000); // connected and subscribed

	// A manager hands the first to another rep on their own phone.
	const boss = await openAs('manager', { viewport: PHONE });
	await boss.page.goto(`/customers/${id(0)}`);
	await boss.page.getByRole('button', { name: '编辑客户' }).click();
	await boss.page.getByLabel('负责人').selectOption({ label: server.staff.sales2.name });
	const t0 = Date.now();
	await boss.page.getByRole('button', { name: '保存' }).click();
	await expect(page.getByRole('link', { name: new RegExp(names[0]) })).toHaveCount(0, { timeout: 5_000 });
	test.info().annotations.push({ type: 'unseen_after_reassign_ms', description: String(Date.now() - t0) });
	await expect(page.getByTestId('lost-notice')).toHaveText(new RegExp(`「${names[0]}」已转给同事，已从本设备移除。`));
	expect((await api<Record<string, unknown>>(server.url, `/api/collections/customers/records/${id(0)}`, undefined, manager, 'GET')).owner).toBe(server.staff.sales2.id);
	await page.getByTestId('lost-notice').getByRole('button', { name: '关闭' }).click();
	await expect(page.getByTestId('lost-notice')).toHaveCount(0);

	await api(server.url, `/api/collections/customers/records/${id(1)}`, { deleted: true }, manager, 'PATCH');
	await expect(page.getByTestId('lost-notice')).toHaveText(new RegExp(`「${names[1]}」已被经理删除。`));
	await expect(page.getByRole('link', { name: new RegExp(names[1]) })).toHaveCount(0, { timeout: 5_000 });
	await page.getByTestId('lost-notice').getByRole('button', { name: '关闭' }).click();

	// Deleted while the phone was offline: said when the deletion arrives.
	await goOffline(rep);
	await api(server.url, `/api/collections/customers/records/${id(2)}`, { deleted: true }, manager, 'PATCH');
	await expect(page.getByRole('link', { name: new RegExp(names[2]) })).toBeVisible();
	await goOnline(rep);
	await expect(page.getByTestId('lost-notice')).toHaveText(new RegExp(`「${names[2]}」已被经理删除。`), { timeout: 15_000 });
	await expect(page.getByRole('link', { name: new RegExp(names[2]) })).toHaveCount(0);
});
