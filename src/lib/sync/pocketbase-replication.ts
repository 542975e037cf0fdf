import type PocketBase from 'pocketbase';
import { Subject } from 'rxjs';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import type { RxCollection, RxReplicationPullStreamItem, RxReplicationWriteToMasterRow, WithDeleted } from 'rxdb';
import { storedIds } from '../db/seal';
import { seqCheckpoint, type Checkpoint } from './checkpoint';
import type { Outbox } from './outbox';
import { classifyError, type SyncStatusStore } from './status';

export type SeqCheckpoint = Checkpoint;

export interface PushResult {
	conflicts: Record<string, unknown>[];
	rejected: { id: string; status: number; field: string; code: string; message: string }[];
}

const SERVER_ONLY = ['collectionId', 'collectionName', 'expand'];
/** The server's push route takes at most this many rows a request (pb_hooks/lib/sync.js MAX_ROWS). */
const PUSH_REQUEST_ROWS = 200;
const LOCAL_ONLY = ['_deleted', '_meta', '_rev', '_attachments'];

/** A PocketBase record as a local document. Soft deletion stays a plain `deleted` field (restorable). */
// Object.fromEntries, not keys added one by one: past about 30 keys added that way V8 makes the
// object a slow dictionary (a customer has about 40 fields).
export function fromServer<T>(record: Record<string, unknown>): WithDeleted<T> {
	const kept: [string, unknown][] = [['_deleted', false]];
	for (const [k, v] of Object.entries(record)) if (!SERVER_ONLY.includes(k) && v !== null) kept.push([k, v]);
	return Object.fromEntries(kept) as WithDeleted<T>;
}

export function toServer(doc: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(Object.entries(doc).filter(([k]) => !LOCAL_ONLY.includes(k)));
}

export interface PocketBaseReplicationOptions<T> {
	pb: PocketBase;
	name: string;
	collection: RxCollection<T>;
	outbox: Outbox;
	status: SyncStatusStore;
	batchSize?: number;
	/** Live replication with realtime; false for a one-shot sync (tests, benchmarks). */
	live?: boolean;
	realtime?: boolean;
	/** Whether records the server does not hold stay on the device (it is uploading them again after a restore). */
	keepMissing?: () => boolean;
	/** Added to the replication's name: a new name starts from no checkpoint (a server restored: engine.ts). */
	identity?: string;
	/** Server-computed collections are pulled and never pushed. */
	pullOnly?: boolean;
	/** Whether a record this row points to still waits in this device's outbox (then the row is retried, not refused). */
	dependencyPending?: (field: string, doc: Record<string, unknown>) => boolean;
}

/**
 * RxDB <-> PocketBase for one collection.
 * Pull: the standard list API ordered by `seq` (server-assigned in commit order), so it obeys the list rule.
 * Push: the conditional push route; conflicts come back as the server's current state.
 * Realtime: every SSE event and every (re)connect asks for a pull from the checkpoint (RESYNC), so a
 * lost event can never move the checkpoint past a change the device has not seen.
 */
export interface PocketBaseReplication<T> {
	state: RxReplicationState<T, SeqCheckpoint>;
	/** Removes from the device the records its user may no longer see (of `only`, or all); returns how many. */
	purgeHidden: (only?: readonly string[]) => Promise<number>;
	/** Ask for a pull from the checkpoint (after a reconnect). */
	resync: () => void;
	stop: () => Promise<void>;
}

