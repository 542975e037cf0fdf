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
	void _meta, void _rev, void _attachments, void _deleted;
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
