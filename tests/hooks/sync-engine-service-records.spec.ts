// The sync engine (RxDB, memory storage) with the second synced collection, service_records, against
// the real server: a rep logs visits offline on one device and their other device receives them.
// Two kinds of offline: an engine that is stopped (the app closed; writes go to the local database
// and the persisted outbox), and a running engine whose network is cut for real (a TCP proxy).
import { describe, expect, it } from 'vitest';
import PocketBase from 'pocketbase';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { getDatabase, removeDatabase } from '../../src/lib/db/database';
import { createCustomer } from '../../src/lib/db/customers';
import { createServiceRecord, updateServiceRecord, ServiceRecordValidationError } from '../../src/lib/db/service-records';
import { SyncEngine } from '../../src/lib/sync/engine';
import { memoryKeyValue } from '../../src/lib/sync/kv';
import type { SyncedName } from '../../src/lib/sync/collections';
import { startCuttableProxy } from '../fixtures/cuttable-proxy';
import { signIn, staff, url, waitFor } from './helpers';
import { cleanups, device, DEVICE_COLLECTIONS, write } from './devices';

const visit = (customer: string, extra: Record<string, unknown> = {}) => ({
	customer,
	staff: staff('sales').id,
	kind: 'visit',
	summary: '上门拜访：介绍春季新品',
	at: '2026-03-02T10:15:00+08:00',
	...extra
});

describe('sync engine: service records', () => {
	it('a visit logged offline on device A reaches device B, and the outbox counts it until it is uploaded', async () => {
		const a = await device('sales');
		const b = await device('sales');
		await a.online();
		const c = await createCustomer(a.db, { name: '拜访客户', owner: staff('sales').id }, write(a));
		await a.engine!.awaitInSync();
		await a.offline();

		const r = await createServiceRecord(a.db, visit(c.id, { follow_up: '2026-03-09' }), write(a));
		expect(r).toMatchObject({ at: '2026-03-02T02:15:00.000Z', follow_up: '2026-03-09', follow_up_done: false, deleted: false, seq: 0 });
		expect(r.field_times).toMatchObject({ customer: expect.any(Number), summary: expect.any(Number), kind: expect.any(Number) });
		await updateServiceRecord(a.db, r.id, { outcome: '客户有兴趣，下周下单' }, write(a));
		const manager = await signIn('manager');
		await expect(manager.collection('service_records').getOne(r.id)).rejects.toMatchObject({ status: 404 }); // still only on A

		await a.online(); // the app opens again: the outbox survived and covers the visit
		expect(a.pendingAtStart).toBe(1);
		expect(a.engine!.status.value.pending).toBe(0);
		expect(a.engine!.status.value.rejected).toEqual([]);
		const server = await manager.collection('service_records').getOne(r.id);
		expect(server).toMatchObject({ customer: c.id, staff: staff('sales').id, kind: 'visit', outcome: '客户有兴趣，下周下单', at: '2026-03-02T02:15:00.000Z', follow_up: '2026-03-09' });
		expect(server.seq).toBeGreaterThan(0);

		await b.online();
		const got = (await b.db.service_records.findOne(r.id).exec())!.toJSON();
		expect(got).toMatchObject({ customer: c.id, summary: '上门拜访：介绍春季新品', outcome: '客户有兴趣，下周下单', follow_up: '2026-03-09', seq: server.seq });
		// B finds it by the indexed fields: the customer's records and the follow-ups due
		expect((await b.db.service_records.find({ selector: { customer: c.id } }).exec()).map((d) => d.id)).toEqual([r.id]);
		expect((await b.db.service_records.find({ selector: { follow_up: { $gt: '', $lte: '2026-03-09' }, follow_up_done: false } }).exec()).map((d) => d.id)).toContain(r.id);

		// B marks the follow-up done offline; A sees it after both sync.
		await b.offline();
		await updateServiceRecord(b.db, r.id, { follow_up_done: true }, write(b));
		await b.online();
		expect(b.pendingAtStart).toBe(1);
		a.engine!.resyncAll();
		await a.engine!.awaitInSync();
		expect((await a.db.service_records.findOne(r.id).exec())!.follow_up_done).toBe(true);
	});

	it('while the network is cut the pending count covers the visit; it uploads once the network is back', async () => {
		const proxy = await startCuttableProxy(Number(new URL(url()).port));
		cleanups.push(() => proxy.close());
		const pb = new PocketBase(proxy.url);
		pb.autoCancellation(false);
		await pb.collection('staff').authWithPassword(staff('sales').email, staff('sales').password);
		const a = await device('sales', pb);
		const b = await device('sales');
		await a.online();
		const c = await createCustomer(a.db, { name: '断网客户', owner: staff('sales').id }, write(a));
		await a.engine!.awaitInSync();

		proxy.cut();
		const r = await createServiceRecord(a.db, visit(c.id, { kind: 'call', summary: '电话回访' }), write(a));
		expect(a.engine!.status.value.pending).toBe(1);
		await waitFor(() => a.engine!.status.value.error?.kind === 'network');
		expect(a.engine!.status.value).toMatchObject({ pending: 1, online: false });

		proxy.restore();
		await a.engine!.awaitInSync(); // the replication retries by itself
		expect(a.engine!.status.value).toMatchObject({ pending: 0, error: null, rejected: [] });
		await b.online();
		expect((await b.db.service_records.findOne(r.id).exec())?.toJSON()).toMatchObject({ kind: 'call', summary: '电话回访', customer: c.id });
	});

	it("another rep's device never receives the visit", async () => {
		const a = await device('sales');
		const other = await device('sales2');
		await a.online();
		const c = await createCustomer(a.db, { name: '私有客户', owner: staff('sales').id }, write(a));
		const r = await createServiceRecord(a.db, visit(c.id), write(a));
		await a.engine!.awaitInSync();
		expect(a.engine!.status.value.pending).toBe(0);
		await other.online();
		expect(await other.db.service_records.findOne(r.id).exec()).toBeNull();
	});

	it('refuses a bad record on the device, before it is saved or queued', async () => {
		const a = await device('sales');
		await a.online();
		const before = await a.db.service_records.count().exec(); // this rep's records pulled from the server
		const err = await createServiceRecord(a.db, visit('abcdefghijklmno', { summary: ' ', at: 'yesterday' }), write(a)).catch((e) => e);
		expect(err).toBeInstanceOf(ServiceRecordValidationError);
		expect((err as ServiceRecordValidationError).errors.map((e) => e.field)).toEqual(['summary', 'at']);
		expect(await a.db.service_records.count().exec()).toBe(before);
		expect(a.engine!.status.value.pending).toBe(0);
	});
});

