/**
 * Managed labels: the tags and categories admins and managers offer staff on the customer form.
 * The fields a device may write and their validation, shared by the device and the server hooks
 * (pb_hooks/lib/shared.js), so a label saved offline is never refused later for its format.
 * Pure and dependency-free (runs in PocketBase's goja, ES2019).
 */
import { SYSTEM_FIELDS } from './customer-fields';
import type { FieldError } from './validation';

export const LABEL_FIELDS = ['kind', 'name', 'color', 'description', 'sort', 'deleted', 'history', 'field_times'] as const;

export type LabelField = (typeof LABEL_FIELDS)[number];

/** Fields that carry user edits and take part in the field-by-field merge. */
export const LABEL_MERGE_FIELDS = LABEL_FIELDS.filter((f) => f !== 'history' && f !== 'field_times') as Exclude<LabelField, 'history' | 'field_times'>[];

export const LABEL_KINDS = ['tag', 'category'] as const;
export type LabelKind = (typeof LABEL_KINDS)[number];

/** name: the customer field's tag limit; sort: any whole number within ± this. */
export const LABEL_LIMITS = { name: 40, description: 200, sort: 1_000_000 } as const;

const COLOR_RE = /^#[0-9a-f]{6}$/i;
/** The customer form splits its tags at these, so a label name cannot hold them. */
const SEPARATOR_RE = /[,，;；\r\n]/;

function err(field: string, code: string, message: string): FieldError {
	return { field, code, message };
}

function checkName(v: unknown, errors: FieldError[]) {
	if (v == null || v === '') return void errors.push(err('name', 'required', 'name is required'));
	if (typeof v !== 'string') return void errors.push(err('name', 'invalid_type', 'name must be text'));
	const name = v.trim();
	if (!name) errors.push(err('name', 'required', 'name is required'));
	else if (name.length > LABEL_LIMITS.name) errors.push(err('name', 'too_long', `name is longer than ${LABEL_LIMITS.name} characters`));
	else if (SEPARATOR_RE.test(name)) errors.push(err('name', 'invalid_separator', 'name cannot contain commas, semicolons or line breaks'));
}

function checkColor(v: unknown, errors: FieldError[]) {
	if (v == null || v === '') return;
	if (typeof v !== 'string' || !COLOR_RE.test(v.trim())) errors.push(err('color', 'invalid_color', 'color must be #rrggbb (hexadecimal), e.g. #0f766e'));
}

function checkSort(v: unknown, errors: FieldError[]) {
	if (v == null) return;
	if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > LABEL_LIMITS.sort) {
		errors.push(err('sort', 'invalid_number', `sort must be a whole number between -${LABEL_LIMITS.sort} and ${LABEL_LIMITS.sort}`));
	}
}

/**
 * Validates a label write (a full document, or a patch with `partial`): unknown fields, the kind
 * (tag or category), a name of 1 to 40 characters once trimmed without list separators, the colour
 * as #rrggbb, a description of at most 200 characters. Returns one error per failing field.
 * Whether the name is free among the labels of its kind is checked against the stored labels.
 */
export function validateLabel(data: Record<string, unknown>, opts: { partial?: boolean } = {}): FieldError[] {
	const errors: FieldError[] = [];
	const known = new Set<string>([...LABEL_FIELDS, ...SYSTEM_FIELDS]);
	for (const key of Object.keys(data)) {
		if (!known.has(key)) errors.push(err(key, 'unknown_field', `unknown field "${key.slice(0, 40)}"`));
	}
	const need = (f: string) => !opts.partial || f in data;
	if (need('kind')) {
		const kind = data.kind;
		if (kind == null || kind === '') errors.push(err('kind', 'required', 'kind is required'));
		else if (!(LABEL_KINDS as readonly unknown[]).includes(kind)) errors.push(err('kind', 'invalid_choice', `kind must be one of ${LABEL_KINDS.join(', ')}`));
	}
	if (need('name')) checkName(data.name, errors);
	checkColor(data.color, errors);
	const description = data.description;
	if (description != null && typeof description !== 'string') errors.push(err('description', 'invalid_type', 'description must be text'));
	else if (typeof description === 'string' && description.trim().length > LABEL_LIMITS.description) {
		errors.push(err('description', 'too_long', `description is longer than ${LABEL_LIMITS.description} characters`));
	}
	checkSort(data.sort, errors);
	if (data.deleted != null && typeof data.deleted !== 'boolean') errors.push(err('deleted', 'invalid_type', 'deleted must be true or false'));
	if (data.history != null && !Array.isArray(data.history)) errors.push(err('history', 'invalid_type', 'history must be a list'));
	if (data.field_times != null && (typeof data.field_times !== 'object' || Array.isArray(data.field_times))) errors.push(err('field_times', 'invalid_type', 'field_times must be an object'));
	return errors;
}

/** Returns the label with name and description trimmed and the colour in lower case (call after validation). */
export function normalizeLabel<T extends Record<string, unknown>>(data: T): T {
	const out: Record<string, unknown> = { ...data };
	if (typeof out.name === 'string') out.name = out.name.trim();
	if (typeof out.description === 'string') out.description = out.description.trim();
	if (typeof out.color === 'string') out.color = out.color.trim().toLowerCase();
	return out as T;
}

/**
 * How two label names are compared: trimmed, with A-Z folded to a-z and nothing else, exactly as
 * SQLite's NOCASE does in the server's unique index, so "VIP" and "vip" are one tag everywhere.
 */
export function labelNameKey(name: string): string {
	return name.trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
}
