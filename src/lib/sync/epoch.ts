// The server's epoch (X-Crm-Epoch on every API answer; server/backup.go): a restore from a backup
// writes a new one. Every client that keeps data on the device watches it the same way: the record
// sync (engine.ts) and both chat clients (src/lib/chat/restore.ts). The first epoch an identity sees is
// remembered on the device; an answer with another one means the server went back in time.

export interface EpochStore {
	getItem(k: string): string | null;
	setItem(k: string, v: string): void;
}

/** The epochs kept under `key`: the first one this identity saw, and the latest. */
export function readEpoch(kv: EpochStore, key: string): { first: string; current: string } | null {
	try {
		const kept = JSON.parse(kv.getItem(key) ?? 'null');
		return kept && typeof kept.first === 'string' && typeof kept.current === 'string' ? kept : null;
	} catch {
		return null;
	}
}

/**
 * Records `epoch` under `key` and says whether it is a new one (the server was restored since this
 * identity first saw it). The first epoch ever seen is only remembered.
 */
export function sawEpoch(kv: EpochStore, key: string, epoch: string): boolean {
	const kept = readEpoch(kv, key);
	if (!kept) {
		kv.setItem(key, JSON.stringify({ first: epoch, current: epoch }));
		return false;
	}
	if (kept.current === epoch) return false;
	kv.setItem(key, JSON.stringify({ first: kept.first, current: epoch }));
	return true;
}

type AfterSend = (response: Response, data: unknown, options: unknown) => unknown;

/**
 * Calls `onEpoch` with the epoch of every answer of `pb`, by wrapping its afterSend and chaining the
 * one it had (the console's client is the app's one, whose afterSend the sync engine wraps as well).
 * The returned stop puts the previous one back only while this wrapper is still the outermost: when
 * another wrapped it since (the engine), this one stays in their chain, passing answers through.
 */
export function watchEpoch(pb: { afterSend?: unknown }, onEpoch: (epoch: string) => void): () => void {
	const prev = pb.afterSend as AfterSend | undefined;
	let active = true;
	const mine: AfterSend = (response, data, options) => {
		const epoch = active ? response?.headers?.get?.('x-crm-epoch') : null;
		if (epoch) {
			try {
				onEpoch(epoch);
			} catch (err) {
				console.warn('[epoch] check failed', err);
			}
		}
		return prev ? prev(response, data, options) : data;
	};
	pb.afterSend = mine;
	return () => {
		active = false;
		if (pb.afterSend === mine) pb.afterSend = prev;
	};
}
