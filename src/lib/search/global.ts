/**
 * The global search's matching of named things that are not customers (segments, campaigns,
 * conversations): the same tiers as the customer index (a whole part equals the query, a part starts
 * with it, a part contains it), over lowercase text without spaces and, for Chinese names, their pinyin
 * and initials when the caller gives them. Pure, so it is tested beside.
 */
export type Tier = 0 | 1 | 2;

const SPACE = /\s+/g;

export function normalized(text: string): string {
	return (text ?? '').normalize('NFKC').toLowerCase().replace(SPACE, '');
}

/** The best tier of any haystack for the (normalized) query, or null when none contains it. */
export function tierOf(haystacks: readonly string[], q: string): Tier | null {
	let best: Tier | null = null;
	for (const h of haystacks) {
		const s = normalized(h);
		if (!s) continue;
		if (s === q) return 0;
		if (s.startsWith(q)) best = 1;
		else if (best === null && s.includes(q)) best = 2;
	}
	return best;
}

/** The items that match, best tier first and in the given order within a tier; at most `limit`. */
export function rankNamed<T>(items: readonly T[], query: string, haystacks: (item: T) => readonly string[], limit = 5): T[] {
	const q = normalized(query);
	if (!q) return [];
	const tiers: T[][] = [[], [], []];
	for (const item of items) {
		const tier = tierOf(haystacks(item), q);
		if (tier !== null) tiers[tier].push(item);
	}
	return tiers.flat().slice(0, limit);
}

/** Whether a query could be (the start of) an order number: 3 to 64 printable latin characters, no spaces or CJK. */
export function looksLikeOrderNumber(query: string): boolean {
	const q = (query ?? '').trim();
	return q.length >= 3 && q.length <= 64 && /^[\x21-\x7e]+$/.test(q);
}
