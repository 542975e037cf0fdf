// Segments through the real server: API rules per role (own and shared segments, push and REST),
// refusals of bad input (a bad rule names `rule`), pulls by seq, and the server-side members route.
import { execFileSync } from 'node:child_process';
import PocketBase from 'pocketbase';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { SERVER_BIN } from '../fixtures/pocketbase';
import { id15, push, signIn, staff, url } from './helpers';

type Row = { doc: Record<string, unknown>; base: Record<string, unknown> | null };
type PushAnswer = { conflicts: Record<string, unknown>[]; rejected: { id: string; status: number; field: string; code: string; message: string }[] };
type Members = { count: number; ids: string[] };

const pushSegments = (pb: PocketBase, rows: Row[]) => pb.send<PushAnswer>('/api/crm/sync/segments/push', { method: 'POST', body: { rows } });
const members = (pb: PocketBase, id: string, now?: number) => pb.send<Members>(`/api/crm/segments/${id}/members${now === undefined ? '' : `?now=${now}`}`, {});

const ROLES = ['owner', 'manager', 'sales', 'sales2', 'agent'] as const; // owner: the admin
type Role = (typeof ROLES)[number];
type Key = Role | 'shared';

/** A tag only this test run's customers carry, so rules over it see nothing else in the shared database. */
const TAG = `seg-${id15().slice(0, 6)}`;
const RULE = { op: 'and', rules: [{ field: 'tags', cmp: 'has_any', value: [TAG] }] };

function segment(by: Role, extra: Record<string, unknown> = {}) {
	return { id: id15(), name: `${by} 的分组`, kind: 'dynamic', rule: RULE, owner: staff(by).id, ...extra };
}

const pb = {} as Record<Role, PocketBase>;
/** One private segment per role, plus a segment the manager shares. */
const seg = {} as Record<Key, Record<string, unknown>>;
/** Customers tagged TAG: custA (sales), custB (sales2), custM (manager), custGone (sales, deleted). */
const cust = {} as Record<'A' | 'B' | 'M' | 'Gone', string>;

beforeAll(async () => {
	for (const r of ROLES) pb[r] = await signIn(r);
	for (const k of ['A', 'B', 'M', 'Gone'] as const) cust[k] = id15();
	const docs = [
		{ id: cust.A, name: '分组客户甲', owner: staff('sales').id, tags: [TAG, 'vip'], birthday: '2000-06-15', region: '北京' },
		{ id: cust.B, name: '分组客户乙', owner: staff('sales2').id, tags: [TAG], birthday: '1990-01-01', region: '上海' },
		{ id: cust.M, name: '分组客户丙', owner: staff('manager').id, tags: [TAG, 'vip'], region: '北京' },
		{ id: cust.Gone, name: '已删除客户', owner: staff('sales').id, tags: [TAG, 'vip'], deleted: true }
	];
	expect(
		(
			await push(
				pb.manager,
				docs.map((doc) => ({ doc, base: null }))
			)
		).rejected
	).toEqual([]);
	for (const r of ROLES) seg[r] = segment(r);
	seg.shared = segment('manager', { name: '共享分组', shared: true });
	for (const r of ROLES) expect((await pushSegments(pb[r], [{ doc: seg[r], base: null }])).rejected, r).toEqual([]);
	expect((await pushSegments(pb.manager, [{ doc: seg.shared, base: null }])).rejected).toEqual([]);
});

const ALL_KEYS: Key[] = [...ROLES, 'shared'];
const ids = (...keys: Key[]) => keys.map((k) => seg[k].id as string).sort();

async function listed(p: PocketBase): Promise<string[]> {
	const mine = ALL_KEYS.map((k) => `id = "${seg[k].id}"`).join(' || ');
	return (await p.collection('segments').getFullList({ filter: mine })).map((r) => r.id).sort();
}

