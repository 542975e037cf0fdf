/**
 * fast-check arbitraries for segment rules, customers and stats. Kept apart from the spec so the
 * server-side hook tests can check the bundled engine against the same inputs.
 */
import fc from 'fast-check';
import {
	SEGMENT_COMPARATORS,
	SEGMENT_FIELDS,
	type SegmentComparator,
	type SegmentCondition,
	type SegmentCustomer,
	type SegmentFieldName,
	type SegmentRule,
	type SegmentStats,
	type SegmentValue
} from './segments';

/** A fixed clock for tests: 2026-03-15 12:00 UTC. */
export const SEGMENT_TEST_NOW = Date.UTC(2026, 2, 15, 12, 0, 0);

// Small pools, so generated rules and customers often meet and both outcomes are exercised.
const TEXTS = ['张伟', '李娜', 'Beijing', ' beijing ', 'SHANGHAI', 'web', 'store', 'vip', 'a', ''];
const TAGS = ['VIP', 'vip ', 'wholesale', '复购', 'new', 'b2b'];

const textArb = fc.oneof(fc.constantFrom(...TEXTS), fc.string({ maxLength: 6 }));
const needleArb = textArb.filter((s) => s.trim() !== '');
const tagArb = fc.oneof(fc.constantFrom(...TAGS), fc.string({ minLength: 1, maxLength: 6 }));
const numberArb = fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.double({ min: -5, max: 2000, noNaN: true }));
const rangeArb = fc.tuple(numberArb, numberArb).map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a]));

function nonEmptyList<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T[]> {
	return fc.array(arb, { minLength: 1, maxLength: 3 });
}

function choicesOf(field: SegmentFieldName): readonly string[] {
	const spec = SEGMENT_FIELDS[field];
	return 'choices' in spec ? spec.choices : [];
}

/** A value that fits the field's kind and the comparator; undefined for comparators that take none. */
function valueArb(field: SegmentFieldName, cmp: SegmentComparator): fc.Arbitrary<SegmentValue | undefined> {
	const kind = SEGMENT_FIELDS[field].kind;
	if (cmp === 'is_empty' || cmp === 'is_not_empty' || cmp === 'is_true' || cmp === 'is_false') return fc.constant(undefined);
	if (cmp === 'between') return rangeArb;
	if (kind === 'number') return numberArb;
	if (kind === 'list') return nonEmptyList(tagArb);
	const one = kind === 'choice' ? fc.constantFrom(...choicesOf(field)) : cmp === 'contains' || cmp === 'starts_with' ? needleArb : textArb;
	return cmp === 'in' || cmp === 'not_in' ? nonEmptyList(one) : one;
}

function fieldConditionArb(field: SegmentFieldName): fc.Arbitrary<SegmentCondition> {
	const cmps = SEGMENT_COMPARATORS[SEGMENT_FIELDS[field].kind] as readonly SegmentComparator[];
	return fc.constantFrom(...cmps).chain((cmp) => valueArb(field, cmp).map((value) => (value === undefined ? { field, cmp } : { field, cmp, value })));
}

/** Any valid condition over any field. */
export const segmentConditionArb: fc.Arbitrary<SegmentCondition> = fc.oneof(...(Object.keys(SEGMENT_FIELDS) as SegmentFieldName[]).map(fieldConditionArb));

/** A valid rule nested at most `maxDepth` groups deep (3 children a group, so at most 27 conditions). */
export function segmentRuleArb(maxDepth = 3): fc.Arbitrary<SegmentRule> {
	const child: fc.Arbitrary<SegmentRule | SegmentCondition> =
		maxDepth <= 1 ? segmentConditionArb : fc.oneof({ arbitrary: segmentConditionArb, weight: 3 }, { arbitrary: segmentRuleArb(maxDepth - 1), weight: 1 });
	return fc.record({ op: fc.constantFrom('and' as const, 'or' as const), rules: fc.array(child, { maxLength: 3 }) });
}

const dayArb = fc.date({ min: new Date(Date.UTC(1940, 0, 1)), max: new Date(Date.UTC(2026, 2, 20)), noInvalidDate: true });
const isoDateArb = dayArb.map((d) => d.toISOString().slice(0, 10));
// PocketBase writes 'YYYY-MM-DD HH:MM:SS.sssZ'; other clients send ISO 8601.
const stampArb = fc.oneof(
	dayArb.map((d) => d.toISOString()),
	dayArb.map((d) => d.toISOString().replace('T', ' ')),
	fc.constant('')
);

/** A well-formed customer; every field may be missing. */
export const segmentCustomerArb: fc.Arbitrary<SegmentCustomer> = fc.record(
	{
		name: textArb,
		gender: fc.constantFrom('', 'male', 'female', 'other', ' Female '),
		region: textArb,
		category: textArb,
		source: textArb,
		owner: textArb,
		tags: fc.array(tagArb, { maxLength: 4 }),
		marketing_consent: fc.boolean(),
		birthday: fc.oneof(isoDateArb, fc.constant('')),
		created: stampArb,
		deleted: fc.boolean()
	},
	{ requiredKeys: [] }
);

/** Well-formed stats, or none at all (a customer who never bought or was never seen). */
export const segmentStatsArb: fc.Arbitrary<SegmentStats | null> = fc.option(
	fc.record(
		{
			total_spend: fc.option(numberArb),
			order_count: fc.option(fc.nat({ max: 50 })),
			last_order_at: fc.option(stampArb),
			rfm_segment: fc.constantFrom('', 'champions', 'loyal', 'potential_loyalists', 'new', 'at_risk', 'hibernating', 'lost'),
			predicted_value: fc.option(numberArb),
			churn_risk: fc.boolean()
		},
		{ requiredKeys: [] }
	)
);

const FIELD_KEYS = ['name', 'gender', 'region', 'category', 'source', 'owner', 'tags', 'marketing_consent', 'birthday', 'created', 'deleted'];
const STATS_KEYS = ['total_spend', 'order_count', 'last_order_at', 'rfm_segment', 'predicted_value', 'churn_risk'];
const junkArb = fc.oneof(fc.anything(), fc.constantFrom('2024-02-30', '0099-01-01', '2024-13-01T00:00:00Z', 'not a date', 'NaN'));

function junkRecord(keys: string[]): fc.Arbitrary<Record<string, unknown>> {
	return fc.dictionary(fc.constantFrom(...keys), junkArb, { maxKeys: keys.length });
}

/** Any shape at all: right fields with wrong types, impossible dates, null, arrays, primitives. */
export const messyCustomerArb: fc.Arbitrary<unknown> = fc.oneof(segmentCustomerArb, junkRecord(FIELD_KEYS), fc.anything());
export const messyStatsArb: fc.Arbitrary<unknown> = fc.oneof(segmentStatsArb, junkRecord(STATS_KEYS), fc.anything());

/** A clock within a few years of the test data. */
export const nowArb = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) });
