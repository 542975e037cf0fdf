// A person asks for their data (issue 13, PIPL Arts. 45, 47): the admin, on a tablet, downloads
// everything held about them, then erases them after typing their name; the sales rep's phone, open on
// the customer list, loses them within seconds, and its IndexedDB, read directly, holds none of their
// personal values any more.
import { readFileSync } from 'node:fs';
import { test, expect, everythingOnDevice, PHONE, TABLET } from './fixtures';
import { id15 } from '../hooks/helpers';

test('an admin exports and erases a person; the rep’s phone loses them and keeps nothing of theirs', async ({ openAs, server }) => {
	test.setTimeout(90_000);
	const run = Date.now().toString(36);
	const name = `要求删除的顾客${run}`;
	const phone = `1390000${String(Date.now()).slice(-4)}`;
	const note = `住在幸福路${run}号`;
	const id = id15();
	const token = (
		await (
			await fetch(`${server.url}/api/collections/staff/auth-with-password`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ identity: server.staff.sales.email, password: server.staff.sales.password })
			})
		).json()
	).token;
	const pushed = await (
		await fetch(`${server.url}/api/crm/sync/customers/push`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: token },
			body: JSON.stringify({ rows: [{ doc: { id, name, phones: [`+86${phone}`], notes: note, owner: server.staff.sales.id }, base: null }] })
		})
	).json();
	expect(pushed.rejected).toEqual([]);

	const rep = await openAs('sales', { viewport: PHONE });
	await rep.page.goto('/customers');
	await expect(rep.page.getByRole('link', { name: new RegExp(name) })).toBeVisible();
	// On the phone the person's fields are sealed: its files (IndexedDB read directly) show none of
	// them; opened with the phone's key, they are there.
	await expect.poll(async () => (await everythingOnDevice(rep.page, { opened: true })).includes(note)).toBe(true);
	const files = await everythingOnDevice(rep.page, { localStorage: false });
	expect(files).toContain(id);
	expect([name, phone, note, JSON.stringify(name).slice(1, -1)].filter((v) => files.includes(v))).toEqual([]);

	const admin = await openAs('owner', { viewport: TABLET });
	await admin.page.goto(`/customers/${id}`);
	const rights = admin.page.getByRole('region', { name: '个人信息（个保法）' });
	await expect(rights).toBeVisible();
	const download = admin.page.waitForEvent('download');
	await rights.getByRole('button', { name: '导出全部数据（JSON）' }).click();
	const copy = JSON.parse(readFileSync((await (await download).path())!, 'utf8'));
	expect(copy.profile).toMatchObject({ id, name, notes: note });

	await rights.getByRole('button', { name: '删除此人的数据…' }).click();
	await expect(rights.getByRole('note')).toContainText('无法撤销');
	const confirm = rights.getByLabel(`输入客户姓名以确认：${name}`);
	await confirm.fill('别的名字');
	await rights.getByRole('button', { name: '永久删除' }).click();
	await expect(rights.getByRole('alert')).toHaveText('姓名不一致，请按显示的内容准确输入。');
	await admin.page.screenshot({ path: test.info().outputPath('erase-confirm-tablet.png'), fullPage: true });
	await confirm.fill(name);
	await rights.getByRole('button', { name: '永久删除' }).click();
	await expect(admin.page.getByTestId('erased-notice')).toHaveText('此人的数据已删除；各设备会在下次同步时移除。');
	await expect(admin.page).toHaveURL(/\/customers\?erased=1$/);

	// The rep's phone, open all along, loses the customer, and keeps nothing of theirs.
	await expect(rep.page.getByRole('link', { name: new RegExp(name) })).toHaveCount(0, { timeout: 15_000 });
	await expect
		.poll(
			async () => {
				const all = await everythingOnDevice(rep.page, { opened: true });
				return [name, phone, note].filter((v) => all.includes(v));
			},
			{ timeout: 15_000 }
		)
		.toEqual([]);
	await rep.page.screenshot({ path: test.info().outputPath('erase-rep-phone.png') });

	// Opened again on the admin's device, the customer says what happened and offers nothing more.
	await admin.page.goto(`/customers/${id}`);
	await expect(admin.page.getByTestId('erased-note')).toHaveText('此客户的个人信息已应本人请求删除。');
});
