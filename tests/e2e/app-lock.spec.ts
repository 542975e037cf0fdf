// The app lock (issue 13, a lost phone): a rep sets a PIN on their phone; the app then shows nothing of
// the customers until the PIN is entered, after "Lock now", at every start and after the idle minutes;
// five wrong PINs delete the phone's data and sign it out.
import type { Page } from '@playwright/test';
import { test, expect, everythingOnDevice, PHONE, navTo, newBrowserContext, rxdbNames, signIn } from './fixtures';

/** A customer made on the phone, to look for on the page while it is locked. */
async function newCustomer(page: Page, prefix: string): Promise<string> {
	const name = `${prefix} ${Date.now().toString(36)}`;
	await page.getByRole('link', { name: /新建客户/ }).click();
	await page.getByLabel('姓名').fill(name);
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.getByRole('heading', { name })).toBeVisible();
	return name;
}

test('a PIN hides the customers after Lock now, at every start and after idle time; five wrong PINs wipe the phone', async ({ openAs }) => {
	test.setTimeout(90_000);
	const { page } = await openAs('sales2', { viewport: PHONE });
	await page.clock.install();
	const name = await newCustomer(page, '锁屏测试客户');

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

	// At every start. Read directly, the phone's storage then shows nothing of the customer, and the
	// key that opens its sealed fields is kept only wrapped by the PIN.
	await page.goto('/customers');
	await expect(page.getByRole('heading', { name: '已锁定' })).toBeVisible();
	expect(await everythingOnDevice(page, { opened: true })).toContain('rxdb-dexie-crm_');
	expect(await everythingOnDevice(page, { opened: true })).not.toContain(name);
	expect(await page.evaluate(() => Object.entries(localStorage).filter(([k, v]) => k.startsWith('crm:dk:') && !v.includes('"wrapped"')))).toEqual([]);
	expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('crm:dk:')).length)).toBe(1);
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
	expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('crm:lock:') || k.startsWith('crm:outbox') || k.startsWith('crm:dk:')))).toEqual([]);
});

test("the phone's own fingerprint or face opens the lock (a passkey checked on the device); a failed check is not a wrong PIN", async ({ browser, server }) => {
	test.setTimeout(60_000);
	// WebAuthn needs a domain, not an IP address: this phone opens the app at localhost.
	const context = await newBrowserContext(browser, `http://localhost:${server.port}`, { viewport: PHONE });
	const page = await context.newPage();
	// The phone's fingerprint reader: Chromium's virtual authenticator, built in and verifying its user.
	const cdp = await context.newCDPSession(page);
	await cdp.send('WebAuthn.enable');
	const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
		options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true }
	});
	await signIn(page, server.staff.sales.email, server.staff.sales.password);
	const name = await newCustomer(page, '指纹锁客户');

	await navTo(page, '设置');
	const lock = page.getByRole('region', { name: '应用锁' });
	await lock.getByLabel('新 PIN').fill('7391');
	await lock.getByLabel('再次输入 PIN').fill('7391');
	await lock.getByRole('button', { name: '开启应用锁' }).click();
	await lock.getByRole('button', { name: '允许用本机的指纹或面容打开' }).click();
	await expect(lock.getByRole('status')).toHaveText('已开启：本设备的指纹或面容也能打开应用锁。');
	expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(1);
	await page.screenshot({ path: test.info().outputPath('passkey-settings-phone.png') });

	// Locked: the fingerprint opens it.
	await lock.getByRole('button', { name: '立即锁定' }).click();
	await expect(page.getByRole('heading', { name: '已锁定' })).toBeVisible();
	expect(await page.content()).not.toContain(name);
	await page.screenshot({ path: test.info().outputPath('passkey-locked-phone.png') });
	await page.getByRole('button', { name: '使用指纹或面容', exact: true }).click();
	await expect(page.getByRole('heading', { name: '已锁定' })).toHaveCount(0);
	await expect(page.getByRole('region', { name: '应用锁' })).toBeVisible();

	// A finger the phone does not know: still locked, and the PIN keeps all five tries.
	await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
	await page.getByRole('region', { name: '应用锁' }).getByRole('button', { name: '立即锁定' }).click();
	await page.getByRole('button', { name: '使用指纹或面容', exact: true }).click();
	await expect(page.getByRole('alert')).toHaveText('未能通过指纹或面容核验，请输入 PIN。');
	await expect(page.getByRole('heading', { name: '已锁定' })).toBeVisible();
	await page.getByLabel('PIN').fill('0000');
	await page.getByRole('button', { name: '解锁', exact: true }).click();
	await expect(page.getByRole('alert')).toHaveText('PIN 不正确。再错 4 次，本设备将删除其上的数据。');
	await page.getByLabel('PIN').fill('7391');
	await page.getByRole('button', { name: '解锁', exact: true }).click();
	await expect(page.getByRole('heading', { name: '已锁定' })).toHaveCount(0);

	// After a restart only the PIN opens the lock: it also opens the key of the phone's sealed data,
	// which the passkey cannot. Once the app runs, the passkey opens an idle lock again.
	await page.reload();
	await expect(page.getByRole('heading', { name: '已锁定' })).toBeVisible();
	await expect(page.getByRole('button', { name: '使用指纹或面容', exact: true })).toHaveCount(0);
	await expect(page.getByText('应用每次启动后需先输入 PIN')).toBeVisible();
	await page.getByLabel('PIN').fill('7391');
	await page.getByRole('button', { name: '解锁', exact: true }).click();
	await expect(page.getByRole('heading', { name: '已锁定' })).toHaveCount(0);
	await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
	await page.getByRole('region', { name: '应用锁' }).getByRole('button', { name: '立即锁定' }).click();
	await page.getByRole('button', { name: '使用指纹或面容', exact: true }).click();
	await expect(page.getByRole('heading', { name: '已锁定' })).toHaveCount(0);

	// Turned off in Settings: the lock screen no longer offers it.
	await page.getByRole('region', { name: '应用锁' }).getByRole('button', { name: '停用指纹或面容开锁' }).click();
	await expect(page.getByRole('region', { name: '应用锁' }).getByRole('status')).toHaveText('已停用指纹或面容开锁，请用 PIN 打开。');
	await page.getByRole('region', { name: '应用锁' }).getByRole('button', { name: '立即锁定' }).click();
	await expect(page.getByRole('heading', { name: '已锁定' })).toBeVisible();
	await expect(page.getByRole('button', { name: '使用指纹或面容', exact: true })).toHaveCount(0);
	await context.close();
});
