// The sync engine itself (RxDB, memory storage) against the real server: two devices of one rep.
// "Offline" here is an engine that is stopped: writes go to the local database and the persisted outbox.
import { describe, expect, it } from 'vitest';
import { createCustomer, updateCustomer } from '../../src/lib/db/customers';
import { createServiceRecord } from '../../src/lib/db/service-records';
import { signIn, staff } from './helpers';
import { device, write } from './devices';

describe('sync engine', () => {
	it('uploads offline creates and edits, and another device receives them', async () => {
		const a = await device('sales');
		const b = await device('sales');
		await a.online();
		await a.offline();
		const c = await createCustomer(a.db, { name: '离线客户', phones: ['139 1234 5678'], owner: staff('sales').id }, write(a));
		await updateCustomer(a.db, c.id, { notes: '拜访过两次' }, write(a));
		await a.online();
		await b.online();
		const got = await b.db.customers.findOne(c.id).exec();
		expect(got?.toJSON()).toMatchObject({ name: '离线客户', phones: ['+8613912345678'], notes: '拜访过两次' });
		expect(a.engine!.status.value.pending).toBe(0);
	});

	it('keeps both edits when two offline devices change different fields', async () => {
		const a = await device('sales');
		const b = await device('sales');
		await a.online();
		const c = await createCustomer(a.db, { name: '合并客户', owner: staff('sales').id }, write(a));
		await a.engine!.awaitInSync();
		await b.online();
		await a.offline();
		await b.offline();
		await updateCustomer(a.db, c.id, { name: '合并客户（新名）' }, write(a));
		await updateCustomer(b.db, c.id, { notes: '只改备注', region: '华东' }, write(b));
		await a.online();
		await b.online();
		await a.engine!.resyncAll();
		await a.engine!.awaitInSync();
		for (const d of [a, b]) {
			const doc = (await d.db.customers.findOne(c.id).exec())!.toJSON();
			expect(doc).toMatchObject({ name: '合并客户（新名）', notes: '只改备注', region: '华东' });
			expect(doc.history).toEqual([]);
		}
		const server = await a.pb.collection('customers').getOne(c.id);
		expect(server).toMatchObject({ name: '合并客户（新名）', notes: '只改备注', region: '华东' });
	});

	it('takes the later edit of the same field and keeps the other in history', async () => {
		const a = await device('sales');
		const b = await device('sales');
		await a.online();
		const c = await createCustomer(a.db, { name: '同字段', owner: staff('sales').id }, write(a));
		await a.engine!.awaitInSync();
		await b.online();
		await a.offline();
		await b.offline();
		await updateCustomer(a.db, c.id, { notes: 'A 的备注（较早）' }, write(a));
		await new Promise((r) => setTimeout(r, 5));
		await updateCustomer(b.db, c.id, { notes: 'B 的备注（较晚）' }, write(b));
		// the earlier edit reaches the server first; the later one must still win
		await a.online();
		await b.online();
		a.engine!.resyncAll();
		await a.engine!.awaitInSync();
		const server = await a.pb.collection('customers').getOne(c.id);
		expect(server.notes).toBe('B 的备注（较晚）');
		expect(server.history).toMatchObject([{ field: 'notes', value: 'A 的备注（较早）', reason: 'conflict' }]);
		const onA = (await a.db.customers.findOne(c.id).exec())!.toJSON();
		expect(onA.notes).toBe('B 的备注（较晚）');
		expect(onA.history).toHaveLength(1);
	});

	it('a change to a customer handed over while offline goes to its new owner as a proposal; a visit logged on it is refused and kept', async () => {
		const a = await device('sales');
		await a.online();
		// A manager hands the customer to another rep while this device is offline.
		const c = await createCustomer(a.db, { name: '被转走', owner: staff('sales').id }, write(a));
		await a.engine!.awaitInSync();
		await a.offline();
		const manager = await signIn('manager');
		await manager.collection('customers').update(c.id, { owner: staff('sales2').id });
		await updateCustomer(a.db, c.id, { notes: '离线时写的' }, write(a));
		const visit = await createServiceRecord(a.db, { customer: c.id, staff: staff('sales').id, kind: 'visit', summary: '离线拜访', at: new Date().toISOString() }, write(a));
		await a.online();
		await a.engine!.awaitInSync();
		const status = a.engine!.status.value;
		// the visit: refused, and kept on the device
		expect(status.rejected).toMatchObject([{ kind: 'rejected', recordId: visit.id }]);
		expect(await a.db.service_records.findOne(visit.id).exec()).not.toBeNull();
		// the note: a proposal for the new owner; the rep is told; nothing of it stays refused
		expect(status.lost).toMatchObject({ reason: 'proposed', names: ['被转走'] });
		expect((await manager.collection('customers').getOne(c.id)).notes).toBe('');
		const proposals = await manager.collection('proposals').getFullList({ filter: `customer = "${c.id}"` });
		expect(proposals).toMatchObject([{ author: staff('sales').id, status: 'open', changes: { notes: '离线时写的' } }]);
	});

	it('loses nothing and duplicates nothing when the server applied a push but its answer was lost', async () => {
		const a = await device('sales');
		await a.online();
		let drop = 2;
		a.pb.afterSend = (response, data) => {
			if (response.url.includes('/push') && drop-- > 0) throw new Error('connection reset after the server committed');
			return data;
		};
		const c = await createCustomer(a.db, { name: '应答丢失', owner: staff('sales').id }, write(a));
		await updateCustomer(a.db, c.id, { notes: '第二次修改' }, write(a));
		await a.engine!.awaitInSync();
		await new Promise((r) => setTimeout(r, 3500)); // the replication retries after its retry time
		await a.engine!.awaitInSync();
		// Names are encrypted in the database: the server cannot filter by them (server/fieldcrypt.go).
		const server = (await a.pb.collection('customers').getFullList()).filter((x) => x.name === '应答丢失');
		expect(server).toHaveLength(1);
		expect(server[0]).toMatchObject({ id: c.id, notes: '第二次修改' });
		expect(server[0].history ?? []).toEqual([]);
		expect(a.engine!.status.value.pending).toBe(0);
	});

	it('drops from the device a customer handed to another rep; unsaved work on one is passed on as a proposal first', async () => {
		const a = await device('sales');
		await a.online();
		const gone = await createCustomer(a.db, { name: '转给别人', owner: staff('sales').id }, write(a));
		const edited = await createCustomer(a.db, { name: '转走前在改', owner: staff('sales').id }, write(a));
		await a.engine!.awaitInSync();
		const manager = await signIn('manager');
		await manager.collection('customers').update(gone.id, { owner: staff('sales2').id });
		await manager.collection('customers').update(edited.id, { owner: staff('sales2').id });
		await a.offline();
		await updateCustomer(a.db, edited.id, { notes: '未上传的修改' }, write(a));
		await a.online();
		// Uploaded as a proposal, the work is the new owner's to decide: the record leaves the device.
		for (let i = 0; i < 50 && (await a.db.customers.findOne(edited.id).exec()); i++) await new Promise((r) => setTimeout(r, 100));
		expect(await a.db.customers.findOne(edited.id).exec()).toBeNull();
		// The untouched one goes with the purge.
		expect(await a.engine!.purgeHidden()).toBe(1);
		expect(await a.db.customers.findOne(gone.id).exec()).toBeNull();
		expect(a.engine!.status.value.rejected).toEqual([]);
		expect((await manager.collection('proposals').getFullList({ filter: `customer = "${edited.id}"` }))[0].changes).toEqual({ notes: '未上传的修改' });
		expect((await manager.collection('customers').getOne(gone.id)).deleted).toBe(false);
	});
});

