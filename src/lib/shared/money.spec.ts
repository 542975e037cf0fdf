import { describe, expect, it } from 'vitest';
import { roundMoney } from './money';

// The same cases as server/money_test.go: one rule on both sides.
const CASES: [number, number][] = [
	[42.285, 42.29],
	[84.57 / 2, 42.29],
	[1.005, 1.01],
	[2.675, 2.68],
	[0.125, 0.13],
	[-1.005, -1.01],
	[42.2849, 42.28],
	[100 / 3, 33.33],
	[2 / 3, 0.67],
	[0.1 + 0.2, 0.3],
	[1e-7, 0],
	[123456789.125, 123456789.13],
	[19.99, 19.99],
	[0, 0],
	[5, 5],
	[999999999999.995, 1000000000000]
];

describe('roundMoney', () => {
	it.each(CASES)('%s → %s', (input, want) => {
		expect(roundMoney(input)).toBe(want);
	});
	it('is not fooled by the binary float: Math.round(1.005 * 100) / 100 says 1', () => {
		expect(Math.round(1.005 * 100) / 100).toBe(1);
		expect(roundMoney(1.005)).toBe(1.01);
	});
});
