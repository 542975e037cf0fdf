import type { CrmDatabase } from './database';
import type { SegmentDoc } from './schemas';
import { createRecord, RecordValidationError, updateRecord, type OnWrite as BaseOnWrite, type RecordSpec } from './synced-record';
import { normalizeSegmentRecord, SEGMENT_RECORD_MERGE_FIELDS, validateSegmentRecord } from '../shared/segments-record';

export type SegmentInput = Partial<Omit<SegmentDoc, 'id' | 'seq' | 'created' | 'updated' | 'history' | 'field_times'>>;
export { RecordValidationError as SegmentValidationError };

type OnWrite = BaseOnWrite<'segments'>;

const spec: RecordSpec<SegmentDoc, 'segments'> = {
	collection: 'segments',
	mergeFields: SEGMENT_RECORD_MERGE_FIELDS,
	validate: (d) => validateSegmentRecord(d),
	normalize: (d) => normalizeSegmentRecord(d),
	defaults: { name: '', kind: '', owner: '', shared: false }
};

/**
 * Validates, normalises and saves a new segment locally; sync uploads it. `owner` is who keeps it
 * (the signed-in user); a dynamic segment carries its rule, a static one its members' ids.
 */
export function createSegment(db: CrmDatabase, input: SegmentInput, onWrite: OnWrite): Promise<SegmentDoc> {
	return createRecord(db, spec, input as Record<string, unknown>, onWrite);
}

/**
 * Applies a patch to a local segment (name, rule, members, shared, deleted…), recording which fields
 * changed and when. The whole result is validated, so kind, rule and members always fit together.
 */
export function updateSegment(db: CrmDatabase, id: string, patch: SegmentInput, onWrite: OnWrite): Promise<SegmentDoc> {
	return updateRecord(db, spec, id, patch as Record<string, unknown>, onWrite);
}
