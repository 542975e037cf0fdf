import type PocketBase from 'pocketbase';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { deleteIndexedDbFiles, getDatabase, removeDatabase, type CrmDatabase } from '../db/database';
import { sealedStorage } from '../db/seal';
import { deviceKey } from '../lock/device-key';
import { SyncEngine } from './engine';

// Loaded on demand by the session, so the sign-in screen does not carry RxDB and Dexie.
const storage = getRxStorageDexie();

/**
 * Opens this user's local database on the device and starts syncing it. Its personal fields are sealed
 * under the device key (db/seal.ts); when the app lock's PIN protects that key, this waits for the PIN.
 */
export async function openDevice(pb: PocketBase, userId: string): Promise<{ db: CrmDatabase; engine: SyncEngine }> {
	const db = await getDatabase(userId, { storage: sealedStorage(storage, await deviceKey(userId)) });
	const engine = new SyncEngine({ pb, db, userId });
	engine.start();
	return { db, engine };
}

/** Sign-out: stop syncing and delete the user's local database (and saved statistics) from the device. */
export async function closeDevice(userId: string, engine: SyncEngine | null): Promise<void> {
	await engine?.destroy();
	(await import('../stats/cache')).clearStatsCache(userId);
	await removeDatabase(userId, { storage });
	await deleteIndexedDbFiles(userId);
}
