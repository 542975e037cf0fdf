import type { CrmDatabase } from './database';
import type { CustomerDoc } from './schemas';
import { normalizeEmail, normalizePhone } from '../shared/validation';

/** Customers on this device that share a phone number or an email with the given data. */
export async function findDuplicates(db: CrmDatabase, data: { phones?: string[]; emails?: string[] }, exceptId = ''): Promise<CustomerDoc[]> {
	const phones = (data.phones ?? []).map((p) => normalizePhone(p)).filter((p): p is string => !!p);
	const emails = (data.emails ?? []).map((e) => normalizeEmail(e)).filter((e): e is string => !!e);
	const or = [...(phones.length ? [{ phones: { $in: phones } }] : []), ...(emails.length ? [{ emails: { $in: emails } }] : [])];
	if (!or.length) return [];
	const docs = await db.customers.find({ selector: { $or: or, deleted: { $ne: true } } }).exec();
	return docs.filter((d) => d.id !== exceptId).map((d) => d.toJSON() as CustomerDoc);
}
