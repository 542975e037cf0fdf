import { BehaviorSubject } from 'rxjs';

export type SyncErrorKind = 'network' | 'auth' | 'server' | 'rejected';

export interface SyncError {
	kind: SyncErrorKind;
	/** A stable code the UI translates; `detail` carries the server's words where there are any. */
	code: string;
	detail?: string;
	field?: string;
	recordId?: string;
	at: number;
}

export interface SyncStatus {
	online: boolean;
	/** The realtime stream is connected. */
	live: boolean;
	/** Local changes not yet accepted by the server. */
	pending: number;
	/** Last time the device was known to hold every server change (ms), or null. */
	lastSync: number | null;
	/** A replication run is under way. */
	active: boolean;
	error: SyncError | null;
	/** Changes the server refused, by record id, until they are edited again. */
	rejected: SyncError[];
	/** Customers just taken off this device (handed to a colleague, or deleted by a manager), to say once. */
	lost: LostNotice | null;
	/** When the device saw that the server was restored from a backup and began to upload its records again. */
	restored: number | null;
	/** After a restore, until every local record went through the server again: not all uploaded yet. */
	reuploading: boolean;
}

export interface LostNotice {
	/** proposed: this device's change to it was passed to its new owner as a proposal. */
	reason: 'reassigned' | 'deleted' | 'proposed';
	names: string[];
	/** Kept on the device: unsent work on them (the upload will say it was refused). */
	kept: number;
	at: number;
}

export const initialStatus = (): SyncStatus => ({
	online: typeof navigator === 'undefined' ? true : navigator.onLine,
	live: false,
	pending: 0,
	lastSync: null,
	active: false,
	error: null,
	rejected: [],
	lost: null,
	restored: null,
	reuploading: false
});

/** The sync state as one small observable; the UI wraps it once. */
export class SyncStatusStore {
	readonly status$ = new BehaviorSubject<SyncStatus>(initialStatus());

	get value(): SyncStatus {
		return this.status$.value;
	}

	patch(p: Partial<SyncStatus>): void {
		const next = { ...this.status$.value, ...p };
		if (shallowEqual(next, this.status$.value)) return;
		this.status$.next(next);
	}
}

function shallowEqual(a: object, b: object): boolean {
	const ka = Object.keys(a) as (keyof typeof a)[];
	return ka.every((k) => a[k] === b[k]);
}

/** Classifies a failed request: PocketBase's ClientResponseError has status 0 when the network failed. */
export function classifyError(err: unknown): SyncError {
	const e = err as { status?: number; message?: string; response?: { message?: string; data?: { account?: { code?: string } } } };
	const status = typeof e?.status === 'number' ? e.status : 0;
	const at = Date.now();
	if (status === 0) return { kind: 'network', code: 'network', at };
	// An administrator deactivated this account, or signed it out of every device (server/signout.go):
	// the device deletes its copy (state/session).
	const account = e.response?.data?.account?.code;
	if (account === 'account_deactivated' || account === 'signed_out_everywhere') return { kind: 'auth', code: account, at };
	if (status === 401) return { kind: 'auth', code: 'session_expired', at };
	if (status === 403) return { kind: 'auth', code: 'forbidden', detail: e.response?.message, at };
	if (status === 413) return { kind: 'server', code: 'too_large', detail: e.response?.message, at };
	if (status === 429) return { kind: 'server', code: 'rate_limited', at };
	return { kind: 'server', code: status >= 500 ? 'server_error' : 'bad_request', detail: e.response?.message ?? e.message, at };
}
