import type { KeyValue } from './kv';
import type { SyncError } from './status';

/**
 * What the device still owes the server, persisted so it survives reloads and app kills:
 * ids written locally and not yet accepted, and ids the server refused (with the reason).
 */
export class Outbox {
	private pending: Record<string, number>;
	private refused: Record<string, SyncError>;

	constructor(
		private kv: KeyValue,
		private key: string
	) {
		this.pending = read(kv, `${key}:pending`) ?? {};
		this.refused = read(kv, `${key}:rejected`) ?? {};
	}

	/** A local write of `id` at `at` (ms). Editing a refused record clears the refusal: the user is fixing it. */
	markWritten(collection: string, id: string, at = Date.now()): void {
		this.pending[`${collection}/${id}`] = at;
		this.save();
	}

	/** Many local writes at once (a bulk action): saved once, not once per record. */
	markWrittenMany(collection: string, ids: readonly string[], at = Date.now()): void {
		for (const id of ids) this.pending[`${collection}/${id}`] = at;
		this.save();
	}

	/** The server accepted `id` as it was when the push started. */
	markAccepted(collection: string, id: string, pushStartedAt: number): void {
		const k = `${collection}/${id}`;
		if ((this.pending[k] ?? 0) <= pushStartedAt) delete this.pending[k];
		delete this.refused[k];
		this.save();
	}

	markRefused(collection: string, id: string, error: SyncError): void {
		const k = `${collection}/${id}`;
		delete this.pending[k];
		this.refused[k] = error;
		this.save();
	}

	isPending(collection: string, id: string): boolean {
		return `${collection}/${id}` in this.pending;
	}

	isRefused(collection: string, id: string): boolean {
		return `${collection}/${id}` in this.refused;
	}

	get pendingCount(): number {
		return Object.keys(this.pending).length;
	}

	get refusals(): SyncError[] {
		return Object.values(this.refused);
	}

	/** Every change the server does not have: waiting to upload, or refused (with why). */
	unsent(): { collection: string; id: string; state: 'pending' | 'refused'; error?: SyncError }[] {
		const split = (k: string) => {
			const at = k.indexOf('/');
			return { collection: k.slice(0, at), id: k.slice(at + 1) };
		};
		return [
			...Object.keys(this.pending).map((k) => ({ ...split(k), state: 'pending' as const })),
			...Object.entries(this.refused).map(([k, error]) => ({ ...split(k), state: 'refused' as const, error }))
		];
	}

	clear(): void {
		this.pending = {};
		this.refused = {};
		this.kv.remove(`${this.key}:pending`);
		this.kv.remove(`${this.key}:rejected`);
		this.generation++;
	}

	private saveScheduled = false;
	private generation = 0;

	/**
	 * Written once per burst of changes (an import marks thousands of ids): the device database holds
	 * the changes themselves, this is only their count and the refusals.
	 */
	private save(): void {
		if (this.saveScheduled) return;
		this.saveScheduled = true;
		const generation = this.generation;
		queueMicrotask(() => {
			this.saveScheduled = false;
			if (generation !== this.generation) return; // cleared meanwhile (sign-out)
			this.kv.set(`${this.key}:pending`, JSON.stringify(this.pending));
			this.kv.set(`${this.key}:rejected`, JSON.stringify(this.refused));
		});
	}
}

function read<T>(kv: KeyValue, key: string): T | null {
	const raw = kv.get(key);
	if (!raw) return null;
	try {
		return JSON.parse(raw) as T;
	} catch {
		kv.remove(key); // a corrupt entry is dropped rather than blocking sign-in; the data itself is in RxDB
		return null;
	}
}
