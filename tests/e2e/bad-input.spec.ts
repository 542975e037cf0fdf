import { test, expect, PHONE, navTo } from './fixtures';

test('the customer form refuses bad input in the user’s language and keeps what was saved', async ({ openAs }) => {
	const { page } = await openAs('sales', { viewport: PHONE });
	await page.getByRole('link', { name: /新建客户/ }).click();
	await page.getByLabel('电话').fill('12345');
	await page.getByLabel('邮箱').fill('not-an-email');
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.getByRole('alert')).toContainText('请修正标出的字段');
	await expect(page.getByText('请填写姓名。')).toBeVisible();
	await expect(page.getByText(/请检查电话号码/)).toBeVisible();
	await expect(page.getByText(/请检查邮箱地址/)).toBeVisible();
	await expect(page.getByLabel('姓名')).toBeFocused();
	await expect(page.getByLabel('姓名')).toHaveAttribute('aria-invalid', 'true');

	await page.getByLabel('姓名').fill('好客户');
	await page.getByLabel('电话').fill('13800138000');
	await page.getByLabel('邮箱').fill('good@example.cn');
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.getByRole('heading', { name: '好客户' })).toBeVisible();

	// A bad edit is refused; the saved values stay.
	await page.getByRole('button', { name: '编辑客户' }).click();
	await page.getByLabel('姓名').fill('');
	await page.getByLabel('备注').fill('x'.repeat(10_001));
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.getByText('备注太长了。')).toBeVisible();
	await page.getByRole('button', { name: '取消' }).click();
	await expect(page.getByRole('heading', { name: '好客户' })).toBeVisible();
	await expect(page.locator('[data-field="phones"]')).toHaveText('138 0013 8000');

	// In English the same errors read in English.
	await navTo(page, '设置');
	await page.getByLabel('语言').selectOption('en');
	await page.getByRole('link', { name: 'Customers' }).click();
	await page.getByRole('link', { name: /New customer/ }).click();
	await page.getByLabel('Phone numbers').fill('555');
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByText('Name is required.')).toBeVisible();
	await expect(page.getByText(/Check the phone number/)).toBeVisible();
});
