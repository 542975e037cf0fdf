import type PocketBase from 'pocketbase';
import type { CrmDatabase } from '../db/database';
import { pullOnly, setRefusalCheck, syncDependencies, syncedCollections, type SyncedName } from './collections';
import { readEpoch, sawEpoch, watchEpoch, type EpochStore } from './epoch';
import { defaultKeyValue, type KeyValue } from './kv';
import { Outbox } from './outbox';
import { replicatePocketBase, type PocketBaseReplication } from './pocketbase-replication';
import { classifyError, SyncStatusStore } from './status';

export interface SyncEngineOptions {
	pb: PocketBase;
	db: CrmDatabase;
	userId: string;
	kv?: KeyValue;
	/** false: one-shot replication (benchmarks). */
	live?: boolean;
	/** false: no SSE subscription; pulls run on start, on resyncAll() and on retries (tests). */
	realtime?: boolean;
	/** The auth collection whose token is checked and renewed on every (re)connect. */
	authCollection?: string;
	pullBatchSize?: number;
}

/** Runs the replication of every synced collection for one signed-in user and reports its state. */
export class SyncEngine {
	readonly status = new SyncStatusStore();
	readonly outbox: Outbox;
	private replications = new Map<SyncedName, PocketBaseReplication<unknown>>();
	private cleanups: (() => void | Promise<void>)[] = [];

	private kv: KeyValue;

	constructor(private o: SyncEngineOptions) {
		this.kv = o.kv ?? defaultKeyValue();
		this.outbox = new Outbox(this.kv, `crm:outbox:${o.userId}`);
		this.status.patch({ pending: this.outbox.pendingCount, rejected: this.outbox.refusals });
	}

	start(): void {
		setRefusalCheck((c, id) => this.outbox.isRefused(c, id));
		this.watchEpoch();
		this.startReplications();
		if (this.o.live !== false && this.o.realtime !== false) this.watchConnectivity();
	}

	private startReplications(): void {
		const identity = this.epochIdentity();
		for (const name of Object.keys(syncedCollections) as SyncedName[]) {
			if (!this.o.db.collections[name]) continue; // a test device that opened only some (database.ts)
			this.replications.set(
				name,
				replicatePocketBase({
					pb: this.o.pb,
					name,
					collection: this.o.db[name] as never,
					outbox: this.outbox,
					status: this.status,
					live: this.o.live,
					realtime: this.o.realtime,
					identity,
					keepMissing: () => this.reuploading,
					batchSize: this.o.pullBatchSize,
					pullOnly: pullOnly.has(name),
					dependencyPending: (field, doc) => {
						const target = syncDependencies[name]?.[field];
						const id = doc[field];
						// While everything is uploaded again after a restore, a record's target may simply
						// not be back on the server yet (the collections upload side by side).
						return !!target && typeof id === 'string' && (this.outbox.isPending(target, id) || this.reuploading);
					}
				})
			);
		}
	}

	/**
	 * The server's epoch (X-Crm-Epoch on every answer; server/backup.go) changes when it was restored
	 * from a backup, and may then lack writes this device already synced. The device starts its
	 * replications again under a name that includes the new epoch: with no checkpoint and no record of
	 * what the server held, RxDB pushes every local record through the normal conditional push (records
	 * the server lacks are created; the others come back as conflicts and are merged by the collection's
	 * policy, or are accepted as already there) and pulls everything again from the start, as the
	 * restored server's sequence numbers start over from an older point.
	 */
	private get epochStore(): EpochStore {
		return { getItem: (k) => this.kv.get(k), setItem: (k, v) => this.kv.set(k, v) };
	}

	private get epochKey(): string {
		return `crm:epoch:${this.o.userId}`;
	}

	/** The replications' name suffix: none in the epoch this device first synced with. */
	private epochIdentity(): string | undefined {
		const e = readEpoch(this.epochStore, this.epochKey);
		return e && e.current !== e.first ? e.current : undefined;
	}

	/** Called with the epoch of every server answer. */
	sawEpoch(epoch: string): void {
		if (!sawEpoch(this.epochStore, this.epochKey, epoch)) return;
		// At once, before the answer that carried the epoch is handled: a purge of the records the
		// server does not hold must not take the ones it lost (pocketbase-replication.ts keepMissing).
		this.reuploading = true;
		this.status.patch({ reuploading: true });
		void this.heal();
	}

