import { canonical } from './state-equal';

/** A value that lost a conflict, kept so that no edit is ever silently dropped. */
export interface HistoryEntry {
	field: string;
	value: unknown;
	/** When the losing edit was made (device clock, ms). */
	edited_at: number;
	/** When the conflict was resolved (ms). */
	resolved_at: number;
	reason: 'conflict' | 'rejected' | 'merged';
}

/**
 * Union of two histories plus new entries, oldest first, at most `limit` entries. The device uses it
 * when merging; the server uses it on every push, so a client can add to a history but never erase it.
 */
export function mergeHistory(a: HistoryEntry[] | null | undefined, b: HistoryEntry[] | null | undefined, added: HistoryEntry[], limit: number): HistoryEntry[] {
	const seen = new Map<string, HistoryEntry>();
	for (const e of [...(a ?? []), ...(b ?? []), ...added]) seen.set(canonical(e), e);
	return [...seen.values()].sort((x, y) => x.resolved_at - y.resolved_at).slice(-limit);
}
