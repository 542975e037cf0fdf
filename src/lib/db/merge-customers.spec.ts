import { describe, expect, it } from 'vitest';
import { mergeCustomers, mergedFrom } from './merge-customers';
import type { CustomerDoc } from './schemas';

const base = (p: Partial<CustomerDoc>): CustomerDoc => ({ id: 'x', name: '', phones: [], emails: [], tags: [], addresses: [], notes: '', history: [], field_times: {}, ...p }) as CustomerDoc;

describe('mergeCustomers', () => {
	const keep = base({
		id: 'keep000000000001',
		name: '张伟',
		phones: ['+8613800138000'],
		tags: ['VIP'],
		region: '华东',
		notes: '喜欢红色',
		history: [{ field: 'notes', value: 'old', edited_at: 1, resolved_at: 2, reason: 'conflict' }] as never
	});
	const drop = base({
		id: 'drop000000000001',
		name: '张 伟',
		phones: ['+8613800138000', '+8613912345678'],
		emails: ['zw@example.cn'],
		tags: ['母婴'],
		region: '华南',
		category: '会员',
		external_id: 'SHOP-9',
		notes: '周末送货'
	});
	const { keep: k, drop: d } = mergeCustomers(keep, drop, 100);

	it('unites lists and fills empty fields from the duplicate', () => {
		expect(k.phones).toEqual(['+8613800138000', '+8613912345678']);
		expect(k.emails).toEqual(['zw@example.cn']);
		expect(k.tags).toEqual(['VIP', '母婴']);
		expect(k.category).toBe('会员');
		expect(k.region).toBeUndefined(); // the kept customer's region stays
		expect(k.notes).toBe('喜欢红色\n---\n周末送货');
	});

	it('keeps every value that does not survive, and both histories', () => {
		const fields = (k.history as unknown as { field: string; value: unknown }[]).map((h) => [h.field, h.value]);
		expect(fields).toEqual(
			expect.arrayContaining([
				['notes', 'old'],
				['region', '华南'],
				['name', '张 伟'],
				['external_id', 'SHOP-9'],
				['merged_from', drop.id]
			])
		);
		expect(mergedFrom(k as CustomerDoc)).toEqual([drop.id]);
	});

	it('soft-deletes the duplicate and points it to the kept customer', () => {
		expect(d.deleted).toBe(true);
		expect(d.history).toEqual([expect.objectContaining({ field: 'merged_into', value: keep.id, reason: 'merged' })]);
	});
});
