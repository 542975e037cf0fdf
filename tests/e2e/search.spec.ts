import { test, expect, PHONE } from './fixtures';

test('search as you type finds customers by pinyin, initials and any part of the phone, offline too', async ({ openAs }) => {
	const device = await openAs('sales2', { viewport: PHONE });
	const { page } = device;
	for (const [name, phone] of [['张伟', '138 0013 8000'], ['李娜', '139 1234 5678'], ['单雨桐', '+86 186 0000 1111']]) {
		await page.getByRole('link', { name: /新建客户/ }).click();
		await page.getByLabel('姓名').fill(name);
		await page.getByLabel('电话').fill(phone);
		await page.getByRole('button', { name: '保存' }).click();
		await expect(page.getByRole('heading', { name })).toBeVisible();
		await page.getByRole('link', { name: '客户', exact: true }).click();
	}
	const list = page.getByRole('list', { name: '客户' });
	const search = page.getByLabel('搜索客户');
	const names = async () => (await list.locator('.name').allTextContents()).sort();

	await device.context.setOffline(true);
	for (const [q, expected] of [
		['zw', ['张伟']],
		['zhangwei', ['张伟']],
		['zhang wei', ['张伟']],
		['syt', ['单雨桐']],
		['shanyutong', ['单雨桐']],
		['0013 8000', ['张伟']],
		['+86 139', ['李娜']],
		['娜', ['李娜']]
	] as const) {
		await search.fill(q);
		await expect.poll(names, { message: q }).toEqual([...expected]);
	}
	await search.fill('zzzz');
	await expect(page.getByText('没有与“zzzz”匹配的客户。')).toBeVisible();
	await search.fill('');
	// Other tests may have given this rep more customers; these three are all back.
	await expect.poll(names).toEqual(expect.arrayContaining(['单雨桐', '李娜', '张伟']));
});
