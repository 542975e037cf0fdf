import type { CrmDatabase } from './database';
import type { SegmentDoc } from './schemas';
import { newRecordId } from './ids';
import { normalizeSegmentRecord, SEGMENT_RECORD_MERGE_FIELDS, validateSegmentRecord } from '../shared/segments-record';
import type { FieldError } from '../shared/validation';
import { sameValue } from '../shared/state-equal';

export type SegmentInput = Partial<Omit<SegmentDoc, 'id' | 'seq' | 'created' | 'updated' | 'history' | 'field_times'>>;

export class SegmentValidationError extends Error {
	constructor(readonly errors: FieldError[]) {
		super(errors.map((e) => e.message).join('; '));
	}
}

type OnWrite = (collection: 'segments', id: string) => void;

/** Field times for the fields that differ between before and after: the clock of the field merge. */
function touchedTimes(before: Partial<SegmentDoc> | null, after: SegmentInput, now: number): Record<string, number> {
	const times: Record<string, number> = { ...((before?.field_times as Record<string, number>) ?? {}) };
	for (const f of SEGMENT_RECORD_MERGE_FIELDS) {
		if (f in after && !sameValue((after as Record<string, unknown>)[f], (before as Record<string, unknown> | null)?.[f])) times[f] = now;
	}
	return times;
}

/**
 * Validates, normalises and saves a new segment locally; sync uploads it. `owner` is who keeps it
 * (the signed-in user); a dynamic segment carries its rule, a static one its members' ids.
 */
export async function createSegment(db: CrmDatabase, input: SegmentInput, onWrite: OnWrite): Promise<SegmentDoc> {
	const errors = validateSegmentRecord(input as Record<string, unknown>);
	if (errors.length) throw new SegmentValidationError(errors);
	const data = normalizeSegmentRecord(input as Record<string, unknown>) as SegmentInput;
	const now = Date.now();
	const doc = {
		...data,
		id: newRecordId(),
		name: data.name ?? '',
		kind: data.kind ?? '',
		owner: data.owner ?? '',
		shared: data.shared ?? false,
		deleted: false,
		history: [],
		field_times: touchedTimes(null, data, now),
		seq: 0,
		created: new Date(now).toISOString(),
		updated: new Date(now).toISOString()
	} as SegmentDoc;
	await db.segments.insert(doc);
	onWrite('segments', doc.id);
	return doc;
}

/**
 * Applies a patch to a local segment (name, rule, members, shared, deleted…), recording which fields
 * changed and when. The whole result is validated, so kind, rule and members always fit together.
 */
export async function updateSegment(db: CrmDatabase, id: string, patch: SegmentInput, onWrite: OnWrite): Promise<SegmentDoc> {
	const doc = await db.segments.findOne(id).exec();
	if (!doc) throw new Error(`segment ${id} is not on this device`);
	const current = doc.toMutableJSON() as SegmentDoc;
	const next = { ...current, ...patch };
	const errors = validateSegmentRecord(stripSystem(next));
	if (errors.length) throw new SegmentValidationError(errors);
	const data = normalizeSegmentRecord(patch as Record<string, unknown>) as SegmentInput;
	const now = Date.now();
	const saved = await doc.incrementalPatch({ ...data, field_times: touchedTimes(current, data, now) } as Partial<SegmentDoc>);
	onWrite('segments', id);
	return saved.toMutableJSON() as SegmentDoc;
}

function stripSystem(doc: Record<string, unknown>): Record<string, unknown> {
	const { _meta, _rev, _attachments, _deleted, ...rest } = doc;
	void _meta, void _rev, void _attachments, void _deleted;
	return rest;
}
