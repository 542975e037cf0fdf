import { test, expect, goOffline, goOnline, PHONE, navTo } from './fixtures';

test('a rep logs a visit offline with a follow-up; it shows in Today and reaches the manager', async ({ openAs }) => {
	const rep = await openAs('sales', { viewport: PHONE });
	const { page } = rep;
	await page.getByRole('link', { name: /新建客户/ }).click();
	await page.getByLabel('姓名').fill('拜访对象');
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.getByRole('heading', { name: '拜访对象' })).toBeVisible();

	await goOffline(rep);
	const form = page.getByRole('form', { name: '记录拜访、电话或备注' });
	await form.getByRole('button', { name: '记录' }).click();
	await expect(form.getByText('请填写情况。')).toBeVisible();
	await form.getByLabel('类型').selectOption('visit');
	await form.getByLabel('情况').fill('上门演示新品，客户很感兴趣');
	const today = await page.evaluate(() => {
		const d = new Date();
		d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
		return d.toISOString().slice(0, 10);
	});
	await form.getByLabel('跟进日期').fill(today);
	await form.getByRole('button', { name: '记录' }).click();
	const timeline = page.getByRole('list', { name: '服务记录' });
	await expect(timeline).toContainText('上门演示新品，客户很感兴趣');
	await expect(timeline).toContainText(`${today} 跟进`);

	await navTo(page, '今天');
	const due = page.getByRole('list', { name: '今天到期' });
	await expect(due).toContainText('拜访对象');
	await expect(due).toContainText('上门演示新品');

	await goOnline(rep);
	await page.getByTestId('sync-indicator').click();
	await expect(page.getByTestId('sync-pending')).toContainText('所有更改已上传', { timeout: 15_000 });
	await page.keyboard.press('Escape');
	await expect(page.getByTestId('sync-pending')).toHaveCount(0);

	const manager = await openAs('manager', { viewport: PHONE });
	await manager.page.getByRole('link', { name: /拜访对象/ }).click();
	await expect(manager.page.getByRole('list', { name: '服务记录' })).toContainText('上门演示新品，客户很感兴趣');

	// Done on the rep's phone: it leaves Today.
	await page.getByRole('link', { name: /拜访对象/ }).click();
	await page.getByRole('button', { name: '标记完成' }).click();
	await expect(page.getByRole('list', { name: '服务记录' })).toContainText('已完成');
	await navTo(page, '今天');
	await expect(page.getByText('拜访对象')).toHaveCount(0);
});
