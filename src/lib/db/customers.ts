import type { CrmDatabase } from './database';
import type { CustomerDoc } from './schemas';
import { createRecord, RecordValidationError, updateRecord, type OnWrite as BaseOnWrite, type RecordSpec } from './synced-record';
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
