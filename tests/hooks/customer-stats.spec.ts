// customer_stats: written by the server only, read by whoever may read the customer, pulled to devices.
import { execFileSync } from 'node:child_process';
import PocketBase from 'pocketbase';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { getDatabase, removeDatabase } from '../../src/lib/db/database';
import { SyncEngine } from '../../src/lib/sync/engine';
import { memoryKeyValue } from '../../src/lib/sync/kv';
import { SERVER_BIN } from '../fixtures/pocketbase';
import { id15, push, signIn, staff, url } from './helpers';
import { DEVICE_COLLECTIONS } from './devices';

let su: PocketBase;
const ids: Record<string, string> = {};

beforeAll(async () => {
	execFileSync(SERVER_BIN, ['superuser', 'upsert', 'stats@example.test', 'stats-password-1', '--dir', inject('pbDataDir')]);
	su = new PocketBase(url());
	await su.collection('_superusers').authWithPassword('stats@example.test', 'stats-password-1');
	for (const key of ['sales', 'sales2']) {
		const pb = await signIn(key);
		const c = { id: id15(), name: `统计 ${key}`, owner: staff(key).id };
		await push(pb, [{ doc: c, base: null }]);
		const s = await su.collection('customer_stats').create({ customer: c.id, order_count: 3, total_spend: 1288.5, last_order_at: '2026-11-01 10:00:00.000Z', rfm_segment: 'loyal' });
		ids[key] = s.id;
	}
});

describe('customer_stats', () => {
	it('a rep reads only the stats of their own customers; a manager reads all', async () => {
		const rep = await signIn('sales');
		const mine = (await rep.collection('customer_stats').getFullList()).map((s) => s.id);
		expect(mine).toContain(ids.sales);
		expect(mine).not.toContain(ids.sales2);
		const all = (await (await signIn('manager')).collection('customer_stats').getFullList()).map((s) => s.id);
		expect(all).toEqual(expect.arrayContaining([ids.sales, ids.sales2]));
	});

	it('no staff member can write stats through the API, and the sync push refuses the collection', async () => {
		for (const key of ['owner', 'manager', 'sales']) {
			const pb = await signIn(key);
			// One attempt at a time: a refusal not yet awaited would be an unhandled rejection.
			for (const attempt of [() => pb.collection('customer_stats').update(ids.sales, { total_spend: 1 }), () => pb.collection('customer_stats').create({ customer: 'x', total_spend: 1 })]) {
				const err = await attempt().catch((e) => e);
				expect([400, 403, 404]).toContain(err.status);
			}
			const res = await pb.send('/api/crm/sync/customer_stats/push', { method: 'POST', body: { rows: [] } }).catch((e) => e);
			expect(res.status).toBe(404);
		}
		expect((await su.collection('customer_stats').getOne(ids.sales)).total_spend).toBe(1288.5);
	});

	it('is pulled to the device read-only, and updates arrive', async () => {
		const pb = await signIn('sales');
		const userId = staff('sales').id;
		const storage = getRxStorageMemory();
		const db = await getDatabase(userId, { storage, multiInstance: false, device: 'stats', collections: DEVICE_COLLECTIONS });
		const engine = new SyncEngine({ pb, db, userId, kv: memoryKeyValue(), realtime: false });
		try {
			engine.start();
			await engine.awaitInSync();
			const local = await db.customer_stats.find().exec();
			// Other specs on this server may give the rep more stats; never another rep's.
			expect(local.map((d) => d.id)).toContain(ids.sales);
			expect(local.map((d) => d.id)).not.toContain(ids.sales2);
			expect((await db.customer_stats.findOne(ids.sales).exec())!.toJSON()).toMatchObject({ order_count: 3, total_spend: 1288.5, rfm_segment: 'loyal' });
			await su.collection('customer_stats').update(ids.sales, { order_count: 4 });
			engine.resyncAll();
			await engine.awaitInSync();
			expect((await db.customer_stats.findOne(ids.sales).exec())!.order_count).toBe(4);
		} finally {
			await engine.stop();
			await removeDatabase(userId, { storage, multiInstance: false, device: 'stats' });
		}
	});
});
