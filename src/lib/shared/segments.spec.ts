import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRule, ruleFields, validateRule, type SegmentCondition, type SegmentCustomer, type SegmentRule, type SegmentStats } from './segments';
import { SEGMENT_TEST_NOW as NOW, messyCustomerArb, messyStatsArb, nowArb, segmentCustomerArb, segmentRuleArb, segmentStatsArb } from './segments.arbitraries';

const DAY = 86_400_000;

const customer: SegmentCustomer = {
	name: '  Zhang Wei 张伟 ',
	gender: 'male',
	region: 'Beijing',
	category: 'Retail',
	source: 'web',
	owner: 'staff123',
	tags: ['VIP', ' Wholesale '],
	marketing_consent: true,
	birthday: '1990-05-01',
	created: '2025-03-15 12:00:00.000Z'
};

const stats: SegmentStats = {
	total_spend: 1200.5,
	order_count: 7,
	last_order_at: '2026-03-05 12:00:00.000Z',
	rfm_segment: 'loyal'
};

const all = (...rules: (SegmentRule | SegmentCondition)[]): SegmentRule => ({ op: 'and', rules });
const any = (...rules: (SegmentRule | SegmentCondition)[]): SegmentRule => ({ op: 'or', rules });

function matches(cond: SegmentCondition, c: SegmentCustomer = customer, s: SegmentStats | null = stats, now = NOW): boolean {
	return evaluateRule(all(cond), c, s, now);
}

type Row = [SegmentCondition, boolean];

function table(rows: Row[], c: SegmentCustomer = customer, s: SegmentStats | null = stats) {
	return rows.map(([cond, want]) => [JSON.stringify(cond), matches(cond, c, s), want]).filter(([, got, want]) => got !== want);
}

describe('evaluateRule: text fields', () => {
	it('compares case- and trim-insensitively with every comparator', () => {
		expect(
			table([
				[{ field: 'region', cmp: 'eq', value: ' BEIJING ' }, true],
				[{ field: 'region', cmp: 'eq', value: 'Shanghai' }, false],
				[{ field: 'region', cmp: 'neq', value: 'shanghai' }, true],
				[{ field: 'region', cmp: 'neq', value: 'beijing' }, false],
				[{ field: 'name', cmp: 'contains', value: '张伟' }, true],
				[{ field: 'name', cmp: 'contains', value: 'WEI' }, true],
				[{ field: 'name', cmp: 'contains', value: 'li' }, false],
				[{ field: 'name', cmp: 'starts_with', value: ' zhang' }, true],
				[{ field: 'name', cmp: 'starts_with', value: 'wei' }, false],
				[{ field: 'category', cmp: 'in', value: ['wholesale', ' RETAIL'] }, true],
				[{ field: 'category', cmp: 'in', value: ['wholesale'] }, false],
				[{ field: 'source', cmp: 'not_in', value: ['store', 'app'] }, true],
				[{ field: 'source', cmp: 'not_in', value: ['WEB'] }, false],
				[{ field: 'owner', cmp: 'is_empty' }, false],
				[{ field: 'owner', cmp: 'is_not_empty' }, true]
			])
		).toEqual([]);
	});

	it('treats missing, blank and non-text values as empty', () => {
		const blank: SegmentCustomer = { name: '   ', region: null };
		expect(
			table(
				[
					[{ field: 'name', cmp: 'is_empty' }, true],
					[{ field: 'region', cmp: 'is_empty' }, true],
					[{ field: 'owner', cmp: 'is_empty' }, true],
					[{ field: 'owner', cmp: 'is_not_empty' }, false],
					[{ field: 'region', cmp: 'eq', value: '' }, true],
					[{ field: 'region', cmp: 'neq', value: 'beijing' }, true],
					[{ field: 'region', cmp: 'contains', value: 'a' }, false]
				],
				blank
			)
		).toEqual([]);
		expect(matches({ field: 'name', cmp: 'is_empty' }, { name: 42 } as unknown as SegmentCustomer)).toBe(true);
	});
});

