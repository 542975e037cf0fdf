import type { RxCollection } from 'rxdb';
import type { CrmDatabase } from './database';
import { newRecordId } from './ids';
import type { SyncedName } from '../sync/collections';
import { sameValue } from '../shared/state-equal';
import type { FieldError } from '../shared/validation';

/** A write refused on the device, with every failing field (shown in the user's language). */
export class RecordValidationError extends Error {
	constructor(readonly errors: FieldError[]) {
		super(errors.map((e) => e.message).join('; '));
	}
}

export type OnWrite<C extends SyncedName = SyncedName> = (collection: C, id: string) => void;

/** How one synced collection is written on the device: its shared validation and merge fields. */
export interface RecordSpec<D, C extends SyncedName = SyncedName> {
	collection: C;
	mergeFields: readonly string[];
	validate: (data: Record<string, unknown>) => FieldError[];
	normalize: (data: Record<string, unknown>) => Record<string, unknown>;
	/** Values the local schema requires (indexed fields) when the input leaves them out. */
	defaults: Partial<D>;
}

/** Field times for the fields that differ between before and after: the clock of the field merge. */
export function touchedTimes(mergeFields: readonly string[], before: Record<string, unknown> | null, after: Record<string, unknown>, now: number): Record<string, number> {
	const times: Record<string, number> = { ...((before?.field_times as Record<string, number>) ?? {}) };
	for (const f of mergeFields) if (f in after && !sameValue(after[f], before?.[f])) times[f] = now;
	return times;
}

function collectionOf(db: CrmDatabase, name: SyncedName): RxCollection {
	return db[name] as unknown as RxCollection;
}

/** Validates, normalises and saves a new record locally; sync uploads it. */
export async function createRecord<D, C extends SyncedName>(db: CrmDatabase, spec: RecordSpec<D, C>, input: Record<string, unknown>, onWrite: OnWrite<C>): Promise<D> {
	const errors = spec.validate(input);
	if (errors.length) throw new RecordValidationError(errors);
	const data = spec.normalize(input);
	const now = new Date();
	const doc = {
		...spec.defaults,
		...data,
		id: newRecordId(),
		deleted: false,
		history: [],
		field_times: touchedTimes(spec.mergeFields, null, data, now.getTime()),
		seq: 0,
		created: now.toISOString(),
		updated: now.toISOString()
	};
	await collectionOf(db, spec.collection).insert(doc);
	onWrite(spec.collection, doc.id);
	return doc as D;
}

/** Applies a patch to a local record, validating the whole result and recording which fields changed and when. */
export async function updateRecord<D, C extends SyncedName>(db: CrmDatabase, spec: RecordSpec<D, C>, id: string, patch: Record<string, unknown>, onWrite: OnWrite<C>): Promise<D> {
	const doc = await collectionOf(db, spec.collection).findOne(id).exec();
	if (!doc) throw new Error(`${spec.collection} ${id} is not on this device`);
	const current = doc.toMutableJSON() as Record<string, unknown>;
	const { _meta, _rev, _attachments, _deleted, ...next } = { ...current, ...patch };
	const errors = spec.validate(next);
	if (errors.length) throw new RecordValidationError(errors);
	const data = spec.normalize(patch);
	for (const [k, v] of Object.entries(spec.defaults)) if (k in data && data[k] == null) data[k] = v; // indexed: never missing
	// Nothing changed (a form saved twice): no write, and nothing is owed to the server.
	if (Object.keys(data).every((k) => sameValue(data[k], current[k]))) return current as D;
	const saved = await doc.incrementalPatch({ ...data, field_times: touchedTimes(spec.mergeFields, current, data, Date.now()) });
	onWrite(spec.collection, id);
	return saved.toMutableJSON() as D;
}

/** What a bulk change did: the records changed (with the values it replaced), unchanged and refused. */
export interface BulkOutcome {
	changed: string[];
	/** Per changed record, the values of the fields it changed as they were before (for undo). */
	before: Map<string, Record<string, unknown>>;
	unchanged: number;
	/** Records not on this device, or whose result failed validation (first error). */
	refused: { id: string; field: string; code: string }[];
}

/**
 * Applies a patch to many local records, a chunk at a time (one read and one write per chunk, not per
 * record), validating each result as a single edit would and recording field times, so each change
 * merges and syncs like an edit made by hand. `patchOf` returns the fields to change for a record
 * (null: leave it). `onWritten` gets each chunk's changed ids; `onProgress` the records done so far.
 */
export async function bulkUpdateRecords<C extends SyncedName>(
	db: CrmDatabase,
	spec: RecordSpec<unknown, C>,
	ids: readonly string[],
	patchOf: (current: Record<string, unknown>) => Record<string, unknown> | null,
	onWritten: (collection: C, ids: string[]) => void,
	onProgress: (done: number, total: number) => void = () => {},
	chunk = 500
): Promise<BulkOutcome> {
	const out: BulkOutcome = { changed: [], before: new Map(), unchanged: 0, refused: [] };
	const collection = collectionOf(db, spec.collection);
	for (let i = 0; i < ids.length; i += chunk) {
		const part = ids.slice(i, i + chunk);
		const found = await collection.findByIds(part).exec();
		const now = Date.now();
		const writes: Record<string, unknown>[] = [];
		for (const id of part) {
			const doc = found.get(id);
			if (!doc) {
				out.refused.push({ id, field: 'id', code: 'not_on_device' });
				continue;
			}
			const { _meta, _rev, _attachments, _deleted, ...current } = doc.toMutableJSON() as Record<string, unknown>;
			const patch = patchOf(current);
			if (!patch) {
				out.unchanged++;
				continue;
			}
			const errors = spec.validate({ ...current, ...patch });
			if (errors.length) {
				out.refused.push({ id, field: errors[0].field, code: errors[0].code });
				continue;
			}
			const data = spec.normalize(patch);
			const changed = Object.keys(data).filter((k) => !sameValue(data[k], current[k]));
			if (!changed.length) {
				out.unchanged++;
				continue;
			}
			out.before.set(id, Object.fromEntries(changed.map((k) => [k, current[k] ?? null])));
			writes.push({ ...current, ...data, field_times: touchedTimes(spec.mergeFields, current, data, now) });
		}
		if (writes.length) {
			await collection.bulkUpsert(writes);
			const written = writes.map((w) => w.id as string);
			out.changed.push(...written);
			onWritten(spec.collection, written);
		}
		onProgress(Math.min(i + chunk, ids.length), ids.length);
		await new Promise((ok) => setTimeout(ok, 0)); // let the screen draw the progress
	}
	return out;
}
