/**
 * Saved list views (issue 18): a user's named search, filters and order of the customer list, synced
 * to every device of that user and to no one else. The fields a device may write and their
 * validation, shared by the device and the server hooks (pb_hooks/lib/shared.js), so a view saved
 * offline is never refused later for its format. Pure and dependency-free (runs in PocketBase's goja, ES2019).
 */
import { SYSTEM_FIELDS } from './customer-fields';
import type { FieldError } from './validation';

export const LIST_VIEW_FIELDS = ['name', 'owner', 'query', 'filters', 'sort', 'deleted', 'history', 'field_times'] as const;
export type ListViewField = (typeof LIST_VIEW_FIELDS)[number];

/** Fields that carry user edits and take part in the field-by-field merge. */
export const LIST_VIEW_MERGE_FIELDS = LIST_VIEW_FIELDS.filter((f) => f !== 'history' && f !== 'field_times') as Exclude<ListViewField, 'history' | 'field_times'>[];

/** The customer list's orders: by name (pinyin), last change, spend, predicted value, last contact. */
export const CUSTOMER_SORTS = ['name', 'updated', 'spend', 'predicted', 'contact'] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];

export const LAST_PURCHASE_CHOICES = ['within30', 'days30to90', 'over90', 'never'] as const;

/** The list's filters; an empty value (or false) does not filter. */
export const LIST_FILTER_KEYS = ['tag', 'category', 'region', 'mine', 'rfm', 'lastPurchase', 'segment'] as const;

export const LIST_VIEW_LIMITS = { name: 60, query: 200, filterValue: 100 } as const;

const RECORD_ID_RE = /^[a-z0-9]{15}$/;

function err(field: string, code: string, message: string): FieldError {
	return { field, code, message };
}

function checkFilters(v: unknown, errors: FieldError[]) {
	if (v == null) return;
	if (typeof v !== 'object' || Array.isArray(v)) return void errors.push(err('filters', 'invalid_type', 'filters must be an object'));
	const f = v as Record<string, unknown>;
	for (const key of Object.keys(f)) {
		if (!(LIST_FILTER_KEYS as readonly string[]).includes(key)) {
			return void errors.push(err('filters', 'unknown_filter', `unknown filter "${key.slice(0, 40)}" (known: ${LIST_FILTER_KEYS.join(', ')})`));
		}
		const value = f[key];
		if (key === 'mine') {
			if (typeof value !== 'boolean') return void errors.push(err('filters', 'invalid_type', 'filters.mine must be true or false'));
		} else if (typeof value !== 'string') {
			return void errors.push(err('filters', 'invalid_type', `filters.${key} must be text`));
		} else if (value.length > LIST_VIEW_LIMITS.filterValue) {
			return void errors.push(err('filters', 'too_long', `filters.${key} is longer than ${LIST_VIEW_LIMITS.filterValue} characters`));
		} else if (key === 'lastPurchase' && value && !(LAST_PURCHASE_CHOICES as readonly string[]).includes(value)) {
			return void errors.push(err('filters', 'invalid_choice', `filters.lastPurchase must be one of ${LAST_PURCHASE_CHOICES.join(', ')}`));
		}
	}
}

/**
 * Validates a saved view (a full document, or a patch with `partial`): unknown fields, the name
 * (1 to 60 characters), the owner (a staff id), the search text (at most 200 characters), the
 * filters (the list's own keys) and the order. Returns one error per failing field.
 */
export function validateListView(data: Record<string, unknown>, opts: { partial?: boolean } = {}): FieldError[] {
	const errors: FieldError[] = [];
	const known = new Set<string>([...LIST_VIEW_FIELDS, ...SYSTEM_FIELDS]);
	for (const key of Object.keys(data)) {
		if (!known.has(key)) errors.push(err(key, 'unknown_field', `unknown field "${key.slice(0, 40)}"`));
	}
	const need = (f: string) => !opts.partial || f in data;
	if (need('name')) {
		const name = data.name;
		if (name == null || name === '' || (typeof name === 'string' && !name.trim())) errors.push(err('name', 'required', 'name is required'));
		else if (typeof name !== 'string') errors.push(err('name', 'invalid_type', 'name must be text'));
		else if (name.trim().length > LIST_VIEW_LIMITS.name) errors.push(err('name', 'too_long', `name is longer than ${LIST_VIEW_LIMITS.name} characters`));
	}
	if (need('owner')) {
		const owner = data.owner;
		if (owner == null || owner === '') errors.push(err('owner', 'required', 'owner is required'));
		else if (typeof owner !== 'string' || !RECORD_ID_RE.test(owner)) errors.push(err('owner', 'invalid_id', 'owner must be a staff id (15 characters a-z0-9)'));
	}
	if (data.query != null) {
		if (typeof data.query !== 'string') errors.push(err('query', 'invalid_type', 'query must be text'));
		else if (data.query.length > LIST_VIEW_LIMITS.query) errors.push(err('query', 'too_long', `query is longer than ${LIST_VIEW_LIMITS.query} characters`));
	}
	checkFilters(data.filters, errors);
	if (need('sort') && data.sort != null && data.sort !== '' && !(CUSTOMER_SORTS as readonly unknown[]).includes(data.sort)) {
		errors.push(err('sort', 'invalid_choice', `sort must be one of ${CUSTOMER_SORTS.join(', ')}`));
	}
	if (data.deleted != null && typeof data.deleted !== 'boolean') errors.push(err('deleted', 'invalid_type', 'deleted must be true or false'));
	if (data.history != null && !Array.isArray(data.history)) errors.push(err('history', 'invalid_type', 'history must be a list'));
	if (data.field_times != null && (typeof data.field_times !== 'object' || Array.isArray(data.field_times))) errors.push(err('field_times', 'invalid_type', 'field_times must be an object'));
	return errors;
}

/** Returns the view with its name and search trimmed and the filters that filter nothing left out (call after validation). */
export function normalizeListView<T extends Record<string, unknown>>(data: T): T {
	const out: Record<string, unknown> = { ...data };
	if (typeof out.name === 'string') out.name = out.name.trim();
	if (typeof out.query === 'string') out.query = out.query.trim();
	if (out.filters && typeof out.filters === 'object') {
		const kept: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(out.filters as Record<string, unknown>)) if (v) kept[k] = v;
		out.filters = kept;
	}
	return out as T;
}
