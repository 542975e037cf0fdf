import { test, expect } from './fixtures';

test('an expired session is renewed with the password, and the waiting changes upload', async ({ openAs, server }) => {
	const { page } = await openAs('sales');
	// The stored token no longer works (expired or revoked); the local data must stay usable.
	await page.evaluate(() => {
		const auth = JSON.parse(localStorage.getItem('pocketbase_auth')!);
		auth.token = auth.token.slice(0, -6) + 'AAAAAA';
		localStorage.setItem('pocketbase_auth', JSON.stringify(auth));
	});
	await page.reload();
	await page.getByRole('link', { name: /新建客户/ }).click();
	await page.getByLabel('姓名').fill('过期后新建');
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.getByRole('heading', { name: '过期后新建' })).toBeVisible();

	await page.getByTestId('sync-indicator').click();
	await expect(page.getByRole('alert').filter({ hasText: '登录已过期' })).toBeVisible({ timeout: 15_000 });
	await expect(page.getByTestId('sync-pending')).toContainText('1 项更改等待上传');
	await page.getByLabel('密码').fill('wrong password');
	await page.getByRole('button', { name: '重新登录' }).click();
	await expect(page.getByText('密码不正确。')).toBeVisible();
	await page.getByLabel('密码').fill(server.staff.sales.password);
	await page.getByRole('button', { name: '重新登录' }).click();
	await expect(page.getByTestId('sync-pending')).toContainText('所有更改已上传', { timeout: 15_000 });
	await expect(page.getByRole('alert').filter({ hasText: '登录已过期' })).toHaveCount(0);
});