describe('evaluateRule: choice fields', () => {
	it('compares gender and rfm_segment with eq, neq, in, not_in', () => {
		expect(
			table([
				[{ field: 'gender', cmp: 'eq', value: 'male' }, true],
				[{ field: 'gender', cmp: 'eq', value: 'female' }, false],
				[{ field: 'gender', cmp: 'neq', value: 'female' }, true],
				[{ field: 'gender', cmp: 'neq', value: 'male' }, false],
				[{ field: 'gender', cmp: 'in', value: ['female', 'male'] }, true],
				[{ field: 'gender', cmp: 'not_in', value: ['male'] }, false],
				[{ field: 'rfm_segment', cmp: 'eq', value: 'loyal' }, true],
				[{ field: 'rfm_segment', cmp: 'in', value: ['champions', 'at_risk'] }, false],
				[{ field: 'rfm_segment', cmp: 'not_in', value: ['champions', 'at_risk'] }, true],
				[{ field: 'rfm_segment', cmp: 'neq', value: 'loyal' }, false]
			])
		).toEqual([]);
	});

	it('reads a missing choice as the empty choice', () => {
		expect(matches({ field: 'gender', cmp: 'eq', value: '' }, { name: 'x' })).toBe(true);
		expect(matches({ field: 'rfm_segment', cmp: 'eq', value: '' }, customer, null)).toBe(true);
		expect(matches({ field: 'rfm_segment', cmp: 'neq', value: 'lost' }, customer, null)).toBe(true);
	});
});

describe('evaluateRule: number fields', () => {
	it('compares with every numeric comparator', () => {
		expect(
			table([
				[{ field: 'total_spend', cmp: 'eq', value: 1200.5 }, true],
				[{ field: 'total_spend', cmp: 'eq', value: 1200 }, false],
				[{ field: 'total_spend', cmp: 'neq', value: 1200 }, true],
				[{ field: 'total_spend', cmp: 'neq', value: 1200.5 }, false],
				[{ field: 'order_count', cmp: 'gt', value: 6 }, true],
				[{ field: 'order_count', cmp: 'gt', value: 7 }, false],
				[{ field: 'order_count', cmp: 'gte', value: 7 }, true],
				[{ field: 'order_count', cmp: 'gte', value: 8 }, false],
				[{ field: 'order_count', cmp: 'lt', value: 8 }, true],
				[{ field: 'order_count', cmp: 'lt', value: 7 }, false],
				[{ field: 'order_count', cmp: 'lte', value: 7 }, true],
				[{ field: 'order_count', cmp: 'lte', value: 6 }, false],
				[{ field: 'order_count', cmp: 'between', value: [7, 7] }, true],
				[{ field: 'order_count', cmp: 'between', value: [1, 6] }, false],
				[{ field: 'total_spend', cmp: 'between', value: [1000, 1200.5] }, true],
				[{ field: 'total_spend', cmp: 'is_empty' }, false],
				[{ field: 'total_spend', cmp: 'is_not_empty' }, true]
			])
		).toEqual([]);
	});

	it('makes every stat null when stats are missing: only is_empty matches', () => {
		const rows: Row[] = [
			[{ field: 'total_spend', cmp: 'is_empty' }, true],
			[{ field: 'total_spend', cmp: 'is_not_empty' }, false],
			[{ field: 'total_spend', cmp: 'lt', value: 100 }, false],
			[{ field: 'total_spend', cmp: 'neq', value: 5 }, false],
			[{ field: 'order_count', cmp: 'eq', value: 0 }, false],
			[{ field: 'order_count', cmp: 'lte', value: 0 }, false],
			[{ field: 'order_count', cmp: 'between', value: [-10, 10] }, false],
			[{ field: 'days_since_last_purchase', cmp: 'gt', value: 0 }, false],
			[{ field: 'days_since_last_purchase', cmp: 'is_empty' }, true]
		];
		expect(table(rows, customer, null)).toEqual([]);
		expect(table(rows, customer, {})).toEqual([]);
		expect(table(rows, customer, { total_spend: null, order_count: null, last_order_at: '' })).toEqual([]);
	});

	it('counts days since the last purchase against the given clock', () => {
		const at = (iso: string) => ({ ...stats, last_order_at: iso });
		expect(matches({ field: 'days_since_last_purchase', cmp: 'eq', value: 10 })).toBe(true);
		// 23h59m ago is still day 0; exactly 24h ago is day 1 (elapsed days, not calendar dates).
		expect(matches({ field: 'days_since_last_purchase', cmp: 'eq', value: 0 }, customer, at('2026-03-14T12:00:01Z'))).toBe(true);
		expect(matches({ field: 'days_since_last_purchase', cmp: 'eq', value: 1 }, customer, at('2026-03-14T12:00:00Z'))).toBe(true);
		// A zone offset moves the instant: 20:00+08:00 is 12:00Z.
		expect(matches({ field: 'days_since_last_purchase', cmp: 'eq', value: 1 }, customer, at('2026-03-14T20:00:00+08:00'))).toBe(true);
		expect(matches({ field: 'days_since_last_purchase', cmp: 'eq', value: 30 }, customer, stats, NOW + 20 * DAY)).toBe(true);
		// A purchase stamped after `now` (clock skew) counts as today.
		expect(matches({ field: 'days_since_last_purchase', cmp: 'eq', value: 0 }, customer, at('2026-03-16 00:00:00.000Z'))).toBe(true);
		expect(matches({ field: 'days_since_last_purchase', cmp: 'is_empty' }, customer, at('not a date'))).toBe(true);
	});

	it('derives age in whole years across the birthday', () => {
		const born = { ...customer, birthday: '2000-03-15' };
		const age = (now: number) => [30, 25, 26].find((n) => matches({ field: 'age', cmp: 'eq', value: n }, born, stats, now)) ?? null;
		expect(age(Date.UTC(2026, 2, 14, 23, 59, 59))).toBe(25);
		expect(age(Date.UTC(2026, 2, 15, 0, 0, 0))).toBe(26);
		expect(matches({ field: 'age', cmp: 'between', value: [35, 36] })).toBe(true);
		expect(matches({ field: 'age', cmp: 'eq', value: 35 })).toBe(true);
	});

	it('ages a 29 February birthday on 1 March in common years', () => {
		const leap = { birthday: '2004-02-29' };
		expect(matches({ field: 'age', cmp: 'eq', value: 21 }, leap, null, Date.UTC(2026, 1, 28))).toBe(true);
		expect(matches({ field: 'age', cmp: 'eq', value: 22 }, leap, null, Date.UTC(2026, 2, 1))).toBe(true);
	});

	it('leaves age empty without a real, past birthday', () => {
		for (const birthday of ['', '1990-02-30', '90-01-01', '2027-01-01', null]) {
			expect(matches({ field: 'age', cmp: 'is_empty' }, { birthday })).toBe(true);
		}
	});

	it('counts days since the customer was created, in PocketBase or ISO form', () => {
		expect(matches({ field: 'days_since_created', cmp: 'eq', value: 365 })).toBe(true);
		expect(matches({ field: 'days_since_created', cmp: 'eq', value: 2 }, { created: '2026-03-13T12:00:00.000Z' })).toBe(true);
		expect(matches({ field: 'days_since_created', cmp: 'is_empty' }, {})).toBe(true);
	});
});

