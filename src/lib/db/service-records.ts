import type { CrmDatabase } from './database';
import type { ServiceRecordDoc } from './schemas';
import { newRecordId } from './ids';
import { normalizeServiceRecord, SERVICE_RECORD_MERGE_FIELDS, validateServiceRecord } from '../shared/service-records';
import type { FieldError } from '../shared/validation';
import { sameValue } from '../shared/state-equal';

export type ServiceRecordInput = Partial<Omit<ServiceRecordDoc, 'id' | 'seq' | 'created' | 'updated' | 'history' | 'field_times'>>;

export class ServiceRecordValidationError extends Error {
	constructor(readonly errors: FieldError[]) {
		super(errors.map((e) => e.message).join('; '));
	}
}

type OnWrite = (collection: 'service_records', id: string) => void;

/** Field times for the fields that differ between before and after: the clock of the field merge. */
function touchedTimes(before: Partial<ServiceRecordDoc> | null, after: ServiceRecordInput, now: number): Record<string, number> {
	const times: Record<string, number> = { ...((before?.field_times as Record<string, number>) ?? {}) };
	for (const f of SERVICE_RECORD_MERGE_FIELDS) {
		if (f in after && !sameValue((after as Record<string, unknown>)[f], (before as Record<string, unknown> | null)?.[f])) times[f] = now;
	}
	return times;
}

/**
 * Validates, normalises and saves a new service record locally; sync uploads it.
 * `staff` is who did it (the signed-in user, for a rep); `at` when it happened (ISO date and time).
 */
export async function createServiceRecord(db: CrmDatabase, input: ServiceRecordInput, onWrite: OnWrite): Promise<ServiceRecordDoc> {
	const errors = validateServiceRecord(input as Record<string, unknown>);
	if (errors.length) throw new ServiceRecordValidationError(errors);
	const data = normalizeServiceRecord(input as Record<string, unknown>) as ServiceRecordInput;
	const now = Date.now();
	const doc = {
		...data,
		id: newRecordId(),
		// Indexed fields are required in the local schema: they always hold a string.
		customer: data.customer ?? '',
		follow_up: data.follow_up ?? '',
		staff: data.staff ?? '',
		kind: data.kind ?? '',
		summary: data.summary ?? '',
		at: data.at ?? '',
		follow_up_done: data.follow_up_done ?? false,
		deleted: false,
		history: [],
		field_times: touchedTimes(null, data, now),
		seq: 0,
		created: new Date(now).toISOString(),
		updated: new Date(now).toISOString()
	} as ServiceRecordDoc;
	await db.service_records.insert(doc);
	onWrite('service_records', doc.id);
	return doc;
}

/** Applies a patch to a local service record (e.g. outcome, follow-up done, deleted), recording which fields changed and when. */
export async function updateServiceRecord(db: CrmDatabase, id: string, patch: ServiceRecordInput, onWrite: OnWrite): Promise<ServiceRecordDoc> {
	const doc = await db.service_records.findOne(id).exec();
	if (!doc) throw new Error(`service record ${id} is not on this device`);
	const current = doc.toMutableJSON() as ServiceRecordDoc;
	const next = { ...current, ...patch };
	const errors = validateServiceRecord(stripSystem(next));
	if (errors.length) throw new ServiceRecordValidationError(errors);
	const data = normalizeServiceRecord(patch as Record<string, unknown>) as ServiceRecordInput;
	if ('follow_up' in data && data.follow_up == null) data.follow_up = ''; // indexed: never missing
	const now = Date.now();
	const saved = await doc.incrementalPatch({ ...data, field_times: touchedTimes(current, data, now) } as Partial<ServiceRecordDoc>);
	onWrite('service_records', id);
	return saved.toMutableJSON() as ServiceRecordDoc;
}

function stripSystem(doc: Record<string, unknown>): Record<string, unknown> {
	const { _meta, _rev, _attachments, _deleted, ...rest } = doc;
	void _meta, void _rev, void _attachments, void _deleted;
	return rest;
}
