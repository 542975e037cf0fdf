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
/** Why a session ended without the user signing out (Session.end). */
export type Ended = 'deactivated' | 'signed_out_everywhere' | 'lock_failures' | 'lock_forgotten';

class Session {
	user = $state<StaffRecord | null>(null);
	db = $state.raw<CrmDatabase | null>(null);
	engine = $state.raw<SyncEngine | null>(null);
	ready = $state(false);
	/** Why the last session ended without the user signing out ('deactivated'), for the sign-in screen. */
	ended = $state<Ended | null>(null);
	sync = $derived(new ObservableState((this.engine?.status.status$ ?? idle).asObservable(), initialStatus()));

	/**
	 * Waits for this device's edits to reach the server, at most `ms` (a slow network does not hold a
	 * server-side answer up for long): before asking the server about what the user just changed.
	 */
	async awaitUploaded(ms: number): Promise<void> {
		if (this.engine) await Promise.race([this.engine.awaitInSync(), new Promise((r) => setTimeout(r, ms))]);
	}

	get canManageAll(): boolean {
		return this.user?.role === 'admin' || this.user?.role === 'manager';
	}

	/**
	 * Opens the session kept by the browser, offline too: the sync engine checks and renews the
	 * token whenever it connects, and a renewed profile (name, role) shows up here.
	 */
	async restore(): Promise<void> {
		const rec = pb.authStore.record;
		if (rec && rec.collectionName === 'staff') await this.open(rec);
		pb.authStore.onChange((_token, record) => {
			if (record && record.id === this.user?.id) this.user = toStaff(record);
		});
		this.ready = true;
	}

	async signIn(email: string, password: string): Promise<void> {
		const auth = await pb.collection('staff').authWithPassword(email, password);
		await this.open(auth.record);
	}

	/** Renews an expired session with the password; local data and pending changes stay as they are. */
	async reauthenticate(password: string): Promise<void> {
		const user = this.user;
		if (!user) return;
		const auth = await pb.collection('staff').authWithPassword(user.email, password);
		if (auth.record.id !== user.id) {
			// Another account's credentials must never upload this user's changes.
			pb.authStore.clear();
			throw new Error('different account');
		}
		this.user = toStaff(auth.record);
		this.engine?.clearError();
		this.engine?.resyncAll();
	}

	/**
	 * The session ended without the user signing out: an administrator deactivated the account, it was
	 * signed out of every device, or the app lock gave up (too many wrong PINs, or a forgotten PIN). The
	 * device deletes this user's data at once, pending changes included, as at sign-out, and the sign-in
	 * screen says why.
	 */
	async end(why: Ended): Promise<void> {
		if (!this.user) return;
		await this.signOut();
		this.ended = why;
	}

	/** Sign-out removes this user's local database and what it still owed the server. */
	async signOut(): Promise<void> {
		const user = this.user;
		if (user) await (await import('../sync/device')).closeDevice(user.id, this.engine);
		if (user) (await import('../lock/lock.svelte')).appLock.forget(user.id);
		(await import('./staff-directory.svelte')).staffDirectory.clear();
		(await import('../chat/inbox.svelte')).stopInbox(true);
		if (user) await (await import('../chat/push')).forgetPushDevice(pb, user.id);
		pb.realtime.unsubscribe().catch(() => undefined);
		pb.authStore.clear();
		this.engine = null;
		this.db = null;
		this.user = null;
	}

	/**
	 * Opens the user's local database. When the app lock's PIN protects the device key, the database
	 * opens once the PIN is entered: the session is ready before that, so the lock screen can show.
	 */
	private async open(rec: RecordModel): Promise<void> {
		this.user = toStaff(rec);
		this.ended = null;
		const [{ openDevice }, { deviceKeyNeedsPin }] = await Promise.all([import('../sync/device'), import('../lock/device-key')]);
		const waitsForPin = deviceKeyNeedsPin(rec.id);
		const opening = openDevice(pb, rec.id).then(({ db, engine }) => {
			if (this.user?.id !== rec.id) return void engine.destroy();
			this.db = db;
			this.engine = engine;
			engine.status.status$.subscribe((s) => {
				const code = s.error?.code;
				if ((code === 'account_deactivated' || code === 'signed_out_everywhere') && this.engine === engine) void this.end(code === 'account_deactivated' ? 'deactivated' : code);
			});
		});
		if (!waitsForPin) await opening;
		else opening.catch((e) => console.error('The local database did not open', e));
	}
}

export const session = new Session();
