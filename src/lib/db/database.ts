import { createRxDatabase, type RxCollection, type RxDatabase, type RxStorage } from 'rxdb';
import { syncedCollections } from '../sync/collections';
import type { CustomerDoc } from './schemas';

export type CrmCollections = {
	customers: RxCollection<CustomerDoc>;
};
export type CrmDatabase = RxDatabase<CrmCollections>;

const open = new Map<string, Promise<CrmDatabase>>();

/** One local database per signed-in staff member. The creation promise is memoised, so callers share it. */
export function databaseName(userId: string): string {
	return `crm_${userId.toLowerCase()}`;
}

export function getDatabase(userId: string, storage: RxStorage<any, any>): Promise<CrmDatabase> {
	const name = databaseName(userId);
	let db = open.get(name);
	if (!db) {
		db = create(name, storage);
		open.set(name, db);
		db.catch(() => open.delete(name));
	}
	return db;
}

async function create(name: string, storage: RxStorage<any, any>): Promise<CrmDatabase> {
	const db = await createRxDatabase<CrmCollections>({ name, storage, multiInstance: true, eventReduce: true, closeDuplicates: true });
	await db.addCollections(syncedCollections);
	return db;
}

/** Closes and deletes a user's local database (sign-out). */
export async function removeDatabase(userId: string, storage: RxStorage<any, any>): Promise<void> {
	const name = databaseName(userId);
	const db = open.get(name);
	open.delete(name);
	if (db) {
		const d = await db.catch(() => null);
		if (d) return void (await d.remove());
	}
	const { removeRxDatabase } = await import('rxdb');
	await removeRxDatabase(name, storage);
}
