// Bulk actions on the customer list (issue 18, item 2): a manager on a tablet tags three chosen
// customers and undoes it, assigns every customer the list shows to a rep, saves them as a segment
// and exports the selection; a rep on a phone (no "assign") tags customers offline, and each change
// reaches the server once back online. Every count is checked against the server's records.
import { test, expect, goOffline, goOnline, PHONE, TABLET } from './fixtures';
import { api, staffToken } from './chat-fixtures';

type Customer = { id: string; name: string; owner: string; tags: string[] | null };

test('a manager tags, undoes, assigns, saves and exports a selection; a rep tags offline on a phone', async ({ openAs, server }) => {
	const manager = await staffToken(server.url, server.staff.manager);
	const stamp = Date.now().toString(36);
	const N = 30;
	const ids = Array.from({ length: N }, (_, i) => `bk${String(i).padStart(2, '0')}${stamp}`.padEnd(15, '0').slice(0, 15));
	expect(
		await api(
			server.url,
			'/api/crm/sync/customers/push',
			{ rows: ids.map((id, i) => ({ doc: { id, name: `批量${String(i).padStart(2, '0')} ${stamp}`, owner: server.staff.manager.id }, base: null })) },
			manager
		)
	).toEqual({ conflicts: [], rejected: [] });
	const onServer = async () =>
		(await api<{ items: Customer[] }>(server.url, `/api/collections/customers/records?perPage=100&filter=${encodeURIComponent(ids.map((id) => `id="${id}"`).join('||'))}`, undefined, manager, 'GET'))
			.items;
	const tagged = async (tag: string) =>
		(await onServer())
			.filter((c) => c.tags?.includes(tag))
			.map((c) => c.id)
			.sort();

	const { page } = await openAs('manager', { viewport: TABLET });
	await page.getByPlaceholder('姓名、电话或邮箱').fill(stamp);
	await expect(page.getByText(`共 ${N} 位客户`)).toBeVisible();
	await page.getByRole('button', { name: '批量操作' }).click();
	const bar = page.getByRole('region', { name: '批量操作' });
	for (const i of [0, 1, 2]) await page.getByRole('checkbox', { name: `批量0${i} ${stamp}` }).check();
	await expect(bar.getByTestId('bulk-count')).toHaveText('已选 3 位');
	await bar.getByRole('button', { name: '加标签' }).click();
	await bar.getByRole('button', { name: '应用到 3 位客户' }).click();
	await expect(bar.getByRole('alert')).toHaveText('请输入标签。');
	await bar.getByLabel('标签').fill('重点跟进');
	await bar.getByRole('button', { name: '应用到 3 位客户' }).click();
	await expect(bar.getByTestId('bulk-result')).toContainText('已修改 3 位客户，0 位本来就是。');
	await expect.poll(() => tagged('重点跟进'), { timeout: 15_000 }).toEqual(ids.slice(0, 3));
	await page.screenshot({ path: test.info().outputPath('bulk-tablet.png') });
	await bar.getByRole('button', { name: '撤销' }).click();
	await expect(bar.getByTestId('bulk-result')).toContainText('已撤销：3 位客户已恢复原样。');
	await expect.poll(() => tagged('重点跟进'), { timeout: 15_000 }).toEqual([]);

	// Everything the list shows, handed to a rep.
	await bar.getByRole('button', { name: `全选 ${N} 位` }).click();
	await expect(bar.getByTestId('bulk-count')).toHaveText(`已选 ${N} 位`);
	await bar.getByRole('button', { name: '分配', exact: true }).click();
	await bar.getByLabel('分配给').selectOption({ label: server.staff.sales.name });
	await bar.getByRole('button', { name: `应用到 ${N} 位客户` }).click();
	await expect(bar.getByTestId('bulk-result')).toContainText(`已修改 ${N} 位客户`);
	await expect.poll(async () => (await onServer()).filter((c) => c.owner === server.staff.sales.id).length, { timeout: 20_000 }).toBe(N);

	// Saved as a segment: its members on the server are the selection.
	await bar.getByRole('button', { name: '存为分组' }).click();
	await bar.getByLabel('分组名称').fill(`批量分组 ${stamp}`);
	await bar.getByRole('button', { name: '存为分组' }).last().click();
	await expect(bar.getByRole('status').filter({ hasText: '已保存' })).toHaveText(new RegExp(`分组“批量分组 ${stamp}”已保存，共 ${N} 位客户。`));
	await expect
		.poll(
			async () => {
				const segs = await api<{ items: { members: string[] }[] }>(
					server.url,
					`/api/collections/segments/records?filter=${encodeURIComponent(`name = "批量分组 ${stamp}"`)}`,
					undefined,
					manager,
					'GET'
				);
				return segs.items[0]?.members.slice().sort() ?? null;
			},
			{ timeout: 15_000 }
		)
		.toEqual(ids.slice().sort());

	// The segment seen in the list: its members only, ready to select all of them.
	await bar.getByRole('link', { name: '打开分组' }).click();
	await page.getByRole('link', { name: '在客户列表中查看' }).click();
	await expect(page).toHaveURL(/\/customers\?segment=/);
	await expect(page.getByText(`共 ${N} 位客户`)).toBeVisible();
	await expect(page.getByRole('button', { name: '筛选 已启用 1 个筛选' })).toBeVisible();
	await page.getByRole('button', { name: '批量操作' }).click();
	await expect(bar.getByRole('button', { name: `全选 ${N} 位` })).toBeVisible();
	await page.getByPlaceholder('姓名、电话或邮箱').fill(stamp);

	// Export of the selection: the export screen counts the selection, not the whole list.
	for (const i of [3, 4]) await page.getByRole('checkbox', { name: `批量0${i} ${stamp}` }).check();
	await bar.getByRole('button', { name: '导出所选' }).click();
	await expect(page).toHaveURL(/\/customers\/export\?selection=1$/);
	await expect(page.getByText('将导出的客户：2')).toBeVisible();
	const download = page.waitForEvent('download');
	await page.getByRole('button', { name: /下载/ }).click();
	const csv = await (await download).createReadStream().then(async (s) => {
		const chunks: Buffer[] = [];
		for await (const c of s) chunks.push(c as Buffer);
		return Buffer.concat(chunks).toString('utf8');
	});
	expect(csv).toContain(`批量03 ${stamp}`);
	expect(csv).toContain(`批量04 ${stamp}`);
	expect(csv).not.toContain(`批量05 ${stamp}`);

	// The rep, on a phone, offline: tags five of the customers just handed over; no "assign" for a rep.
	const rep = await openAs('sales', { viewport: PHONE });
	await rep.page.getByPlaceholder('姓名、电话或邮箱').fill(stamp);
	await expect(rep.page.getByText(`共 ${N} 位客户`)).toBeVisible({ timeout: 15_000 });
	await goOffline(rep);
	await rep.page.getByRole('button', { name: '批量操作' }).click();
	const repBar = rep.page.getByRole('region', { name: '批量操作' });
	await expect(repBar.getByRole('button', { name: '分配', exact: true })).toHaveCount(0);
	for (const i of [5, 6, 7, 8, 9]) await rep.page.getByRole('checkbox', { name: `批量0${i} ${stamp}` }).check();
	await repBar.getByRole('button', { name: '加标签' }).click();
	await repBar.getByLabel('标签').fill('离线标记');
	await repBar.getByRole('button', { name: '应用到 5 位客户' }).click();
	await expect(repBar.getByTestId('bulk-result')).toContainText('已修改 5 位客户');
	await rep.page.screenshot({ path: test.info().outputPath('bulk-phone-offline.png') });
	expect(await tagged('离线标记')).toEqual([]);
	await goOnline(rep);
	await expect.poll(() => tagged('离线标记'), { timeout: 20_000 }).toEqual(ids.slice(5, 10));

	// The thirty leave the rep's book again: later tests of this worker's server list the rep's customers.
	for (const id of ids) await api(server.url, `/api/collections/customers/records/${id}`, { deleted: true }, manager, 'PATCH');
});
