import { describe, expect, it } from 'vitest';
import { validateProduct } from './products';

const fields = (raw: unknown) => validateProduct(raw).errors.map((e) => `${e.field}:${e.code}`);

describe('product rows', () => {
	it('normalises a good row', () => {
		expect(validateProduct({ product_id: ' P1100 ', name: ' 羊毛围巾 ', category: '配饰', price: '¥1,299.5', image_url: 'https://img.shop.test/p1100.jpg', shop_url: '' }).row).toEqual({
			product_id: 'P1100',
			name: '羊毛围巾',
			category: '配饰',
			price: 1299.5,
			image_url: 'https://img.shop.test/p1100.jpg',
			shop_url: ''
		});
		expect(validateProduct({ product_id: 1100, name: '围巾' }).row).toMatchObject({ product_id: '1100', price: null });
	});

	it('names the field of each bad value', () => {
		expect(fields({ name: '围巾' })).toEqual(['product_id:required']);
		expect(fields({ product_id: 'P1' })).toEqual(['name:required']);
		expect(fields({ product_id: 'x'.repeat(65), name: 'n' })).toEqual(['product_id:too_long']);
		expect(fields({ product_id: 'P1', name: 'n', price: '-3' })).toEqual(['price:invalid']);
		expect(fields({ product_id: 'P1', name: 'n', price: 'abc' })).toEqual(['price:invalid']);
		expect(fields({ product_id: 'P1', name: 'n', image_url: 'javascript:alert(1)' })).toEqual(['image_url:invalid_url']);
		expect(fields({ product_id: 'P1', name: 'n', colour: 'red' })).toEqual(['colour:unknown_field']);
		expect(fields([])).toEqual(['product:invalid']);
	});
});