describe('sync engine: records that depend on each other', () => {
	it('uploads a visit for a customer that was also created offline, whichever arrives first', async () => {
		const storage = getRxStorageMemory();
		const pb = await signIn('sales');
		const userId = staff('sales').id;
		const db = await getDatabase(userId, { storage, multiInstance: false, device: 'dep', collections: DEVICE_COLLECTIONS });
		const kv = memoryKeyValue();
		const engine = new SyncEngine({ pb, db, userId, kv, realtime: false });
		const onWrite = (c: SyncedName, id: string) => engine.markWritten(c, id);
		try {
			const customer = await createCustomer(db, { name: '离线新客户带拜访', owner: userId }, onWrite);
			const visit = await createServiceRecord(db, { customer: customer.id, staff: userId, kind: 'visit', summary: '首次拜访', at: new Date().toISOString() }, onWrite);
			// Hold the customers' upload back so the visit reaches the server first.
			let release!: () => void;
			const gate = new Promise<void>((r) => (release = r));
			const send = pb.send.bind(pb);
			pb.send = (async (path: string, options: Parameters<typeof send>[1]) => {
				if (path.includes('/customers/push')) await gate;
				return send(path, options);
			}) as typeof pb.send;
			engine.start();
			await new Promise((r) => setTimeout(r, 500));
			release();
			await engine.awaitInSync();
			await new Promise((r) => setTimeout(r, 3500)); // the visit's retry
			await engine.awaitInSync();
			expect(await pb.collection('service_records').getOne(visit.id)).toMatchObject({ customer: customer.id, summary: '首次拜访' });
			expect(engine.status.value.rejected).toEqual([]);
			expect(engine.status.value.pending).toBe(0);
		} finally {
			await engine.stop();
			await removeDatabase(userId, { storage, multiInstance: false, device: 'dep' });
		}
	});
});
