// Managed labels (tags and categories) through the real server: API rules per role (push and REST),
// one name per kind, refusals of bad input naming the field, and pulls by seq.
import { beforeAll, describe, expect, it } from 'vitest';
import type PocketBase from 'pocketbase';
import { id15, signIn, url } from './helpers';

type Row = { doc: Record<string, unknown>; base: Record<string, unknown> | null };
type PushAnswer = { conflicts: Record<string, unknown>[]; rejected: { id: string; status: number; field: string; code: string; message: string }[] };

const pushLabels = (pb: PocketBase, rows: Row[]) => pb.send<PushAnswer>('/api/crm/sync/labels/push', { method: 'POST', body: { rows } });

const ROLES = ['owner', 'manager', 'sales', 'agent'] as const; // owner: the admin
type Role = (typeof ROLES)[number];
const pb = {} as Record<Role, PocketBase>;

/** Names unique to this run: the server is shared by every hook test file. */
const run = Math.random().toString(36).slice(2, 7);
let n = 0;
const uniqueName = (stem: string) => `${stem}-${run}-${++n}`;
const label = (extra: Record<string, unknown> = {}) => ({ id: id15(), kind: 'tag', name: uniqueName('标签'), ...extra });
const OK = { conflicts: [], rejected: [] };
const guest = (path: string, init: RequestInit = {}) => fetch(`${url()}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(init.headers ?? {}) } });

let shared: Record<string, unknown>;

beforeAll(async () => {
	for (const r of ROLES) pb[r] = await signIn(r);
	shared = label({ color: '#0f766e', description: '年消费过万' });
	expect(await pushLabels(pb.manager, [{ doc: shared, base: null }])).toEqual(OK);
});

describe('labels: access per role', () => {
	it('list and view: every staff member; a guest nothing', async () => {
		for (const r of ROLES) {
			const listed = await pb[r].collection('labels').getFullList({ filter: `id = "${shared.id}"` });
			expect(
				listed.map((l) => l.name),
				r
			).toEqual([shared.name]);
			expect((await pb[r].collection('labels').getOne(shared.id as string)).color, r).toBe('#0f766e');
		}
		expect((await (await guest('/api/collections/labels/records')).json()).items).toEqual([]);
		expect((await guest(`/api/collections/labels/records/${shared.id}`)).status).toBe(404);
	});

	it('create by push: admin and manager; sales and agent refused with 403 and nothing stored; a guest 401', async () => {
		const cases: [Role, boolean][] = [
			['owner', true],
			['manager', true],
			['sales', false],
			['agent', false]
		];
		for (const [role, ok] of cases) {
			const doc = label({ kind: role === 'owner' ? 'category' : 'tag' });
			const res = await pushLabels(pb[role], [{ doc, base: null }]);
			if (ok) expect(res, `${role} creates`).toEqual(OK);
			else expect(res.rejected, `${role} refused`).toMatchObject([{ id: doc.id, status: 403, code: 'forbidden' }]);
			const stored = await pb.manager
				.collection('labels')
				.getOne(doc.id as string)
				.catch((e) => e);
			expect(stored.status === 404, `${role}: stored only when allowed`).toBe(!ok);
		}
		const res = await guest('/api/crm/sync/labels/push', { method: 'POST', body: JSON.stringify({ rows: [{ doc: label(), base: null }] }) });
		expect(res.status).toBe(401);
	});

	it('create by REST: admin and manager; sales, agent and a guest refused by the create rule, nothing stored', async () => {
		for (const role of ['owner', 'manager'] as const) {
			const name = uniqueName(role);
			await expect(pb[role].collection('labels').create({ kind: 'category', name }), role).resolves.toMatchObject({ kind: 'category', name, deleted: false });
		}
		for (const role of ['sales', 'agent'] as const) {
			const name = uniqueName(role);
			const err = await pb[role]
				.collection('labels')
				.create({ kind: 'tag', name })
				.catch((e) => e);
			// PocketBase answers a create its rule refuses with 400 "Failed to create record"
			expect(err.status, role).toBe(400);
			expect(await pb.manager.collection('labels').getFullList({ filter: `name = "${name}"` })).toEqual([]);
		}
		const name = uniqueName('guest');
		expect((await guest('/api/collections/labels/records', { method: 'POST', body: JSON.stringify({ kind: 'tag', name }) })).status).toBe(400);
		expect(await pb.manager.collection('labels').getFullList({ filter: `name = "${name}"` })).toEqual([]);
	});

	it('update by push: admin and manager; sales and agent refused with 403, the label unchanged', async () => {
		const edit = async (role: Role, change: Record<string, unknown>) => {
			const base = await pb.manager.collection('labels').getOne(shared.id as string);
			return pushLabels(pb[role], [{ doc: { ...base, ...change }, base }]);
		};
		expect(await edit('owner', { color: '#b91c1c' })).toEqual(OK);
		expect(await edit('manager', { description: '经理改过' })).toEqual(OK);
		for (const role of ['sales', 'agent'] as const) {
			const res = await edit(role, { name: uniqueName(role), color: '#000000' });
			expect(res.rejected, role).toMatchObject([{ id: shared.id, status: 403, code: 'forbidden' }]);
			expect(res.conflicts).toEqual([]);
		}
		expect(await pb.sales.collection('labels').getOne(shared.id as string)).toMatchObject({ name: shared.name, color: '#b91c1c', description: '经理改过' });
	});

	it('update by REST: admin and manager; sales, agent and a guest refused; deleting refused to everyone (soft delete only)', async () => {
		const id = shared.id as string;
		await expect(pb.owner.collection('labels').update(id, { color: '#1d4ed8' })).resolves.toMatchObject({ color: '#1d4ed8' });
		await expect(pb.manager.collection('labels').update(id, { sort: 2 })).resolves.toMatchObject({ sort: 2 });
		// PocketBase answers an update its rule refuses as if the record were not there
		for (const role of ['sales', 'agent'] as const) await expect(pb[role].collection('labels').update(id, { color: '#000000' }), role).rejects.toMatchObject({ status: 404 });
		expect((await guest(`/api/collections/labels/records/${id}`, { method: 'PATCH', body: '{"color":"#000000"}' })).status).toBe(404);
		expect((await pb.manager.collection('labels').getOne(id)).color).toBe('#1d4ed8');

		for (const r of ROLES) await expect(pb[r].collection('labels').delete(id), r).rejects.toMatchObject({ status: 403 });
		const doc = label();
		await pushLabels(pb.manager, [{ doc, base: null }]);
		const base = await pb.manager.collection('labels').getOne(doc.id);
		expect(await pushLabels(pb.manager, [{ doc: { ...base, deleted: true }, base }])).toEqual(OK);
		expect((await pb.sales.collection('labels').getOne(doc.id)).deleted).toBe(true);
	});
});

describe('labels: one name per kind', () => {
	it('push: a name its kind has already is refused with 400 naming name, latin letters compared without case', async () => {
		const name = uniqueName('VIP');
		expect(await pushLabels(pb.manager, [{ doc: label({ name }), base: null }])).toEqual(OK);
		for (const again of [name, ` ${name} `, name.toLowerCase()]) {
			const doc = label({ name: again });
			const res = await pushLabels(pb.owner, [{ doc, base: null }]);
			expect(res.rejected, again).toMatchObject([{ id: doc.id, status: 400, field: 'name', code: 'not_unique' }]);
			expect(res.rejected[0].message).toContain('exists already');
			await expect(pb.manager.collection('labels').getOne(doc.id as string)).rejects.toMatchObject({ status: 404 });
		}
		// the other kind may have it
		expect(await pushLabels(pb.manager, [{ doc: label({ kind: 'category', name }), base: null }])).toEqual(OK);
		// a rename onto it is refused too
		const other = label();
		await pushLabels(pb.manager, [{ doc: other, base: null }]);
		const base = await pb.manager.collection('labels').getOne(other.id);
		expect((await pushLabels(pb.manager, [{ doc: { ...base, name }, base }])).rejected).toMatchObject([{ id: other.id, status: 400, field: 'name', code: 'not_unique' }]);
	});

	it('REST: create and rename onto a name its kind has are refused with 400 and data.name', async () => {
		const name = uniqueName('企业客户');
		await pb.manager.collection('labels').create({ kind: 'category', name });
		const err = await pb.owner
			.collection('labels')
			.create({ kind: 'category', name: `  ${name}` })
			.catch((e) => e);
		expect(err.status).toBe(400);
		expect(err.response.data.name).toMatchObject({ code: 'not_unique' });
		expect(err.response.data.kind).toBeUndefined();
		const other = await pb.manager.collection('labels').create({ kind: 'category', name: uniqueName('零售') });
		const rename = await pb.manager
			.collection('labels')
			.update(other.id, { name })
			.catch((e) => e);
		expect(rename.status).toBe(400);
		expect(rename.response.data.name).toMatchObject({ code: 'not_unique' });
		expect(await pb.manager.collection('labels').getFullList({ filter: `name = "${name}" && kind = "category"` })).toHaveLength(1);
	});

	it('a removed label frees its name; bringing it back while another has the name is refused', async () => {
		const name = uniqueName('团购');
		const old = await pb.manager.collection('labels').create({ kind: 'tag', name });
		await pb.manager.collection('labels').update(old.id, { deleted: true });
		await expect(pb.manager.collection('labels').create({ kind: 'tag', name })).resolves.toMatchObject({ name, deleted: false });
		const back = await pb.manager
			.collection('labels')
			.update(old.id, { deleted: false })
			.catch((e) => e);
		expect(back.status).toBe(400);
		expect(back.response.data.name).toMatchObject({ code: 'not_unique' });
	});
});

describe('labels: bad input is refused, naming the field', () => {
	const cases: [string, Record<string, unknown>, string, string][] = [
		['a colour that is not #rrggbb', { color: 'teal' }, 'color', 'invalid_color'],
		['a three-digit colour', { color: '#abc' }, 'color', 'invalid_color'],
		['no kind', { kind: undefined }, 'kind', 'required'],
		['an unknown kind', { kind: 'segment' }, 'kind', 'invalid_choice'],
		['a blank name', { name: '   ' }, 'name', 'required'],
		['a name with a comma', { name: '高价值,老客' }, 'name', 'invalid_separator'],
		['a name over 40 characters', { name: '标'.repeat(41) }, 'name', 'too_long'],
		['a description over 200 characters', { description: 'x'.repeat(201) }, 'description', 'too_long'],
		['an unknown field', { mood: 'happy' }, 'mood', 'unknown_field']
	];
	const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

	it.each(cases)('push: %s', async (_what, change, field, code) => {
		const doc = clean(label(change));
		const res = await pushLabels(pb.manager, [{ doc, base: null }]);
		expect(res.rejected).toMatchObject([{ id: doc.id, status: 400, field, code }]);
		await expect(pb.manager.collection('labels').getOne(doc.id as string)).rejects.toMatchObject({ status: 404 });
	});

	it.each(cases)('REST create: %s', async (_what, change, field, code) => {
		const { id: _id, ...data } = clean(label(change));
		void _id;
		const err = await pb.manager
			.collection('labels')
			.create(data)
			.catch((e) => e);
		expect(err.status).toBe(400);
		expect(err.response.data[field]).toMatchObject({ code });
	});

	it('REST update: a bad colour', async () => {
		const err = await pb.manager
			.collection('labels')
			.update(shared.id as string, { color: 'rgb(0,0,0)' })
			.catch((e) => e);
		expect(err.status).toBe(400);
		expect(err.response.data.color).toMatchObject({ code: 'invalid_color' });
	});

	it('stores the name and description trimmed and the colour in lower case', async () => {
		const name = uniqueName('修剪');
		const created = await pb.manager.collection('labels').create({ kind: 'tag', name: `  ${name} `, color: '#ABCDEF', description: ' 说明 ' });
		expect(created).toMatchObject({ name, color: '#abcdef', description: '说明' });
	});
});

describe('labels: pulls by seq', () => {
	it('gives every write a larger seq, by push and by REST', async () => {
		const top = async () => (await pb.sales.collection('labels').getList(1, 1, { sort: '-seq' })).items[0]?.seq ?? 0;
		const before = await top();
		const doc = label();
		await pushLabels(pb.manager, [{ doc, base: null }]);
		await pb.owner.collection('labels').update(doc.id, { color: '#15803d' });
		const pulled = await pb.sales.collection('labels').getFullList({ filter: `seq > ${before}`, sort: 'seq' });
		expect(pulled.map((l) => [l.id, l.color])).toEqual([[doc.id, '#15803d']]);
		expect(pulled[0].seq).toBeGreaterThan(before);
	});
});
