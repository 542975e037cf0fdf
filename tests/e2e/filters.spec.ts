import { test, expect, TABLET } from './fixtures';

test('a manager filters the list by tag and region, and sorts it', async ({ openAs }) => {
	const { page } = await openAs('manager', { viewport: TABLET });
	for (const [name, tags, region] of [
		['筛选甲', 'VIP', '华东'],
		['筛选乙', 'VIP', '华南'],
		['筛选丙', '团购', '华东']
	]) {
		await page.getByRole('link', { name: /新建客户/ }).click();
		await page.getByLabel('姓名').fill(name);
		await page.getByLabel('标签').fill(tags);
		await page.getByLabel('地区').fill(region);
		await page.getByRole('button', { name: '保存' }).click();
		await expect(page.getByRole('heading', { name })).toBeVisible();
		await page.getByRole('link', { name: '客户', exact: true }).click();
	}
	const names = () => page.getByRole('list', { name: '客户' }).locator('.name').allTextContents();
	await page.getByRole('button', { name: '筛选' }).click();
	const panel = page.getByRole('region', { name: '筛选与排序' });
	await panel.getByLabel('标签').selectOption('VIP');
	await panel.getByLabel('地区').selectOption('华东');
	await expect.poll(names).toEqual(['筛选甲']);
	await expect(page.getByRole('button', { name: '筛选 已启用 2 个筛选' })).toBeVisible();
	await panel.getByLabel('地区').selectOption('');
	await expect.poll(async () => (await names()).sort()).toEqual(['筛选乙', '筛选甲'].sort());
	await page.getByRole('combobox', { name: '排序' }).selectOption('updated');
	await expect.poll(names).toEqual(['筛选乙', '筛选甲']);
	await panel.getByRole('button', { name: '清除筛选' }).click();
	await expect.poll(async () => (await names()).length).toBeGreaterThanOrEqual(3);
});
