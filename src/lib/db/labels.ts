import type { CrmDatabase } from './database';
import type { LabelDoc } from './schemas';
import { newRecordId } from './ids';
import { LABEL_MERGE_FIELDS, labelNameKey, normalizeLabel, validateLabel } from '../shared/labels';
import type { FieldError } from '../shared/validation';
import { sameValue } from '../shared/state-equal';

export type LabelInput = Partial<Omit<LabelDoc, 'id' | 'seq' | 'created' | 'updated' | 'history' | 'field_times'>>;

export class LabelValidationError extends Error {
	constructor(readonly errors: FieldError[]) {
		super(errors.map((e) => e.message).join('; '));
	}
}

type OnWrite = (collection: 'labels', id: string) => void;

/** Field times for the fields that differ between before and after: the clock of the field merge. */
function touchedTimes(before: Partial<LabelDoc> | null, after: LabelInput, now: number): Record<string, number> {
	const times: Record<string, number> = { ...((before?.field_times as Record<string, number>) ?? {}) };
	for (const f of LABEL_MERGE_FIELDS) {
		if (f in after && !sameValue((after as Record<string, unknown>)[f], (before as Record<string, unknown> | null)?.[f])) times[f] = now;
	}
	return times;
}

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
	if (clash) throw new LabelValidationError([{ field: 'name', code: 'not_unique', message: `a ${kind} named "${clash.name}" exists already` }]);
}

/** Validates, normalises and saves a new label locally, refusing a duplicate name; sync uploads it. */
export async function createLabel(db: CrmDatabase, input: LabelInput, onWrite: OnWrite): Promise<LabelDoc> {
	const errors = validateLabel(input as Record<string, unknown>);
	if (errors.length) throw new LabelValidationError(errors);
	const data = normalizeLabel(input as Record<string, unknown>) as LabelInput;
	await assertNameFree(db, data.kind ?? '', data.name ?? '');
	const now = Date.now();
	const doc = {
		...data,
		id: newRecordId(),
		kind: data.kind ?? '',
		name: data.name ?? '',
		deleted: false,
		history: [],
		field_times: touchedTimes(null, data, now),
		seq: 0,
		created: new Date(now).toISOString(),
		updated: new Date(now).toISOString()
	} as LabelDoc;
	await db.labels.insert(doc);
	onWrite('labels', doc.id);
	return doc;
}

/** Applies a patch to a local label (rename, recolour, remove), refusing a name another label of its kind has. */
export async function updateLabel(db: CrmDatabase, id: string, patch: LabelInput, onWrite: OnWrite): Promise<LabelDoc> {
	const doc = await db.labels.findOne(id).exec();
	if (!doc) throw new Error(`label ${id} is not on this device`);
	const current = doc.toMutableJSON() as LabelDoc;
	const { _meta, _rev, _attachments, _deleted, ...next } = { ...current, ...patch } as Record<string, unknown>;
	void _meta, void _rev, void _attachments, void _deleted;
	const errors = validateLabel(next);
	if (errors.length) throw new LabelValidationError(errors);
	const data = normalizeLabel(patch as Record<string, unknown>) as LabelInput;
	// Only a new name or kind, or bringing a label back, can make a clash.
	const renamed = 'name' in patch || 'kind' in patch || (patch.deleted === false && current.deleted);
	if (renamed && !next.deleted) await assertNameFree(db, next.kind as string, next.name as string, id);
	const saved = await doc.incrementalPatch({ ...data, field_times: touchedTimes(current, data, Date.now()) } as Partial<LabelDoc>);
	onWrite('labels', id);
	return saved.toMutableJSON() as LabelDoc;
}

/** Removes a label (soft delete, so the removal replicates). Customers keep the values they have. */
export function removeLabel(db: CrmDatabase, id: string, onWrite: OnWrite): Promise<LabelDoc> {
	return updateLabel(db, id, { deleted: true }, onWrite);
}
