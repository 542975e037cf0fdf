// Devices after a restore (issue 14), in the real app: a rep's phone and a manager's tablet save
// customers that reach the server, then save more offline; the server is restored from its backup to a
// moment before those synced saves and started again on the same address. When the devices are back
// online, each says the server was restored and uploads again what the restored copy lacks: every
// save is on the server once, and each device shows the other's.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test, expect, goOffline, goOnline, signIn, PHONE, TABLET, type Device } from './fixtures';
import { SERVER_BIN, seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { startCuttableProxy } from '../fixtures/cuttable-proxy';

async function newCustomer(page: Device['page'], name: string, notes?: string) {
	await page.getByRole('link', { name: /新建客户/ }).click();
	await page.getByLabel('姓名').fill(name);
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.getByRole('heading', { name })).toBeVisible();
	if (notes) {
		await page.getByRole('button', { name: '编辑客户' }).click();
		await page.getByLabel('备注').fill(notes);
		await page.getByRole('button', { name: '保存' }).click();
		await expect(page.locator('[data-field="notes"]')).toHaveText(notes);
	}
	await page.goto('/customers');
}

async function allUploaded(page: Device['page']) {
	await page.getByTestId('sync-indicator').click();
	await expect(page.getByTestId('sync-pending')).toHaveText('所有更改已上传', { timeout: 30_000 });
	await page.getByRole('region', { name: '同步状态' }).getByRole('button', { name: '关闭' }).click();
}

test('a phone and a tablet upload again what a restored server lost, once', async ({ browser }) => {
	test.setTimeout(180_000);
	let server: RunningServer = await startServer();
	// The first server's directory holds the restored copy: it is removed after the restored server stops.
	let old: RunningServer | null = null;
	const devices: Device[] = [];
	try {
		const { staff } = await seedStaff(server.url);
		const open = async (key: 'sales' | 'manager', viewport: { width: number; height: number }) => {
			const proxy = await startCuttableProxy(server.port);
			const context = await browser.newContext({ baseURL: proxy.url, viewport, locale: 'zh-CN' });
			const page = await context.newPage();
			const d = { context, page, proxy };
			devices.push(d);
			await signIn(page, staff[key].email, staff[key].password);
			return d;
		};
		const rep = await open('sales', PHONE);
		const boss = await open('manager', TABLET);
		const stamp = Date.now().toString(36);

		await newCustomer(rep.page, `恢复前的客户 ${stamp}`);
		await allUploaded(rep.page);
		await new Promise((r) => setTimeout(r, 1500));
		const restorePoint = new Date().toISOString();
		await new Promise((r) => setTimeout(r, 1500));

		// Saved and uploaded after the restore point: the restore will lose these.
		await newCustomer(rep.page, `同步后丢失的客户 ${stamp}`, '上传过的备注');
		await newCustomer(boss.page, `经理上传过的客户 ${stamp}`);
		await allUploaded(rep.page);
		await allUploaded(boss.page);

		// Then both lose their connection and keep working.
		await goOffline(rep);
		await goOffline(boss);
		await newCustomer(rep.page, `离线保存的客户 ${stamp}`);
		await newCustomer(boss.page, `经理离线保存的客户 ${stamp}`);

		// The server is restored to the restore point and started again on the same address.
		await server.stop({ keepData: true });
		const restored = join(server.dataDir, '..', 'restored');
		execFileSync(SERVER_BIN, ['restore', '--dir', server.dataDir, '--to', restored, '--at', restorePoint]);
		old = server;
		server = await startServer({ dataDir: restored, port: old.port });
		const manager = await (
			await fetch(`${server.url}/api/collections/staff/auth-with-password`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ identity: staff.manager.email, password: staff.manager.password })
			})
		).json();
		const names = async () =>
			// Names are encrypted in the database, so the server cannot filter by them (server/fieldcrypt.go).
			((await (await fetch(`${server.url}/api/collections/customers/records?perPage=500`, { headers: { authorization: manager.token } })).json()).items as { name: string; notes: string }[]).filter(
				(c) => c.name.includes(stamp)
			);
		expect((await names()).map((c) => c.name)).toEqual([`恢复前的客户 ${stamp}`]);

		await goOnline(rep);
		await goOnline(boss);
		for (const d of [rep, boss]) {
			await expect(d.page.getByTestId('restored-notice')).toContainText('服务器已从备份恢复', { timeout: 30_000 });
			await allUploaded(d.page);
		}
		const onServer = await names();
		expect(onServer.map((c) => c.name).sort()).toEqual(
			[`恢复前的客户 ${stamp}`, `同步后丢失的客户 ${stamp}`, `经理上传过的客户 ${stamp}`, `离线保存的客户 ${stamp}`, `经理离线保存的客户 ${stamp}`].sort()
		);
		expect(onServer.find((c) => c.name === `同步后丢失的客户 ${stamp}`)!.notes).toBe('上传过的备注');
		// Each device shows the other's saves (the manager sees every customer; the rep their own).
		await expect(boss.page.getByRole('link', { name: new RegExp(`离线保存的客户 ${stamp}`) }).first()).toBeVisible({ timeout: 20_000 });
		await boss.page.screenshot({ path: 'test-results/restored-tablet.png' });
	} finally {
		for (const d of devices) {
			await d.context.close();
			await d.proxy.close();
		}
		await server.stop();
		await old?.stop();
	}
});
