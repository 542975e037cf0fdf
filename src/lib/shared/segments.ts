/**
 * Segment rules: an and/or tree of conditions over a customer's profile and statistics.
 * Pure and dependency-free so the same code runs on the device and in PocketBase's JS hooks (goja,
 * ES2019): no DOM, no Node APIs, no Intl, no Date string parsing; the caller passes `now`.
 */
import { GENDERS } from './customer-fields';

export const RFM_SEGMENTS = ['', 'champions', 'loyal', 'potential_loyalists', 'new', 'at_risk', 'hibernating', 'lost'] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

/** Comparators allowed for each kind of field. */
export const SEGMENT_COMPARATORS = {
	text: ['eq', 'neq', 'contains', 'starts_with', 'in', 'not_in', 'is_empty', 'is_not_empty'],
	number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'is_empty', 'is_not_empty'],
	boolean: ['is_true', 'is_false'],
	list: ['has_any', 'has_all', 'has_none', 'is_empty', 'is_not_empty'],
	choice: ['eq', 'neq', 'in', 'not_in']
} as const;

export type SegmentKind = keyof typeof SEGMENT_COMPARATORS;
export type SegmentComparator = (typeof SEGMENT_COMPARATORS)[SegmentKind][number];

interface FieldSpec {
	readonly kind: SegmentKind;
	/** Where the value comes from: the customer document or the server-computed stats. */
	readonly source: 'customer' | 'stats';
	readonly choices?: readonly string[];
}

/**
 * The closed list of fields a rule may test. `age` is derived from `birthday`, `days_since_created`
 * from `created`, `days_since_last_purchase` from `stats.last_order_at` (all against `now`).
 */
export const SEGMENT_FIELDS = {
	name: { kind: 'text', source: 'customer' },
	gender: { kind: 'choice', source: 'customer', choices: GENDERS },
	region: { kind: 'text', source: 'customer' },
	category: { kind: 'text', source: 'customer' },
	source: { kind: 'text', source: 'customer' },
	owner: { kind: 'text', source: 'customer' },
	tags: { kind: 'list', source: 'customer' },
	marketing_consent: { kind: 'boolean', source: 'customer' },
	age: { kind: 'number', source: 'customer' },
	days_since_created: { kind: 'number', source: 'customer' },
	total_spend: { kind: 'number', source: 'stats' },
	order_count: { kind: 'number', source: 'stats' },
	days_since_last_purchase: { kind: 'number', source: 'stats' },
	rfm_segment: { kind: 'choice', source: 'stats', choices: RFM_SEGMENTS },
	predicted_value: { kind: 'number', source: 'stats' },
	churn_risk: { kind: 'boolean', source: 'stats' }
} as const satisfies Record<string, FieldSpec>;

export type SegmentFieldName = keyof typeof SEGMENT_FIELDS;

/**
 * Where the server reads each rule field: the customers column, or the customer_stats column (the
 * rule engine derives age, days since… from them). One list for the JS hooks (lib/segments.js) and
 * the Go campaign audience (server/audience.go).
 */
export const SEGMENT_COLUMNS: Record<SegmentFieldName, { table: 'customers' | 'customer_stats'; column: string }> = {
	name: { table: 'customers', column: 'name' },
	gender: { table: 'customers', column: 'gender' },
	region: { table: 'customers', column: 'region' },
	category: { table: 'customers', column: 'category' },
	source: { table: 'customers', column: 'source' },
	owner: { table: 'customers', column: 'owner' },
	tags: { table: 'customers', column: 'tags' },
	marketing_consent: { table: 'customers', column: 'marketing_consent' },
	age: { table: 'customers', column: 'birthday' },
	days_since_created: { table: 'customers', column: 'created' },
	total_spend: { table: 'customer_stats', column: 'total_spend' },
	order_count: { table: 'customer_stats', column: 'order_count' },
	days_since_last_purchase: { table: 'customer_stats', column: 'last_order_at' },
	rfm_segment: { table: 'customer_stats', column: 'rfm_segment' },
	predicted_value: { table: 'customer_stats', column: 'predicted_value' },
	churn_risk: { table: 'customer_stats', column: 'churn_risk' }
};

/** Limits that keep a rule cheap to evaluate over every customer on a phone. */
export const SEGMENT_LIMITS = { depth: 5, conditions: 50 } as const;

