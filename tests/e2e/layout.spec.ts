import { test, expect, PHONE, TABLET } from './fixtures';

for (const [name, viewport] of [
	['phone', PHONE],
	['tablet', TABLET]
] as const) {
	test(`navigation and customers screen on a ${name} (${viewport.width}x${viewport.height})`, async ({ openAs }, info) => {
		const { page } = await openAs('manager', { viewport });
		const nav = page.getByRole('navigation', { name: '主导航' });
		const box = (await nav.boundingBox())!;
		if (name === 'phone') {
			expect(box.y + box.height).toBeCloseTo(viewport.height, 0); // bottom tab bar
			expect(box.width).toBe(viewport.width);
		} else {
			expect(box.x).toBe(0); // side rail
			expect(box.height).toBeGreaterThan(viewport.height - 2);
			expect(box.width).toBeLessThan(120);
		}
		// Touch targets are at least 44 px.
		for (const link of await nav.getByRole('link').all()) expect((await link.boundingBox())!.height).toBeGreaterThanOrEqual(44);
		await page.getByRole('link', { name: /新建客户/ }).click();
		await page.getByLabel('姓名').fill(`布局 ${name}`);
		await page.getByLabel('电话').fill(name === 'phone' ? '13912345678\n+1 650 253 0000' : '13912340000');
		await page.getByLabel('地区').fill('上海');
		await page.getByLabel('标签').fill('VIP, 老客户');
		await page.getByRole('button', { name: '保存' }).click();
		await expect(page.getByRole('heading', { name: `布局 ${name}` })).toBeVisible();
		await page.screenshot({ path: info.outputPath(`customer-${name}.png`) });
		await page.getByRole('link', { name: '客户', exact: true }).click();
		await page.getByTestId('sync-indicator').click();
		await expect(page.getByTestId('sync-pending')).toContainText('所有更改已上传');
		await page.screenshot({ path: `test-results/screens/customers-${name}.png` });
	});
}

test('a page that does not exist says so in the user’s language, with a way back (phone)', async ({ openAs }) => {
	const { page } = await openAs('manager', { viewport: PHONE });
	await page.goto('/no-such-page/at-all');
	const error = page.getByTestId('error-page');
	await expect(error.getByRole('heading', { name: '找不到这个页面' })).toBeVisible();
	await expect(page.getByText('404 Not Found')).toHaveCount(0);
	await error.getByRole('link', { name: '返回客户列表' }).click();
	await expect(page).toHaveURL(/\/customers$/);
	await expect(page.getByLabel('搜索客户')).toBeVisible();
});
