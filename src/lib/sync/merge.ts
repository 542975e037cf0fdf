import { mergeHistory, type HistoryEntry } from '../shared/history';
import { canonical, sameValue } from '../shared/state-equal';

export type { HistoryEntry };

export interface Mergeable {
	field_times?: Record<string, number> | null;
	history?: HistoryEntry[] | null;
	[key: string]: unknown;
}

/**
 * Three-way, field-by-field merge of a local edit with the server's current state.
 * - a field changed on one side only takes that side's value;
 * - a field changed on both sides takes the later edit (by field_times), and the other value goes to history;
 * - without a base (two creates of one id, or a create whose answer was lost) a side changed a field
 *   if it ever edited it or holds a value: an empty, never-edited field loses nothing.
 * The result carries the server's system fields, so it can be pushed again against the server's state.
 */
export function mergeFields<T extends Mergeable>(fields: readonly string[], base: T | undefined, local: T, server: T, now: number, historyLimit = 100): T {
	const out: Mergeable = { ...server };
	const times: Record<string, number> = { ...(server.field_times ?? {}) };
	const lost: HistoryEntry[] = [];
	for (const f of fields) {
		const l = local[f];
		const s = server[f];
		if (sameValue(l, s)) continue;
		const localChanged = base ? !sameValue(l, base[f]) : wasSet(local, f);
		const serverChanged = base ? !sameValue(s, base[f]) : wasSet(server, f);
		if (!localChanged) continue;
		const lt = local.field_times?.[f] ?? 0;
		const st = server.field_times?.[f] ?? 0;
		if (!serverChanged || lt > st) {
			out[f] = l;
			times[f] = lt;
			if (serverChanged) lost.push({ field: f, value: s, edited_at: st, resolved_at: now, reason: 'conflict' });
		} else {
			lost.push({ field: f, value: l, edited_at: lt, resolved_at: now, reason: 'conflict' });
		}
	}
	out.field_times = times;
	out.history = mergeHistory(server.history, local.history, lost, historyLimit);
	return out as T;
}

function wasSet(doc: Mergeable, f: string): boolean {
	return (doc.field_times?.[f] ?? 0) > 0 || canonical(doc[f]) !== '';
}
