/**
 * Segment records (a saved rule or a frozen list of customers): the fields a device may write and
 * their validation, shared by the device and the server hooks (pb_hooks/lib/shared.js), so a segment
 * saved offline is never refused later for its format. The rule itself is checked by validateRule.
 * Pure and dependency-free (runs in PocketBase's goja, ES2019).
 */
import { SYSTEM_FIELDS } from './customer-fields';
import { compileRule, validateRule, type SegmentCustomer, type SegmentRule, type SegmentStats } from './segments';
import type { FieldError } from './validation';

export const SEGMENT_RECORD_FIELDS = ['name', 'description', 'kind', 'rule', 'members', 'owner', 'shared', 'deleted', 'history', 'field_times'] as const;

export type SegmentRecordField = (typeof SEGMENT_RECORD_FIELDS)[number];

/** Fields that carry user edits and take part in the field-by-field merge. */
export const SEGMENT_RECORD_MERGE_FIELDS = SEGMENT_RECORD_FIELDS.filter((f) => f !== 'history' && f !== 'field_times') as Exclude<SegmentRecordField, 'history' | 'field_times'>[];

/** dynamic: members are whoever matches the rule now; static: the members frozen when it was saved. */
export const SEGMENT_RECORD_KINDS = ['dynamic', 'static'] as const;
export type SegmentRecordKind = (typeof SEGMENT_RECORD_KINDS)[number];

export const SEGMENT_RECORD_LIMITS = { name: 100, description: 500, members: 50_000 } as const;

const RECORD_ID_RE = /^[a-z0-9]{15}$/;

function err(field: string, code: string, message: string): FieldError {
	return { field, code, message };
}

function checkText(data: Record<string, unknown>, field: 'name' | 'description', required: boolean, errors: FieldError[]) {
	const v = data[field];
	if (v == null || v === '') {
		if (required) errors.push(err(field, 'required', `${field} is required`));
		return;
	}
	if (typeof v !== 'string') return void errors.push(err(field, 'invalid_type', `${field} must be text`));
	const max = SEGMENT_RECORD_LIMITS[field];
	if (required && !v.trim()) errors.push(err(field, 'required', `${field} is required`));
	else if (v.trim().length > max) errors.push(err(field, 'too_long', `${field} is longer than ${max} characters`));
}

function isEmptyValue(v: unknown): boolean {
	return v == null || (Array.isArray(v) && v.length === 0);
}

/** The rule: required for a dynamic segment; when given (a static one may keep the rule it was frozen from) it must be valid. */
function checkRule(data: Record<string, unknown>, kind: unknown, errors: FieldError[]) {
	const rule = data.rule;
	if (rule == null) {
		if (kind === 'dynamic') errors.push(err('rule', 'required', 'rule is required for a dynamic segment'));
		return;
	}
	const problems = validateRule(rule);
	if (!problems.length) return;
	const first = problems[0];
	const where = first.path ? `rule.${first.path}` : 'rule';
	const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
	errors.push(err('rule', 'invalid_rule', `${where}: ${first.message}${more}`));
}

function checkMembers(data: Record<string, unknown>, kind: unknown, errors: FieldError[]) {
	const members = data.members;
	if (kind === 'static' && isEmptyValue(members)) return void errors.push(err('members', 'required', 'a static segment needs its members (a list of customer ids)'));
	if (members == null) return;
	if (!Array.isArray(members)) return void errors.push(err('members', 'invalid_type', 'members must be a list of customer ids'));
	if (kind === 'dynamic' && members.length) return void errors.push(err('members', 'not_allowed', 'members are kept only for static segments'));
	if (members.length > SEGMENT_RECORD_LIMITS.members) {
		return void errors.push(err('members', 'too_many', `a static segment holds at most ${SEGMENT_RECORD_LIMITS.members} customers`));
	}
	const bad = members.find((m) => typeof m !== 'string' || !RECORD_ID_RE.test(m));
	if (bad !== undefined) errors.push(err('members', 'invalid_id', `members must be customer ids (15 characters a-z0-9), not "${String(bad).slice(0, 40)}"`));
}

