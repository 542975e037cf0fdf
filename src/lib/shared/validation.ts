import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { CONSENT_HOW, CUSTOMER_FIELDS, GENDERS, LIMITS, SYSTEM_FIELDS } from './customer-fields';

/** A field error: the field, a stable code (translated on the device) and an English message for API clients. */
export interface FieldError {
	field: string;
	code: string;
	message: string;
}

export interface Address {
	label?: string;
	region?: string;
	city?: string;
	detail: string;
	postcode?: string;
}

const EMAIL_RE = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]{2,}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

// The last answers of normalizePhone: a profile is checked and then normalised, each parsing the same
// numbers, and the server's copy of this code (goja) parses a number in ~0.4 ms.
const phoneMemo = new Map<string, string | null>();

/** Normalises a phone number to E.164 (default region China), or returns null when it is not a valid number. */
export function normalizePhone(raw: string, defaultCountry: 'CN' = 'CN'): string | null {
	const cleaned = String(raw).replace(/[\s\-().]/g, '');
	if (!cleaned) return null;
	const key = `${defaultCountry}:${cleaned}`;
	const known = phoneMemo.get(key);
	if (known !== undefined) return known;
	const parsed = parsePhoneNumberFromString(cleaned, defaultCountry);
	const out = parsed && parsed.isValid() ? parsed.number : null;
	if (phoneMemo.size >= 500) phoneMemo.clear();
	phoneMemo.set(key, out);
	return out;
}

export function normalizeEmail(raw: string): string | null {
	const email = String(raw).trim().toLowerCase();
	return EMAIL_RE.test(email) && email.length <= 254 ? email : null;
}

function err(field: string, code: string, message: string): FieldError {
	return { field, code, message };
}