	private healing: Promise<void> | null = null;
	/** Set from a restart after a restore until the restarted replications are in sync. */
	private reuploading = false;

	/** Starts the replications again under the new epoch's name (see epochKey). */
	private heal(): Promise<void> {
		if (this.healing) return this.healing.then(() => this.heal());
		this.healing = (async () => {
			this.generation++;
			for (const ok of this.onRestart.splice(0)) ok();
			const old = [...this.replications.values()];
			this.replications.clear();
			await Promise.all(old.map((r) => r.stop().catch(() => undefined)));
			if (this.stopped) return;
			this.reuploading = true;
			this.startReplications();
			this.status.patch({ restored: Date.now(), reuploading: true });
			const started = this.generation;
			void Promise.all([...this.replications.values()].map((r) => r.state.awaitInSync())).finally(() => {
				if (this.generation !== started) return;
				this.reuploading = false;
				this.status.patch({ reuploading: false });
			});
		})().finally(() => {
			this.healing = null;
		});
		return this.healing;
	}

	private watchEpoch(): void {
		this.cleanups.push(watchEpoch(this.o.pb, (epoch) => !this.stopped && this.sawEpoch(epoch)));
	}

	/** A local write the server has not seen yet. */
	markWritten(collection: SyncedName, id: string): void {
		this.outbox.markWritten(collection, id);
		this.status.patch({ pending: this.outbox.pendingCount, rejected: this.outbox.refusals });
	}

	/** A bulk action's writes: one save of the outbox for all of them. */
	markWrittenMany(collection: SyncedName, ids: readonly string[]): void {
		this.outbox.markWrittenMany(collection, ids);
		this.status.patch({ pending: this.outbox.pendingCount, rejected: this.outbox.refusals });
	}

	/** An error met outside replication (e.g. the session refresh), shown in the sync status. */
	reportError(err: unknown): void {
		const error = classifyError(err);
		if (error.kind !== 'network') this.status.patch({ error });
	}

	clearError(): void {
		this.status.patch({ error: null });
	}

	/**
	 * Drops the records this user may no longer see (a customer handed to another rep). Runs after
	 * each (re)connect, at most every few minutes: pulls bring only what a user may list, this takes
	 * away what they lost.
	 */
	async purgeHidden(): Promise<number> {
		let total = 0;
		for (const r of this.replications.values()) total += await r.purgeHidden();
		this.lastPurge = Date.now();
		return total;
	}
	private lastPurge = 0;

	/**
	 * The server says this user lost these customers: remove those the server confirms hidden (unless
	 * unsent work is on them), then the service records that went with them, and say so once.
	 */
	private async lost(m: { collection?: string; ids?: string[]; reason?: string }): Promise<void> {
		if (m.collection !== 'customers' || !Array.isArray(m.ids) || !m.ids.length) return;
		const customers = this.replications.get('customers');
		if (!customers) return;
		try {
			const docs = await this.o.db.customers.findByIds(m.ids).exec();
			const names = m.ids.map((id) => docs.get(id)?.name).filter((n): n is string => !!n);
			const removed = await customers.purgeHidden(m.ids);
			const kept = m.ids.filter((id) => this.outbox.isPending('customers', id) || this.outbox.isRefused('customers', id)).length;
			await this.replications.get('service_records')?.purgeHidden();
			if (removed || kept || (m.reason === 'deleted' && names.length)) {
				this.status.patch({ lost: { reason: m.reason === 'deleted' ? 'deleted' : 'reassigned', names, kept, at: Date.now() } });
			}
		} catch (err) {
			this.reportError(err);
		}
	}

	dismissLost(): void {
		this.status.patch({ lost: null });
	}

	dismissRestored(): void {
		this.status.patch({ restored: null });
	}

	resyncAll(): void {
		for (const r of this.replications.values()) r.resync();
	}

	/** Resolves when every collection has pushed its local changes and pulled the server's. */
	awaitInSync(): Promise<void> {
		return this.awaitAll((r) => r.state.awaitInSync());
	}

	awaitInitialReplication(): Promise<void> {
		return this.awaitAll((r) => r.state.awaitInitialReplication());
	}

