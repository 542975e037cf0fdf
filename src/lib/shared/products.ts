/**
 * The product catalogue (issue 18, item 3): what a product row holds and its validation, shared by
 * the app's CSV import and the server's products API (pb_hooks/lib/products.js), so a file checked
 * on the device is never refused later for its format. Pure and dependency-free (runs in goja, ES2019).
 */
import type { FieldError } from './validation';

export const PRODUCT_FIELDS = ['product_id', 'name', 'category', 'price', 'image_url', 'shop_url'] as const;
export type ProductField = (typeof PRODUCT_FIELDS)[number];

export interface ProductRow {
	product_id: string;
	name: string;
	category: string;
	price: number | null;
	image_url: string;
	shop_url: string;
}

/** product_id and category: the events' own limits (src/lib/shared/events.ts). */
export const PRODUCT_LIMITS = { product_id: 64, name: 200, category: 100, url: 2000, price: 100_000_000, rows: 1000 } as const;

function err(field: string, code: string, message: string): FieldError {
	return { field, code, message };
}

function text(v: unknown): string {
	return typeof v === 'string' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}

function checkUrl(v: string, field: string, errors: FieldError[]) {
	if (!v) return;
	if (v.length > PRODUCT_LIMITS.url) return void errors.push(err(field, 'too_long', `${field} is longer than ${PRODUCT_LIMITS.url} characters`));
	if (!/^https?:\/\/[^\s/]+/i.test(v)) errors.push(err(field, 'invalid_url', `${field} must be an http(s) address`));
}

/**
 * Checks and normalises one product (texts trimmed, price as a number or null). Unknown fields are
 * refused, so a misspelt column is said rather than dropped. Returns the row or its errors.
 */
export function validateProduct(raw: unknown): { row: ProductRow | null; errors: FieldError[] } {
	const errors: FieldError[] = [];
	if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { row: null, errors: [err('product', 'invalid', 'each product must be an object')] };
	const data = raw as Record<string, unknown>;
	for (const key of Object.keys(data)) {
		if (!(PRODUCT_FIELDS as readonly string[]).includes(key)) errors.push(err(key, 'unknown_field', `unknown field "${key.slice(0, 40)}" (known: ${PRODUCT_FIELDS.join(', ')})`));
	}
	const product_id = text(data.product_id);
	if (!product_id) errors.push(err('product_id', 'required', 'product_id is required'));
	else if (product_id.length > PRODUCT_LIMITS.product_id) errors.push(err('product_id', 'too_long', `product_id is longer than ${PRODUCT_LIMITS.product_id} characters`));
	const name = text(data.name);
	if (!name) errors.push(err('name', 'required', 'name is required'));
	else if (name.length > PRODUCT_LIMITS.name) errors.push(err('name', 'too_long', `name is longer than ${PRODUCT_LIMITS.name} characters`));
	const category = text(data.category);
	if (category.length > PRODUCT_LIMITS.category) errors.push(err('category', 'too_long', `category is longer than ${PRODUCT_LIMITS.category} characters`));
	let price: number | null = null;
	if (data.price !== undefined && data.price !== null && data.price !== '') {
		const n = typeof data.price === 'number' ? data.price : Number(String(data.price).replace(/[,，¥￥\s]/g, ''));
		if (!Number.isFinite(n) || n < 0 || n > PRODUCT_LIMITS.price) errors.push(err('price', 'invalid', `price must be a number from 0 to ${PRODUCT_LIMITS.price}`));
		else price = Math.round(n * 100) / 100;
	}
	const image_url = text(data.image_url);
	checkUrl(image_url, 'image_url', errors);
	const shop_url = text(data.shop_url);
	checkUrl(shop_url, 'shop_url', errors);
	if (errors.length) return { row: null, errors };
	return { row: { product_id, name, category, price, image_url, shop_url }, errors };
}
