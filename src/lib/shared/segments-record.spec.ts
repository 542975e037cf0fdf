import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeSegmentRecord, SEGMENT_RECORD_FIELDS, SEGMENT_RECORD_MERGE_FIELDS, validateSegmentRecord } from './segments-record';
import { segmentRuleArb } from './segments.arbitraries';

const fields = (data: Record<string, unknown>, partial = false) => validateSegmentRecord(data, { partial }).map((e) => `${e.field}:${e.code}`);

const OWNER = 'zyxwvutsrq98765';
const RULE = {
	op: 'and',
	rules: [
		{ field: 'tags', cmp: 'has_any', value: ['VIP'] },
		{ op: 'or', rules: [{ field: 'region', cmp: 'eq', value: '北京' }] }
	]
};
const dynamic = { name: '北京 VIP', kind: 'dynamic', rule: RULE, owner: OWNER };
const ids = (n: number) => Array.from({ length: n }, (_, i) => `c${String(i).padStart(14, '0')}`);
const frozen = { name: '春节名单', kind: 'static', members: ids(3), owner: OWNER };

describe('validateSegmentRecord', () => {
	it('accepts a dynamic and a static segment, and the system fields a client sends back', () => {
		expect(fields({ ...dynamic, description: '高价值客户', shared: true, deleted: false, history: [], field_times: { name: 1 } })).toEqual([]);
		expect(fields(frozen)).toEqual([]);
		expect(fields({ ...frozen, rule: RULE })).toEqual([]); // a static segment may keep the rule it was frozen from
		expect(fields({ ...dynamic, members: [] })).toEqual([]);
		expect(fields({ ...dynamic, id: 'abcdefghijklmno', seq: 3, created: 'x', updated: 'y', collectionId: 'c', collectionName: 'segments' })).toEqual([]);
	});

	it('requires a name, a kind and an owner; a dynamic segment needs a rule, a static one its members', () => {
		expect(fields({})).toEqual(['name:required', 'kind:required', 'owner:required']);
		expect(fields({ ...dynamic, name: '   ' })).toEqual(['name:required']);
		expect(fields({ ...dynamic, rule: undefined })).toEqual(['rule:required']);
		expect(fields({ ...dynamic, rule: null })).toEqual(['rule:required']);
		expect(fields({ ...frozen, members: [] })).toEqual(['members:required']);
		expect(fields({ ...frozen, members: null })).toEqual(['members:required']);
		expect(fields({ ...dynamic, kind: 'static' })).toEqual(['members:required']);
	});

	it('names each failing field: unknown fields, choices, ids, lengths, types', () => {
		expect(fields({ ...frozen, bogus: 1, kind: 'smart', owner: 'me', name: 'x'.repeat(101), description: 'y'.repeat(501), shared: 'yes', deleted: 1, history: {}, field_times: [] })).toEqual([
			'bogus:unknown_field',
			'name:too_long',
			'description:too_long',
			'kind:invalid_choice',
			'owner:invalid_id',
			'shared:invalid_type',
			'deleted:invalid_type',
			'history:invalid_type',
			'field_times:invalid_type'
		]);
		expect(fields({ ...dynamic, name: 'x'.repeat(100), description: 'y'.repeat(500) })).toEqual([]);
		expect(fields({ ...dynamic, name: 42 })).toEqual(['name:invalid_type']);
	});

	it('refuses a bad rule naming the rule and where in it the problem is', () => {
		const bad = (rule: unknown) => validateSegmentRecord({ ...dynamic, rule });
		expect(bad({ op: 'and', rules: [{ field: 'shoe_size', cmp: 'eq', value: 42 }] })).toEqual([{ field: 'rule', code: 'invalid_rule', message: 'rule.rules.0.field: unknown field "shoe_size"' }]);
		expect(
			bad({
				op: 'and',
				rules: [
					{ field: 'age', cmp: 'gt', value: 'old' },
					{ field: 'age', cmp: 'contains', value: 1 }
				]
			})[0].message
		).toBe('rule.rules.0.value: value must be a number (and 1 more)');
		expect(bad('everyone')).toMatchObject([{ field: 'rule', code: 'invalid_rule', message: 'rule: a rule must be an object { op, rules }' }]);
		expect(validateSegmentRecord({ ...frozen, rule: { op: 'xor', rules: [] } })).toMatchObject([{ field: 'rule', code: 'invalid_rule' }]);
	});

	it('accepts every valid rule the engine accepts', () => {
		fc.assert(
			fc.property(segmentRuleArb(), (rule) => {
				expect(validateSegmentRecord({ ...dynamic, rule })).toEqual([]);
			})
		);
	});

	it('checks members: only for static segments, customer ids, at most 50,000', () => {
		expect(fields({ ...dynamic, members: ids(2) })).toEqual(['members:not_allowed']);
		expect(fields({ ...frozen, members: 'abc' })).toEqual(['members:invalid_type']);
		expect(fields({ ...frozen, members: ['abcdefghijklmno', 'ABC'] })).toEqual(['members:invalid_id']);
		expect(fields({ ...frozen, members: ['abcdefghijklmno', 7] })).toEqual(['members:invalid_id']);
		expect(fields({ ...frozen, members: ids(50_000) })).toEqual([]);
		expect(fields({ ...frozen, members: ids(50_001) })).toEqual(['members:too_many']);
	});

	it('checks a patch only for the fields it carries', () => {
		expect(fields({ description: '改了说明' }, true)).toEqual([]);
		expect(fields({ name: '' }, true)).toEqual(['name:required']);
		expect(fields({ rule: { op: 'and', rules: [{ field: 'age', cmp: 'gt' }] } }, true)).toEqual(['rule:invalid_rule']);
		expect(fields({ kind: 'static', members: [] }, true)).toEqual(['members:required']);
		expect(fields({ kind: 'dynamic', rule: null }, true)).toEqual(['rule:required']);
		expect(fields({ owner: null }, true)).toEqual(['owner:required']);
	});
});

describe('normalizeSegmentRecord', () => {
	it('trims name and description and drops repeated members, keeping their order', () => {
		const [a, b] = ids(2);
		expect(normalizeSegmentRecord({ name: '  老客户 ', description: ' 说明 ', members: [b, a, b, a] })).toEqual({ name: '老客户', description: '说明', members: [b, a] });
		expect(normalizeSegmentRecord({ kind: 'dynamic' })).toEqual({ kind: 'dynamic' });
	});

	it('lists the merge fields without history and field times', () => {
		expect(SEGMENT_RECORD_MERGE_FIELDS).toEqual(SEGMENT_RECORD_FIELDS.filter((f) => f !== 'history' && f !== 'field_times'));
	});
});

describe('segmentMemberTest', () => {
	it('uses the frozen list of a static segment and the rule of a dynamic one', async () => {
		const { segmentMemberTest } = await import('./segments-record');
		const a = { id: 'a', region: '华东' };
		const b = { id: 'b', region: '华南' };
		const frozen = segmentMemberTest({ kind: 'static', members: ['b'] }, () => null, 0);
		expect([frozen(a), frozen(b)]).toEqual([false, true]);
		const byRule = segmentMemberTest({ kind: 'dynamic', rule: { op: 'and', rules: [{ field: 'region', cmp: 'eq', value: '华东' }] } }, () => null, 0);
		expect([byRule(a), byRule(b)]).toEqual([true, false]);
		expect(segmentMemberTest({ kind: 'dynamic' }, () => null, 0)(a)).toBe(false);
	});
});
