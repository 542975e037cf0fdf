import type { CrmDatabase } from './database';
import type { CustomerDoc } from './schemas';
import { normalizeEmail, normalizePhone } from '../shared/validation';
import { customerIndex } from '../state/customer-index';

/**
 * Customers on this device that share a phone number or an email with the given data. Phones and
 * e-mails are sealed in storage (seal.ts), so this reads the device's customer index, not a query.
 */
export async function findDuplicates(db: CrmDatabase, data: { phones?: string[]; emails?: string[] }, exceptId = ''): Promise<CustomerDoc[]> {
	const phones = new Set((data.phones ?? []).map((p) => normalizePhone(p)).filter((p): p is string => !!p));
	const emails = new Set((data.emails ?? []).map((e) => normalizeEmail(e)).filter((e): e is string => !!e));
	if (!phones.size && !emails.size) return [];
	const index = await customerIndex(db).load();
	return index.searchDocs('').filter((d) => d.id !== exceptId && !d.deleted && ((d.phones ?? []).some((p) => phones.has(p)) || (d.emails ?? []).some((e) => emails.has(e))));
}
