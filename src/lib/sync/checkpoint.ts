/**
 * The pull checkpoint. Production uses `seq`, which the server assigns in commit order (see the
 * sync_seq migration); the field is a parameter only so a test can show why `updated` would not do.
 */
export interface Checkpoint {
	value: number | string;
}

export interface Checkpointer {
	field: string;
	/** PocketBase filter for the records after the checkpoint. */
	filter(cp: Checkpoint | undefined): string;
	sort: string;
	next(items: Record<string, unknown>[], prev: Checkpoint | undefined): Checkpoint | undefined;
}

export function checkpointer(field: string): Checkpointer {
	return {
		field,
		filter: (cp) => (cp === undefined ? '' : `${field} > ${JSON.stringify(cp.value)}`),
		sort: field,
		next: (items, prev) => (items.length ? { value: items[items.length - 1][field] as number | string } : prev)
	};
}

export const seqCheckpoint = checkpointer('seq');