	/** Waits on the running replications, again on the new ones if a restore restarted them meanwhile. */
	private async awaitAll(wait: (r: PocketBaseReplication<unknown>) => Promise<unknown>): Promise<void> {
		for (;;) {
			const generation = this.generation;
			let wake = () => {};
			const restarted = new Promise<void>((ok) => this.onRestart.push((wake = ok)));
			await Promise.race([Promise.all([...this.replications.values()].map(wait)), restarted]);
			this.onRestart = this.onRestart.filter((f) => f !== wake);
			await this.healing;
			if (generation === this.generation) return;
		}
	}

	private generation = 0;
	private onRestart: (() => void)[] = [];

	private stopped = false;

	async stop(): Promise<void> {
		this.stopped = true;
		await this.healing;
		for (const c of this.cleanups.splice(0)) await c();
		await Promise.all([...this.replications.values()].map((r) => r.stop()));
		this.replications.clear();
		setRefusalCheck(() => false);
	}

	/** Sign-out: stop and forget what this device owed the server for this user. */
	async destroy(): Promise<void> {
		await this.stop();
		this.outbox.clear();
		this.kv.remove(this.epochKey);
	}

	private lastSessionCheck = 0;

	/** Renews the token, at most every 10 s; a refusal (expired, deactivated) goes to the status. */
	private checkSession(): void {
		if (Date.now() - this.lastSessionCheck < 10_000) return;
		this.lastSessionCheck = Date.now();
		this.o.pb
			.collection(this.o.authCollection ?? 'staff')
			.authRefresh()
			.catch((err) => this.reportError(err));
	}

	/**
	 * Starts the realtime stream again when it is down and the SDK is not retrying: the SDK gives up
	 * for good when its very first connection fails (the app opened offline), keeping the
	 * subscriptions but never connecting them. Its connect() sends them all once connected.
	 */
	private reviveRealtime(): void {
		const rt = this.o.pb.realtime as unknown as {
			isConnected: boolean;
			eventSource?: unknown;
			reconnectAttempts?: number;
			subscriptions?: Record<string, unknown>;
			connect?: () => Promise<void>;
		};
		if (typeof navigator !== 'undefined' && !navigator.onLine) return;
		if (rt.isConnected || rt.eventSource || (rt.reconnectAttempts ?? 0) > 0 || typeof rt.connect !== 'function') return;
		if (!Object.keys(rt.subscriptions ?? {}).length) return;
		rt.connect().catch(() => undefined);
	}

	private watchConnectivity(): void {
		const online = () => {
			this.status.patch({ online: true });
			this.resyncAll();
			this.reviveRealtime();
		};
		// Also while online: the connection may fail after the browser said "online" (a server restarting).
		const timer = setInterval(() => this.reviveRealtime(), 10_000);
		this.cleanups.push(() => clearInterval(timer));
		const offline = () => this.status.patch({ online: false, live: false });
		if (typeof window !== 'undefined') {
			window.addEventListener('online', online);
			window.addEventListener('offline', offline);
			this.cleanups.push(() => {
				window.removeEventListener('online', online);
				window.removeEventListener('offline', offline);
			});
		}
		// Every (re)connect of the realtime stream may follow missed events: pull from the checkpoint.
		const pb = this.o.pb;
		pb.realtime
			.subscribe('PB_CONNECT', () => {
				this.status.patch({ live: true, online: true });
				this.resyncAll();
				// A revoked or expired token would make pulls answer as to a guest: check it, and renew it
				// so a rep who is online now and then never reaches the expiry.
				pb.collection(this.o.authCollection ?? 'staff')
					.authRefresh()
					.then(() => (Date.now() - this.lastPurge > 5 * 60_000 ? this.purgeHidden() : 0))
					.catch((err) => this.reportError(err));
			})
			.then((unsub) => this.cleanups.push(() => unsub().catch(() => undefined)));
		// Customers this user just lost (crm/lost, server/lostrecords.go): off the device at once.
		pb.realtime
			.subscribe('crm/lost', (m: { collection?: string; ids?: string[]; reason?: string }) => void this.lost(m))
			.then((unsub) => this.cleanups.push(() => unsub().catch(() => undefined)))
			.catch(() => undefined); // offline: reviveRealtime subscribes it with the rest
		const prev = pb.realtime.onDisconnect;
		pb.realtime.onDisconnect = (subs) => {
			this.status.patch({ live: false });
			// The server closes a deactivated person's connection, and then refuses the resubscription
			// (the SDK retries it silently): ask about the session itself, which says why.
			this.checkSession();
			prev?.(subs);
		};
		this.cleanups.push(() => {
			pb.realtime.onDisconnect = prev;
		});
	}
}
