// Upgrades from earlier releases (issue 14, item 6): the schema of a recorded release is built with that
// release's migrations (pb_migrations/ up to its last file; migrations are only ever added), filled with
// data the way that release stored it, and then the current server starts on it: the new migrations
// apply, every old record reads back unchanged, and the app works on them (sign-in, an edit pushed).
import { afterAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import PocketBase from 'pocketbase';
import { SERVER_BIN, startServer, type RunningServer } from '../fixtures/pocketbase';

/** The last migration of each release that landed (the closing notes of the stops). */
const RELEASES = [
	{ name: 'stop 20', last: '1764154600_recipients_delivery_index.js' },
	{ name: 'stop 21', last: '1764154900_proposals.js' }
];

const roots: string[] = [];
const servers: RunningServer[] = [];
afterAll(async () => {
	for (const s of servers) await s.stop();
	for (const r of roots) rmSync(r, { recursive: true, force: true });
});

// Data as an older release stored it, written by a migration that runs right after its last one.
const FILL = `
migrate((app) => {
	const admin = new Record(app.findCollectionByNameOrId('staff'));
	admin.set('email', 'old-admin@example.test');
	admin.setPassword('old-admin-password-1');
	admin.set('name', '旧版管理员');
	admin.set('role', 'admin');
	admin.setVerified(true);
	app.save(admin);
	const customers = app.findCollectionByNameOrId('customers');
	const events = app.findCollectionByNameOrId('events');
	const records = app.findCollectionByNameOrId('service_records');
	const campaigns = app.findCollectionByNameOrId('campaigns');
	for (let i = 0; i < 40; i++) {
		const c = new Record(customers);
		c.set('id', 'oldcust' + String(i).padStart(8, '0'));
		c.set('name', '老客户' + i);
		c.set('phones', ['+86138001300' + String(i).padStart(2, '0')]);
		c.set('tags', ['老客户']);
		c.set('owner', admin.id);
		c.set('notes', '升级前的备注 ' + i);
		app.save(c);
		const v = new Record(records);
		v.set('customer', c.id);
		v.set('staff', admin.id);
		v.set('kind', 'visit');
		v.set('summary', '升级前的拜访 ' + i);
		v.set('at', '2026-11-01T08:00:00.000Z');
		app.save(v);
		const e = new Record(events);
		e.set('source', 'upgrade');
		e.set('event_id', 'old-' + i);
		e.set('type', 'page_view');
		e.set('ts', 1764000000000 + i);
		e.set('day', '2025-11-24');
		e.set('anon_id', 'old-anon-' + i);
		app.save(e);
	}
	const k = new Record(campaigns);
	k.set('id', 'oldcampaign0000');
	k.set('name', '升级前的活动');
	k.set('kind', 'broadcast');
	k.set('state', 'draft');
	k.set('owner', admin.id);
	app.save(k);
}, (app) => {});
`;

const MIGRATIONS = resolve('pb_migrations');

for (const release of RELEASES) {
	it(`upgrades a database of ${release.name} (${release.last})`, async () => {
		const root = mkdtempSync(join(tmpdir(), 'crm-upgrade-'));
		roots.push(root);
		const old = join(root, 'migrations');
		mkdirSync(old);
		const files = readdirSync(MIGRATIONS)
			.filter((f) => f.endsWith('.js'))
			.sort();
		expect(files).toContain(release.last);
		for (const f of files.filter((f) => f <= release.last)) copyFileSync(join(MIGRATIONS, f), join(old, f));
		writeFileSync(join(old, `${release.last.split('_')[0]}_zz_upgrade_fill.js`), FILL);
		const dataDir = join(root, 'pb_data');
		execFileSync(SERVER_BIN, ['migrate', 'up', '--dir', dataDir, '--migrationsDir', old, '--hooksDir', resolve('pb_hooks')], { stdio: 'pipe' });
		execFileSync(SERVER_BIN, ['superuser', 'upsert', 'upgrade@example.test', 'upgrade-password-1', '--dir', dataDir, '--migrationsDir', old], { stdio: 'pipe' });

		// The current server on that database: the newer migrations apply on start.
		const server = await startServer({ dataDir });
		servers.push(server);
		const su = new PocketBase(server.url);
		await su.collection('_superusers').authWithPassword('upgrade@example.test', 'upgrade-password-1');
		for (const f of files.filter((f) => f > release.last)) {
			// each newer migration's new collection, where it makes one, is there now
			const text = readFileSync(join(MIGRATIONS, f), 'utf8');
			const made = /new Collection\(\{[^]*?name: '([a-z_]+)'/.exec(text)?.[1];
			if (made) await expect(su.collections.getOne(made)).resolves.toBeTruthy();
		}
		// The old release stored names, phone numbers, notes and visit summaries in plain text; the current
		// server seals them at its start (server/fieldcrypt.go), and no plain copy is left in the files.
		for (const f of ['data.db', 'data.db-wal']) {
			const path = join(dataDir, f);
			if (!existsSync(path)) continue;
			const bytes = readFileSync(path);
			for (const needle of ['老客户1', '+8613800130', '升级前的备注', '升级前的拜访']) expect(bytes.includes(Buffer.from(needle)), `${f} holds ${needle}`).toBe(false);
		}
		// Every old record reads back as it was written.
		const customers = await su.collection('customers').getFullList({ filter: 'id ~ "oldcust"' });
		expect(customers.length).toBe(40);
		for (const c of customers) {
			const i = Number(c.name.replace('老客户', ''));
			expect(c).toMatchObject({ phones: [`+86138001300${String(i).padStart(2, '0')}`], tags: ['老客户'], notes: `升级前的备注 ${i}`, deleted: false });
			expect(c.seq).toBeGreaterThan(0);
		}
		// Summaries are encrypted in the database (server/fieldcrypt.go): filtered here, not by the server.
		const visits = (await su.collection('service_records').getFullList()).filter((v) => v.summary.includes('升级前的拜访'));
		expect(visits.length).toBe(40);
		expect(visits.every((v) => v.kind === 'visit' && v.at === '2026-11-01T08:00:00.000Z')).toBe(true);
		expect((await su.collection('events').getFullList({ filter: 'source = "upgrade"' })).length).toBe(40);
		expect(await su.collection('campaigns').getOne('oldcampaign0000')).toMatchObject({ name: '升级前的活动', state: 'draft' });

		// The app works on the old records: the old admin signs in and edits a customer as a device does.
		const admin = new PocketBase(server.url);
		await admin.collection('staff').authWithPassword('old-admin@example.test', 'old-admin-password-1');
		const c = await admin.collection('customers').getOne('oldcust00000000');
		const base = { ...c };
		const res = await admin.send('/api/crm/sync/customers/push', { method: 'POST', body: { rows: [{ doc: { ...c, notes: '升级后改的' }, base }] } });
		expect(res).toMatchObject({ conflicts: [], rejected: [] });
		expect((await admin.collection('customers').getOne('oldcust00000000')).notes).toBe('升级后改的');
		await server.stop({ keepData: true });
	}, 120_000);
}