export function replicatePocketBase<T>(o: PocketBaseReplicationOptions<T>): PocketBaseReplication<T> {
	const stream$ = new Subject<RxReplicationPullStreamItem<T, SeqCheckpoint>>();
	const live = o.live ?? true;
	let resyncTimer: ReturnType<typeof setTimeout> | null = null;
	// A RESYNC asked for during the first pull waits until a pull reached the last page, and is then
	// sent once (a pull that fails is retried by RxDB itself until it gets there). RxDB's
	// RESYNC also makes its upload side read again every record changed since its checkpoint: during a
	// first pull that is every record being pulled, read and opened a second time beside the pull, and
	// what was left of it when the page closed was read again after the restart, ahead of the first
	// edit. The first pull itself goes on to the last page, so nothing is missed meanwhile.
	let firstPullDone = false;
	let resyncWaiting = false;
	const resync = () => {
		if (firstPullDone) stream$.next('RESYNC');
		else resyncWaiting = true;
	};
	const resyncSoon = () => {
		if (resyncTimer) return;
		// A burst of realtime events becomes one pull.
		resyncTimer = setTimeout(() => {
			resyncTimer = null;
			resync();
		}, 15);
	};

	const state = replicateRxCollection<T, SeqCheckpoint>({
		replicationIdentifier: `pocketbase:${o.pb.baseURL}:${o.name}${o.identity ? `:${o.identity}` : ''}`,
		collection: o.collection,
		live,
		retryTime: 3000,
		waitForLeadership: o.collection.database.multiInstance,
		pull: {
			batchSize: o.batchSize ?? 1000,
			stream$: stream$.asObservable(),
			handler: async (checkpoint, batchSize) => {
				// An expired token would make the list API answer as to a guest: empty, not an error.
				if (!o.pb.authStore.isValid) throw report(o.status, { status: 401, message: 'session expired' });
				const page = await o.pb
					.collection(o.name)
					.getList(1, batchSize, {
						filter: seqCheckpoint.filter(checkpoint ?? undefined),
						sort: seqCheckpoint.sort,
						skipTotal: true,
						requestKey: null
					})
					.catch((err) => {
						throw report(o.status, err);
					});
				const documents = page.items.map((r) => fromServer<T>(r));
				if (o.name === 'customers') await noticeDeleted(page.items as unknown as Record<string, unknown>[]);
				if (documents.length < batchSize) {
					if (!firstPullDone) {
						firstPullDone = true;
						if (resyncWaiting) {
							resyncWaiting = false;
							resyncSoon();
						}
					}
					const error = o.status.value.error;
					o.status.patch({ lastSync: Date.now(), online: true, error: error?.kind === 'auth' ? error : null });
				}
				return { documents, checkpoint: seqCheckpoint.next(page.items, checkpoint ?? undefined) ?? { value: 0 } };
			}
		},
		push: o.pullOnly
			? undefined
			: {
					// RxDB's upload side reads the device's changes in batches of this size, also when it checks
					// again, after a start, the records a pull wrote since its last upload (most are equal to the
					// server's and are not sent): large batches make that check a few reads, not a hundred, so a
					// first edit after a large first pull is not queued behind it. Requests stay at most
					// PUSH_REQUEST_ROWS rows (the server's limit).
					batchSize: 1000,
					handler: async (allRows) => {
						// A removed document is a local purge (see purgeHidden): records are only ever soft-deleted.
						const rows = allRows.filter((r) => !r.newDocumentState._deleted);
						const conflicts: WithDeleted<T>[] = [];
						let waiting = 0;
						for (let i = 0; i < rows.length; i += PUSH_REQUEST_ROWS) {
							const part = await pushRequest(rows.slice(i, i + PUSH_REQUEST_ROWS));
							conflicts.push(...part.conflicts);
							waiting += part.waiting;
						}
						// RxDB retries the whole batch after its retry time; rows applied already come back as equal.
						if (waiting) throw new Error(`${waiting} ${o.name} wait for records this device has not uploaded yet`);
						return conflicts;
					}
				}
	});

	/** One push request: the server's answer applied to the outbox and the status. */
	async function pushRequest(rows: RxReplicationWriteToMasterRow<T>[]): Promise<{ conflicts: WithDeleted<T>[]; waiting: number }> {
		const startedAt = Date.now();
		const body = {
			rows: rows.map((r) => ({
				doc: toServer(r.newDocumentState as Record<string, unknown>),
				base: r.assumedMasterState ? toServer(r.assumedMasterState as Record<string, unknown>) : null
			}))
		};
		const res = await o.pb.send<PushResult>(`/api/crm/sync/${o.name}/push`, { method: 'POST', body, requestKey: null }).catch((err) => {
			throw report(o.status, err);
		});
		const docs = new Map(rows.map((r) => [(r.newDocumentState as unknown as { id: string }).id, r.newDocumentState as unknown as Record<string, unknown>]));
		const waiting = res.rejected.filter((r) => r.status === 424 && o.dependencyPending?.(r.field, docs.get(r.id) ?? {}));
		// A customer handed to a colleague meanwhile: the server kept the change as a proposal for
		// them. Nothing is owed any more; the record leaves the device, and the user is told.
		const proposed = res.rejected.filter((r) => r.code === 'passed_as_proposal');
		const refused = new Set(res.rejected.filter((r) => !proposed.includes(r)).map((r) => r.id));
		for (const r of res.rejected) {
			if (waiting.includes(r) || proposed.includes(r)) continue;
			o.outbox.markRefused(o.name, r.id, { kind: 'rejected', code: r.code, detail: r.message, field: r.field, recordId: r.id, at: startedAt });
		}
		if (proposed.length) {
			const ids = proposed.map((r) => r.id);
			const names = ids.map((id) => docs.get(id)?.name).filter((n): n is string => typeof n === 'string' && !!n);
			o.status.patch({ lost: { reason: 'proposed', names, kept: 0, at: Date.now() } });
			setTimeout(() => void purge(ids).catch(() => undefined), 0);
		}
		for (const row of rows) {
			const id = (row.newDocumentState as unknown as { id: string }).id;
			if (!refused.has(id)) o.outbox.markAccepted(o.name, id, startedAt);
		}
		o.status.patch({ pending: o.outbox.pendingCount, rejected: o.outbox.refusals, online: true, error: null });
		return { conflicts: res.conflicts.map((c) => fromServer<T>(c)), waiting: waiting.length };
	}

	const subs = [
		// Handler failures are reported where they happen (RxDB strips their HTTP status);
		// this catches the rest, such as a failed write to the local database.
		state.error$.subscribe((err) => {
			if ((err as { parameters?: { errors?: unknown } }).parameters?.errors) return;
			o.status.patch({ error: { kind: 'server', code: 'bad_request', detail: String((err as Error).message), at: Date.now() } });
		}),
		state.active$.subscribe((active) => o.status.patch({ active }))
	];

	/**
	 * Customers the server now says are deleted, that this device held live and did not delete itself
	 * (a manager deleted them, maybe while the device was offline): said once, by name.
	 */
	async function noticeDeleted(items: Record<string, unknown>[]): Promise<void> {
		const deleted = items.filter((r) => r.deleted === true && typeof r.id === 'string' && !o.outbox.isPending(o.name, r.id as string));
		if (!deleted.length) return;
		const local = await o.collection.findByIds(deleted.map((r) => r.id as string)).exec();
		const names = deleted
			.filter((r) => {
				const doc = local.get(r.id as string) as unknown as { deleted?: boolean } | undefined;
				return doc && !doc.deleted;
			})
			.map((r) => String(r.name ?? ''))
			.filter(Boolean);
		if (names.length) o.status.patch({ lost: { reason: 'deleted', names, kept: 0, at: Date.now() } });
	}

	/** Removes from the device the records of `only` (or all) its user may no longer see, unless it owes them. */
	async function purge(only?: readonly string[]): Promise<number> {
		const ids = only ? [...only] : await storedIds(o.collection);
		let purged = 0;
		for (let i = 0; i < ids.length; i += 1000) {
			const { hidden, missing = [] } = await o.pb.send<{ hidden: string[]; missing?: string[] }>(`/api/crm/sync/${o.name}/visible`, {
				method: 'POST',
				body: { ids: ids.slice(i, i + 1000) },
				requestKey: null
			});
			// A record the server does not hold at all, while the device uploads again what a restored
			// server lost, is one of those: it stays (asked after the answer, whose epoch may have just
			// started the upload).
			const keepMissing = o.keepMissing?.() ? new Set(missing) : null;
			// Unsaved local work on a record the user lost stays: its upload is refused visibly instead.
			const drop = hidden.filter((id) => !keepMissing?.has(id) && !o.outbox.isPending(o.name, id) && !o.outbox.isRefused(o.name, id));
			if (drop.length) await o.collection.bulkRemove(drop);
			purged += drop.length;
		}
		return purged;
	}

	let unsubscribeRealtime: (() => Promise<void>) | null = null;
	if (live && o.realtime !== false) {
		o.pb
			.collection(o.name)
			.subscribe('*', resyncSoon)
			.then((unsub) => {
				unsubscribeRealtime = unsub;
				o.status.patch({ live: true });
			})
			.catch((err) => o.status.patch({ live: false, error: classifyError(err) }));
	}

	return {
		state,
		resync,
		purgeHidden: (only?: readonly string[]) => purge(only),
		stop: async () => {
			subs.forEach((s) => s.unsubscribe());
			if (resyncTimer) clearTimeout(resyncTimer);
			if (unsubscribeRealtime) await unsubscribeRealtime().catch(() => undefined);
			stream$.complete();
			await state.cancel();
		}
	};
}

/** Puts a failed request into the sync status in words the UI can translate, and returns it to rethrow. */
function report(status: SyncStatusStore, err: unknown): unknown {
	const error = classifyError(err);
	status.patch({ error, online: error.kind !== 'network' });
	return err;
}
