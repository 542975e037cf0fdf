import type PocketBase from 'pocketbase';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { deleteIndexedDbFiles, getDatabase, removeDatabase, type CrmDatabase } from '../db/database';
import type { SyncEngine } from './engine';

// Loaded on demand by the session, so the sign-in screen does not carry RxDB and Dexie.
const storage = getRxStorageDexie();

/** Opens this user's local database on the device. */
export function openDevice(userId: string): Promise<CrmDatabase> {
	return getDatabase(userId, { storage });
}

/**
 * Starts syncing the database. The engine (and RxDB's replication) is a chunk of its own, so that a
 * returning user's first screen, painted from the device's data, does not wait for it (issue 17).
 */
export async function startSync(pb: PocketBase, db: CrmDatabase, userId: string): Promise<SyncEngine> {
	const { SyncEngine } = await import('./engine');
	const engine = new SyncEngine({ pb, db, userId });
	engine.start();
	return engine;
}

/** Sign-out: stop syncing and delete the user's local database (and saved statistics) from the device. */
export async function closeDevice(userId: string, engine: SyncEngine | null): Promise<void> {
	await engine?.destroy();
	(await import('../stats/cache')).clearStatsCache(userId);
	await removeDatabase(userId, { storage });
	await deleteIndexedDbFiles(userId);
}
