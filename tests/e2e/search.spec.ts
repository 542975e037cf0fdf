import { test, expect, PHONE, TABLET } from './fixtures';

// Each size uses its own people, so the two runs (and other tests' customers) cannot meet.
const RUNS = [
	{
		size: 'phone',
		viewport: PHONE,
		rep: 'sales2',
		people: [
			['张伟', '138 0013 8001'],
			['李娜', '139 1234 5671'],
			['单雨桐', '+86 186 0000 1111']
		],
		queries: [
			['zw', ['张伟']],
			['zhangwei', ['张伟']],
			['zhang wei', ['张伟']],
			['syt', ['单雨桐']],
			['shanyutong', ['单雨桐']],
			['0013 8001', ['张伟']],
			['+86 139 1234', ['李娜']],
			['娜', ['李娜']]
		]
	},
	{
		size: 'tablet',
		viewport: TABLET,
		rep: 'owner',
		people: [
			['欧阳锋', '138 0013 8002'],
			['诸葛亮', '139 1234 5672'],
			['单田芳', '+86 186 0000 1112']
		],
		queries: [
			['oyf', ['欧阳锋']],
			['ouyangfeng', ['欧阳锋']],
			['zhu ge', ['诸葛亮']],
			['stf', ['单田芳']],
			['0013 8002', ['欧阳锋']],
			['+86 186 0000 1112', ['单田芳']],
			['葛', ['诸葛亮']]
		]
	}
] as const;

for (const run of RUNS)
	test(`search as you type finds customers by pinyin, initials and any part of the phone, offline too (${run.size})`, async ({ openAs }) => {
		const device = await openAs(run.rep, { viewport: run.viewport });
		const { page } = device;
		for (const [name, phone] of run.people) {
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
		for (const [q, expected] of run.queries) {
			await search.fill(q);
			await expect.poll(names, { message: q }).toEqual([...expected]);
		}
		await search.fill('zzzz');
		await expect(page.getByText('没有与“zzzz”匹配的客户。')).toBeVisible();
		await search.fill('');
		// Everyone is back (the list renders only the rows in view, so count them by the total).
		await expect(page.getByText('没有与“zzzz”匹配的客户。')).toHaveCount(0);
		const total = Number((await page.getByText(/^共 \d+ 位客户$/).textContent())!.replace(/\D/g, ''));
		expect(total).toBeGreaterThanOrEqual(run.people.length);
	});
