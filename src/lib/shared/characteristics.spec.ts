import { describe, expect, it } from 'vitest';
import { bucket, characteristic, type CharCustomer, type CharStats } from './characteristics';

const NOW = new Date('2026-11-26T00:00:00Z');
const all: CharCustomer[] = [
	{ id: 'a', region: '华东', gender: 'female', birthday: '2000-11-27' },
	{ id: 'b', region: '华东', gender: 'male', birthday: '1990-01-01' },
	{ id: 'c', region: '华南', gender: 'female', birthday: '' },
	{ id: 'd', region: '', gender: '', birthday: '1950-05-05' }
];
const stats = new Map<string, CharStats>([
	['a', { total_spend: 0, order_count: 0 }],
	['b', { total_spend: 1200, order_count: 3, rfm_segment: 'loyal' }],
	['c', { total_spend: 8000, order_count: 12, rfm_segment: 'champions' }]
]);

describe('characteristics', () => {
	it('puts customers into bands', () => {
		expect(bucket('age', all[0], undefined, NOW)).toBe('25-34'); // turns 26 tomorrow: still 25
		expect(bucket('age', all[2], undefined, NOW)).toBe('unknown');
		expect(bucket('spend', all[1], stats.get('b'), NOW)).toBe('500-1999');
		expect(bucket('orders', all[2], stats.get('c'), NOW)).toBe('10+');
		expect(bucket('orders', all[3], undefined, NOW)).toBe('0');
		expect(bucket('rfm', all[3], undefined, NOW)).toBe('unknown');
		expect(bucket('region', all[3], undefined, NOW)).toBe('unknown');
	});

	it('compares the segment with all customers, counts and shares', () => {
		const rows = characteristic('region', [all[0], all[2]], all, stats, NOW);
		expect(rows).toEqual([
			{ key: '华东', segment: 1, segmentShare: 0.5, all: 2, allShare: 0.5 },
			{ key: 'unknown', segment: 0, segmentShare: 0, all: 1, allShare: 0.25 },
			{ key: '华南', segment: 1, segmentShare: 0.5, all: 1, allShare: 0.25 }
		]);
	});

	it('keeps fixed bands in order, including empty ones, and folds the long tail into "other"', () => {
		expect(characteristic('spend', all, all, stats, NOW).map((r) => [r.key, r.all])).toEqual([
			['0', 2],
			['1-499', 0],
			['500-1999', 1],
			['2000-4999', 0],
			['5000+', 1]
		]);
		const many = Array.from({ length: 12 }, (_, i) => ({ id: `x${i}`, region: `R${i % 10}` }));
		const rows = characteristic('region', many, many, new Map(), NOW, 3);
		expect(rows.map((r) => r.key)).toEqual(['R0', 'R1', 'R2', 'other']);
		expect(rows.reduce((s, r) => s + r.all, 0)).toBe(12);
	});

	it('gives zero shares for an empty segment instead of dividing by zero', () => {
		expect(characteristic('gender', [], all, stats, NOW).every((r) => r.segmentShare === 0)).toBe(true);
	});
});
