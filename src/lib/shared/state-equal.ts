/**
 * Equality of two record states over the given fields, as the server sees them: empty values
 * ('' , null, [], {}, undefined, false-y defaults) are alike, objects compare by content.
 * Used by the server to decide whether a push's base is still current.
 */
export function sameState(a: Record<string, unknown> | null | undefined, b: Record<string, unknown> | null | undefined, fields: readonly string[]): boolean {
	if (!a || !b) return !a && !b;
	return fields.every((f) => sameValue(a[f], b[f]));
}

export function sameValue(a: unknown, b: unknown): boolean {
	return canonical(a) === canonical(b);
}

/** A stable JSON text for a value, with object keys sorted and empty values folded to "". */
export function canonical(v: unknown): string {
	if (isEmpty(v)) return '';
	return JSON.stringify(sortKeys(v));
}

function isEmpty(v: unknown): boolean {
	if (v === null || v === undefined || v === '' || v === false || v === 0) return true;
	if (Array.isArray(v)) return v.length === 0;
	if (typeof v === 'object') return Object.keys(v as object).length === 0;
	return false;
}

function sortKeys(v: unknown): unknown {
	if (Array.isArray(v)) return v.map(sortKeys);
	if (v && typeof v === 'object') {
		const out: Record<string, unknown> = {};
		for (const k of Object.keys(v as object).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
		return out;
	}
	return v;
}
