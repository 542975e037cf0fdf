import { describe, expect, it } from 'vitest';
import { guessProductMapping, productChunks, rowsToProducts } from './products';

describe('products from a file', () => {
	it('guesses the columns from Chinese and English headers', () => {
		expect(guessProductMapping(['商品编号', '商品名称', '类目', '售价', '主图链接', '商品链接', '库存'])).toEqual({
			0: 'product_id',
			1: 'name',
			2: 'category',
			3: 'price',
			4: 'image_url',
			5: 'shop_url',
			6: null
		});
		expect(guessProductMapping(['SKU ID', 'Title', 'Price (CNY)'])).toEqual({ 0: 'product_id', 1: 'name', 2: 'price' });
	});

	it('reads each row with the shared rules, naming problems and repeats by spreadsheet row', () => {
		const mapping = guessProductMapping(['商品编号', '商品名称', '售价']);
		const { products, problems, unmapped } = rowsToProducts(
			[
				['P1', '围巾', '99'],
				['P2', '', '10'],
				['P1', '围巾二', '5'],
				['P3', '手套', 'abc']
			],
			[2, 3, 4, 6],
			mapping
		);
		expect(unmapped).toEqual([]);
		expect(products).toEqual([{ row: 2, product_id: 'P1', name: '围巾', category: '', price: 99, image_url: '', shop_url: '' }]);
		expect(problems).toEqual([
			{ row: 3, field: 'name', code: 'required' },
			{ row: 4, field: 'product_id', code: 'duplicate', other: 2 },
			{ row: 6, field: 'price', code: 'invalid' }
		]);
		expect(rowsToProducts([['x']], [2], { 0: 'name' }).unmapped).toEqual(['product_id']);
	});

	it('cuts requests of at most 1,000', () => {
		expect(productChunks(Array.from({ length: 2001 }, (_, i) => i)).map((c) => c.length)).toEqual([1000, 1000, 1]);
	});
});