describe('evaluateRule: boolean and list fields', () => {
	it('tests marketing consent, reading a missing value as false', () => {
		expect(
			table([
				[{ field: 'marketing_consent', cmp: 'is_true' }, true],
				[{ field: 'marketing_consent', cmp: 'is_false' }, false]
			])
		).toEqual([]);
		expect(matches({ field: 'marketing_consent', cmp: 'is_false' }, {})).toBe(true);
		expect(matches({ field: 'marketing_consent', cmp: 'is_true' }, {})).toBe(false);
	});

	it('tests tags with has_any, has_all, has_none, is_empty, is_not_empty', () => {
		expect(
			table([
				[{ field: 'tags', cmp: 'has_any', value: ['vip', 'b2b'] }, true],
				[{ field: 'tags', cmp: 'has_any', value: ['b2b'] }, false],
				[{ field: 'tags', cmp: 'has_all', value: ['wholesale', ' VIP'] }, true],
				[{ field: 'tags', cmp: 'has_all', value: ['vip', 'b2b'] }, false],
				[{ field: 'tags', cmp: 'has_none', value: ['b2b', 'new'] }, true],
				[{ field: 'tags', cmp: 'has_none', value: ['b2b', 'vip'] }, false],
				[{ field: 'tags', cmp: 'is_empty' }, false],
				[{ field: 'tags', cmp: 'is_not_empty' }, true]
			])
		).toEqual([]);
		expect(matches({ field: 'tags', cmp: 'is_empty' }, { tags: [] })).toBe(true);
		expect(matches({ field: 'tags', cmp: 'is_empty' }, {})).toBe(true);
		expect(matches({ field: 'tags', cmp: 'has_none', value: ['vip'] }, {})).toBe(true);
	});
});

