/**
 * Service records (visits, calls, chats, inquiries, complaints, notes): the fields a device may write
 * and their validation, shared by the device and the server hooks (pb_hooks/lib/shared.js), so a
 * record logged offline is never refused later for its format.
 * Pure and dependency-free (runs in PocketBase's goja, ES2019): dates are checked by pattern and
 * calendar arithmetic, not by the engine's Date string parsing.
 */
import { SYSTEM_FIELDS } from './customer-fields';
import type { FieldError } from './validation';

export const SERVICE_RECORD_FIELDS = ['customer', 'staff', 'kind', 'summary', 'outcome', 'at', 'follow_up', 'follow_up_done', 'deleted', 'history', 'field_times'] as const;

export type ServiceRecordField = (typeof SERVICE_RECORD_FIELDS)[number];

/** Fields that carry user edits and take part in the field-by-field merge. */
export const SERVICE_RECORD_MERGE_FIELDS = SERVICE_RECORD_FIELDS.filter((f) => f !== 'history' && f !== 'field_times') as Exclude<ServiceRecordField, 'history' | 'field_times'>[];

export const SERVICE_RECORD_KINDS = ['visit', 'call', 'chat', 'inquiry', 'complaint', 'note'] as const;
export type ServiceRecordKind = (typeof SERVICE_RECORD_KINDS)[number];

export const SERVICE_RECORD_LIMITS = {
	summary: 2000,
	outcome: 2000,
	/** `at`: an ISO 8601 date and time with a zone, at most this long. */
	at: 40
} as const;

const RECORD_ID_RE = /^[a-z0-9]{15}$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/i;

function err(field: string, code: string, message: string): FieldError {
	return { field, code, message };
}

function isCalendarDate(y: number, m: number, d: number): boolean {
	if (y < 1900 || m < 1 || m > 12 || d < 1) return false;
	const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
	return d <= days[m - 1];
}

/** A calendar date written YYYY-MM-DD. */
export function isIsoDate(v: unknown): v is string {
	const m = typeof v === 'string' ? DATE_RE.exec(v) : null;
	return !!m && isCalendarDate(+m[1], +m[2], +m[3]);
}

/** An ISO 8601 date and time with seconds optional and a zone (Z or ±hh:mm), e.g. 2026-03-01T09:30:00Z. */
export function isIsoDateTime(v: unknown): v is string {
	const m = typeof v === 'string' && v.length <= SERVICE_RECORD_LIMITS.at ? DATETIME_RE.exec(v) : null;
	if (!m || !isCalendarDate(+m[1], +m[2], +m[3])) return false;
	const zone = m[8].toUpperCase() === 'Z' ? null : /^[+-](\d{2}):?(\d{2})$/.exec(m[8]);
	return +m[4] <= 23 && +m[5] <= 59 && +(m[6] ?? 0) <= 59 && (!zone || (+zone[1] <= 14 && +zone[2] <= 59));
}

function checkId(data: Record<string, unknown>, field: 'customer' | 'staff', opts: { partial?: boolean }, errors: FieldError[]) {
	if (opts.partial && !(field in data)) return;
	const v = data[field];
	if (v == null || v === '') return void errors.push(err(field, 'required', `${field} is required`));
	if (typeof v !== 'string' || !RECORD_ID_RE.test(v)) errors.push(err(field, 'invalid_id', `${field} must be a record id (15 characters a-z0-9)`));
}

function checkText(data: Record<string, unknown>, field: 'summary' | 'outcome', required: boolean, errors: FieldError[]) {
	const v = data[field];
	if (v == null || v === '') {
		if (required) errors.push(err(field, 'required', `${field} is required`));
		return;
	}
	if (typeof v !== 'string') return void errors.push(err(field, 'invalid_type', `${field} must be text`));
	const max = SERVICE_RECORD_LIMITS[field];
	if (required && !v.trim()) errors.push(err(field, 'required', `${field} is required`));
	else if (v.length > max) errors.push(err(field, 'too_long', `${field} is longer than ${max} characters`));
}

