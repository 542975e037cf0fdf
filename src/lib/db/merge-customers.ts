import { mergeHistory, type HistoryEntry } from '../shared/history';
import { LIMITS } from '../shared/customer-fields';
import { canonical } from '../shared/state-equal';
import type { CustomerDoc } from './schemas';

const LISTS = ['phones', 'emails', 'tags', 'addresses'] as const;
const SCALARS = ['gender', 'birthday', 'category', 'source', 'region', 'consent_how', 'consent_at'] as const;

/** The ids of the customers merged into this one (their service records belong to it too). */
export function mergedFrom(c: Pick<CustomerDoc, 'history'>): string[] {
	return ((c.history ?? []) as unknown as HistoryEntry[]).filter((h) => h.field === 'merged_from').map((h) => String(h.value));
}

/**
 * Joins a duplicate into the customer that stays. Lists are united, empty fields are filled from the
 * duplicate, notes are joined, and every value of the duplicate that does not survive goes into the
 * kept customer's history, with the duplicate's own history: nothing is dropped. The duplicate is
 * soft-deleted and points to the kept customer.
 */
export function mergeCustomers(keep: CustomerDoc, drop: CustomerDoc, now: number): { keep: Partial<CustomerDoc>; drop: Partial<CustomerDoc> } {
	const out: Record<string, unknown> = {};
	const lost: HistoryEntry[] = [];
	const entry = (field: string, value: unknown): HistoryEntry => ({ field, value, edited_at: now, resolved_at: now, reason: 'merged' });
	for (const f of LISTS) {
		const seen = new Map<string, unknown>();
		for (const v of [...((keep[f] as unknown[]) ?? []), ...((drop[f] as unknown[]) ?? [])]) seen.set(canonical(v), v);
		out[f] = [...seen.values()];
	}
	for (const f of SCALARS) {
		const k = keep[f];
		const d = drop[f];
		if (!k && d) out[f] = d;
		else if (d && canonical(d) !== canonical(k)) lost.push(entry(f, d));
	}
	if (drop.marketing_consent && !keep.marketing_consent) lost.push(entry('marketing_consent', true));
	if (drop.name !== keep.name) lost.push(entry('name', drop.name));
	if (drop.external_id && drop.external_id !== keep.external_id) lost.push(entry('external_id', drop.external_id));
	const notes = [keep.notes, drop.notes].filter(Boolean);
	out.notes = [...new Set(notes)].join('\n---\n').slice(0, LIMITS.notes);
	lost.push(entry('merged_from', drop.id));
	out.history = mergeHistory(keep.history as unknown as HistoryEntry[], drop.history as unknown as HistoryEntry[], lost, LIMITS.historyEntries);
	const dropHistory = mergeHistory(drop.history as unknown as HistoryEntry[], [], [entry('merged_into', keep.id)], LIMITS.historyEntries);
	return { keep: out as Partial<CustomerDoc>, drop: { deleted: true, history: dropHistory as unknown as CustomerDoc['history'] } };
}
