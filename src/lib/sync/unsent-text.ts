// What a device holds that the server does not (waiting to upload, or refused), as plain text a rep
// can keep or send before signing out wipes the device's copy (issue "Offline edges", item 3).

export interface UnsentItem {
	collection: string;
	id: string;
	state: 'pending' | 'refused';
	/** Why the server refused it, in the user's words. */
	reason?: string;
	/** The record as the device holds it (null: gone from the device). */
	doc: Record<string, unknown> | null;
}

export interface UnsentWords {
	title: string;
	/** "Customer", "Service record", … */
	kind: (collection: string) => string;
	state: (item: UnsentItem) => string;
	/** A field's name, or '' to leave the field out. */
	label: (field: string) => string;
}

/** Fields that say nothing to a person (kept by the system). */
const SYSTEM = new Set(['id', 'seq', 'created', 'updated', 'collectionId', 'collectionName', 'field_times', 'history', 'deleted', 'owner', '_meta', '_rev', '_attachments', '_deleted']);

/** A field's value as words: lists joined with 、, an address by its detail, nothing for empty. */
export function plainValue(v: unknown): string {
	if (v === null || v === undefined || v === '' || v === false) return '';
	if (typeof v === 'string') return v;
	if (typeof v === 'number' || typeof v === 'boolean') return String(v);
	if (Array.isArray(v))
		return v
			.map((x) => (x && typeof x === 'object' ? plainValue((x as Record<string, unknown>).detail ?? JSON.stringify(x)) : plainValue(x)))
			.filter(Boolean)
			.join('、');
	return JSON.stringify(v);
}

/** The unsent changes, one block each: what it is, its state, then each filled field on its own line. */
export function unsentAsText(items: readonly UnsentItem[], words: UnsentWords): string {
	const blocks = items.map((item) => {
		const name = plainValue(item.doc?.name ?? item.doc?.summary ?? item.doc?.title ?? item.id);
		const head = `— ${words.kind(item.collection)}「${name}」 (${words.state(item)})`;
		const lines = Object.entries(item.doc ?? {})
			.filter(([k]) => !SYSTEM.has(k) && k !== 'name')
			.map(([k, v]) => [words.label(k), plainValue(v)] as const)
			.filter(([label, v]) => label && v)
			.map(([label, v]) => `  ${label}: ${v.replace(/\n/g, '\n    ')}`);
		return [head, ...lines].join('\n');
	});
	return [words.title, '', ...blocks].join('\n') + '\n';
}
