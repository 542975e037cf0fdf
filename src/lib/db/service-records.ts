import type { CrmDatabase } from './database';
import type { ServiceRecordDoc } from './schemas';
import { createRecord, RecordValidationError, updateRecord, type OnWrite as BaseOnWrite, type RecordSpec } from './synced-record';
import { normalizeServiceRecord, SERVICE_RECORD_MERGE_FIELDS, validateServiceRecord } from '../shared/service-records';

export type ServiceRecordInput = Partial<Omit<ServiceRecordDoc, 'id' | 'seq' | 'created' | 'updated' | 'history' | 'field_times'>>;
export { RecordValidationError as ServiceRecordValidationError };

type OnWrite = BaseOnWrite<'service_records'>;

const spec: RecordSpec<ServiceRecordDoc, 'service_records'> = {
	collection: 'service_records',
	mergeFields: SERVICE_RECORD_MERGE_FIELDS,
	validate: (d) => validateServiceRecord(d),
	normalize: (d) => normalizeServiceRecord(d),
	// Indexed fields are required in the local schema: they always hold a string.
	defaults: { customer: '', follow_up: '', staff: '', kind: '', summary: '', at: '', follow_up_done: false }
};

/**
 * Validates, normalises and saves a new service record locally; sync uploads it.
 * `staff` is who did it (the signed-in user, for a rep); `at` when it happened (ISO date and time).
 */
export function createServiceRecord(db: CrmDatabase, input: ServiceRecordInput, onWrite: OnWrite): Promise<ServiceRecordDoc> {
	return createRecord(db, spec, input as Record<string, unknown>, onWrite);
}

/** Applies a patch to a local service record (e.g. outcome, follow-up done, deleted), recording which fields changed and when. */
export function updateServiceRecord(db: CrmDatabase, id: string, patch: ServiceRecordInput, onWrite: OnWrite): Promise<ServiceRecordDoc> {
	return updateRecord(db, spec, id, patch as Record<string, unknown>, onWrite);
}
