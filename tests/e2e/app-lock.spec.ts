// The app lock (issue 13, a lost phone): a rep sets a PIN on their phone; the app then shows nothing of
// the customers until the PIN is entered, after "Lock now", at every start and after the idle minutes;
// five wrong PINs delete the phone's data and sign it out.
import { test, expect, PHONE, navTo, rxdbNames } from './fixtures';

test('a PIN hides the customers after Lock now, at every start and after idle time; five wrong PINs wipe the phone', async ({ openAs }) => {
	test.setTimeout(90_000);
	const { page } = await openAs('sales2', { viewport: PHONE });
	await page.clock.install();
	const name = `锁屏测试客户 ${Date.now().toString(36)}`;
	await page.getByRole('link', { name: /新建客户/ }).click();
	await page.getByLabel('姓名').fill(name);
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.getByRole('heading', { name })).toBeVisible();

	await navTo(page, '设置');
	const lock = page.getByRole('region', { name: '应用锁' });
	await lock.getByLabel('新 PIN').fill('1234');
	await lock.getByLabel('再次输入 PIN').fill('1234');
	await lock.getByRole('button', { name: '开启应用锁' }).click();
	await expect(lock.getByRole('alert')).toHaveText('请不要使用连续或重复的数字（如 1234 或 0000）。');
	await lock.getByLabel('新 PIN').fill('7391');
	await lock.getByLabel('再次输入 PIN').fill('7390');
	await lock.getByRole('button', { name: '开启应用锁' }).click();
	await expect(lock.getByRole('alert')).toHaveText('两次输入的 PIN 不一致。');
	await lock.getByLabel('再次输入 PIN').fill('7391');
	await lock.getByLabel('锁定时间').selectOption('1');
	await lock.getByRole('button', { name: '开启应用锁' }).click();
	await expect(lock.getByRole('status')).toHaveText('应用锁已开启：闲置 1 分钟后以及每次打开应用时锁定。');
	expect(await page.evaluate(() => Object.entries(localStorage).filter(([k, v]) => k.startsWith('crm:lock:') && v.includes('7391')))).toEqual([]);

	// Lock now: nothing of the customers is on the page.
	await lock.getByRole('button', { name: '立即锁定' }).click();
	await expect(page.getByRole('heading', { name: '已锁定' })).toBeVisible();
	expect(await page.content()).not.toContain(name);
	await page.screenshot({ path: test.info().outputPath('locked-phone.png') });
	await page.getByLabel('PIN').fill('0000');
	await page.getByRole('button', { name: '解锁' }).click();
	await expect(page.getByRole('alert')).toHaveText('PIN 不正确。再错 4 次，本设备将删除其上的数据。');
	await page.getByLabel('PIN').fill('7391');
	await page.getByRole('button', { name: '解锁' }).click();
	await expect(page.getByRole('region', { name: '应用锁' })).toBeVisible();

	// At every start.
	await page.goto('/customers');
	await expect(page.getByRole('heading', { name: '已锁定' })).toBeVisible();
	await page.getByLabel('PIN').fill('7391');
	await page.getByRole('button', { name: '解锁' }).click();
	await expect(page.getByRole('link', { name: new RegExp(name) })).toBeVisible();

	// After a minute without a touch.
	await page.clock.fastForward('00:50');
	await expect(page.getByRole('link', { name: new RegExp(name) })).toBeVisible();
	await page.clock.fastForward('00:20');
	await expect(page.getByRole('heading', { name: '已锁定' })).toBeVisible();
	expect(await page.content()).not.toContain(name);

	// Five wrong PINs in a row (one was already wrong before the right one: the count starts again).
	for (let i = 0; i < 5; i++) {
		await page.getByLabel('PIN').fill(`11${i}9`);
		await page.getByRole('button', { name: '解锁' }).click();
		if (i < 4) await expect(page.getByRole('alert')).toContainText(`再错 ${4 - i} 次`);
	}
	await expect(page).toHaveURL(/\/login$/, { timeout: 15_000 });
	await expect(page.getByRole('alert')).toHaveText('PIN 已连续输错 5 次：本设备已删除其上的数据。请用密码重新登录。');
	expect(await rxdbNames(page)).toEqual([]);
	expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('crm:lock:') || k.startsWith('crm:outbox')))).toEqual([]);
});