function checkBool(data: Record<string, unknown>, field: string, errors: FieldError[]) {
	if (data[field] != null && typeof data[field] !== 'boolean') errors.push(err(field, 'invalid_type', `${field} must be true or false`));
}

/**
 * Validates a service record write (a full document or a patch with `partial`): unknown fields,
 * required customer, staff, kind, summary and at, the kind's choices, text lengths, `at` as an ISO
 * date and time and `follow_up` as a date (YYYY-MM-DD). Returns one error per failing field.
 */
export function validateServiceRecord(data: Record<string, unknown>, opts: { partial?: boolean } = {}): FieldError[] {
	const errors: FieldError[] = [];
	const known = new Set<string>([...SERVICE_RECORD_FIELDS, ...SYSTEM_FIELDS]);
	for (const key of Object.keys(data)) {
		if (!known.has(key)) errors.push(err(key, 'unknown_field', `unknown field "${key.slice(0, 40)}"`));
	}
	const need = (f: string) => !opts.partial || f in data;
	checkId(data, 'customer', opts, errors);
	checkId(data, 'staff', opts, errors);
	if (need('kind')) {
		const kind = data.kind;
		if (kind == null || kind === '') errors.push(err('kind', 'required', 'kind is required'));
		else if (!(SERVICE_RECORD_KINDS as readonly unknown[]).includes(kind)) errors.push(err('kind', 'invalid_choice', `kind must be one of ${SERVICE_RECORD_KINDS.join(', ')}`));
	}
	checkText(data, 'summary', need('summary'), errors);
	checkText(data, 'outcome', false, errors);
	if (need('at')) {
		const at = data.at;
		if (at == null || at === '') errors.push(err('at', 'required', 'at (when it happened) is required'));
		else if (!isIsoDateTime(at)) errors.push(err('at', 'invalid_date', 'at must be a date and time (ISO 8601 with a zone, e.g. 2026-03-01T09:30:00Z)'));
	}
	const followUp = data.follow_up;
	if (followUp != null && followUp !== '' && !isIsoDate(followUp)) errors.push(err('follow_up', 'invalid_date', 'follow_up must be a date (YYYY-MM-DD)'));
	checkBool(data, 'follow_up_done', errors);
	checkBool(data, 'deleted', errors);
	if (data.history != null && !Array.isArray(data.history)) errors.push(err('history', 'invalid_type', 'history must be a list'));
	if (data.field_times != null && (typeof data.field_times !== 'object' || Array.isArray(data.field_times))) errors.push(err('field_times', 'invalid_type', 'field_times must be an object'));
	return errors;
}

/**
 * Returns the record with summary and outcome trimmed and `at` in UTC (…Z, milliseconds), so records
 * sort by time as text on every device (call after validation).
 */
export function normalizeServiceRecord<T extends Record<string, unknown>>(data: T): T {
	const out: Record<string, unknown> = { ...data };
	if (typeof out.summary === 'string') out.summary = out.summary.trim();
	if (typeof out.outcome === 'string') out.outcome = out.outcome.trim();
	if (isIsoDateTime(out.at)) out.at = toUtcIso(out.at);
	return out as T;
}

/** An ISO date and time (as accepted by isIsoDateTime) in UTC: YYYY-MM-DDTHH:MM:SS.sssZ. */
function toUtcIso(v: string): string {
	const m = DATETIME_RE.exec(v)!;
	const ms = Math.floor(+`0.${m[7] ?? '0'}` * 1000);
	let t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0), ms);
	if (m[8].toUpperCase() !== 'Z') {
		const z = /^([+-])(\d{2}):?(\d{2})$/.exec(m[8])!;
		t -= (z[1] === '-' ? -1 : 1) * (+z[2] * 60 + +z[3]) * 60_000;
	}
	return new Date(t).toISOString();
}
