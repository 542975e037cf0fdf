import type { CustomerDoc } from './schemas';
import type { CustomerSort } from '../shared/list-views';

export type { CustomerSort };
export type LastPurchase = '' | 'within30' | 'days30to90' | 'over90' | 'never';

export interface CustomerFilters {
	tag: string;
	category: string;
	region: string;
	mine: boolean;
	rfm: string;
	lastPurchase: LastPurchase;
	/** A segment's id: its members only (the membership is worked out on the device). */
	segment: string;
}

export const NO_FILTERS: CustomerFilters = { tag: '', category: '', region: '', mine: false, rfm: '', lastPurchase: '', segment: '' };

/** What the list needs of a customer's server-computed figures. */
export interface StatsLike {
	total_spend?: number | null;
	last_order_at?: string | null;
	rfm_segment?: string | null;
	predicted_value?: number | null;
}

type Listed = Pick<CustomerDoc, 'id' | 'tags' | 'category' | 'region' | 'owner' | 'updated'>;

const DAY = 86_400_000;

export function activeFilterCount(f: CustomerFilters): number {
	return Object.values(f).filter(Boolean).length;
}

function lastPurchaseMatches(want: LastPurchase, stats: StatsLike | undefined, now: number): boolean {
	const at = stats?.last_order_at ? Date.parse(stats.last_order_at.replace(' ', 'T')) : NaN;
	if (want === 'never') return Number.isNaN(at);
	if (Number.isNaN(at)) return false;
	const days = (now - at) / DAY;
	return want === 'within30' ? days <= 30 : want === 'days30to90' ? days > 30 && days <= 90 : days > 90;
}

/**
 * Keeps the customers that pass every active filter (an empty filter passes everything). `inSegment`:
 * the chosen segment's membership test (no one passes while it is not known yet).
 */
export function applyFilters<T extends Listed>(docs: T[], f: CustomerFilters, stats: Map<string, StatsLike>, userId: string, now: number, inSegment: ((c: T) => boolean) | null = null): T[] {
	if (!activeFilterCount(f)) return docs;
	return docs.filter((c) => {
		if (f.segment && !inSegment?.(c)) return false;
		if (f.tag && !c.tags?.includes(f.tag)) return false;
		if (f.category && c.category !== f.category) return false;
		if (f.region && c.region !== f.region) return false;
		if (f.mine && c.owner !== userId) return false;
		const s = stats.get(c.id);
		if (f.rfm && (s?.rfm_segment ?? '') !== f.rfm) return false;
		if (f.lastPurchase && !lastPurchaseMatches(f.lastPurchase, s, now)) return false;
		return true;
	});
}

/**
 * Name order is the index's own; the other orders sort a copy, highest or latest first (stable, so
 * ties keep name order), and put the customers without the figure last. `lastContact`: the time of
 * each customer's latest service record (visit, call, chat, ...), for the order by last contact.
 */
export function sortCustomers<T extends Listed>(docs: T[], sort: CustomerSort, stats: Map<string, StatsLike>, lastContact: Map<string, number> = new Map()): T[] {
	if (sort === 'name') return docs;
	const keys: Record<Exclude<CustomerSort, 'name'>, (c: T) => number> = {
		updated: (c) => Date.parse((c.updated ?? '').replace(' ', 'T')) || 0,
		spend: (c) => stats.get(c.id)?.total_spend ?? -1,
		predicted: (c) => stats.get(c.id)?.predicted_value ?? -1,
		contact: (c) => lastContact.get(c.id) ?? -1
	};
	const key = keys[sort] ?? keys.updated;
	return docs
		.map((c) => ({ c, k: key(c) }))
		.sort((a, b) => b.k - a.k)
		.map((x) => x.c);
}

/** The values the filter menus offer, most used first. */
export function filterOptions(docs: Pick<CustomerDoc, 'tags' | 'category' | 'region'>[]): { tags: string[]; categories: string[]; regions: string[] } {
	const count = (values: Iterable<string | undefined>) => {
		const m = new Map<string, number>();
		for (const v of values) if (v) m.set(v, (m.get(v) ?? 0) + 1);
		return [...m.entries()].sort((a, b) => b[1] - a[1]).map(([v]) => v);
	};
	return {
		tags: count(docs.flatMap((d) => d.tags ?? [])),
		categories: count(docs.map((d) => d.category)),
		regions: count(docs.map((d) => d.region))
	};
}
