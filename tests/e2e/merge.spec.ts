import { test, expect, PHONE } from './fixtures';

test('a rep merges a duplicate: both histories and all phone numbers stay', async ({ openAs }) => {
	const { page } = await openAs('sales', { viewport: PHONE });
	const create = async (name: string, phone: string, notes: string) => {
		await page.getByRole('link', { name: '客户', exact: true }).click();
		await page.getByRole('link', { name: /新建客户/ }).click();
		await page.getByLabel('姓名').fill(name);
		await page.getByLabel('电话').fill(phone);
		await page.getByLabel('备注').fill(notes);
		await page.getByRole('button', { name: '保存' }).click();
		const dup = page.getByRole('button', { name: '仍然新建' });
		await expect(page.getByRole('heading', { name }).or(dup)).toBeVisible();
		if (await dup.isVisible()) await dup.click();
		await expect(page.getByRole('heading', { name })).toBeVisible();
	};
	await create('合并乙', '136 1111 2222\n137 3333 4444', '乙的备注');
	await page.getByRole('form', { name: '记录拜访、电话或备注' }).getByLabel('情况').fill('乙的拜访');
	await page.getByRole('form', { name: '记录拜访、电话或备注' }).getByRole('button', { name: '记录' }).click();
	await create('合并甲', '136 1111 2222', '甲的备注');

	await page.getByRole('button', { name: '合并重复客户…' }).click();
	await page.getByRole('radio', { name: /合并乙/ }).check();
	await page.getByRole('button', { name: '把“合并乙”合并到这位客户' }).click();
	await expect(page.getByText('已把“合并乙”合并到这位客户。')).toBeVisible();
	await expect(page.locator('[data-field="phones"]')).toHaveText('136 1111 2222, 137 3333 4444');
	await expect(page.locator('[data-field="notes"]')).toContainText('甲的备注');
	await expect(page.locator('[data-field="notes"]')).toContainText('乙的备注');
	await expect(page.getByRole('list', { name: '服务记录' })).toContainText('乙的拜访');
	await expect(page.getByTestId('history')).toContainText('合并乙');
	await page.getByRole('link', { name: '客户', exact: true }).click();
	await expect(page.getByRole('link', { name: /合并乙/ })).toHaveCount(0);
});
