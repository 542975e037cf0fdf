// Saved list views through the real server: each user's own and no one else's, for every role
// (admins included: a view is a personal preference, not shop data), through push, REST and the
// visibility check; bad input refused naming the field.
import PocketBase from 'pocketbase';
import { beforeAll, describe, expect, it } from 'vitest';
import { id15, signIn, staff, url } from './helpers';

type PushAnswer = { conflicts: Record<string, unknown>[]; rejected: { id: string; status: number; field: string; code: string }[] };
const pushViews = (pb: PocketBase, rows: { doc: Record<string, unknown>; base: Record<string, unknown> | null }[]) =>
	pb.send<PushAnswer>('/api/crm/sync/list_views/push', { method: 'POST', body: { rows } });

const ROLES = ['owner', 'manager', 'sales', 'sales2', 'agent'] as const;
type Role = (typeof ROLES)[number];
const pb = {} as Record<Role, PocketBase>;
const view = {} as Record<Role, Record<string, unknown>>;
const STAMP = id15().slice(0, 6);

beforeAll(async () => {
	for (const r of ROLES) pb[r] = await signIn(r);
	for (const r of ROLES) {
		view[r] = { id: id15(), name: `${r} 的视图 ${STAMP}`, owner: staff(r).id, query: '', filters: { tag: 'VIP' }, sort: 'predicted' };
		expect(await pushViews(pb[r], [{ doc: view[r], base: null }]), r).toEqual({ conflicts: [], rejected: [] });
	}
});

const listed = async (p: PocketBase) => (await p.collection('list_views').getFullList({ filter: `name ~ "${STAMP}"` })).map((v) => v.id).sort();

describe('list views: a user’s own only', () => {
	it('list and view: every role sees its own view and none of the others', async () => {
		for (const r of ROLES) {
			expect(await listed(pb[r]), r).toEqual([view[r].id]);
			for (const other of ROLES.filter((o) => o !== r)) {
				await expect(pb[r].collection('list_views').getOne(view[other].id as string), `${r} reads ${other}'s`).rejects.toMatchObject({ status: 404 });
			}
		}
		expect((await (await fetch(`${url()}/api/collections/list_views/records`)).json()).items).toEqual([]);
		const { hidden } = await pb.owner.send<{ hidden: string[] }>('/api/crm/sync/list_views/visible', { method: 'POST', body: { ids: [view.owner.id, view.sales.id] } });
		expect(hidden).toEqual([view.sales.id]);
	});

	it('create and update: only as oneself, by push and by REST; a view cannot be handed to someone else', async () => {
		const foreign = { id: id15(), name: `替别人存 ${STAMP}`, owner: staff('sales2').id, sort: 'name' };
		expect((await pushViews(pb.owner, [{ doc: foreign, base: null }])).rejected).toMatchObject([{ id: foreign.id, status: 403, field: 'owner' }]);
		const { id: _id, ...body } = foreign;
		void _id;
		await expect(pb.manager.collection('list_views').create(body)).rejects.toMatchObject({ status: 400 });
		const own = await pb.sales2.collection('list_views').create({ ...body, name: `自己的 ${STAMP}` });
		expect(own).toMatchObject({ owner: staff('sales2').id, sort: 'name' });

		const base = await pb.sales.collection('list_views').getOne(view.sales.id as string);
		const handOver = await pushViews(pb.sales, [{ doc: { ...base, owner: staff('sales2').id }, base }]);
		expect(handOver.rejected).toMatchObject([{ status: 403, field: 'owner' }]);
		await expect(pb.sales.collection('list_views').update(view.sales.id as string, { owner: staff('sales2').id })).rejects.toMatchObject({ status: 404 });
		const edit = await pushViews(pb.manager, [{ doc: { ...base, name: 'x' }, base }]);
		expect(edit.rejected).toMatchObject([{ status: 403 }]);
		expect(edit.conflicts).toEqual([]); // nothing of a view the user may not read
		expect(await pushViews(pb.sales, [{ doc: { ...base, sort: 'contact' }, base }])).toEqual({ conflicts: [], rejected: [] });
		await pb.sales2.collection('list_views').update(own.id, { deleted: true });
		await expect(pb.sales2.collection('list_views').delete(own.id)).rejects.toMatchObject({ status: 403 });
	});

	it('bad input is refused, naming the field', async () => {
		const bad: [Record<string, unknown>, string, string][] = [
			[{ name: '' }, 'name', 'required'],
			[{ sort: 'random' }, 'sort', 'invalid_choice'],
			[{ filters: { owner: 'x' } }, 'filters', 'unknown_filter'],
			[{ filters: { lastPurchase: 'soon' } }, 'filters', 'invalid_choice'],
			[{ query: 'q'.repeat(201) }, 'query', 'too_long']
		];
		for (const [change, field, code] of bad) {
			const doc = { id: id15(), name: `坏视图 ${STAMP}`, owner: staff('sales').id, sort: 'name', ...change };
			expect((await pushViews(pb.sales, [{ doc, base: null }])).rejected, JSON.stringify(change)).toMatchObject([{ status: 400, field, code }]);
			const { id: _i, ...body } = doc;
			void _i;
			const rest = await pb.sales
				.collection('list_views')
				.create(body)
				.catch((e) => e);
			expect(rest.status, JSON.stringify(change)).toBe(400);
			expect(Object.keys(rest.response.data), JSON.stringify(change)).toContain(field);
		}
	});
});
