import PocketBase, { BaseAuthStore } from 'pocketbase';

/** localStorage can be refused (a browser blocking third-party storage in the shop's chat iframe): reading it throws. */
function storageWorks(): boolean {
	try {
		return !!globalThis.localStorage;
	} catch {
		return false;
	}
}

/** The app's one PocketBase client: same origin as the app, which PocketBase serves. */
export const pb = new PocketBase(import.meta.env.VITE_PB_URL || globalThis.location?.origin || 'http://127.0.0.1:8090', storageWorks() ? undefined : new BaseAuthStore());

// Sync and screens issue parallel requests to the same endpoints; none should cancel another.
pb.autoCancellation(false);

export interface StaffRecord {
	id: string;
	email: string;
	name: string;
	role: 'admin' | 'manager' | 'agent' | 'sales';
	team?: string;
	region?: string;
	/** Deactivated by an administrator (a leaver): refused everywhere, kept for the records. */
	deactivated?: boolean;
	deactivated_at?: string;
}
