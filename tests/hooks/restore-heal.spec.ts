// Devices healed after a restore (issue 14): two devices (a sales rep's phone, a manager's tablet)
// sync writes, then write more while offline; the server is restored from its backup to a moment
// before the synced writes. When the devices come back, they see the server's new epoch and push
// again what it lacks: every one of those writes is back on the server, once.
import { afterAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import PocketBase from 'pocketbase';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { getDatabase, removeDatabase, type CrmDatabase } from '../../src/lib/db/database';
import { createCustomer, updateCustomer } from '../../src/lib/db/customers';
import { createServiceRecord } from '../../src/lib/db/service-records';
import { SyncEngine } from '../../src/lib/sync/engine';
import { memoryKeyValue } from '../../src/lib/sync/kv';
import { Outbox } from '../../src/lib/sync/outbox';
import type { SyncedName } from '../../src/lib/sync/collections';
import { SERVER_BIN, seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { waitFor } from './helpers';
import { DEVICE_COLLECTIONS } from './devices';

const storage = getRxStorageMemory();
const servers: RunningServer[] = [];
const undo: (() => Promise<void>)[] = [];
afterAll(async () => {
	for (const u of undo.reverse()) await u();
	for (const s of servers.reverse()) await s.stop();
});

async function device(url: string, email: string, password: string, userId: string, name: string) {
	const pb = new PocketBase(url);
	pb.autoCancellation(false);
	await pb.collection('staff').authWithPassword(email, password);
	const db: CrmDatabase = await getDatabase(userId, { storage, multiInstance: false, device: name, collections: DEVICE_COLLECTIONS });
	const kv = memoryKeyValue();
	const d = {
		pb,
		db,
		engine: null as SyncEngine | null,
		write: (c: SyncedName, id: string) => {
			if (d.engine) d.engine.markWritten(c, id);
			else new Outbox(kv, `crm:outbox:${userId}`).markWritten(c, id);
		},
		async online(opts: { purgeFirst?: boolean } = {}) {
			d.engine = new SyncEngine({ pb, db, userId, kv, realtime: false });
			d.engine.start();
			// What a reconnecting device does: drop the records its user may no longer see. Its answer
			// may be the first with the restored server's epoch.
			if (opts.purgeFirst) await d.engine.purgeHidden();
			await d.engine.awaitInSync();
		},
		async offline() {
			await d.engine?.stop();
			d.engine = null;
		}
	};
	undo.push(async () => {
		await d.offline();
		await removeDatabase(userId, { storage, multiInstance: false, device: name });
	});
	return d;
}

it('pushes again, once, every write a restored server lost', async () => {
	const server = await startServer();
	servers.push(server);
	const { staff } = await seedStaff(server.url);
	const rep = await device(server.url, staff.sales.email, staff.sales.password, staff.sales.id, 'heal-rep');
	const boss = await device(server.url, staff.manager.email, staff.manager.password, staff.manager.id, 'heal-boss');
	await rep.online();
	await boss.online();

	// Before the restore point: a customer both know.
	const known = await createCustomer(rep.db, { name: '恢复前的客户', owner: staff.sales.id, notes: '原样' }, rep.write);
	await rep.engine!.awaitInSync();
	boss.engine!.resyncAll();
	await boss.engine!.awaitInSync();
	// Replicated: the backup agent says every write committed until after this one is in the replica.
	const written = Date.now();
	await waitFor(() => {
		const st = JSON.parse(readFileSync(join(server.dataDir, 'backup-status.json'), 'utf8')) as { caught_up_at?: string };
		return st.caught_up_at && Date.parse(st.caught_up_at) > written ? true : undefined;
	}, 15_000);
	const restorePoint = new Date().toISOString();
	await new Promise((r) => setTimeout(r, 1500));

	// After it, synced: the server has these, and will lose them in the restore.
	const syncedNew = await createCustomer(rep.db, { name: '同步后丢失的客户', owner: staff.sales.id, phones: ['13900139001'] }, rep.write);
	await updateCustomer(rep.db, known.id, { notes: '恢复点之后改的' }, rep.write);
	const visit = await createServiceRecord(rep.db, { customer: syncedNew.id, staff: staff.sales.id, kind: 'visit', summary: '上门拜访', at: new Date().toISOString() }, rep.write);
	const bossNew = await createCustomer(boss.db, { name: '经理新建的客户', owner: staff.sales.id, region: '华南' }, boss.write);
	await rep.engine!.awaitInSync();
	await boss.engine!.awaitInSync();
	expect((await rep.pb.collection('customers').getOne(syncedNew.id)).name).toBe('同步后丢失的客户');

	// Then both go offline and write more.
	await rep.offline();
	await boss.offline();
	const offlineNew = await createCustomer(rep.db, { name: '离线新建的客户', owner: staff.sales.id }, rep.write);
	await updateCustomer(boss.db, bossNew.id, { category: '重点' }, boss.write);

	// The server is restored to the moment before the synced writes, on the same address.
	await server.stop({ keepData: true });
	const restored = join(server.dataDir, '..', 'restored');
	execFileSync(SERVER_BIN, ['restore', '--dir', server.dataDir, '--to', restored, '--at', restorePoint]);
	const back = await startServer({ dataDir: restored, port: server.port });
	servers.push(back);
	await expect(rep.pb.collection('customers').getOne(syncedNew.id)).rejects.toMatchObject({ status: 404 });
	expect((await rep.pb.collection('customers').getOne(known.id)).notes).toBe('原样');

	// The devices come back: each sees the new epoch and pushes again what the server lacks.
	for (const d of [rep, boss]) {
		// The rep's device drops hidden records before anything else: the ones the restore lost stay.
		await d.online({ purgeFirst: d === rep });
		await waitFor(() => d.engine!.status.value.restored ?? undefined, 15_000);
		// Until every record went through the restored server, the device does not claim all is uploaded.
		await waitFor(() => (d.engine!.status.value.reuploading ? undefined : true), 30_000);
		await d.engine!.awaitInSync();
	}
	const customers = await rep.pb.collection('customers').getFullList({ filter: `id = "${known.id}" || id = "${syncedNew.id}" || id = "${bossNew.id}" || id = "${offlineNew.id}"` });
	const byId = new Map(customers.map((c) => [c.id, c]));
	expect(customers.length).toBe(4);
	expect(byId.get(known.id)!.notes).toBe('恢复点之后改的');
	expect(byId.get(syncedNew.id)!.phones).toEqual(['+8613900139001']);
	expect(byId.get(bossNew.id)).toMatchObject({ region: '华南', category: '重点' });
	expect(byId.get(offlineNew.id)!.name).toBe('离线新建的客户');
	const visits = await rep.pb.collection('service_records').getFullList({ filter: `customer = "${syncedNew.id}"` });
	expect(visits.map((v) => v.id)).toEqual([visit.id]);
	// Once: one row per record (ids are the devices'), and nothing left waiting or refused.
	for (const d of [rep, boss]) {
		expect(d.engine!.status.value.pending).toBe(0);
		expect(d.engine!.status.value.rejected).toEqual([]);
	}
	// Both devices hold the server's state again, including what the other pushed.
	boss.engine!.resyncAll();
	await boss.engine!.awaitInSync();
	expect((await boss.db.customers.findOne(offlineNew.id).exec())?.name).toBe('离线新建的客户');
}, 120_000);
