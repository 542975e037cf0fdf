import { addRxPlugin, createRxDatabase, removeRxDatabase, type RxCollection, type RxDatabase, type RxStorage } from 'rxdb';
import { RxDBLeaderElectionPlugin } from 'rxdb/plugins/leader-election';
import { syncedCollections, type SyncedName } from '../sync/collections';
import { sealedQueryGuard } from './seal';
import type { CampaignDoc, ConsentDoc, CustomerDoc, CustomerStatsDoc, SegmentDoc, ServiceRecordDoc } from './schemas';
import type { LabelDoc, ListViewDoc } from './schemas';

export type CrmCollections = {
	customers: RxCollection<CustomerDoc>;
	service_records: RxCollection<ServiceRecordDoc>;
	customer_stats: RxCollection<CustomerStatsDoc>;
	labels: RxCollection<LabelDoc>;
	segments: RxCollection<SegmentDoc>;
	campaigns: RxCollection<CampaignDoc>;
	consents: RxCollection<ConsentDoc>;
	list_views: RxCollection<ListViewDoc>;
};
export type CrmDatabase = RxDatabase<CrmCollections>;

// Several tabs share one database; only the leader tab replicates.
addRxPlugin(RxDBLeaderElectionPlugin);
// No query may filter or sort by a field the device keeps sealed (seal.ts).
addRxPlugin(sealedQueryGuard);

export interface DatabaseOptions {
	storage: RxStorage<any, any>;
	/** Tabs of one browser share the database (true on devices). */
	multiInstance?: boolean;
	/** Tells apart two simulated devices of one user in a test process. */
	device?: string;
	/**
	 * Only these collections (tests that simulate several devices in one process: RxDB's open-source
	 * build opens at most 13 collections at once in a process, and a device has 8). Devices open all.
	 */
	collections?: readonly SyncedName[];
}

const open = new Map<string, Promise<CrmDatabase>>();

/** One local database per signed-in staff member. The creation promise is memoised, so callers share it. */
export function databaseName(userId: string, device = ''): string {
	return `crm_${userId.toLowerCase()}${device ? `_${device}` : ''}`;
}

export function getDatabase(userId: string, o: DatabaseOptions): Promise<CrmDatabase> {
	const name = databaseName(userId, o.device);
	let db = open.get(name);
	if (!db) {
		db = create(name, o.storage, o.multiInstance ?? true, o.collections);
		open.set(name, db);
		db.catch(() => open.delete(name));
	}
	return db;
}

async function create(name: string, storage: RxStorage<any, any>, multiInstance: boolean, only?: readonly SyncedName[]): Promise<CrmDatabase> {
	const db = await createRxDatabase<CrmCollections>({ name, storage, multiInstance, eventReduce: true, closeDuplicates: true });
	await db.addCollections(only ? Object.fromEntries(only.map((c) => [c, syncedCollections[c]])) : syncedCollections);
	void dropOldStorages(name);
	return db;
}

/**
 * A pull-only collection whose schema version went up is pulled again into the new version's storage
 * (collections.ts); the old version's IndexedDB database (figures of the user's customers) is deleted
 * rather than left behind on the device.
 */
export async function dropOldStorages(name: string): Promise<void> {
	if (typeof indexedDB === 'undefined' || !indexedDB.databases) return;
	const current = new Set(Object.entries(syncedCollections).map(([c, s]) => `rxdb-dexie-${name}--${s.schema.version}--${c}`));
	const old = (await indexedDB.databases())
		.map((d) => d.name)
		.filter((n): n is string => !!n && n.startsWith(`rxdb-dexie-${name}--`) && !current.has(n) && Object.keys(syncedCollections).some((c) => n.endsWith(`--${c}`)));
	for (const n of old) indexedDB.deleteDatabase(n);
}

/** Closes and deletes a user's local database (sign-out). */
export async function removeDatabase(userId: string, o: DatabaseOptions): Promise<void> {
	const name = databaseName(userId, o.device);
	const db = open.get(name);
	open.delete(name);
	if (db) {
		const d = await db.catch(() => null);
		if (d) return void (await d.remove());
	}
	await removeRxDatabase(name, o.storage, o.multiInstance ?? true);
}

/**
 * RxDB's Dexie storage clears its tables on remove() but leaves the empty IndexedDB databases;
 * sign-out deletes them too, so nothing of the user stays on the device.
 */
export async function deleteIndexedDbFiles(userId: string): Promise<void> {
	if (typeof indexedDB === 'undefined' || !indexedDB.databases) return;
	const prefix = `rxdb-dexie-${databaseName(userId)}--`;
	const names = (await indexedDB.databases()).map((d) => d.name).filter((n): n is string => !!n?.startsWith(prefix));
	await Promise.all(
		names.map(
			(name) =>
				new Promise<void>((resolve, reject) => {
					const req = indexedDB.deleteDatabase(name);
					req.onsuccess = () => resolve();
					req.onerror = () => reject(req.error);
					req.onblocked = () => resolve(); // another tab still has it open: it is deleted when that tab closes
				})
		)
	);
}