describe('segments: access per role', () => {
	it('list and view: admin and manager all; reps and agents their own and the shared ones; a guest nothing', async () => {
		expect(await listed(pb.owner)).toEqual(ids(...ALL_KEYS));
		expect(await listed(pb.manager)).toEqual(ids(...ALL_KEYS));
		expect(await listed(pb.sales)).toEqual(ids('sales', 'shared'));
		expect(await listed(pb.sales2)).toEqual(ids('sales2', 'shared'));
		expect(await listed(pb.agent)).toEqual(ids('agent', 'shared'));
		await expect(pb.sales.collection('segments').getOne(seg.sales2.id as string)).rejects.toMatchObject({ status: 404 });
		await expect(pb.agent.collection('segments').getOne(seg.manager.id as string)).rejects.toMatchObject({ status: 404 });
		expect((await pb.sales.collection('segments').getOne(seg.shared.id as string)).rule).toEqual(RULE);

		expect((await (await fetch(`${url()}/api/collections/segments/records`)).json()).items).toEqual([]);
		expect((await fetch(`${url()}/api/collections/segments/records/${seg.shared.id}`)).status).toBe(404);
	});

	it('create by push: admin and manager for anyone; reps and agents only as their own', async () => {
		const cases: [Role, Record<string, unknown>, boolean][] = [
			['owner', segment('sales'), true],
			['manager', segment('agent', { shared: true }), true],
			['sales', segment('sales', { shared: true }), true],
			['sales', segment('sales2'), false],
			['sales2', segment('manager'), false],
			['agent', segment('agent'), true],
			['agent', segment('sales'), false]
		];
		for (const [role, doc, ok] of cases) {
			const res = await pushSegments(pb[role], [{ doc, base: null }]);
			if (ok) expect(res, `${role} creates`).toEqual({ conflicts: [], rejected: [] });
			else expect(res.rejected, `${role} refused`).toMatchObject([{ id: doc.id, status: 403, field: 'owner', code: 'forbidden' }]);
			const stored = await pb.manager
				.collection('segments')
				.getOne(doc.id as string)
				.catch((e) => e);
			expect(stored.status === 404, `${role}: stored only when allowed`).toBe(!ok);
		}
		const guest = await fetch(`${url()}/api/crm/sync/segments/push`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ rows: [{ doc: segment('sales'), base: null }] })
		});
		expect(guest.status).toBe(401);
	});

	it('create by REST: the same rules', async () => {
		const body = (by: Role, extra: Record<string, unknown> = {}) => {
			const { id: _id, ...rest } = segment(by, extra);
			void _id;
			return rest;
		};
		const cases: [Role, Record<string, unknown>, boolean][] = [
			['owner', body('manager'), true],
			['manager', body('sales2', { shared: true }), true],
			['sales', body('sales'), true],
			['sales', body('sales2'), false],
			['sales2', body('sales2', { shared: true }), true],
			['agent', body('agent'), true],
			['agent', body('manager'), false]
		];
		for (const [role, data, ok] of cases) {
			const out = await pb[role]
				.collection('segments')
				.create(data)
				.catch((e) => e);
			if (ok) expect(out, `${role} creates`).toMatchObject({ owner: data.owner, name: data.name, kind: 'dynamic', rule: RULE });
			else expect(out.status, `${role} refused`).toBe(400);
		}
		const guest = await fetch(`${url()}/api/collections/segments/records`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body('sales')) });
		expect(guest.status).toBe(400);
	});

	it('update by push: admin and manager any; a rep or agent only their own, never a shared one of someone else, never handing it over', async () => {
		const edit = async (role: Role, of: Key, change: Record<string, unknown>) => {
			const base = await pb.manager.collection('segments').getOne(seg[of].id as string);
			return pushSegments(pb[role], [{ doc: { ...base, ...change }, base }]);
		};
		const ok = { conflicts: [], rejected: [] };
		expect(await edit('owner', 'sales', { description: '管理员补充' })).toEqual(ok);
		expect(await edit('manager', 'agent', { description: '经理补充' })).toEqual(ok);
		expect(await edit('manager', 'sales2', { owner: staff('sales').id })).toEqual(ok); // a manager may reassign
		expect(await edit('manager', 'sales2', { owner: staff('sales2').id })).toEqual(ok);
		expect(await edit('sales', 'sales', { name: '我的北京客户', shared: true })).toEqual(ok);
		expect(await edit('sales', 'sales', { shared: false })).toEqual(ok);
		expect(await edit('agent', 'agent', { description: '客服的分组' })).toEqual(ok);

		const shared = await edit('sales', 'shared', { name: '改共享的' });
		expect(shared.rejected).toMatchObject([{ status: 403, field: 'owner' }]); // visible, but not theirs
		const foreign = await edit('sales', 'sales2', { name: 'x' });
		expect(foreign.rejected).toMatchObject([{ status: 403 }]);
		expect(foreign.conflicts).toEqual([]); // no data of a segment the user may not read
		expect((await edit('agent', 'manager', { name: 'x' })).rejected).toMatchObject([{ status: 403 }]);
		expect((await edit('sales', 'sales', { owner: staff('sales2').id })).rejected).toMatchObject([{ status: 403, field: 'owner' }]);
		expect((await edit('agent', 'agent', { owner: staff('manager').id })).rejected).toMatchObject([{ status: 403, field: 'owner' }]);

		expect(await pb.manager.collection('segments').getOne(seg.sales.id as string)).toMatchObject({ name: '我的北京客户', shared: false, owner: staff('sales').id, description: '管理员补充' });
		expect((await pb.manager.collection('segments').getOne(seg.shared.id as string)).name).toBe('共享分组');
	});

	it('update by REST: the same rules; deleting is refused to everyone (soft delete only)', async () => {
		const id = (k: Key) => seg[k].id as string;
		await expect(pb.owner.collection('segments').update(id('sales2'), { description: 'admin' })).resolves.toMatchObject({ description: 'admin' });
		await expect(pb.manager.collection('segments').update(id('agent'), { shared: true })).resolves.toMatchObject({ shared: true });
		await expect(pb.sales.collection('segments').update(id('sales'), { description: 'rest' })).resolves.toMatchObject({ description: 'rest' });
		await expect(pb.sales.collection('segments').update(id('shared'), { name: 'x' })).rejects.toMatchObject({ status: 404 });
		await expect(pb.sales2.collection('segments').update(id('sales'), { name: 'x' })).rejects.toMatchObject({ status: 404 });
		await expect(pb.sales.collection('segments').update(id('sales'), { owner: staff('sales2').id })).rejects.toMatchObject({ status: 404 });
		await expect(pb.agent.collection('segments').update(id('agent'), { description: 'agent' })).resolves.toMatchObject({ description: 'agent' });
		await expect(pb.agent.collection('segments').update(id('agent'), { owner: staff('sales').id })).rejects.toMatchObject({ status: 404 });
		const guest = await fetch(`${url()}/api/collections/segments/records/${id('sales')}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' });
		expect(guest.status).toBe(404);
		expect(await pb.manager.collection('segments').getOne(id('shared'))).toMatchObject({ name: '共享分组', owner: staff('manager').id });

		for (const r of ROLES) await expect(pb[r].collection('segments').delete(id(r)), r).rejects.toMatchObject({ status: 403 });
		const soft = segment('sales');
		await pushSegments(pb.sales, [{ doc: soft, base: null }]);
		const base = await pb.sales.collection('segments').getOne(soft.id);
		expect(await pushSegments(pb.sales, [{ doc: { ...base, deleted: true }, base }])).toEqual({ conflicts: [], rejected: [] });
		expect((await pb.sales.collection('segments').getOne(soft.id)).deleted).toBe(true);
	});

	it('gives every write a larger seq, and a rep pulling by seq sees only their own and shared segments', async () => {
		const top = async () => (await pb.manager.collection('segments').getList(1, 1, { sort: '-seq' })).items[0]?.seq ?? 0;
		const before = await top();
		const mine = segment('sales');
		const theirs = segment('sales2');
		const shared = segment('manager', { shared: true });
		await pushSegments(pb.sales, [{ doc: mine, base: null }]);
		await pushSegments(pb.sales2, [{ doc: theirs, base: null }]);
		await pushSegments(pb.manager, [{ doc: shared, base: null }]);
		await pb.manager.collection('segments').update(mine.id, { description: 'by REST' });
		const all = await pb.manager.collection('segments').getFullList({ filter: `seq > ${before}`, sort: 'seq' });
		expect(all.map((r) => r.id)).toEqual([theirs.id, shared.id, mine.id]);
		expect(new Set(all.map((r) => r.seq)).size).toBe(3);
		const repPull = await pb.sales.collection('segments').getFullList({ filter: `seq > ${before}`, sort: 'seq' });
		expect(repPull.map((r) => r.id)).toEqual([shared.id, mine.id]);
	});
});

describe('segments: bad input is refused, naming the field', () => {
	const cases: [string, (s: Record<string, unknown>) => Record<string, unknown>, string, string][] = [
		['an unknown rule field', (s) => ({ ...s, rule: { op: 'and', rules: [{ field: 'shoe_size', cmp: 'eq', value: 42 }] } }), 'rule', 'invalid_rule'],
		['a comparator the field does not take', (s) => ({ ...s, rule: { op: 'or', rules: [{ field: 'age', cmp: 'contains', value: '3' }] } }), 'rule', 'invalid_rule'],
		['a rule that is not a tree', (s) => ({ ...s, rule: ['tags', 'vip'] }), 'rule', 'invalid_rule'],
		[
			'a rule nested too deep',
			(s) => ({ ...s, rule: { op: 'and', rules: [{ op: 'and', rules: [{ op: 'and', rules: [{ op: 'and', rules: [{ op: 'and', rules: [{ op: 'and', rules: [] }] }] }] }] }] } }),
			'rule',
			'invalid_rule'
		],
		['a dynamic segment without a rule', (s) => ({ ...s, rule: undefined }), 'rule', 'required'],
		['a static segment without members', (s) => ({ ...s, kind: 'static', rule: undefined }), 'members', 'required'],
		['members that are not customer ids', (s) => ({ ...s, kind: 'static', members: ['not an id'] }), 'members', 'invalid_id'],
		['members of a dynamic segment', (s) => ({ ...s, members: [id15()] }), 'members', 'not_allowed'],
		['an unknown kind', (s) => ({ ...s, kind: 'smart' }), 'kind', 'invalid_choice'],
		['no name', (s) => ({ ...s, name: '  ' }), 'name', 'required'],
		['a name over 100 characters', (s) => ({ ...s, name: '名'.repeat(101) }), 'name', 'too_long'],
		['an unknown field', (s) => ({ ...s, colour: 'red' }), 'colour', 'unknown_field']
	];
	const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

	it.each(cases)('push: %s', async (_label, change, field, code) => {
		const doc = clean(change(segment('sales')));
		const res = await pushSegments(pb.sales, [{ doc, base: null }]);
		expect(res.rejected).toMatchObject([{ id: doc.id, status: 400, field, code }]);
		await expect(pb.manager.collection('segments').getOne(doc.id as string)).rejects.toMatchObject({ status: 404 });
	});

	it.each(cases)('REST create: %s', async (_label, change, field, code) => {
		const { id: _id, ...data } = clean(change(segment('manager')));
		void _id;
		const err = await pb.manager
			.collection('segments')
			.create(data)
			.catch((e) => e);
		expect(err.status).toBe(400);
		expect(err.response.data[field]).toMatchObject({ code });
	});

	it('says where in the rule the problem is', async () => {
		const doc = segment('sales', {
			rule: {
				op: 'and',
				rules: [
					{ field: 'region', cmp: 'eq', value: '北京' },
					{ op: 'or', rules: [{ field: 'age', cmp: 'between', value: [40, 30] }] }
				]
			}
		});
		const res = await pushSegments(pb.sales, [{ doc, base: null }]);
		expect(res.rejected[0]).toMatchObject({ status: 400, field: 'rule', code: 'invalid_rule' });
		expect(res.rejected[0].message).toContain('rule.rules.1.rules.0.value');
	});

	it('a REST patch is checked as a whole: kind, rule and members must still fit together', async () => {
		const r = await pb.manager.collection('segments').create({ name: '  待改分组 ', kind: 'dynamic', rule: RULE, owner: staff('manager').id });
		expect(r.name).toBe('待改分组');
		const toStatic = await pb.manager
			.collection('segments')
			.update(r.id, { kind: 'static' })
			.catch((e) => e);
		expect(toStatic.status).toBe(400);
		expect(toStatic.response.data.members).toMatchObject({ code: 'required' });
		const noRule = await pb.manager
			.collection('segments')
			.update(r.id, { rule: null })
			.catch((e) => e);
		expect(noRule.response.data.rule).toMatchObject({ code: 'required' });
		const badRule = await pb.manager
			.collection('segments')
			.update(r.id, { rule: { op: 'and', rules: [{ field: 'tags', cmp: 'has_any', value: [] }] } })
			.catch((e) => e);
		expect(badRule.response.data.rule).toMatchObject({ code: 'invalid_rule' });
		await expect(pb.manager.collection('segments').update(r.id, { kind: 'static', members: [cust.A, cust.A, cust.B] })).resolves.toMatchObject({ kind: 'static', members: [cust.A, cust.B] });
		expect(await pb.manager.collection('segments').getOne(r.id)).toMatchObject({ kind: 'static', rule: RULE });
	});
});

describe('segments: members evaluated on the server', () => {
	const sorted = (...keys: (keyof typeof cust)[]) => keys.map((k) => cust[k]).sort();

	it('evaluates over the customers the caller may list, never deleted ones', async () => {
		const id = seg.shared.id as string;
		expect(await members(pb.manager, id)).toEqual({ count: 3, ids: sorted('A', 'B', 'M') });
		expect(await members(pb.owner, id)).toEqual({ count: 3, ids: sorted('A', 'B', 'M') });
		expect(await members(pb.sales, id)).toEqual({ count: 1, ids: [cust.A] });
		expect(await members(pb.sales2, id)).toEqual({ count: 1, ids: [cust.B] });
		expect(await members(pb.agent, id)).toEqual({ count: 0, ids: [] }); // agents list no customers yet
	});

	it('runs AND/OR groups over profile fields', async () => {
		const rule = {
			op: 'and',
			rules: [
				{ field: 'tags', cmp: 'has_all', value: [TAG, 'VIP'] },
				{
					op: 'or',
					rules: [
						{ field: 'region', cmp: 'eq', value: '北京' },
						{ field: 'name', cmp: 'contains', value: '乙' }
					]
				}
			]
		};
		const s = await pb.manager.collection('segments').create({ name: '北京 VIP', kind: 'dynamic', rule, owner: staff('manager').id });
		expect(await members(pb.manager, s.id)).toEqual({ count: 2, ids: sorted('A', 'M') });
	});

	it('a segment the caller may not see is not found; a guest is refused', async () => {
		await expect(members(pb.sales, seg.sales2.id as string)).rejects.toMatchObject({ status: 404 });
		await expect(members(pb.agent, seg.manager.id as string)).rejects.toMatchObject({ status: 404 });
		await expect(members(pb.sales, id15())).rejects.toMatchObject({ status: 404 });
		expect((await fetch(`${url()}/api/crm/segments/${seg.shared.id}/members`)).status).toBe(401);
		expect((await members(pb.sales, seg.sales.id as string)).ids).toEqual([cust.A]);
	});

	it('a static segment answers its frozen members the caller may list, whatever the rule says now', async () => {
		const frozen = segment('manager', { kind: 'static', members: [cust.B, cust.A, cust.Gone], rule: { op: 'and', rules: [{ field: 'name', cmp: 'eq', value: 'nobody' }] }, shared: true });
		expect((await pushSegments(pb.manager, [{ doc: frozen, base: null }])).rejected).toEqual([]);
		expect(await members(pb.manager, frozen.id)).toEqual({ count: 2, ids: sorted('A', 'B') });
		expect(await members(pb.sales, frozen.id)).toEqual({ count: 1, ids: [cust.A] });
	});

	it('evaluates at the given time, clamped to a sane range; a bad time is refused naming `now`', async () => {
		const adults = await pb.manager.collection('segments').create({
			name: '成年',
			kind: 'dynamic',
			rule: {
				op: 'and',
				rules: [
					{ field: 'tags', cmp: 'has_any', value: [TAG] },
					{ field: 'age', cmp: 'gte', value: 25 }
				]
			},
			owner: staff('manager').id
		});
		// custA was born 2000-06-15, custB 1990-01-01, custM has no birthday.
		expect((await members(pb.manager, adults.id, Date.UTC(2025, 5, 14, 23, 59))).ids).toEqual([cust.B]);
		expect((await members(pb.manager, adults.id, Date.UTC(2025, 5, 15))).ids).toEqual(sorted('A', 'B'));
		expect((await members(pb.manager, adults.id, 1)).ids).toEqual([]); // clamped to 2000: nobody is 25 yet
		const err = await members(pb.manager, adults.id, Number.NaN).catch((e) => e);
		expect(err.status).toBe(400);
		expect(err.response.data.now).toBeDefined();
	});

	it('a rule that matches everyone gives each role exactly the customers it may list', async () => {
		const everyone = segment('manager', { rule: { op: 'and', rules: [] }, shared: true });
		await pushSegments(pb.manager, [{ doc: everyone, base: null }]);
		for (const r of ROLES) {
			const listed = (await pb[r].collection('customers').getFullList({ filter: 'deleted != true', fields: 'id' })).map((c) => c.id).sort();
			const got = await members(pb[r], everyone.id);
			expect(got.ids, r).toEqual(listed);
			expect(got.count, r).toBe(listed.length);
		}
	});

	it("reads the customers' statistics; a customer without any has none", async () => {
		execFileSync(SERVER_BIN, ['superuser', 'upsert', 'segments@example.test', 'segments-password-1', '--dir', inject('pbDataDir')]);
		const su = new PocketBase(url());
		await su.collection('_superusers').authWithPassword('segments@example.test', 'segments-password-1');
		// Not on the first rep's customers: customer-stats.spec.ts expects that rep to have one stats record only.
		await su.collection('customer_stats').create({ customer: cust.B, order_count: 3, total_spend: 1288.5, last_order_at: '2026-03-01 10:00:00.000Z', rfm_segment: 'loyal' });
		await su.collection('customer_stats').create({ customer: cust.M, order_count: 1, total_spend: 99, last_order_at: '2025-01-01 10:00:00.000Z', rfm_segment: 'lost', deleted: true });
		const now = Date.UTC(2026, 2, 15);
		const check = async (cond: Record<string, unknown>, want: (keyof typeof cust)[], as: Role = 'manager') => {
			const rule = { op: 'and', rules: [{ field: 'tags', cmp: 'has_any', value: [TAG] }, cond] };
			const s = await pb.manager.collection('segments').create({ name: '消费分组', kind: 'dynamic', rule, owner: staff('manager').id, shared: true });
			expect((await members(pb[as], s.id, now)).ids, JSON.stringify(cond)).toEqual(sorted(...want));
		};
		await check({ field: 'total_spend', cmp: 'gte', value: 1000 }, ['B']);
		await check({ field: 'total_spend', cmp: 'is_empty' }, ['A', 'M']); // M's figures are deleted: none
		await check({ field: 'order_count', cmp: 'between', value: [1, 5] }, ['B']);
		await check({ field: 'days_since_last_purchase', cmp: 'lte', value: 14 }, ['B']);
		await check({ field: 'rfm_segment', cmp: 'in', value: ['loyal', 'lost'] }, ['B']);
		await check({ field: 'total_spend', cmp: 'gt', value: 0 }, [], 'sales');
		await check({ field: 'total_spend', cmp: 'gt', value: 0 }, ['B'], 'sales2');
	});
});