describe('sync engine, a first pull', () => {
	it('asked to pull again during a first pull, waits for its last page: the upload side reads none of the pulled records back (issue 17)', async () => {
		const a = await device('sales');
		await a.online();
		for (let i = 0; i < 1500; i++) await a.db.customers.insert({ id: `fp${String(i).padStart(13, '0')}`, name: `首次 ${i}`, owner: staff('sales').id } as never);
		await a.engine!.awaitInSync();
		await a.offline();
		const b = await device('sales');
		// What RxDB's upload side reads back from the device's storage while it checks what to upload:
		// its reads in change order (sorted by _meta.lwt).
		const fork = b.db.customers.storageInstance as unknown as { query: (q: { query: { sort?: Record<string, string>[] } }) => Promise<{ documents: unknown[] }> };
		const query = fork.query.bind(fork);
		let readBack = 0;
		fork.query = async (q) => {
			const r = await query(q);
			if (JSON.stringify(q.query.sort ?? []).includes('_meta.lwt')) readBack += r.documents.length;
			return r;
		};
		b.engine = new (await import('../../src/lib/sync/engine')).SyncEngine({ pb: b.pb, db: b.db, userId: b.userId, kv: b.kv, realtime: false, pullBatchSize: 100 });
		b.engine.start();
		// Realtime (re)connects and events ask for pulls while the first one runs.
		const asks = setInterval(() => b.engine!.resyncAll(), 20);
		await b.engine.awaitInSync();
		await new Promise((r) => setTimeout(r, 300));
		clearInterval(asks);
		await b.engine.awaitInSync();
		expect(await b.db.customers.count().exec()).toBeGreaterThanOrEqual(1500);
		expect(readBack).toBeLessThan(100);
	});
});
