/**
 * The product catalogue from a file (CSV or XLSX) for the products import (issue 18, item 3; server:
 * pb_hooks/lib/products.js): which column is which (Chinese and English headers, as shop systems
 * export them), each row checked by the shared rules (src/lib/shared/products.ts) with its spreadsheet
 * row number, and cut into the requests the server takes. Pure functions: no DOM.
 */
import { PRODUCT_FIELDS, PRODUCT_LIMITS, validateProduct, type ProductField, type ProductRow } from '../shared/products';
import { guessColumns } from './columns';

export type ProductMapping = Record<number, ProductField | null>;
export type Cell = string | number | boolean | Date | null | undefined;

const EXACT: Record<ProductField, string[]> = {
	product_id: ['商品id', '商品编号', '商品编码', '货号', '商品号', 'productid', 'product', 'id', 'itemid', 'spu', 'spuid'],
	name: ['商品名称', '商品名', '名称', '标题', '商品标题', 'name', 'title', 'productname'],
	category: ['分类', '类目', '商品分类', '商品类目', 'category', 'type', 'producttype'],
	price: ['价格', '售价', '单价', '销售价', 'price', 'saleprice', 'unitprice'],
	image_url: ['图片', '主图', '图片链接', '图片地址', '主图链接', 'image', 'imageurl', 'img', 'picture', 'photo'],
	shop_url: ['链接', '商品链接', '网址', '页面', 'url', 'link', 'producturl', 'shopurl', 'page']
};
const CONTAINS: [ProductField, string[]][] = [
	['image_url', ['图', 'image', 'img', 'pic']],
	['shop_url', ['链接', 'url', 'link']],
	['product_id', ['编号', '编码', '货号', 'id']],
	['name', ['名称', '标题', 'name', 'title']],
	['category', ['分类', '类目', 'category']],
	['price', ['价', 'price']]
];

export function guessProductMapping(headers: readonly string[]): ProductMapping {
	return guessColumns(headers, PRODUCT_FIELDS, EXACT, CONTAINS);
}

export interface ProductProblem {
	row: number;
	field: string;
	code: string;
	other?: number;
}

/** Reads the rows with the mapping: the products with their row numbers, and every problem by row. */
export function rowsToProducts(
	rows: readonly Cell[][],
	rowNumbers: readonly number[],
	mapping: ProductMapping
): { products: (ProductRow & { row: number })[]; problems: ProductProblem[]; unmapped: ProductField[] } {
	const mapped = new Set(Object.values(mapping).filter(Boolean));
	const unmapped = (['product_id', 'name'] as ProductField[]).filter((f) => !mapped.has(f));
	const products: (ProductRow & { row: number })[] = [];
	const problems: ProductProblem[] = [];
	if (unmapped.length) return { products, problems, unmapped };
	const first = new Map<string, number>();
	rows.forEach((cells, i) => {
		const row = rowNumbers[i] ?? i + 2;
		const raw: Record<string, unknown> = {};
		for (const [col, field] of Object.entries(mapping)) {
			if (!field) continue;
			const v = cells[Number(col)];
			raw[field] = v instanceof Date ? v.toISOString() : (v ?? '');
		}
		const { row: product, errors } = validateProduct(raw);
		for (const e of errors) problems.push({ row, field: e.field, code: e.code });
		if (!product) return;
		const seen = first.get(product.product_id);
		if (seen !== undefined) return void problems.push({ row, field: 'product_id', code: 'duplicate', other: seen });
		first.set(product.product_id, row);
		products.push({ ...product, row });
	});
	return { products, problems, unmapped };
}

/** The requests the server takes: at most 1,000 products each. */
export function productChunks<T>(products: readonly T[], size: number = PRODUCT_LIMITS.rows): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < products.length; i += size) out.push(products.slice(i, i + size));
	return out;
}