export type SegmentValue = string | number | boolean | null | readonly string[] | readonly [number, number];

export interface SegmentCondition {
	field: SegmentFieldName;
	cmp: SegmentComparator;
	/** Absent for is_empty, is_not_empty, is_true, is_false. */
	value?: SegmentValue;
}

export interface SegmentRule {
	op: 'and' | 'or';
	rules: (SegmentRule | SegmentCondition)[];
}

/** The customer fields a rule reads (a customer document from RxDB or PocketBase fits). */
export interface SegmentCustomer {
	name?: string | null;
	gender?: string | null;
	region?: string | null;
	category?: string | null;
	source?: string | null;
	owner?: string | null;
	tags?: readonly string[] | null;
	marketing_consent?: boolean | null;
	birthday?: string | null;
	created?: string | null;
	deleted?: boolean | null;
}

/** The customer_stats fields a rule reads. */
export interface SegmentStats {
	total_spend?: number | null;
	order_count?: number | null;
	last_order_at?: string | null;
	rfm_segment?: string | null;
	/** The predicted 12-month value, to two significant figures (server/clv.go ruleValue). */
	predicted_value?: number | null;
	/** A repeat buyer now more likely gone than not (the server's SQL gives 0/1). */
	churn_risk?: boolean | number | null;
}

export interface SegmentError {
	path: string;
	code: string;
	message: string;
}

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------- small helpers

