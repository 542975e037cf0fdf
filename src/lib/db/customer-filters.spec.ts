import { describe, expect, it } from 'vitest';
import { activeFilterCount, applyFilters, filterOptions, NO_FILTERS, sortCustomers, type StatsLike } from './customer-filters';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const c = (id: string, p: Record<string, unknown> = {}) => ({ id, tags: [] as string[], category: '', region: '', owner: 'me', updated: '2026-01-01 00:00:00.000Z', ...p });
const docs = [
	c('a', { tags: ['VIP'], category: '零售', region: '华东' }),
	c('b', { tags: ['VIP', '母婴'], region: '华南', owner: 'other', updated: '2026-11-20 00:00:00.000Z' }),
	c('d', { category: '批发', region: '华东' })
];
const stats = new Map<string, StatsLike>([
	['a', { total_spend: 100, last_order_at: '2026-11-20 10:00:00.000Z', rfm_segment: 'champions' }],
	['b', { total_spend: 900, last_order_at: '2026-06-01 10:00:00.000Z', rfm_segment: 'at_risk' }]
]);
const ids = (xs: { id: string }[]) => xs.map((x) => x.id);

describe('customer filters', () => {
	it('passes everything without filters', () => {
		expect(activeFilterCount(NO_FILTERS)).toBe(0);
		expect(applyFilters(docs, NO_FILTERS, stats, 'me', NOW)).toBe(docs);
	});

	it('combines profile filters with AND', () => {
		expect(ids(applyFilters(docs, { ...NO_FILTERS, tag: 'VIP' }, stats, 'me', NOW))).toEqual(['a', 'b']);
		expect(ids(applyFilters(docs, { ...NO_FILTERS, tag: 'VIP', region: '华东' }, stats, 'me', NOW))).toEqual(['a']);
		expect(ids(applyFilters(docs, { ...NO_FILTERS, category: '批发' }, stats, 'me', NOW))).toEqual(['d']);
		expect(ids(applyFilters(docs, { ...NO_FILTERS, mine: true }, stats, 'me', NOW))).toEqual(['a', 'd']);
	});

	it("keeps a segment's members, and no one while the membership is not known", () => {
		const f = { ...NO_FILTERS, segment: 'seg000000000001' };
		expect(ids(applyFilters(docs, f, stats, 'me', NOW, (c) => c.id !== 'b'))).toEqual(['a', 'd']);
		expect(applyFilters(docs, f, stats, 'me', NOW)).toEqual([]);
		expect(ids(applyFilters(docs, { ...f, region: '华东' }, stats, 'me', NOW, (c) => c.id === 'a'))).toEqual(['a']);
	});

	it('filters on the server-computed figures', () => {
		expect(ids(applyFilters(docs, { ...NO_FILTERS, rfm: 'at_risk' }, stats, 'me', NOW))).toEqual(['b']);
		expect(ids(applyFilters(docs, { ...NO_FILTERS, lastPurchase: 'within30' }, stats, 'me', NOW))).toEqual(['a']);
		expect(ids(applyFilters(docs, { ...NO_FILTERS, lastPurchase: 'over90' }, stats, 'me', NOW))).toEqual(['b']);
		expect(ids(applyFilters(docs, { ...NO_FILTERS, lastPurchase: 'never' }, stats, 'me', NOW))).toEqual(['d']);
		expect(ids(applyFilters(docs, { ...NO_FILTERS, lastPurchase: 'days30to90' }, stats, 'me', NOW))).toEqual([]);
	});

	it('sorts by spend or recent change, keeping name order for ties', () => {
		expect(ids(sortCustomers(docs, 'spend', stats))).toEqual(['b', 'a', 'd']);
		expect(ids(sortCustomers(docs, 'updated', stats))).toEqual(['b', 'a', 'd']);
		expect(sortCustomers(docs, 'name', stats)).toBe(docs);
	});

	it('sorts by predicted value and by last contact, those without the figure last', () => {
		const predicted = new Map<string, StatsLike>([
			['a', { predicted_value: 40 }],
			['d', { predicted_value: 320 }]
		]);
		expect(ids(sortCustomers(docs, 'predicted', predicted))).toEqual(['d', 'a', 'b']);
		const contact = new Map([
			['b', Date.parse('2026-11-01T09:00:00Z')],
			['a', Date.parse('2026-11-25T09:00:00Z')]
		]);
		expect(ids(sortCustomers(docs, 'contact', stats, contact))).toEqual(['a', 'b', 'd']);
		expect(ids(sortCustomers(docs, 'contact', stats))).toEqual(['a', 'b', 'd']); // nobody contacted: name order
	});

	it('offers the values in use, most used first', () => {
		expect(filterOptions(docs)).toEqual({ tags: ['VIP', '母婴'], categories: ['零售', '批发'], regions: ['华东', '华南'] });
	});
});
