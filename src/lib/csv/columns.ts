/**
 * Which column of an imported file fills which field, guessed from its header: first whole headers
 * (normalised: lower case, without spaces and punctuation), then words a header contains, the more
 * specific first; each field goes to one column. Shared by the order and the product imports.
 */
export const normHeader = (h: string) => h.toLowerCase().replace(/[\s_\-./()（）:：#№]/g, '');

export function guessColumns<F extends string>(headers: readonly string[], fields: readonly F[], exact: Record<F, string[]>, contains: readonly [F, string[]][]): Record<number, F | null> {
	const mapping: Record<number, F | null> = {};
	const taken = new Set<F>();
	const n = headers.map((h) => normHeader(String(h ?? '')));
	headers.forEach((_, i) => (mapping[i] = null));
	n.forEach((h, i) => {
		const field = fields.find((f) => !taken.has(f) && exact[f].includes(h));
		if (field) {
			mapping[i] = field;
			taken.add(field);
		}
	});
	n.forEach((h, i) => {
		if (!h || mapping[i]) return;
		for (const [field, words] of contains) {
			if (!taken.has(field) && words.some((w) => h.includes(w))) {
				mapping[i] = field;
				taken.add(field);
				return;
			}
		}
	});
	return mapping;
}
