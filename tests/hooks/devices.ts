// Simulated devices of one rep for the sync-engine specs: RxDB on memory storage, a real server.
// Importing this registers an afterEach that stops the engines and removes the databases.
import { afterEach } from 'vitest';
import type PocketBase from 'pocketbase';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { getDatabase, removeDatabase, type CrmDatabase } from '../../src/lib/db/database';
import { SyncEngine } from '../../src/lib/sync/engine';
import { memoryKeyValue, type KeyValue } from '../../src/lib/sync/kv';
import { Outbox } from '../../src/lib/sync/outbox';
import type { SyncedName } from '../../src/lib/sync/collections';
import { signIn, staff } from './helpers';

export const storage = getRxStorageMemory();
/**
 * The collections a simulated device opens: RxDB's open-source build opens at most 13 collections at
 * once in a process, and two devices with all eight would be 16.
 */
export const DEVICE_COLLECTIONS: readonly SyncedName[] = ['customers', 'service_records', 'customer_stats', 'labels', 'segments'];
let n = 0;
/** Work to undo after each test (engines, databases, proxies), in order. */
export const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
	for (const c of cleanups.splice(0)) await c();
});

export interface Device {
	pb: PocketBase;
	userId: string;
	db: CrmDatabase;
	kv: KeyValue;
	engine: SyncEngine | null;
	/** Pending changes the outbox held when the engine (re)started. */
	pendingAtStart: number;
	online(): Promise<void>;
	offline(): Promise<void>;
}

export async function device(key: string, pb?: PocketBase): Promise<Device> {
	pb ??= await signIn(key);
	const userId = staff(key).id;
	const name = `sr${++n}`;
	const db = await getDatabase(userId, { storage, multiInstance: false, device: name, collections: DEVICE_COLLECTIONS });
	const kv = memoryKeyValue();
	const d: Device = {
		pb,
		userId,
		db,
		kv,
		engine: null,
		pendingAtStart: 0,
		async online() {
			d.engine = new SyncEngine({ pb, db, userId, kv, realtime: false });
			d.pendingAtStart = d.engine.status.value.pending;
			d.engine.start();
			await d.engine.awaitInSync();
		},
		async offline() {
			await d.engine?.stop();
			d.engine = null;
		}
	};
	cleanups.push(async () => {
		await d.offline();
		await removeDatabase(userId, { storage, multiInstance: false, device: name });
	});
	return d;
}

/** The app's onWrite: the running engine's outbox, or (app closed) the same persisted outbox. */
export const write = (d: Device) => (c: SyncedName, id: string) => {
	if (d.engine) d.engine.markWritten(c, id);
	else new Outbox(d.kv, `crm:outbox:${d.userId}`).markWritten(c, id);
};
