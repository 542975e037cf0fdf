import type { CrmDatabase } from './database';
import type { LabelDoc } from './schemas';
import { createRecord, RecordValidationError, updateRecord, type OnWrite as BaseOnWrite, type RecordSpec } from './synced-record';
import { LABEL_MERGE_FIELDS, labelNameKey, normalizeLabel, validateLabel } from '../shared/labels';

export type LabelInput = Partial<Omit<LabelDoc, 'id' | 'seq' | 'created' | 'updated' | 'history' | 'field_times'>>;
export { RecordValidationError as LabelValidationError };

type OnWrite = BaseOnWrite<'labels'>;

const spec: RecordSpec<LabelDoc, 'labels'> = {
	collection: 'labels',
	mergeFields: LABEL_MERGE_FIELDS,
	validate: (d) => validateLabel(d),
	normalize: (d) => normalizeLabel(d),
	defaults: { kind: '', name: '' }
};

/** Labels in display order: by `sort`, then by name. */
export function sortLabels(labels: LabelDoc[]): LabelDoc[] {
	return [...labels].sort((a, b) => (a.sort ?? 0) - (b.sort ?? 0) || a.name.localeCompare(b.name, 'zh-CN'));
}

/**
 * Refuses, with an error on `name`, a name that another label of the same kind on this device has
 * (not removed; latin letters compared without case, as the server's unique index does), so a
 * duplicate is caught before it is saved rather than refused later by the server.
 */
export async function assertNameFree(db: CrmDatabase, kind: string, name: string, exceptId?: string): Promise<void> {
	const key = labelNameKey(name);
	const same = await db.labels.find({ selector: { kind, deleted: { $ne: true } } }).exec();
	const clash = same.find((l) => l.id !== exceptId && labelNameKey(l.name) === key);
	if (clash) throw new RecordValidationError([{ field: 'name', code: 'not_unique', message: `a ${kind} named "${clash.name}" exists already` }]);
}

/** Validates, normalises and saves a new label locally, refusing a duplicate name; sync uploads it. */
export async function createLabel(db: CrmDatabase, input: LabelInput, onWrite: OnWrite): Promise<LabelDoc> {
	const errors = validateLabel(input as Record<string, unknown>);
	if (errors.length) throw new RecordValidationError(errors);
	const data = normalizeLabel(input as Record<string, unknown>) as LabelInput;
	await assertNameFree(db, data.kind ?? '', data.name ?? '');
	return createRecord(db, spec, input as Record<string, unknown>, onWrite);
}

/** Applies a patch to a local label (rename, recolour, remove), refusing a name another label of its kind has. */
export async function updateLabel(db: CrmDatabase, id: string, patch: LabelInput, onWrite: OnWrite): Promise<LabelDoc> {
	const current = (await db.labels.findOne(id).exec())?.toJSON() as LabelDoc | undefined;
	// Only a new name or kind, or bringing a label back, can make a clash.
	const renamed = 'name' in patch || 'kind' in patch || (patch.deleted === false && current?.deleted);
	if (current && renamed) {
		const next = normalizeLabel({ ...current, ...patch } as Record<string, unknown>) as LabelDoc;
		if (!next.deleted && !validateLabel(next as unknown as Record<string, unknown>).length) await assertNameFree(db, next.kind, next.name, id);
	}
	return updateRecord(db, spec, id, patch as Record<string, unknown>, onWrite);
}

/** Removes a label (soft delete, so the removal replicates). Customers keep the values they have. */
export function removeLabel(db: CrmDatabase, id: string, onWrite: OnWrite): Promise<LabelDoc> {
	return updateLabel(db, id, { deleted: true }, onWrite);
}