function isObject(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Own-property check, so "constructor" or "__proto__" are never taken for fields.
function has(obj: object, key: string): boolean {
	return Object.prototype.hasOwnProperty.call(obj, key);
}

function norm(v: string): string {
	return v.trim().toLowerCase();
}

function isFiniteNumber(v: unknown): v is number {
	return typeof v === 'number' && isFinite(v);
}

function isStringArray(v: unknown): v is string[] {
	return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function isRange(v: unknown): v is [number, number] {
	return Array.isArray(v) && v.length === 2 && isFiniteNumber(v[0]) && isFiniteNumber(v[1]);
}

function isGroup(node: unknown): node is Record<string, unknown> {
	return isObject(node) && (has(node, 'op') || has(node, 'rules'));
}

function join(base: string, key: string | number): string {
	return base ? `${base}.${key}` : String(key);
}

// ---------------------------------------------------------------- dates (no Date.parse: its quirks differ between engines)

interface Stamp {
	y: number;
	m: number;
	d: number;
	ms: number;
}

const STAMP_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

function zoneOffsetMs(zone: string | undefined): number {
	if (!zone || zone.toUpperCase() === 'Z') return 0;
	const sign = zone[0] === '-' ? -1 : 1;
	const digits = zone.slice(1).replace(':', '');
	return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

function daysInMonth(y: number, m: number): number {
	return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Parses 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS.sssZ' or ISO 8601; no zone means UTC (PocketBase stores UTC). */
function parseTimestamp(v: unknown): Stamp | null {
	const m = typeof v === 'string' ? STAMP_RE.exec(v.trim()) : null;
	if (!m) return null;
	const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] || 0));
	// Years below 1000 are not shop data, and Date.UTC maps years 0-99 onto 1900-1999.
	if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
	const frac = Number(((m[7] || '') + '000').slice(0, 3));
	return { y, m: mo, d, ms: Date.UTC(y, mo - 1, d, h, mi, s, frac) - zoneOffsetMs(m[8]) };
}

// Whole elapsed days, so the result does not depend on the device's time zone; clock skew counts as 0.
function daysSince(v: unknown, now: number): number | null {
	const t = parseTimestamp(v);
	if (!t || !isFiniteNumber(now)) return null;
	return Math.max(0, Math.floor((now - t.ms) / DAY_MS));
}

/** Age in whole years on the UTC calendar date of `now`; null when unknown or in the future. */
function ageFrom(birthday: unknown, now: number): number | null {
	const b = parseTimestamp(birthday);
	if (!b || !isFiniteNumber(now)) return null;
	const today = new Date(now);
	const [y, m, d] = [today.getUTCFullYear(), today.getUTCMonth() + 1, today.getUTCDate()];
	const age = y - b.y - (m < b.m || (m === b.m && d < b.d) ? 1 : 0);
	return age >= 0 ? age : null;
}

// ---------------------------------------------------------------- reading fields

type Actual = string | number | null | boolean | string[];
type Reader = (c: Record<string, unknown>, s: Record<string, unknown>, now: number) => Actual;

function text(v: unknown): string {
	return typeof v === 'string' ? norm(v) : '';
}

function numberOrNull(v: unknown): number | null {
	return isFiniteNumber(v) ? v : null;
}

function tagList(v: unknown): string[] {
	return Array.isArray(v)
		? v
				.filter((t): t is string => typeof t === 'string')
				.map(norm)
				.filter(Boolean)
		: [];
}

const READERS: Record<SegmentFieldName, Reader> = {
	name: (c) => text(c.name),
	gender: (c) => text(c.gender),
	region: (c) => text(c.region),
	category: (c) => text(c.category),
	source: (c) => text(c.source),
	owner: (c) => text(c.owner),
	tags: (c) => tagList(c.tags),
	marketing_consent: (c) => c.marketing_consent === true,
	age: (c, _s, now) => ageFrom(c.birthday, now),
	days_since_created: (c, _s, now) => daysSince(c.created, now),
	total_spend: (_c, s) => numberOrNull(s.total_spend),
	order_count: (_c, s) => numberOrNull(s.order_count),
	days_since_last_purchase: (_c, s, now) => daysSince(s.last_order_at, now),
	rfm_segment: (_c, s) => text(s.rfm_segment),
	predicted_value: (_c, s) => numberOrNull(s.predicted_value),
	churn_risk: (_c, s) => s.churn_risk === true || s.churn_risk === 1
};

// ---------------------------------------------------------------- comparing

function compareText(actual: string, cmp: string, value: unknown): boolean {
	if (cmp === 'is_empty') return actual === '';
	if (cmp === 'is_not_empty') return actual !== '';
	if (cmp === 'in' || cmp === 'not_in') {
		if (!isStringArray(value)) return false;
		return value.map(norm).indexOf(actual) >= 0 === (cmp === 'in');
	}
	if (typeof value !== 'string') return false;
	const v = norm(value);
	if (cmp === 'eq') return actual === v;
	if (cmp === 'neq') return actual !== v;
	if (cmp === 'contains') return actual.indexOf(v) >= 0;
	return cmp === 'starts_with' && actual.slice(0, v.length) === v;
}

function compareNumber(actual: number | null, cmp: string, value: unknown): boolean {
	if (cmp === 'is_empty' || cmp === 'is_not_empty') return (actual === null) === (cmp === 'is_empty');
	if (actual === null) return false;
	if (cmp === 'between') return isRange(value) && value[0] <= actual && actual <= value[1];
	if (!isFiniteNumber(value)) return false;
	switch (cmp) {
		case 'eq':
			return actual === value;
		case 'neq':
			return actual !== value;
		case 'gt':
			return actual > value;
		case 'gte':
			return actual >= value;
		case 'lt':
			return actual < value;
		case 'lte':
			return actual <= value;
		default:
			return false;
	}
}

function compareList(actual: string[], cmp: string, value: unknown): boolean {
	if (cmp === 'is_empty') return actual.length === 0;
	if (cmp === 'is_not_empty') return actual.length > 0;
	if (!isStringArray(value)) return false;
	const hits = value.map(norm).filter((v) => actual.indexOf(v) >= 0).length;
	if (cmp === 'has_any') return hits > 0;
	if (cmp === 'has_all') return hits === value.length;
	return cmp === 'has_none' && hits === 0;
}

function compareBoolean(actual: boolean, cmp: string): boolean {
	return cmp === 'is_true' ? actual : cmp === 'is_false' && !actual;
}

function fieldSpec(field: unknown): FieldSpec | null {
	return typeof field === 'string' && has(SEGMENT_FIELDS, field) ? SEGMENT_FIELDS[field as SegmentFieldName] : null;
}

function allowed(kind: SegmentKind, cmp: unknown): boolean {
	return typeof cmp === 'string' && (SEGMENT_COMPARATORS[kind] as readonly string[]).indexOf(cmp) >= 0;
}

type Test = (c: Record<string, unknown>, s: Record<string, unknown>, now: number) => boolean;
const NEVER: Test = () => false;

/**
 * One condition as a test, its comparison chosen and its values normalised once: a rule is compiled
 * once and then run over every customer. A condition that would not pass validateRule matches
 * nothing rather than throwing mid-scan.
 */
function compileCondition(node: Record<string, unknown>): Test {
	const spec = fieldSpec(node.field);
	if (!spec || !allowed(spec.kind, node.cmp)) return NEVER;
	const read = READERS[node.field as SegmentFieldName];
	const cmp = node.cmp as string;
	const value = node.value;
	switch (spec.kind) {
		case 'number':
			return (c, s, now) => compareNumber(read(c, s, now) as number | null, cmp, value);
		case 'boolean':
			return (c, s, now) => compareBoolean(read(c, s, now) as boolean, cmp);
		case 'list': {
			if (cmp === 'is_empty' || cmp === 'is_not_empty') return (c, s, now) => compareList(read(c, s, now) as string[], cmp, value);
			if (!isStringArray(value)) return NEVER;
			const wanted = value.map(norm);
			return (c, s, now) => {
				const actual = read(c, s, now) as string[];
				let hits = 0;
				for (const v of wanted) if (actual.indexOf(v) >= 0) hits++;
				if (cmp === 'has_any') return hits > 0;
				if (cmp === 'has_all') return hits === wanted.length;
				return cmp === 'has_none' && hits === 0;
			};
		}
		default: {
			if (cmp === 'in' || cmp === 'not_in') {
				if (!isStringArray(value)) return NEVER;
				const wanted = value.map(norm);
				const want = cmp === 'in';
				return (c, s, now) => wanted.indexOf(read(c, s, now) as string) >= 0 === want;
			}
			if (cmp === 'is_empty' || cmp === 'is_not_empty') return (c, s, now) => compareText(read(c, s, now) as string, cmp, value);
			if (typeof value !== 'string') return NEVER;
			const v = norm(value);
			return (c, s, now) => compareText(read(c, s, now) as string, cmp, v);
		}
	}
}

function compileNode(node: unknown): Test {
	if (!isGroup(node)) return isObject(node) ? compileCondition(node) : NEVER;
	const rules = node.rules;
	if (!Array.isArray(rules)) return NEVER;
	const tests = rules.map(compileNode);
	if (node.op === 'and') {
		return (c, s, now) => {
			for (const t of tests) if (!t(c, s, now)) return false;
			return true;
		};
	}
	if (node.op !== 'or') return NEVER;
	return (c, s, now) => {
		for (const t of tests) if (t(c, s, now)) return true;
		return false;
	};
}

export type CompiledRule = (customer: SegmentCustomer | null | undefined, stats: SegmentStats | null | undefined, now: number) => boolean;

/**
 * The rule as a function of (customer, stats, now), for running one rule over many customers. An
 * empty `and` matches everyone, an empty `or` no one; deleted customers never match. Missing stats
 * make numeric stats null (only is_empty matches).
 */
export function compileRule(rule: SegmentRule | SegmentCondition): CompiledRule {
	const test = compileNode(rule);
	return (customer, stats, now) => {
		const c: Record<string, unknown> = isObject(customer) ? customer : {};
		if (c.deleted === true) return false;
		return test(c, isObject(stats) ? stats : {}, now);
	};
}

/** Whether a customer belongs to the segment (compileRule, for one customer). */
export function evaluateRule(rule: SegmentRule | SegmentCondition, customer: SegmentCustomer | null | undefined, stats: SegmentStats | null | undefined, now: number): boolean {
	return compileRule(rule)(customer, stats, now);
}

// ---------------------------------------------------------------- validating

type Issue = [code: string, message: string];

function checkStrings(value: unknown, choices: readonly string[] | undefined): Issue | null {
	if (!isStringArray(value)) return ['invalid_value', 'value must be a list of text'];
	if (value.length === 0) return ['empty_value', 'value must name at least one entry'];
	if (!choices) return null;
	const bad = value.find((v) => choices.indexOf(norm(v)) < 0);
	return bad === undefined ? null : ['invalid_choice', `"${bad.slice(0, 40)}" is not one of ${choices.filter(Boolean).join(', ')}`];
}

function checkString(value: unknown, cmp: string, choices: readonly string[] | undefined): Issue | null {
	if (typeof value !== 'string') return ['invalid_value', 'value must be text'];
	// An empty needle would match every customer, which is never what was meant.
	if ((cmp === 'contains' || cmp === 'starts_with') && !value.trim()) return ['empty_value', 'value must not be empty'];
	if (choices && choices.indexOf(norm(value)) < 0) return ['invalid_choice', `value must be one of ${choices.filter(Boolean).join(', ')}`];
	return null;
}

function checkRange(value: unknown): Issue | null {
	if (!isRange(value)) return ['invalid_value', 'value must be two numbers [from, to]'];
	return value[0] <= value[1] ? null : ['invalid_range', 'the first number must not be greater than the second'];
}

function checkValue(spec: FieldSpec, cmp: string, value: unknown): Issue | null {
	if (cmp === 'is_empty' || cmp === 'is_not_empty' || cmp === 'is_true' || cmp === 'is_false') return null;
	if (cmp === 'between') return checkRange(value);
	if (spec.kind === 'number') return isFiniteNumber(value) ? null : ['invalid_value', 'value must be a number'];
	if (spec.kind === 'list' || cmp === 'in' || cmp === 'not_in') return checkStrings(value, spec.choices);
	return checkString(value, cmp, spec.choices);
}

interface Walk {
	errors: SegmentError[];
	conditions: number;
}

function push(walk: Walk, path: string, [code, message]: Issue): void {
	walk.errors.push({ path, code, message });
}

function validateCondition(node: unknown, path: string, walk: Walk): void {
	walk.conditions++;
	if (!isObject(node)) return push(walk, path, ['invalid_condition', 'a condition must be an object { field, cmp, value }']);
	const spec = fieldSpec(node.field);
	if (!spec) return push(walk, join(path, 'field'), ['unknown_field', `unknown field "${String(node.field).slice(0, 40)}"`]);
	if (!allowed(spec.kind, node.cmp)) {
		return push(walk, join(path, 'cmp'), ['invalid_comparator', `${String(node.field)} (${spec.kind}) allows ${SEGMENT_COMPARATORS[spec.kind].join(', ')}`]);
	}
	const issue = checkValue(spec, node.cmp as string, node.value);
	if (issue) push(walk, join(path, 'value'), issue);
}

function validateGroup(node: Record<string, unknown>, path: string, depth: number, walk: Walk): void {
	if (depth > SEGMENT_LIMITS.depth) return push(walk, path, ['too_deep', `groups nest at most ${SEGMENT_LIMITS.depth} levels`]);
	if (node.op !== 'and' && node.op !== 'or') push(walk, join(path, 'op'), ['invalid_op', 'op must be "and" or "or"']);
	if (!Array.isArray(node.rules)) return push(walk, join(path, 'rules'), ['invalid_rules', 'rules must be a list']);
	node.rules.forEach((child: unknown, i: number) => {
		const at = join(path, `rules.${i}`);
		if (isGroup(child)) validateGroup(child, at, depth + 1, walk);
		else validateCondition(child, at, walk);
	});
}

/** Every problem in a rule (untrusted JSON), each with a path such as `rules.0.rules.2.value`. */
export function validateRule(rule: unknown): SegmentError[] {
	const walk: Walk = { errors: [], conditions: 0 };
	if (!isGroup(rule)) return [{ path: '', code: 'invalid_rule', message: 'a rule must be an object { op, rules }' }];
	validateGroup(rule, '', 1, walk);
	if (walk.conditions > SEGMENT_LIMITS.conditions) {
		push(walk, '', ['too_many_conditions', `a rule takes at most ${SEGMENT_LIMITS.conditions} conditions`]);
	}
	return walk.errors;
}

// ---------------------------------------------------------------- introspection

function collectFields(node: unknown, out: string[]): void {
	if (isGroup(node)) {
		if (Array.isArray(node.rules)) node.rules.forEach((r: unknown) => collectFields(r, out));
	} else if (isObject(node) && typeof node.field === 'string' && out.indexOf(node.field) < 0) {
		out.push(node.field);
	}
}

/** The distinct fields a rule tests, in order of first use (tells callers whether stats are needed). */
export function ruleFields(rule: SegmentRule | SegmentCondition): string[] {
	const out: string[] = [];
	collectFields(rule, out);
	return out;
}
