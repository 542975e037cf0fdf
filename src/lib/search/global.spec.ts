import { describe, expect, it } from 'vitest';
import { looksLikeOrderNumber, rankNamed, tierOf } from './global';

describe('global search matching', () => {
	it('ranks whole matches, then prefixes, then the rest, keeping the given order within a tier', () => {
		const items = [{ n: '春季老客回访' }, { n: '老客' }, { n: '老客户唤醒' }, { n: '新品' }, { n: 'VIP 老客' }];
		expect(rankNamed(items, '老客', (i) => [i.n]).map((i) => i.n)).toEqual(['老客', '老客户唤醒', '春季老客回访', 'VIP 老客']);
		expect(rankNamed(items, 'vip老客', (i) => [i.n]).map((i) => i.n)).toEqual(['VIP 老客']);
		expect(rankNamed(items, '  ', (i) => [i.n])).toEqual([]);
		expect(rankNamed(items, '老', (i) => [i.n], 2)).toHaveLength(2);
	});

	it('matches any of several texts (pinyin, a phone) at its best tier', () => {
		expect(tierOf(['老客户唤醒', 'laokehuhuanxing', 'lkhhx'], 'lkhhx')).toBe(0);
		expect(tierOf(['老客户唤醒', 'laokehuhuanxing'], 'laoke')).toBe(1);
		expect(tierOf(['', '138 0013 8000'], '0013')).toBe(2);
		expect(tierOf(['老客'], '新')).toBeNull();
	});

	it('tells an order number from a name', () => {
		expect(looksLikeOrderNumber('SO-2026')).toBe(true);
		expect(looksLikeOrderNumber('100234')).toBe(true);
		expect(looksLikeOrderNumber('12')).toBe(false);
		expect(looksLikeOrderNumber('王 12')).toBe(false);
		expect(looksLikeOrderNumber('abc-x')).toBe(true);
		expect(looksLikeOrderNumber('SO 12')).toBe(false);
	});
});
