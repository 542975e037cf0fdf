// Backups on the admin's screen (issue 14): the continuous backup says when it last copied the data,
// and when the replica cannot be written any more (here its directory is swapped for a file, which
// stops even root from writing there) the health endpoint and the admin's settings screen say so
// within a minute, while the shop's writes go on; once the replica is back, so is the backup.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, signIn, TABLET } from './fixtures';
import { seedStaff, startServer } from '../fixtures/pocketbase';

test('the admin sees the backup working, then a warning within a minute when the replica cannot be written, while writes go on', async ({ browser }) => {
	test.setTimeout(180_000);
	const server = await startServer();
	try {
		const { staff } = await seedStaff(server.url);
		const auth = async (who: { email: string; password: string }) => {
			const res = await fetch(`${server.url}/api/collections/staff/auth-with-password`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ identity: who.email, password: who.password })
			});
			return (await res.json()).token as string;
		};
		const adminToken = await auth(staff.owner);
		const managerToken = await auth(staff.manager);
		const health = async () => (await (await fetch(`${server.url}/api/health?deep=1`, { headers: { authorization: adminToken } })).json()).backup;
		await expect.poll(async () => (await health()).caught_up_at, { timeout: 15_000 }).toBeTruthy();

		const context = await browser.newContext({ baseURL: server.url, viewport: TABLET, locale: 'zh-CN' });
		const page = await context.newPage();
		await signIn(page, staff.owner.email, staff.owner.password);
		await page.goto('/settings');
		const section = page.getByRole('region', { name: '备份' }).or(page.locator('section', { has: page.getByRole('heading', { name: '备份' }) }));
		await expect(section).toContainText(/上次备份 .*(秒|现在)/);
		await expect(section.getByRole('alert')).toHaveCount(0);

		// The replica's directory becomes unwritable.
		const { epoch } = JSON.parse(readFileSync(join(server.dataDir, 'backup-status.json'), 'utf8'));
		const replica = join(server.dataDir, '..', 'pb_data-backup', 'replica', epoch);
		expect(existsSync(replica)).toBe(true);
		renameSync(replica, `${replica}.moved`);
		writeFileSync(replica, 'not a directory');

		// The shop goes on writing.
		for (let i = 0; i < 3; i++) {
			const id = `bk${Date.now().toString(36)}${i}`.padEnd(15, '0').slice(0, 15);
			const res = await fetch(`${server.url}/api/crm/sync/customers/push`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', authorization: managerToken },
				body: JSON.stringify({ rows: [{ doc: { id, name: `备份停止时的客户${i}`, owner: staff.sales.id }, base: null }] })
			});
			expect(res.status).toBe(200);
			expect((await res.json()).rejected).toEqual([]);
			await page.waitForTimeout(500);
		}
		const started = Date.now();
		await expect.poll(async () => (await health()).failing, { timeout: 60_000 }).toBe(true);
		await expect(section.getByRole('alert')).toContainText('备份已停止', { timeout: 60_000 - (Date.now() - started) + 15_000 });
		await page.screenshot({ path: 'test-results/backup-failing-tablet.png', fullPage: true });

		// The replica is back: the next copy succeeds and the warning goes.
		rmSync(replica);
		renameSync(`${replica}.moved`, replica);
		await expect.poll(async () => (await health()).failing, { timeout: 30_000 }).toBe(false);
		await expect(section.getByRole('alert')).toHaveCount(0, { timeout: 20_000 });
		await context.close();
	} finally {
		await server.stop();
	}
});