describe('evaluateRule: groups', () => {
	const yes: SegmentCondition = { field: 'region', cmp: 'eq', value: 'beijing' };
	const no: SegmentCondition = { field: 'region', cmp: 'eq', value: 'shanghai' };

	it('matches everyone with an empty and, no one with an empty or', () => {
		expect(evaluateRule(all(), customer, stats, NOW)).toBe(true);
		expect(evaluateRule(all(), {}, null, NOW)).toBe(true);
		expect(evaluateRule(any(), customer, stats, NOW)).toBe(false);
	});

	it('combines nested and/or groups', () => {
		const cases: [SegmentRule, boolean][] = [
			[all(yes, yes), true],
			[all(yes, no), false],
			[any(no, yes), true],
			[any(no, no), false],
			[all(yes, any(no, all(yes, any(yes)))), true],
			[any(no, all(yes, any(no, all()))), true],
			[all(yes, any(no, any())), false]
		];
		expect(cases.map(([rule]) => evaluateRule(rule, customer, stats, NOW))).toEqual(cases.map(([, want]) => want));
	});

	it('never matches a deleted customer', () => {
		const gone = { ...customer, deleted: true };
		expect(evaluateRule(all(), gone, stats, NOW)).toBe(false);
		expect(evaluateRule(all(yes), gone, stats, NOW)).toBe(false);
		expect(evaluateRule(any(yes, all()), gone, stats, NOW)).toBe(false);
		expect(evaluateRule(all(yes), { ...customer, deleted: false }, stats, NOW)).toBe(true);
	});

	it('matches nothing on a condition that would not validate instead of throwing', () => {
		const bad = [{ field: 'nope', cmp: 'eq', value: 'x' }, { field: 'tags', cmp: 'gt', value: 1 }, { field: 'order_count', cmp: 'gt', value: '1' }, null];
		for (const cond of bad) expect(evaluateRule(all(cond as unknown as SegmentCondition), customer, stats, NOW)).toBe(false);
	});
});

describe('validateRule', () => {
	const codes = (rule: unknown) => validateRule(rule).map((e) => `${e.path}:${e.code}`);
	// Untyped builders: these rules are wrong on purpose, as stored JSON may be.
	const rawAll = (...rules: unknown[]) => ({ op: 'and', rules });
	const rawAny = (...rules: unknown[]) => ({ op: 'or', rules });
	const nest = (depth: number): SegmentRule => (depth <= 1 ? all({ field: 'name', cmp: 'is_empty' }) : all(nest(depth - 1)));

	it('accepts a valid rule', () => {
		expect(
			codes(
				all({ field: 'gender', cmp: 'in', value: ['female', ''] }, any({ field: 'total_spend', cmp: 'between', value: [100, 500] }, { field: 'tags', cmp: 'has_any', value: ['vip'] }), {
					field: 'marketing_consent',
					cmp: 'is_true'
				})
			)
		).toEqual([]);
	});

	it('refuses what is not a rule', () => {
		expect(codes(null)).toEqual([':invalid_rule']);
		expect(codes({ field: 'name', cmp: 'is_empty' })).toEqual([':invalid_rule']);
		expect(codes({ op: 'xor', rules: {} })).toEqual(['op:invalid_op', 'rules:invalid_rules']);
		expect(codes(rawAll('name'))).toEqual(['rules.0:invalid_condition']);
	});

	it('refuses unknown fields', () => {
		expect(codes(rawAll({ field: 'email', cmp: 'eq', value: 'x' }))).toEqual(['rules.0.field:unknown_field']);
		expect(codes(rawAll({ field: 'constructor', cmp: 'eq', value: 'x' }))).toEqual(['rules.0.field:unknown_field']);
	});

	it("refuses comparators outside the field's kind", () => {
		const rule = rawAll(
			{ field: 'name', cmp: 'gt', value: 1 },
			{ field: 'total_spend', cmp: 'contains', value: '1' },
			{ field: 'marketing_consent', cmp: 'eq', value: true },
			{ field: 'tags', cmp: 'eq', value: 'vip' },
			{ field: 'gender', cmp: 'is_empty' },
			{ field: 'rfm_segment', cmp: 'contains', value: 'lo' }
		);
		expect(codes(rule)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `rules.${i}.cmp:invalid_comparator`));
	});

	it('refuses values of the wrong type, empty lists and needles, bad choices and ranges', () => {
		const rule = rawAny(
			rawAll(
				{ field: 'name', cmp: 'eq', value: 5 },
				{ field: 'name', cmp: 'in', value: 'a' },
				{ field: 'name', cmp: 'contains', value: '  ' },
				{ field: 'total_spend', cmp: 'gt', value: '100' },
				{ field: 'total_spend', cmp: 'gt', value: Infinity },
				{ field: 'order_count', cmp: 'between', value: [1] },
				{ field: 'order_count', cmp: 'between', value: [5, 1] }
			),
			{ field: 'tags', cmp: 'has_all', value: [] },
			{ field: 'tags', cmp: 'has_any', value: ['vip', 3] },
			{ field: 'gender', cmp: 'eq', value: 'unknown' },
			{ field: 'rfm_segment', cmp: 'in', value: ['loyal', 'whales'] }
		);
		expect(codes(rule)).toEqual([
			'rules.0.rules.0.value:invalid_value',
			'rules.0.rules.1.value:invalid_value',
			'rules.0.rules.2.value:empty_value',
			'rules.0.rules.3.value:invalid_value',
			'rules.0.rules.4.value:invalid_value',
			'rules.0.rules.5.value:invalid_value',
			'rules.0.rules.6.value:invalid_range',
			'rules.1.value:empty_value',
			'rules.2.value:invalid_value',
			'rules.3.value:invalid_choice',
			'rules.4.value:invalid_choice'
		]);
	});

	it('refuses groups nested deeper than 5 levels', () => {
		expect(codes(nest(5))).toEqual([]);
		expect(codes(nest(6))).toEqual(['rules.0.rules.0.rules.0.rules.0.rules.0:too_deep']);
	});

	it('refuses more than 50 conditions in all', () => {
		const cond: SegmentCondition = { field: 'tags', cmp: 'is_empty' };
		const spread = (n: number) => all(any(...Array<SegmentCondition>(n - 25).fill(cond)), ...Array<SegmentCondition>(25).fill(cond));
		expect(codes(spread(50))).toEqual([]);
		expect(codes(spread(51))).toEqual([':too_many_conditions']);
	});

	it('gives every error a message', () => {
		const errors = validateRule(rawAll({ field: 'x', cmp: 'eq' }));
		expect(errors.length).toBe(1);
		expect(errors[0].message).toMatch(/\S/);
	});
});

