import type { RecordModel } from 'pocketbase';
import { pb, type StaffRecord } from '../pb/client';
import type { CrmDatabase } from '../db/database';
import type { SyncEngine } from '../sync/engine';
import { initialStatus, type SyncStatus } from '../sync/status';
import { ObservableState } from './observable.svelte';
import { BehaviorSubject } from 'rxjs';

const idle = new BehaviorSubject<SyncStatus>(initialStatus());

function toStaff(r: RecordModel): StaffRecord {
	return { id: r.id, email: r.email, name: r.name, role: r.role, team: r.team, region: r.region };
}

/** The signed-in staff member, their local database and its sync engine. */
class Session {
	user = $state<StaffRecord | null>(null);
	db = $state.raw<CrmDatabase | null>(null);
	engine = $state.raw<SyncEngine | null>(null);
	ready = $state(false);
	sync = $derived(new ObservableState((this.engine?.status.status$ ?? idle).asObservable(), initialStatus()));

	get canManageAll(): boolean {
		return this.user?.role === 'admin' || this.user?.role === 'manager';
	}

	/** Opens the session kept by the browser, offline too: the token is checked when the network allows. */
	async restore(): Promise<void> {
		const rec = pb.authStore.record;
		if (rec && rec.collectionName === 'staff') {
			await this.open(rec);
			if (navigator.onLine) this.refresh();
		}
		this.ready = true;
	}

	async signIn(email: string, password: string): Promise<void> {
		const auth = await pb.collection('staff').authWithPassword(email, password);
		await this.open(auth.record);
	}

	/** Sign-out removes this user's local database and what it still owed the server. */
	async signOut(): Promise<void> {
		const user = this.user;
		if (user) await (await import('../sync/device')).closeDevice(user.id, this.engine);
		pb.realtime.unsubscribe().catch(() => undefined);
		pb.authStore.clear();
		this.engine = null;
		this.db = null;
		this.user = null;
	}

	private async open(rec: RecordModel): Promise<void> {
		this.user = toStaff(rec);
		const { openDevice } = await import('../sync/device');
		const { db, engine } = await openDevice(pb, rec.id);
		this.db = db;
		this.engine = engine;
	}

	private refresh(): void {
		pb.collection('staff')
			.authRefresh()
			.then((r) => (this.user = toStaff(r.record)))
			// A 401 shows in the sync status ("sign in again"); the local data stays.
			.catch((err) => this.engine?.reportError(err));
	}
}

export const session = new Session();
