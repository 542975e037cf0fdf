import { describe, expect, it } from 'vitest';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { getDatabase } from './database';
import { bulkPatch, bulkUpdateCustomers, createCustomer, undoBulk } from './customers';

describe('bulk actions on customers', () => {
	it('says what each action changes, and nothing where there is nothing to change', () => {
		const c = { tags: ['VIP', '母婴'], category: '零售', owner: 'rep1' };
		expect(bulkPatch({ kind: 'add_tag', tag: ' 团购 ' }, c)).toEqual({ tags: ['VIP', '母婴', '团购'] });
		expect(bulkPatch({ kind: 'add_tag', tag: 'vip' }, c)).toBeNull();
		expect(bulkPatch({ kind: 'remove_tag', tag: 'vip' }, c)).toEqual({ tags: ['母婴'] });
		expect(bulkPatch({ kind: 'remove_tag', tag: '团购' }, c)).toBeNull();
		expect(bulkPatch({ kind: 'category', category: '批发' }, c)).toEqual({ category: '批发' });
		expect(bulkPatch({ kind: 'category', category: '零售' }, c)).toBeNull();
		expect(bulkPatch({ kind: 'assign', owner: 'rep2' }, c)).toEqual({ owner: 'rep2' });
		expect(bulkPatch({ kind: 'assign', owner: 'rep1' }, { ...c, tags: undefined })).toBeNull();
	});

	it('changes many customers a chunk at a time, records field times, owes each to the server, and undoes', async () => {
		const db = await getDatabase('bulkuser0000001', { storage: getRxStorageMemory(), multiInstance: false, device: 'bulk' });
		const written: string[] = [];
		const onWrite = (_c: 'customers', id: string) => written.push(id);
		const ids: string[] = [];
		for (let i = 0; i < 12; i++) ids.push((await createCustomer(db, { name: `客户${i}`, tags: i % 3 === 0 ? ['团购'] : [] }, onWrite)).id);
		written.length = 0;
		const progress: number[] = [];
		const chunks: string[][] = [];
		const missing = 'nothere00000000';
		const out = await bulkUpdateCustomers(
			db,
			[...ids, missing],
			{ kind: 'add_tag', tag: '团购' },
			(_c, w) => chunks.push(w),
			(done) => progress.push(done)
		);
		expect(out.changed).toHaveLength(8);
		expect(out.unchanged).toBe(4);
		expect(out.refused).toEqual([{ id: missing, field: 'id', code: 'not_on_device' }]);
		expect(chunks.flat().sort()).toEqual(out.changed.slice().sort());
		expect(progress.at(-1)).toBe(13);
		const after = await db.customers.findByIds(ids).exec();
		expect([...after.values()].every((d) => d.tags?.includes('团购'))).toBe(true);
		const one = after.get(out.changed[0])!.toJSON();
		expect((one.field_times as Record<string, number>).tags).toBeGreaterThan(0);

		const undone = await undoBulk(db, out, () => {});
		expect(undone.changed.sort()).toEqual(out.changed.slice().sort());
		const back = await db.customers.findByIds(ids).exec();
		expect(ids.filter((id) => back.get(id)!.tags?.includes('团购'))).toEqual(ids.filter((_, i) => i % 3 === 0));

		// A result the shared validation refuses (a tag too long) is refused per customer, nothing written.
		const bad = await bulkUpdateCustomers(db, ids.slice(0, 2), { kind: 'add_tag', tag: 'x'.repeat(300) }, () => {});
		expect(bad.changed).toEqual([]);
		expect(bad.refused.map((r) => r.field)).toEqual(['tags', 'tags']);
		await db.remove();
	});
});
