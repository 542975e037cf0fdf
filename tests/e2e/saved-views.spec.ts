// Saved list views and the new orders (issue 18, "Also expected"): a rep orders the list by last
// contact (the order agrees with the service records read back from the server), saves the search,
// filter and order as a view on one phone, finds it on their other phone after sync, and removes it
// there; the first phone loses it too. Views are the user's own: a colleague's device never gets it.
import { test, expect, PHONE } from './fixtures';
import { api, staffToken } from './chat-fixtures';

test('a rep saves a view ordered by last contact on one phone and uses it on the other', async ({ openAs, server }) => {
	const rep = await staffToken(server.url, server.staff.sales);
	const stamp = Date.now().toString(36);
	const id = (p: string, n: number) => `${p}${n}${stamp}`.padEnd(15, '0').slice(0, 15);
	const names = ['联系甲', '联系乙', '联系丙', '联系丁'].map((n) => `${n} ${stamp}`);
	expect(
		await api(
			server.url,
			'/api/crm/sync/customers/push',
			{ rows: names.map((name, i) => ({ doc: { id: id('lv', i), name, owner: server.staff.sales.id, tags: i < 3 ? ['跟进'] : [] }, base: null })) },
			rep
		)
	).toEqual({ conflicts: [], rejected: [] });
	// 乙 was seen last week, 丙 yesterday, 甲 never; 丁 lacks the tag.
	const visits = [
		{ customer: id('lv', 1), at: new Date(Date.now() - 7 * 86_400_000).toISOString() },
		{ customer: id('lv', 2), at: new Date(Date.now() - 86_400_000).toISOString() },
		{ customer: id('lv', 1), at: new Date(Date.now() - 9 * 86_400_000).toISOString() },
		{ customer: id('lv', 3), at: new Date().toISOString() }
	];
	expect(
		await api(
			server.url,
			'/api/crm/sync/service_records/push',
			{ rows: visits.map((v, i) => ({ doc: { id: id('sr', i), staff: server.staff.sales.id, kind: 'visit', summary: '拜访', follow_up: '', ...v }, base: null })) },
			rep
		)
	).toEqual({ conflicts: [], rejected: [] });

	// The same order recomputed from the server's raw service records.
	const records = await api<{ items: { customer: string; at: string }[] }>(
		server.url,
		`/api/collections/service_records/records?perPage=200&filter=${encodeURIComponent(names.map((_, i) => `customer = "${id('lv', i)}"`).join(' || '))}`,
		undefined,
		rep,
		'GET'
	);
	const last = new Map<string, number>();
	for (const r of records.items) last.set(r.customer, Math.max(last.get(r.customer) ?? -1, Date.parse(r.at.replace(' ', 'T'))));
	const expected = names
		.map((name, i) => ({ name, i, at: last.get(id('lv', i)) ?? -1 }))
		.filter((c) => c.i < 3)
		.sort((a, b) => b.at - a.at || a.i - b.i)
		.map((c) => c.name);
	expect(expected).toEqual([names[2], names[1], names[0]]);

	const phone = await openAs('sales', { viewport: PHONE });
	const { page } = phone;
	const listed = () => page.getByRole('list', { name: '客户' }).locator('.name').allTextContents();
	await page.getByPlaceholder('姓名、电话或邮箱').fill(stamp);
	await expect.poll(async () => (await listed()).length).toBe(4);
	await page.getByRole('button', { name: '筛选' }).click();
	await page.getByRole('region', { name: '筛选与排序' }).getByLabel('标签').selectOption('跟进');
	await page.getByRole('combobox', { name: '排序' }).selectOption('contact');
	await expect.poll(listed).toEqual(expected);

	await page.getByRole('button', { name: '存为视图' }).click();
	await page.getByRole('button', { name: '保存', exact: true }).click();
	await expect(page.getByRole('alert')).toHaveText('请给视图起个名字。');
	await page.getByLabel('视图名称').fill(`待跟进 ${stamp}`);
	await page.getByRole('button', { name: '保存', exact: true }).click();
	await expect(page.getByRole('status').filter({ hasText: '已保存' })).toHaveText(`视图“待跟进 ${stamp}”已保存。`);
	await expect(page.getByTestId('saved-views')).toHaveValue(/.+/);
	await page.screenshot({ path: test.info().outputPath('saved-view-phone.png') });

	// The rep's other phone: the view arrives by sync and gives the same list.
	const other = await openAs('sales', { viewport: PHONE });
	await other.page.goto('/customers');
	const picker = other.page.getByTestId('saved-views');
	await expect(picker.locator('option', { hasText: `待跟进 ${stamp}` })).toHaveCount(1, { timeout: 15_000 });
	await picker.selectOption({ label: `待跟进 ${stamp}` });
	await expect(other.page.getByPlaceholder('姓名、电话或邮箱')).toHaveValue(stamp);
	await expect(other.page.getByRole('combobox', { name: '排序' })).toHaveValue('contact');
	await expect.poll(() => other.page.getByRole('list', { name: '客户' }).locator('.name').allTextContents()).toEqual(expected);
	// A change to the list offers to keep it in the view; "All customers" clears it.
	await other.page.getByRole('combobox', { name: '排序' }).selectOption('name');
	await expect(other.page.getByRole('button', { name: '更新视图' })).toBeVisible();
	await other.page.getByRole('combobox', { name: '排序' }).selectOption('contact');
	await other.page.getByRole('button', { name: '删除视图' }).click();
	await expect(other.page.getByRole('status').filter({ hasText: '已删除' })).toHaveText(`视图“待跟进 ${stamp}”已删除。`);

	// Removed on the other phone: gone from the first one too.
	await expect(page.getByTestId('saved-views').locator('option', { hasText: `待跟进 ${stamp}` })).toHaveCount(0, { timeout: 15_000 });

	// A colleague's device never gets it (the server's rule: a user's own views only).
	const colleague = await staffToken(server.url, server.staff.sales2);
	const theirs = await api<{ items: { name: string }[] }>(server.url, `/api/collections/list_views/records?filter=${encodeURIComponent(`name ~ "${stamp}"`)}`, undefined, colleague, 'GET');
	expect(theirs.items).toEqual([]);
	const mine = await api<{ items: { name: string; deleted: boolean; filters: unknown; sort: string }[] }>(
		server.url,
		`/api/collections/list_views/records?filter=${encodeURIComponent(`name ~ "${stamp}"`)}`,
		undefined,
		rep,
		'GET'
	);
	expect(mine.items).toMatchObject([{ name: `待跟进 ${stamp}`, deleted: true, filters: { tag: '跟进' }, sort: 'contact' }]);
});
