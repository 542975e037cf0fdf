import { normalizeEmail, normalizePhone, type FieldError } from './validation';

/** How a shopper who left a message after hours may be reached (docs/api/chat.md, `conversations.contact`). */
export interface ChatContact {
	email?: string;
	phone?: string;
}

export const CONTACT_LIMITS = { email: 254, phone: 40 };

/**
 * Checks a contact sent with a new conversation, with the same phone and email rules as customers.
 * Errors name `contact.email`, `contact.phone`, or `contact` (neither given, and the shop did not
 * identify the shopper). The widget runs it before sending; pb_hooks/lib/chat.js again on create.
 */
export function checkContact(input: unknown, opts: { identified?: boolean } = {}): { errors: FieldError[]; contact: ChatContact } {
	const errors: FieldError[] = [];
	const contact: ChatContact = {};
	if (input == null || typeof input !== 'object' || Array.isArray(input)) {
		errors.push({ field: 'contact', code: 'invalid_type', message: 'contact must be { email?, phone? }' });
		return { errors, contact };
	}
	const data = input as Record<string, unknown>;
	for (const key of Object.keys(data)) {
		if (key !== 'email' && key !== 'phone') errors.push({ field: 'contact', code: 'unknown_field', message: `contact takes email and phone only, not "${key.slice(0, 40)}"` });
	}
	for (const field of ['email', 'phone'] as const) {
		const v = data[field];
		if (v == null || v === '') continue;
		if (typeof v !== 'string' || v.length > CONTACT_LIMITS[field]) {
			errors.push({ field: `contact.${field}`, code: 'invalid_type', message: `contact.${field} must be a text of at most ${CONTACT_LIMITS[field]} characters` });
			continue;
		}
		if (!v.trim()) continue;
		const normal = field === 'email' ? normalizeEmail(v) : normalizePhone(v);
		if (normal) contact[field] = normal;
		else if (field === 'email') errors.push({ field: 'contact.email', code: 'invalid_email', message: 'contact.email is not a valid email address' });
		else errors.push({ field: 'contact.phone', code: 'invalid_phone', message: 'contact.phone is not a valid phone number (Chinese numbers without +86, others with their country code)' });
	}
	const given = ['email', 'phone'].some((f) => typeof data[f] === 'string' && (data[f] as string).trim());
	if (!given && !opts.identified) errors.push({ field: 'contact', code: 'required', message: 'contact needs an email or a phone number' });
	return { errors, contact };
}
