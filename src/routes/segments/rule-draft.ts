/**
 * The rule being edited in the segment builder: conditions may be incomplete while the user types.
 * These helpers keep a condition's comparator and value fitting its field, find validateRule's errors
 * for one node of the tree, and cut the incomplete conditions out for the live count.
 */
import { SEGMENT_COMPARATORS, SEGMENT_FIELDS, type SegmentComparator, type SegmentError, type SegmentFieldName, type SegmentRule } from '$lib/shared/segments';
import type { SegmentRecordKind } from '$lib/shared/segments-record';

/** A condition as edited: the value may be missing or half typed until it is valid. */
export interface DraftCondition {
	field: SegmentFieldName;
	cmp: SegmentComparator;
	value?: unknown;
}

export interface DraftGroup {
	op: 'and' | 'or';
	rules: DraftNode[];
}

export type DraftNode = DraftGroup | DraftCondition;

/** The segment form's values. */
export interface SegmentDraft {
	name: string;
	description: string;
	kind: SegmentRecordKind;
	shared: boolean;
	rule: DraftGroup;
}

/** How a value is entered for a field and comparator. */
export type ValueShape = 'none' | 'text' | 'number' | 'range' | 'list' | 'choice' | 'choices';

export const FIELD_NAMES = Object.keys(SEGMENT_FIELDS) as SegmentFieldName[];

export function isGroup(node: DraftNode): node is DraftGroup {
	return 'rules' in node;
}

export function comparatorsFor(field: SegmentFieldName): readonly SegmentComparator[] {
	return SEGMENT_COMPARATORS[SEGMENT_FIELDS[field].kind];
}

export function choicesFor(field: SegmentFieldName): readonly string[] {
	const spec = SEGMENT_FIELDS[field];
	return 'choices' in spec ? spec.choices : [];
}

export function valueShape(field: SegmentFieldName, cmp: SegmentComparator): ValueShape {
	const kind = SEGMENT_FIELDS[field].kind;
	if (cmp === 'is_empty' || cmp === 'is_not_empty' || cmp === 'is_true' || cmp === 'is_false') return 'none';
	if (cmp === 'between') return 'range';
	if (kind === 'number') return 'number';
	if (kind === 'list') return 'list';
	if (kind === 'choice') return cmp === 'in' || cmp === 'not_in' ? 'choices' : 'choice';
	return cmp === 'in' || cmp === 'not_in' ? 'list' : 'text';
}

function emptyValue(field: SegmentFieldName, shape: ValueShape): unknown {
	switch (shape) {
		case 'none':
			return undefined;
		case 'number':
			return null;
		case 'range':
			return [null, null];
		case 'list':
		case 'choices':
			return [];
		case 'choice':
			return choicesFor(field).find((c) => c !== '') ?? '';
		default:
			return '';
	}
}

export function newCondition(): DraftCondition {
	return { field: 'tags', cmp: 'has_any', value: [] };
}

export function newGroup(op: 'and' | 'or' = 'or'): DraftGroup {
	return { op, rules: [newCondition()] };
}

/** Sets the comparator, keeping the value when it is entered the same way, else starting it afresh. */
export function setComparator(c: DraftCondition, cmp: SegmentComparator): void {
	const before = valueShape(c.field, c.cmp);
	c.cmp = cmp;
	const after = valueShape(c.field, cmp);
	if (after === before) return;
	if (after === 'none') delete c.value;
	else c.value = emptyValue(c.field, after);
}

/** Sets the field, keeping the comparator and value when they still fit it. */
export function setField(c: DraftCondition, field: SegmentFieldName): void {
	const sameKind = SEGMENT_FIELDS[field].kind === SEGMENT_FIELDS[c.field].kind && SEGMENT_FIELDS[field].kind !== 'choice';
	c.field = field;
	if (sameKind) return;
	const cmp = comparatorsFor(field)[0];
	c.cmp = cmp;
	const shape = valueShape(field, cmp);
	if (shape === 'none') delete c.value;
	else c.value = emptyValue(field, shape);
}

/** Splits "a, b，c、d" into trimmed entries (ASCII and Chinese commas), dropping empty ones. */
export function splitList(text: string): string[] {
	return text
		.split(/[,，、;；\n]/)
		.map((s) => s.trim())
		.filter(Boolean);
}

export function childPath(path: string, i: number): string {
	return path ? `${path}.rules.${i}` : `rules.${i}`;
}

/** The errors about this node itself: a condition's field, comparator and value, or a group's op and limits. */
export function errorsAt(errors: readonly SegmentError[], path: string, group: boolean): SegmentError[] {
	const own = group ? ['op', 'rules'] : ['field', 'cmp', 'value'];
	return errors.filter((e) => e.path === path || own.some((k) => e.path === (path ? `${path}.${k}` : k)));
}

export function countConditions(node: DraftNode): number {
	return isGroup(node) ? node.rules.reduce((n, r) => n + countConditions(r), 0) : 1;
}

/** How many levels of groups the node holds (1 for a group of conditions only). */
export function groupDepth(node: DraftNode): number {
	return isGroup(node) ? 1 + Math.max(0, ...node.rules.map(groupDepth)) : 0;
}

/**
 * The rule without the conditions that have errors (and the groups emptied by that), for a live
 * count that does not drop to zero while a condition is half typed. Returns how many were left out.
 */
export function countableRule(rule: DraftGroup, errors: readonly SegmentError[]): { rule: SegmentRule; skipped: number } {
	const bad = new Set(errors.map((e) => e.path.replace(/\.(field|cmp|value)$/, '')));
	let skipped = 0;
	const prune = (group: DraftGroup, path: string): DraftGroup | null => {
		const rules: DraftNode[] = [];
		group.rules.forEach((node, i) => {
			const at = childPath(path, i);
			if (isGroup(node)) {
				const kept = prune(node, at);
				if (kept) rules.push(kept);
			} else if (bad.has(at)) skipped++;
			else rules.push(node);
		});
		// A group emptied by the cut goes too; one the user left empty stays (an empty `or` matches no one).
		return rules.length || !path || !group.rules.length ? { op: group.op, rules } : null;
	};
	return { rule: prune(rule, '') as SegmentRule, skipped };
}

/** What a condition offers to pick from (set by the segment editor, read by each condition). */
export const SUGGESTIONS = Symbol('segment-suggestions');
export interface SegmentSuggestions {
	/** Values of a text or list field in the device's data, most used first. */
	values(field: 'region' | 'category' | 'source' | 'tags'): string[];
	/** Staff by name, for the owner field (its value is the staff id). */
	staff(): { id: string; name: string }[];
}