function checkBool(data: Record<string, unknown>, field: string, errors: FieldError[]) {
	if (data[field] != null && typeof data[field] !== 'boolean') errors.push(err(field, 'invalid_type', `${field} must be true or false`));
}

/**
 * Validates a segment write (a full document, or a patch with `partial`): unknown fields, a name
 * (1 to 100 characters), the kind, the owner, the rule (required for a dynamic segment, checked by
 * validateRule) and the members (required for a static segment, at most 50,000 customer ids).
 * The checks between kind, rule and members run on a patch only for what it carries: the server
 * checks the whole record after a REST patch. Returns one error per failing field.
 */
export function validateSegmentRecord(data: Record<string, unknown>, opts: { partial?: boolean } = {}): FieldError[] {
	const errors: FieldError[] = [];
	const known = new Set<string>([...SEGMENT_RECORD_FIELDS, ...SYSTEM_FIELDS]);
	for (const key of Object.keys(data)) {
		if (!known.has(key)) errors.push(err(key, 'unknown_field', `unknown field "${key.slice(0, 40)}"`));
	}
	const need = (f: string) => !opts.partial || f in data;
	checkText(data, 'name', need('name'), errors);
	checkText(data, 'description', false, errors);
	const kind = data.kind;
	if (need('kind')) {
		if (kind == null || kind === '') errors.push(err('kind', 'required', 'kind is required'));
		else if (!(SEGMENT_RECORD_KINDS as readonly unknown[]).includes(kind)) errors.push(err('kind', 'invalid_choice', `kind must be one of ${SEGMENT_RECORD_KINDS.join(', ')}`));
	}
	if (need('owner')) {
		const owner = data.owner;
		if (owner == null || owner === '') errors.push(err('owner', 'required', 'owner is required'));
		else if (typeof owner !== 'string' || !RECORD_ID_RE.test(owner)) errors.push(err('owner', 'invalid_id', 'owner must be a staff id (15 characters a-z0-9)'));
	}
	if (need('rule')) checkRule(data, 'kind' in data ? kind : undefined, errors);
	if (need('members')) checkMembers(data, 'kind' in data ? kind : undefined, errors);
	checkBool(data, 'shared', errors);
	checkBool(data, 'deleted', errors);
	if (data.history != null && !Array.isArray(data.history)) errors.push(err('history', 'invalid_type', 'history must be a list'));
	if (data.field_times != null && (typeof data.field_times !== 'object' || Array.isArray(data.field_times))) errors.push(err('field_times', 'invalid_type', 'field_times must be an object'));
	return errors;
}

/** Returns the segment with name and description trimmed and members without repeats (call after validation). */
export function normalizeSegmentRecord<T extends Record<string, unknown>>(data: T): T {
	const out: Record<string, unknown> = { ...data };
	if (typeof out.name === 'string') out.name = out.name.trim();
	if (typeof out.description === 'string') out.description = out.description.trim();
	if (Array.isArray(out.members)) {
		const seen: Record<string, true> = {};
		out.members = out.members.filter((m) => typeof m === 'string' && !seen[m] && (seen[m] = true));
	}
	return out as T;
}

/**
 * Whether a customer is in a segment: the frozen list of a static segment, or the rule of a dynamic
 * one over the customer and their statistics. A dynamic segment without a rule has no members.
 */
export function segmentMemberTest(
	segment: { kind: string; rule?: unknown; members?: readonly string[] | null },
	statsOf: (customerId: string) => SegmentStats | null,
	now: number
): (customer: SegmentCustomer & { id: string }) => boolean {
	if (segment.kind === 'static') {
		const ids = new Set(segment.members ?? []);
		return (c) => ids.has(c.id);
	}
	const rule = segment.rule as SegmentRule | undefined;
	if (!rule) return () => false;
	const matches = compileRule(rule);
	return (c) => matches(c, statsOf(c.id), now);
}
