import { describe, expect, it } from 'vitest';
import { byName, matchesCustomer } from './customer-search';

const c = { name: '张伟', phones: ['+8613800138000'], emails: ['zhang.wei@example.cn'], external_id: 'SHOP-1001' };

describe('matchesCustomer', () => {
	it('finds by name, email and shop id', () => {
		expect(matchesCustomer(c, '张')).toBe(true);
		expect(matchesCustomer(c, 'ZHANG.WEI')).toBe(true);
		expect(matchesCustomer(c, 'shop-1001')).toBe(true);
		expect(matchesCustomer(c, '李')).toBe(false);
	});

	it('finds by any part of the phone, with or without spaces and +86', () => {
		for (const q of ['138', '0013 8000', '+86 138 0013', '8613800138000', '138-0013-8000']) expect(matchesCustomer(c, q)).toBe(true);
		expect(matchesCustomer(c, '139')).toBe(false);
	});

	it('sorts Chinese names by pinyin', () => {
		expect([{ name: '张伟' }, { name: '李娜' }, { name: '王芳' }].sort(byName).map((x) => x.name)).toEqual(['李娜', '王芳', '张伟']);
	});
});