describe('ruleFields', () => {
	it('lists each field once, in order of first use', () => {
		const rule = all(
			{ field: 'tags', cmp: 'is_empty' },
			any({ field: 'total_spend', cmp: 'gt', value: 1 }, { field: 'tags', cmp: 'has_any', value: ['a'] }),
			any(all({ field: 'days_since_last_purchase', cmp: 'lt', value: 30 }))
		);
		expect(ruleFields(rule)).toEqual(['tags', 'total_spend', 'days_since_last_purchase']);
		expect(ruleFields(all())).toEqual([]);
	});
});

describe('properties', () => {
	const ruleArb = segmentRuleArb(3);
	const runs = { numRuns: 300 };

	it('or of two rules is the or of their results, and of two the and', () => {
		fc.assert(
			fc.property(ruleArb, ruleArb, segmentCustomerArb, segmentStatsArb, nowArb, (a, b, c, s, now) => {
				const ea = evaluateRule(a, c, s, now);
				const eb = evaluateRule(b, c, s, now);
				expect(evaluateRule(any(a, b), c, s, now)).toBe(ea || eb);
				expect(evaluateRule(all(a, b), c, s, now)).toBe(ea && eb);
			}),
			runs
		);
	});

	it('accepts every generated rule', () => {
		fc.assert(
			fc.property(ruleArb, (rule) => {
				expect(validateRule(rule)).toEqual([]);
			}),
			runs
		);
	});

	it('never throws, whatever the customer and stats look like', () => {
		fc.assert(
			fc.property(ruleArb, messyCustomerArb, messyStatsArb, nowArb, (rule, c, s, now) => {
				const got = evaluateRule(rule, c as SegmentCustomer, s as SegmentStats, now);
				expect(typeof got).toBe('boolean');
			}),
			runs
		);
	});

	it('reports the fields that a rule really uses', () => {
		fc.assert(
			fc.property(ruleArb, (rule) => {
				const fields = ruleFields(rule);
				expect(new Set(fields).size).toBe(fields.length);
				expect(fields.sort()).toEqual([...new Set(JSON.stringify(rule).match(/"field":"[a-z_]+"/g) ?? [])].map((f) => f.slice(9, -1)).sort());
			}),
			runs
		);
	});
});
