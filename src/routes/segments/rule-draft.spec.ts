import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRule, validateRule, type SegmentComparator } from '$lib/shared/segments';
import { SEGMENT_TEST_NOW, segmentCustomerArb, segmentRuleArb } from '$lib/shared/segments.arbitraries';
import {
	FIELD_NAMES,
	comparatorsFor,
	countableRule,
	countConditions,
	errorsAt,
	groupDepth,
	newCondition,
	newGroup,
	setComparator,
	setField,
	splitList,
	valueShape,
	type DraftCondition,
	type DraftGroup
} from './rule-draft';

describe('editing a condition', () => {
	it('offers the comparators of the field kind and an input that fits each', () => {
		expect(comparatorsFor('tags')).toContain('has_all');
		expect(comparatorsFor('age')).toContain('between');
		expect(valueShape('region', 'contains')).toBe('text');
		expect(valueShape('region', 'in')).toBe('list');
		expect(valueShape('tags', 'has_none')).toBe('list');
		expect(valueShape('age', 'between')).toBe('range');
		expect(valueShape('total_spend', 'gte')).toBe('number');
		expect(valueShape('gender', 'eq')).toBe('choice');
		expect(valueShape('rfm_segment', 'not_in')).toBe('choices');
		expect(valueShape('marketing_consent', 'is_true')).toBe('none');
		expect(valueShape('region', 'is_empty')).toBe('none');
	});

	it('keeps comparator and value when the new field is entered the same way, else starts afresh', () => {
		const c: DraftCondition = { field: 'region', cmp: 'contains', value: '北京' };
		setField(c, 'category');
		expect(c).toEqual({ field: 'category', cmp: 'contains', value: '北京' });
		setField(c, 'age');
		expect(c).toEqual({ field: 'age', cmp: 'eq', value: null });
		setField(c, 'gender');
		expect(c).toEqual({ field: 'gender', cmp: 'eq', value: 'male' });
		setField(c, 'rfm_segment');
		expect(c).toEqual({ field: 'rfm_segment', cmp: 'eq', value: 'champions' });
		setField(c, 'marketing_consent');
		expect(c).toEqual({ field: 'marketing_consent', cmp: 'is_true' });
	});

	it('keeps the value across comparators entered the same way', () => {
		const c: DraftCondition = { field: 'age', cmp: 'gt', value: 30 };
		setComparator(c, 'lte');
		expect(c.value).toBe(30);
		setComparator(c, 'between');
		expect(c.value).toEqual([null, null]);
		setComparator(c, 'is_empty');
		expect('value' in c).toBe(false);
		const t: DraftCondition = { field: 'tags', cmp: 'has_any', value: ['VIP'] };
		setComparator(t, 'has_all');
		expect(t.value).toEqual(['VIP']);
	});

	it('leaves every field and comparator valid once a value is typed', () => {
		const typed: Record<string, unknown> = { text: '北京', number: 3, range: [1, 2], list: ['VIP'], choices: ['female'] };
		for (const field of FIELD_NAMES) {
			for (const cmp of comparatorsFor(field) as readonly SegmentComparator[]) {
				const c = newCondition();
				setField(c, field);
				setComparator(c, cmp);
				const shape = valueShape(field, cmp);
				if (shape in typed) c.value = field === 'rfm_segment' && shape === 'choices' ? ['loyal'] : typed[shape];
				expect(validateRule({ op: 'and', rules: [c] }), `${field} ${cmp}`).toEqual([]);
			}
		}
	});

	it('splits lists on ASCII and Chinese commas', () => {
		expect(splitList(' VIP, 复购，批发、 新客 ,, ')).toEqual(['VIP', '复购', '批发', '新客']);
		expect(splitList('')).toEqual([]);
	});
});

describe('errors and the live count', () => {
	const draft = (): DraftGroup => ({
		op: 'and',
		rules: [
			{ field: 'tags', cmp: 'has_any', value: ['VIP'] },
			{
				op: 'or',
				rules: [
					{ field: 'age', cmp: 'gt', value: null },
					{ field: 'region', cmp: 'eq', value: '北京' }
				]
			},
			{ op: 'or', rules: [{ field: 'name', cmp: 'contains', value: '' }] },
			{ op: 'and', rules: [] }
		]
	});

	it('finds the errors of one condition or group by its path', () => {
		const errors = validateRule(draft());
		expect(errorsAt(errors, 'rules.1.rules.0', false).map((e) => e.code)).toEqual(['invalid_value']);
		expect(errorsAt(errors, 'rules.2.rules.0', false).map((e) => e.code)).toEqual(['empty_value']);
		expect(errorsAt(errors, 'rules.1', true)).toEqual([]);
		expect(errorsAt(errors, 'rules.0', false)).toEqual([]);
		expect(errorsAt([{ path: '', code: 'too_many_conditions', message: '' }], '', true)).toHaveLength(1);
	});

	it('counts without the incomplete conditions and the groups they leave empty', () => {
		const { rule, skipped } = countableRule(draft(), validateRule(draft()));
		expect(skipped).toBe(2);
		expect(rule).toEqual({
			op: 'and',
			rules: [
				{ field: 'tags', cmp: 'has_any', value: ['VIP'] },
				{ op: 'or', rules: [{ field: 'region', cmp: 'eq', value: '北京' }] },
				{ op: 'and', rules: [] }
			]
		});
		expect(validateRule(rule)).toEqual([]);
		expect(countableRule({ op: 'or', rules: [{ field: 'age', cmp: 'gt' }] }, validateRule({ op: 'or', rules: [{ field: 'age', cmp: 'gt' }] }))).toEqual({ rule: { op: 'or', rules: [] }, skipped: 1 });
		const emptyOr: DraftGroup = { op: 'and', rules: [{ op: 'or', rules: [] }] };
		expect(countableRule(emptyOr, [])).toEqual({ rule: emptyOr, skipped: 0 }); // left empty by the user: matches no one, as saved
	});

	it('a complete rule is counted as it is', () => {
		fc.assert(
			fc.property(
				segmentRuleArb(),
				fc.array(
					segmentCustomerArb.map((c) => ({ ...c, deleted: false })),
					{ minLength: 1, maxLength: 20 }
				),
				(rule, customers) => {
					const { rule: counted, skipped } = countableRule(rule as DraftGroup, []);
					expect(skipped).toBe(0);
					for (const c of customers) expect(evaluateRule(counted, c, null, SEGMENT_TEST_NOW)).toBe(evaluateRule(rule, c, null, SEGMENT_TEST_NOW));
				}
			)
		);
	});

	it('measures the tree against the limits', () => {
		expect(countConditions(draft())).toBe(4);
		expect(groupDepth(draft())).toBe(2);
		expect(groupDepth(newGroup())).toBe(1);
	});
});
