import type { CrmDatabase } from './database';
import type { CustomerDoc } from './schemas';
import { newRecordId } from './ids';
import { CUSTOMER_MERGE_FIELDS } from '../shared/customer-fields';
import { normalizeCustomer, validateCustomer, type FieldError } from '../shared/validation';
import { sameValue } from '../shared/state-equal';

export type CustomerInput = Partial<Omit<CustomerDoc, 'id' | 'seq' | 'created' | 'updated' | 'history' | 'field_times'>>;

export class CustomerValidationError extends Error {
	constructor(readonly errors: FieldError[]) {
		super(errors.map((e) => e.message).join('; '));
	}
}

type OnWrite = (collection: 'customers', id: string) => void;

/** Field times for the fields that differ between before and after: the clock of the field merge. */
function touchedTimes(before: Partial<CustomerDoc> | null, after: CustomerInput, now: number): Record<string, number> {
	const times: Record<string, number> = { ...((before?.field_times as Record<string, number>) ?? {}) };
	for (const f of CUSTOMER_MERGE_FIELDS) {
		if (f in after && !sameValue((after as Record<string, unknown>)[f], (before as Record<string, unknown> | null)?.[f])) times[f] = now;
	}
	return times;
}

/** Validates, normalises and saves a new customer locally; sync uploads it. */
export async function createCustomer(db: CrmDatabase, input: CustomerInput, onWrite: OnWrite): Promise<CustomerDoc> {
	const errors = validateCustomer(input as Record<string, unknown>);
	if (errors.length) throw new CustomerValidationError(errors);
	const data = normalizeCustomer(input as Record<string, unknown>) as CustomerInput;
	const now = Date.now();
	const doc = {
		...data,
		id: newRecordId(),
		name: data.name ?? '',
		deleted: false,
		history: [],
		field_times: touchedTimes(null, data, now),
		seq: 0,
		created: new Date(now).toISOString(),
		updated: new Date(now).toISOString()
	} as CustomerDoc;
	await db.customers.insert(doc);
	onWrite('customers', doc.id);
	return doc;
}

/** Applies a patch to a local customer, recording which fields changed and when. */
export async function updateCustomer(db: CrmDatabase, id: string, patch: CustomerInput, onWrite: OnWrite): Promise<CustomerDoc> {
	const doc = await db.customers.findOne(id).exec();
	if (!doc) throw new Error(`customer ${id} is not on this device`);
	const current = doc.toMutableJSON() as CustomerDoc;
	const next = { ...current, ...patch };
	const errors = validateCustomer(stripSystem(next));
	if (errors.length) throw new CustomerValidationError(errors);
	const data = normalizeCustomer(patch as Record<string, unknown>) as CustomerInput;
	const now = Date.now();
	const saved = await doc.incrementalPatch({ ...data, field_times: touchedTimes(current, data, now) } as Partial<CustomerDoc>);
	onWrite('customers', id);
	return saved.toMutableJSON() as CustomerDoc;
}

function stripSystem(doc: Record<string, unknown>): Record<string, unknown> {
	const { _meta, _rev, _attachments, _deleted, ...rest } = doc;
	void _meta, void _rev, void _attachments, void _deleted;
	return rest;
}
