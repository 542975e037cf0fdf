import type { Page } from '@playwright/test';
import { test, expect, PHONE, TABLET, navTo } from './fixtures';

/** Customers pushed through the sync API as the manager, as another device of the shop would. */
async function addCustomers(url: string, email: string, password: string, docs: Record<string, unknown>[]) {
	const auth = await (
		await fetch(`${url}/api/collections/staff/auth-with-password`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identity: email, password }) })
	).json();
	const res = await fetch(`${url}/api/crm/sync/customers/push`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: auth.token },
		body: JSON.stringify({ rows: docs.map((doc) => ({ doc, base: null })) })
	});
	expect((await res.json()).rejected).toEqual([]);
}

const id15 = () => Array.from({ length: 15 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('');

async function editTags(page: Page, name: string, tags: string) {
	await page.getByRole('link', { name: '客户', exact: true }).click();
	await page.getByLabel('搜索客户').fill(name);
	await page.getByRole('link', { name: new RegExp(name) }).click();
	await page.getByRole('button', { name: '编辑客户' }).click();
	await page.getByLabel('标签').fill(tags);
	await page.getByRole('button', { name: '保存', exact: true }).click();
	await expect(page.getByRole('heading', { name })).toBeVisible();
}

for (const [label, viewport] of [
	['phone', PHONE],
	['tablet', TABLET]
] as const) {
	test(`a manager builds segments with a live count on a ${label}; a fixed list keeps its members`, async ({ openAs, server }, info) => {
		// A tag only this test's customers carry, so counts do not depend on other tests' customers.
		const tag = `分组${label}${id15().slice(0, 4)}`;
		const names = { a: `甲北京${label}`, b: `乙上海${label}`, c: `丙北京${label}`, d: `丁广州${label}` };
		const m = server.staff.manager;
		await addCustomers(server.url, m.email, m.password, [
			{ id: id15(), name: names.a, tags: [tag, 'VIP'], region: '北京', owner: m.id },
			{ id: id15(), name: names.b, tags: [tag, 'VIP'], region: '上海', owner: m.id },
			{ id: id15(), name: names.c, tags: [tag], region: '北京', owner: m.id },
			{ id: id15(), name: names.d, tags: [tag, 'vip'], region: '广州', owner: m.id }
		]);

		const { page } = await openAs('manager', { viewport });
		await page.getByLabel('搜索客户').fill(names.d);
		await expect(page.getByRole('link', { name: new RegExp(names.d) })).toBeVisible({ timeout: 15_000 }); // synced to the device

		await navTo(page, '客户分组');
		await page.getByRole('link', { name: /新建分组/ }).click();
		const live = page.getByTestId('live-count');
		const dynamicName = `北京或上海 VIP ${label}`;
		await page.getByLabel('名称').fill(dynamicName);

		// Condition 1: the test's tag. Until it has a value it is not counted.
		const c1 = page.getByRole('group', { name: '条件 1', exact: true });
		await expect(page.getByText('1 个未填完的条件暂不计入。')).toBeVisible();
		await expect(c1.getByLabel('字段')).toHaveValue('tags');
		await c1.getByLabel('比较方式').selectOption('has_any');
		await c1.getByLabel('值', { exact: true }).fill(tag);
		await expect(live).toHaveText('当前符合：4 位客户');

		// Condition 2 (AND): tagged VIP, in any case.
		await page.getByRole('button', { name: '添加条件', exact: true }).click();
		const c2 = page.getByRole('group', { name: '条件 2', exact: true });
		await c2.getByLabel('值', { exact: true }).fill('vip');
		await expect(live).toHaveText('当前符合：3 位客户');

		// Group 3 (OR): in Beijing or in Shanghai.
		await page.getByRole('button', { name: '添加条件组', exact: true }).click();
		const g3 = page.getByRole('group', { name: '条件组 3', exact: true });
		await expect(g3.getByLabel('客户需符合')).toHaveValue('or');
		const c31 = page.getByRole('group', { name: '条件 3.1', exact: true });
		await c31.getByLabel('字段').selectOption('region');
		await c31.getByLabel('比较方式').selectOption('eq');
		await c31.getByLabel('值', { exact: true }).fill('北京');
		await expect(live).toHaveText('当前符合：1 位客户');
		await page.getByRole('button', { name: '在条件组 3 中添加条件', exact: true }).click();
		const c32 = page.getByRole('group', { name: '条件 3.2', exact: true });
		await c32.getByLabel('字段').selectOption('region');
		await c32.getByLabel('值', { exact: true }).fill('上海');
		await expect(live).toHaveText('当前符合：2 位客户');

		// A half-finished condition is refused on save, next to it, in the user's language.
		await page.getByRole('button', { name: '在条件组 3 中添加条件', exact: true }).click();
		const c33 = page.getByRole('group', { name: '条件 3.3', exact: true });
		await c33.getByLabel('字段').selectOption('age');
		await c33.getByLabel('比较方式').selectOption('between');
		await c33.getByLabel('从').fill('40');
		await c33.getByLabel('到').fill('30');
		await expect(live).toHaveText('当前符合：2 位客户');
		await page.getByRole('button', { name: '保存分组' }).click();
		await expect(c33.getByRole('alert')).toHaveText('第一个数字不能大于第二个。');
		await expect(page.getByText('请修正标出的条件。')).toBeVisible();
		await page.screenshot({ path: info.outputPath(`segment-editor-${label}.png`) });
		await page.getByRole('button', { name: '删除条件 3.3' }).click();
		await expect(live).toHaveText('当前符合：2 位客户');
		await page.getByRole('button', { name: '保存分组' }).click();

		await expect(page).toHaveURL(/\/segments$/);
		await expect(page.getByRole('link', { name: new RegExp(dynamicName) })).toContainText('2 位客户');

		// A fixed list: the customers tagged with the test's tag and VIP when it is saved.
		const fixedName = `VIP 名单 ${label}`;
		await page.getByRole('link', { name: /新建分组/ }).click();
		await page.getByLabel('名称').fill(fixedName);
		await page.getByRole('group', { name: '条件 1', exact: true }).getByLabel('值', { exact: true }).fill(`${tag}`);
		await page.getByRole('button', { name: '添加条件', exact: true }).click();
		const f2 = page.getByRole('group', { name: '条件 2', exact: true });
		await f2.getByLabel('比较方式').selectOption('has_all');
		await f2.getByLabel('值', { exact: true }).fill('VIP');
		await expect(live).toHaveText('当前符合：3 位客户');
		await page.getByLabel('固定名单').check();
		await page.getByRole('button', { name: '保存分组' }).click();
		await expect(page).toHaveURL(/\/segments$/);
		await expect(page.getByRole('link', { name: new RegExp(fixedName) })).toContainText('3 位客户');
		await page.screenshot({ path: info.outputPath(`segments-${label}.png`), fullPage: true });

		// The Shanghai customer is no longer VIP: the dynamic segment drops them, the fixed list keeps them.
		await editTags(page, names.b, tag);
		await navTo(page, '客户分组');
		await expect(page.getByRole('link', { name: new RegExp(dynamicName) })).toContainText('1 位客户');
		await expect(page.getByRole('link', { name: new RegExp(fixedName) })).toContainText('3 位客户');

		// Reopened, the fixed list shows its members and the conditions it was picked with.
		await page.getByRole('link', { name: new RegExp(fixedName) }).click();
		await expect(page.getByText('固定名单：3 位客户')).toBeVisible();
		await expect(live).toHaveText('当前符合：2 位客户');
		await expect(page.getByText('保存时名单保持不变；修改条件后会重新选取客户。')).toBeVisible();
		// Renamed without touching its conditions, it keeps its list.
		await page.getByLabel('名称').fill(`${fixedName} 改名`);
		await page.getByRole('button', { name: '保存分组' }).click();
		const fixed = page.getByRole('link', { name: new RegExp(`${fixedName} 改名`) });
		await expect(fixed).toContainText('3 位客户');

		// Saved segments reach the server, which counts the same members.
		await page.getByTestId('sync-indicator').click();
		await expect(page.getByTestId('sync-pending')).toContainText('所有更改已上传', { timeout: 15_000 });
		const id = (await fixed.getAttribute('href'))!.split('/').pop();
		const auth = await (
			await fetch(`${server.url}/api/collections/staff/auth-with-password`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ identity: m.email, password: m.password })
			})
		).json();
		const members = await (await fetch(`${server.url}/api/crm/segments/${id}/members`, { headers: { authorization: auth.token } })).json();
		expect(members.count).toBe(3);
	});
}

