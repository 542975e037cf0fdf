/**
 * Segment characteristics: how a segment's customers are distributed over one dimension compared
 * with all customers. Pure, so the page, its tests and (later) the server shape figures alike.
 */
export interface CharCustomer {
	id: string;
	region?: string | null;
	category?: string | null;
	gender?: string | null;
	source?: string | null;
	birthday?: string | null;
}

export interface CharStats {
	total_spend?: number | null;
	order_count?: number | null;
	rfm_segment?: string | null;
}

export interface Row {
	key: string;
	segment: number;
	segmentShare: number;
	all: number;
	allShare: number;
}

export type Dimension = 'region' | 'category' | 'gender' | 'age' | 'spend' | 'orders' | 'rfm' | 'source';
export const DIMENSIONS: Dimension[] = ['region', 'category', 'gender', 'age', 'spend', 'orders', 'rfm', 'source'];

export const AGE_BANDS = ['<25', '25-34', '35-44', '45-54', '55+', 'unknown'] as const;
export const SPEND_BANDS = ['0', '1-499', '500-1999', '2000-4999', '5000+'] as const;
export const ORDER_BANDS = ['0', '1', '2-3', '4-9', '10+'] as const;
const OTHER = 'other';
const UNKNOWN = 'unknown';

function ageBand(birthday: string | null | undefined, now: Date): string {
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthday ?? '');
	if (!m) return UNKNOWN;
	let age = now.getUTCFullYear() - Number(m[1]);
	if (now.getUTCMonth() + 1 < Number(m[2]) || (now.getUTCMonth() + 1 === Number(m[2]) && now.getUTCDate() < Number(m[3]))) age--;
	if (age < 0 || age > 120) return UNKNOWN;
	return age < 25 ? '<25' : age < 35 ? '25-34' : age < 45 ? '35-44' : age < 55 ? '45-54' : '55+';
}

function band(value: number, edges: number[], labels: readonly string[]): string {
	for (let i = 0; i < edges.length; i++) if (value < edges[i]) return labels[i];
	return labels[labels.length - 1];
}

/** The bucket of one customer on one dimension. */
export function bucket(d: Dimension, c: CharCustomer, s: CharStats | undefined, now: Date): string {
	switch (d) {
		case 'age':
			return ageBand(c.birthday, now);
		case 'spend':
			return band(s?.total_spend ?? 0, [0.01, 500, 2000, 5000], SPEND_BANDS);
		case 'orders':
			return band(s?.order_count ?? 0, [1, 2, 4, 10], ORDER_BANDS);
		case 'rfm':
			return s?.rfm_segment || UNKNOWN;
		default:
			return (c[d] as string | null | undefined)?.trim() || UNKNOWN;
	}
}

const FIXED: Partial<Record<Dimension, readonly string[]>> = { age: AGE_BANDS, spend: SPEND_BANDS, orders: ORDER_BANDS };

/**
 * The rows of one dimension: fixed bands in their order; free values (region, category…) by size in
 * all customers, the largest `top` kept and the rest summed as "other".
 */
export function characteristic(d: Dimension, segment: CharCustomer[], all: CharCustomer[], stats: Map<string, CharStats>, now: Date, top = 8): Row[] {
	const count = (cs: CharCustomer[]) => {
		const m = new Map<string, number>();
		for (const c of cs) {
			const k = bucket(d, c, stats.get(c.id), now);
			m.set(k, (m.get(k) ?? 0) + 1);
		}
		return m;
	};
	const seg = count(segment);
	const tot = count(all);
	let keys = FIXED[d] ? [...FIXED[d]!] : [...tot.keys()].sort((a, b) => (tot.get(b) ?? 0) - (tot.get(a) ?? 0) || a.localeCompare(b));
	let other: string[] = [];
	if (!FIXED[d] && keys.length > top) {
		other = keys.slice(top);
		keys = keys.slice(0, top);
	}
	const share = (n: number, of: number) => (of ? n / of : 0);
	const rows = keys.map((key) => ({ key, segment: seg.get(key) ?? 0, all: tot.get(key) ?? 0 }));
	if (other.length) rows.push({ key: OTHER, segment: other.reduce((s, k) => s + (seg.get(k) ?? 0), 0), all: other.reduce((s, k) => s + (tot.get(k) ?? 0), 0) });
	return rows.map((r) => ({ ...r, segmentShare: share(r.segment, segment.length), allShare: share(r.all, all.length) }));
}