function isStringList(v: unknown): v is string[] {
	return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function checkList(data: Record<string, unknown>, field: 'phones' | 'emails', normalize: (s: string) => string | null, errors: FieldError[]) {
	const v = data[field];
	if (v == null) return;
	if (!isStringList(v)) return void errors.push(err(field, 'invalid_type', `${field} must be a list of strings`));
	if (v.length > LIMITS.listItems) return void errors.push(err(field, 'too_many', `${field} takes at most ${LIMITS.listItems} entries`));
	const bad = v.find((x) => normalize(x) === null);
	if (bad !== undefined) {
		const code = field === 'phones' ? 'invalid_phone' : 'invalid_email';
		errors.push(err(field, code, `${field === 'phones' ? 'Phone number' : 'Email'} "${bad.slice(0, 40)}" is not valid`));
	}
}

function checkText(data: Record<string, unknown>, field: string, max: number, errors: FieldError[]) {
	const v = data[field];
	if (v == null) return;
	if (typeof v !== 'string') return void errors.push(err(field, 'invalid_type', `${field} must be text`));
	if (v.length > max) errors.push(err(field, 'too_long', `${field} is longer than ${max} characters`));
}

function checkAddresses(v: unknown, errors: FieldError[]) {
	if (v == null) return;
	if (!Array.isArray(v)) return void errors.push(err('addresses', 'invalid_type', 'addresses must be a list'));
	if (v.length > LIMITS.listItems) return void errors.push(err('addresses', 'too_many', `addresses takes at most ${LIMITS.listItems} entries`));
	for (const a of v) {
		const ok =
			a &&
			typeof a === 'object' &&
			typeof a.detail === 'string' &&
			Object.entries(a).every(([k, x]) => ['label', 'region', 'city', 'detail', 'postcode'].includes(k) && typeof x === 'string' && x.length <= LIMITS.address);
		if (!ok) return void errors.push(err('addresses', 'invalid_address', 'each address needs a detail line and only label, region, city, detail, postcode (text)'));
	}
}

function checkTags(v: unknown, errors: FieldError[]) {
	if (v == null) return;
	if (!isStringList(v)) return void errors.push(err('tags', 'invalid_type', 'tags must be a list of strings'));
	if (v.length > LIMITS.tags) return void errors.push(err('tags', 'too_many', `at most ${LIMITS.tags} tags`));
	if (v.some((t) => !t.trim() || t.length > LIMITS.tag)) errors.push(err('tags', 'invalid_tag', `tags must be 1 to ${LIMITS.tag} characters`));
}

function checkDate(data: Record<string, unknown>, field: string, errors: FieldError[], opts: { past?: boolean; datetime?: boolean } = {}) {
	const v = data[field];
	if (v == null || v === '') return;
	const ok = typeof v === 'string' && (opts.datetime ? !Number.isNaN(Date.parse(v)) : DATE_RE.test(v) && !Number.isNaN(Date.parse(v)));
	if (!ok) return void errors.push(err(field, 'invalid_date', `${field} must be a date${opts.datetime ? ' and time' : ' (YYYY-MM-DD)'}`));
	if (opts.past && Date.parse(v as string) > Date.now()) errors.push(err(field, 'future_date', `${field} cannot be in the future`));
}

/**
 * Validates a customer write (a full document or a patch with `partial`).
 * The same function runs on the device before a local save and in the server hooks, so an
 * edit accepted offline is never refused later for its format.
 */
export function validateCustomer(data: Record<string, unknown>, opts: { partial?: boolean } = {}): FieldError[] {
	const errors: FieldError[] = [];
	const known = new Set<string>([...CUSTOMER_FIELDS, ...SYSTEM_FIELDS]);
	for (const key of Object.keys(data)) {
		if (!known.has(key)) errors.push(err(key, 'unknown_field', `unknown field "${key.slice(0, 40)}"`));
	}
	if (!opts.partial || 'name' in data) {
		const name = data.name;
		if (typeof name !== 'string' || !name.trim()) errors.push(err('name', 'required', 'name is required'));
		else checkText(data, 'name', LIMITS.name, errors);
	}
	checkList(data, 'phones', normalizePhone, errors);
	checkList(data, 'emails', normalizeEmail, errors);
	checkAddresses(data.addresses, errors);
	checkTags(data.tags, errors);
	checkText(data, 'notes', LIMITS.notes, errors);
	for (const f of ['category', 'source', 'region', 'external_id', 'owner']) checkText(data, f, LIMITS.text, errors);
	if (data.gender != null && !(GENDERS as readonly unknown[]).includes(data.gender)) errors.push(err('gender', 'invalid_choice', `gender must be one of ${GENDERS.filter(Boolean).join(', ')}`));
	if (data.consent_how != null && !(CONSENT_HOW as readonly unknown[]).includes(data.consent_how))
		errors.push(err('consent_how', 'invalid_choice', `consent_how must be one of ${CONSENT_HOW.filter(Boolean).join(', ')}`));
	if (data.marketing_consent != null && typeof data.marketing_consent !== 'boolean') errors.push(err('marketing_consent', 'invalid_type', 'marketing_consent must be true or false'));
	if (data.deleted != null && typeof data.deleted !== 'boolean') errors.push(err('deleted', 'invalid_type', 'deleted must be true or false'));
	checkDate(data, 'birthday', errors, { past: true });
	checkDate(data, 'consent_at', errors, { datetime: true });
	if (data.history != null && !Array.isArray(data.history)) errors.push(err('history', 'invalid_type', 'history must be a list'));
	if (data.field_times != null && (typeof data.field_times !== 'object' || Array.isArray(data.field_times))) errors.push(err('field_times', 'invalid_type', 'field_times must be an object'));
	return errors;
}

/** Returns the customer with phones in E.164, emails lower-cased and text trimmed (call after validation). */
export function normalizeCustomer<T extends Record<string, unknown>>(data: T): T {
	const out: Record<string, unknown> = { ...data };
	if (typeof out.name === 'string') out.name = out.name.trim();
	if (isStringList(out.phones)) out.phones = dedupe(out.phones.map((p) => normalizePhone(p) ?? p));
	if (isStringList(out.emails)) out.emails = dedupe(out.emails.map((e) => normalizeEmail(e) ?? e));
	if (isStringList(out.tags)) out.tags = dedupe(out.tags.map((t) => t.trim()));
	return out as T;
}

function dedupe(list: string[]): string[] {
	return [...new Set(list)];
}
