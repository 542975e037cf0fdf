import { describe, expect, it } from 'vitest';
import { mergeFields, type Mergeable } from './merge';

const FIELDS = ['name', 'phones', 'notes', 'deleted'];
const doc = (p: Partial<Mergeable>): Mergeable => ({ name: '张伟', phones: ['+8613800138000'], notes: '', deleted: false, field_times: {}, history: [], ...p });

describe('mergeFields', () => {
	it('keeps both edits when two devices change different fields', () => {
		const base = doc({});
		const local = doc({ name: '张伟伟', field_times: { name: 10 } });
		const server = doc({ notes: '喜欢红色', field_times: { notes: 5 }, seq: 7 });
		const out = mergeFields(FIELDS, base, local, server, 100);
		expect(out).toMatchObject({ name: '张伟伟', notes: '喜欢红色', seq: 7 });
		expect(out.history).toEqual([]);
		expect(out.field_times).toEqual({ name: 10, notes: 5 });
	});

	it('takes the later edit of one field and keeps the other value in history', () => {
		const base = doc({});
		const local = doc({ notes: 'A from the phone', field_times: { notes: 20 } });
		const server = doc({ notes: 'B from the tablet', field_times: { notes: 30 } });
		const out = mergeFields(FIELDS, base, local, server, 100);
		expect(out.notes).toBe('B from the tablet');
		expect(out.history).toEqual([{ field: 'notes', value: 'A from the phone', edited_at: 20, resolved_at: 100, reason: 'conflict' }]);

		const out2 = mergeFields(FIELDS, base, { ...local, field_times: { notes: 40 } }, server, 100);
		expect(out2.notes).toBe('A from the phone');
		expect(out2.field_times).toEqual({ notes: 40 });
		expect(out2.history?.[0]).toMatchObject({ field: 'notes', value: 'B from the tablet', edited_at: 30 });
	});

	it('takes the server value of a field only the server changed', () => {
		const base = doc({ name: 'old' });
		const out = mergeFields(FIELDS, base, doc({ name: 'old' }), doc({ name: 'new', field_times: { name: 1 } }), 100);
		expect(out.name).toBe('new');
		expect(out.history).toEqual([]);
	});

	it('treats every differing field as a conflict when there is no base', () => {
		const out = mergeFields(FIELDS, undefined, doc({ name: 'L', field_times: { name: 2 } }), doc({ name: 'S', field_times: { name: 1 } }), 9);
		expect(out.name).toBe('L');
		expect(out.history).toHaveLength(1);
	});

	it('records no loss when a create was applied but its answer was lost', () => {
		// The retry has no base; the server holds the create, the device the create plus an edit.
		const server = doc({ field_times: { name: 1 } });
		const local = doc({ notes: 'later edit', field_times: { name: 1, notes: 2 } });
		const out = mergeFields(FIELDS, undefined, local, server, 9);
		expect(out.notes).toBe('later edit');
		expect(out.history).toEqual([]);
	});

	it('keeps an edit made to a record another device deleted', () => {
		const base = doc({});
		const out = mergeFields(FIELDS, base, doc({ notes: 'edit', field_times: { notes: 3 } }), doc({ deleted: true, field_times: { deleted: 2 } }), 9);
		expect(out).toMatchObject({ notes: 'edit', deleted: true });
	});

	it('joins both histories without duplicates and caps their length', () => {
		const h = (n: number) => ({ field: 'notes', value: `v${n}`, edited_at: n, resolved_at: n, reason: 'conflict' as const });
		const local = doc({ history: [h(1), h(2)], notes: 'x', field_times: { notes: 1 } });
		const server = doc({ history: [h(2), h(3)], notes: 'y', field_times: { notes: 5 } });
		const out = mergeFields(FIELDS, doc({}), local, server, 10, 3);
		expect(out.history?.map((e) => e.value)).toEqual(['v2', 'v3', 'x']);
	});
});
