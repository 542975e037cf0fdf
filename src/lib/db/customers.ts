import type { CrmDatabase } from './database';
import type { CustomerDoc } from './schemas';
import { bulkUpdateRecords, createRecord, RecordValidationError, updateRecord, type BulkOutcome, type OnWrite as BaseOnWrite, type RecordSpec } from './synced-record';
import { CUSTOMER_MERGE_FIELDS } from '../shared/customer-fields';
import { normalizeCustomer, validateCustomer } from '../shared/validation';

export type CustomerInput = Partial<Omit<CustomerDoc, 'id' | 'seq' | 'created' | 'updated' | 'history' | 'field_times'>>;
export { RecordValidationError as CustomerValidationError };

type OnWrite = BaseOnWrite<'customers'>;

const spec: RecordSpec<CustomerDoc, 'customers'> = {
	collection: 'customers',
	mergeFields: CUSTOMER_MERGE_FIELDS,
	validate: (d) => validateCustomer(d),
	normalize: (d) => normalizeCustomer(d),
	defaults: { name: '' }
};

/** Validates, normalises and saves a new customer locally; sync uploads it. */
export function createCustomer(db: CrmDatabase, input: CustomerInput, onWrite: OnWrite): Promise<CustomerDoc> {
	return createRecord(db, spec, input as Record<string, unknown>, onWrite);
}

/** Applies a patch to a local customer, recording which fields changed and when. */
export function updateCustomer(db: CrmDatabase, id: string, patch: CustomerInput, onWrite: OnWrite): Promise<CustomerDoc> {
	return updateRecord(db, spec, id, patch as Record<string, unknown>, onWrite);
}

/** A bulk action on customers (the list's selection): what to change on each. */
export type BulkAction = { kind: 'assign'; owner: string } | { kind: 'add_tag'; tag: string } | { kind: 'remove_tag'; tag: string } | { kind: 'category'; category: string };

/** The fields a bulk action changes on one customer, or null when it has nothing to change there. */
export function bulkPatch(action: BulkAction, c: Pick<CustomerDoc, 'tags' | 'category' | 'owner'>): CustomerInput | null {
	const tags = c.tags ?? [];
	switch (action.kind) {
		case 'assign':
			return c.owner === action.owner ? null : { owner: action.owner };
		case 'add_tag':
			return tags.some((t) => t.toLowerCase() === action.tag.trim().toLowerCase()) ? null : { tags: [...tags, action.tag.trim()] };
		case 'remove_tag': {
			const kept = tags.filter((t) => t.toLowerCase() !== action.tag.trim().toLowerCase());
			return kept.length === tags.length ? null : { tags: kept };
		}
		case 'category':
			return (c.category ?? '') === action.category ? null : { category: action.category };
	}
}

/**
 * Applies a bulk action to the given customers on this device, a chunk at a time; sync uploads each
 * change as if it were made by hand (the server's rules and validation decide, per customer).
 */
export function bulkUpdateCustomers(
	db: CrmDatabase,
	ids: readonly string[],
	action: BulkAction,
	onWritten: (collection: 'customers', ids: string[]) => void,
	onProgress?: (done: number, total: number) => void
): Promise<BulkOutcome> {
	return bulkUpdateRecords(db, spec, ids, (c) => bulkPatch(action, c as CustomerDoc) as Record<string, unknown> | null, onWritten, onProgress);
}

/** Puts back what a bulk action replaced (each field as it was; a later edit of the same field in between is overwritten, as an edit by hand would). */
export function undoBulk(
	db: CrmDatabase,
	outcome: Pick<BulkOutcome, 'before'>,
	onWritten: (collection: 'customers', ids: string[]) => void,
	onProgress?: (done: number, total: number) => void
): Promise<BulkOutcome> {
	return bulkUpdateRecords(db, spec, [...outcome.before.keys()], (c) => outcome.before.get(c.id as string) ?? null, onWritten, onProgress);
}