test('the segment builder offers colleagues by name and the values in the data, and its labels fit a phone', async ({ openAs, server }) => {
	const run = id15().slice(0, 5);
	const m = server.staff.manager;
	const rep = server.staff.sales;
	const region = `测试区${run}`;
	const tag = `挑选${run}`;
	await addCustomers(server.url, m.email, m.password, [
		{ id: id15(), name: `选甲${run}`, tags: [tag], region, owner: rep.id },
		{ id: id15(), name: `选乙${run}`, tags: [tag], region, owner: rep.id },
		{ id: id15(), name: `选丙${run}`, tags: [tag], region, owner: m.id }
	]);
	// Agreement: the rep's customers as the server counts them.
	const auth = await (
		await fetch(`${server.url}/api/collections/staff/auth-with-password`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ identity: m.email, password: m.password })
		})
	).json();
	const repCount = (
		await (
			await fetch(`${server.url}/api/collections/customers/records?perPage=1&filter=${encodeURIComponent(`owner = "${rep.id}" && deleted = false`)}`, { headers: { authorization: auth.token } })
		).json()
	).totalItems;

	const { page } = await openAs('manager', { viewport: PHONE });
	await page.getByLabel('搜索客户').fill(`选丙${run}`);
	await expect(page.getByRole('link', { name: new RegExp(`选丙${run}`) })).toBeVisible({ timeout: 15_000 });
	await navTo(page, '客户分组');
	await page.getByRole('link', { name: /新建分组/ }).click();
	const live = page.getByTestId('live-count');
	const c1 = page.getByRole('group', { name: '条件 1', exact: true });
	// The owner by name, not by a staff id typed by hand.
	await c1.getByLabel('字段').selectOption('owner');
	await c1.getByLabel('比较方式').selectOption('eq');
	const who = c1.getByLabel('值', { exact: true });
	await expect(who).toHaveJSProperty('tagName', 'SELECT');
	await who.selectOption({ label: rep.name });
	await expect(live).toHaveText(`当前符合：${repCount} 位客户`);
	// The field's name is short enough for a phone's select (it was 负责人（员工编号）, cut at 360 px).
	await expect(c1.getByLabel('字段').locator('option:checked')).toHaveText('负责人');

	// Region: the values in the data are offered.
	await page.getByRole('button', { name: '添加条件', exact: true }).click();
	const c2 = page.getByRole('group', { name: '条件 2', exact: true });
	await c2.getByLabel('字段').selectOption('region');
	await c2.getByLabel('比较方式').selectOption('eq');
	const offered = await c2.getByLabel('值', { exact: true }).evaluate((el) => [...((el as HTMLInputElement).list?.options ?? [])].map((o) => o.value));
	expect(offered).toContain(region);
	await c2.getByLabel('值', { exact: true }).fill(region);
	await expect(live).toHaveText('当前符合：2 位客户');

	// Tags: picked from the tags the customers carry.
	await page.getByRole('button', { name: '添加条件', exact: true }).click();
	const c3 = page.getByRole('group', { name: '条件 3', exact: true });
	await c3.getByLabel('字段').selectOption('tags');
	await c3.getByLabel('比较方式').selectOption('has_any');
	await c3.getByRole('group', { name: '客户中已有的值' }).getByRole('button', { name: tag, exact: true }).click();
	await expect(c3.getByLabel('值', { exact: true })).toHaveValue(tag);
	await expect(live).toHaveText('当前符合：2 位客户');
	await page.screenshot({ path: 'test-results/screens/segment-pickers-phone.png', fullPage: true });
});
