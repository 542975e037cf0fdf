// Service records through the real server: API rules per role (push and REST), conditional push,
// refusals of bad input, and pulls by seq.
import { beforeAll, describe, expect, it } from 'vitest';
import type PocketBase from 'pocketbase';
import { id15, push, signIn, staff, url, waitFor } from './helpers';
import { newVisitor } from './chat-helpers';

type Row = { doc: Record<string, unknown>; base: Record<string, unknown> | null };
type PushAnswer = { conflicts: Record<string, unknown>[]; rejected: { id: string; status: number; field: string; code: string }[] };

/** The conditional push route of any synced collection. */
function pushTo(pb: PocketBase, collection: string, rows: Row[]) {
	return pb.send<PushAnswer>(`/api/crm/sync/${collection}/push`, { method: 'POST', body: { rows } });
}
const pushRecords = (pb: PocketBase, rows: Row[]) => pushTo(pb, 'service_records', rows);

const ROLES = ['owner', 'manager', 'sales', 'sales2', 'agent'] as const; // owner: the admin
type Role = (typeof ROLES)[number];

function record(customer: string, by: Role, extra: Record<string, unknown> = {}) {
	return { id: id15(), customer, staff: staff(by).id, kind: 'visit', summary: `${by} 的记录`, at: new Date().toISOString(), ...extra };
}

const pb = {} as Record<Role, PocketBase>;
/** custA belongs to sales, custB to sales2. */
let custA: string;
let custB: string;
/** One record logged by each role: admin and manager for custA, each rep for their customer, the agent for custA. */
const rec = {} as Record<Role, Record<string, unknown>>;

beforeAll(async () => {
	for (const r of ROLES) pb[r] = await signIn(r);
	custA = id15();
	custB = id15();
	expect(
		(
			await push(pb.manager, [
				{ doc: { id: custA, name: '服务客户甲', owner: staff('sales').id }, base: null },
				{ doc: { id: custB, name: '服务客户乙', owner: staff('sales2').id }, base: null }
			])
		).rejected
	).toEqual([]);
	// The agent answers a chat of custA's, so may log for custA (and for no other customer).
	const shopper = await newVisitor(url(), '服务访客');
	const conv = await shopper.pb.collection('conversations').create({ visitor: shopper.id, topic: 'other' });
	await pb.manager.collection('conversations').update(conv.id, { customer: custA, assignee: staff('agent').id });
	rec.owner = record(custA, 'owner');
	rec.manager = record(custB, 'manager');
	rec.sales = record(custA, 'sales');
	rec.sales2 = record(custB, 'sales2');
	rec.agent = record(custA, 'agent', { kind: 'inquiry' });
	for (const r of ROLES) expect((await pushRecords(pb[r], [{ doc: rec[r], base: null }])).rejected, r).toEqual([]);
});

async function listed(p: PocketBase): Promise<string[]> {
	const mine = Object.values(rec)
		.map((r) => `id = "${r.id}"`)
		.join(' || ');
	return (await p.collection('service_records').getFullList({ filter: mine })).map((r) => r.id).sort();
}
const ids = (...roles: Role[]) => roles.map((r) => rec[r].id as string).sort();

describe('service records: access per role', () => {
	it('list and view: admin and manager all, each rep and agent only their own, a guest nothing', async () => {
		expect(await listed(pb.owner)).toEqual(ids(...ROLES));
		expect(await listed(pb.manager)).toEqual(ids(...ROLES));
		expect(await listed(pb.sales)).toEqual(ids('sales')); // not the admin's or agent's record of their customer
		expect(await listed(pb.sales2)).toEqual(ids('sales2'));
		expect(await listed(pb.agent)).toEqual(ids('agent'));
		await expect(pb.sales.collection('service_records').getOne(rec.sales2.id as string)).rejects.toMatchObject({ status: 404 });
		await expect(pb.agent.collection('service_records').getOne(rec.sales.id as string)).rejects.toMatchObject({ status: 404 });
		expect((await pb.sales2.collection('service_records').getOne(rec.sales2.id as string)).summary).toBe('sales2 的记录');

		const res = await fetch(`${url()}/api/collections/service_records/records`);
		expect((await res.json()).items).toEqual([]);
		expect((await fetch(`${url()}/api/collections/service_records/records/${rec.sales.id}`)).status).toBe(404);
	});

	it('create by push: admin and manager for anyone; a rep as themself for their own customer; an agent as themself for the customers of their chats', async () => {
		const cases: [Role, Record<string, unknown>, number | null][] = [
			['owner', record(custB, 'sales2'), null],
			['manager', record(custA, 'sales'), null],
			['sales', record(custA, 'sales'), null],
			['sales', record(custB, 'sales'), 403], // another rep's customer
			['sales', record(custA, 'sales2'), 403], // as another staff member
			['sales2', record(custB, 'sales2'), null],
			['sales2', record(custA, 'sales2'), 403],
			['agent', record(custA, 'agent', { kind: 'complaint' }), null],
			['agent', record(custA, 'sales'), 403],
			['agent', record(custB, 'agent', { kind: 'complaint' }), 403] // no chat of theirs with custB (security probe, item 7)
		];
		for (const [role, doc, status] of cases) {
			const res = await pushRecords(pb[role], [{ doc, base: null }]);
			if (status === null) expect(res, `${role} creates`).toEqual({ conflicts: [], rejected: [] });
			else expect(res.rejected, `${role} refused`).toMatchObject([{ id: doc.id, status, field: 'staff', code: 'forbidden' }]);
			const stored = await pb.manager
				.collection('service_records')
				.getOne(doc.id as string)
				.catch((e) => e);
			expect(stored.status === 404, `${role}: stored only when allowed`).toBe(status !== null);
		}
		const guest = await fetch(`${url()}/api/crm/sync/service_records/push`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ rows: [{ doc: record(custA, 'sales'), base: null }] })
		});
		expect(guest.status).toBe(401);
	});

	it('create by REST: the same rules', async () => {
		const body = (customer: string, by: Role) => {
			const { id: _id, ...rest } = record(customer, by);
			void _id;
			return rest;
		};
		const cases: [Role, Record<string, unknown>, boolean][] = [
			['owner', body(custA, 'agent'), true],
			['manager', body(custB, 'manager'), true],
			['sales', body(custA, 'sales'), true],
			['sales', body(custB, 'sales'), false],
			['sales', body(custA, 'sales2'), false],
			['sales2', body(custB, 'sales2'), true],
			['sales2', body(custB, 'sales'), false],
			['agent', body(custA, 'agent'), true],
			['agent', body(custB, 'agent'), false], // not a customer of the agent's chats
			['agent', body(custA, 'sales2'), false]
		];
		for (const [role, data, ok] of cases) {
			const out = await pb[role]
				.collection('service_records')
				.create(data)
				.catch((e) => e);
			if (ok) expect(out, `${role} creates`).toMatchObject({ staff: data.staff, customer: data.customer, summary: data.summary });
			else expect(out.status, `${role} refused`).toBe(400);
		}
		const guest = await fetch(`${url()}/api/collections/service_records/records`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(custA, 'sales')) });
		expect(guest.status).toBe(400);
		const before = (await pb.manager.collection('service_records').getFullList({ filter: `customer = "${custB}"` })).filter((r) => r.summary === 'sales 的记录').length;
		expect(before).toBe(0);
	});

	it('update by push: admin and manager any; a rep or agent only their own, never handing it over or moving it', async () => {
		const edit = async (role: Role, of: Role, change: Record<string, unknown>) => {
			const base = await pb.manager.collection('service_records').getOne(rec[of].id as string);
			return pushRecords(pb[role], [{ doc: { ...base, ...change }, base }]);
		};
		expect(await edit('owner', 'sales', { outcome: '管理员补充' })).toEqual({ conflicts: [], rejected: [] });
		expect(await edit('manager', 'agent', { outcome: '经理补充' })).toEqual({ conflicts: [], rejected: [] });
		expect(await edit('manager', 'sales2', { staff: staff('sales').id })).toEqual({ conflicts: [], rejected: [] }); // a manager may reassign
		expect(await edit('manager', 'sales2', { staff: staff('sales2').id })).toEqual({ conflicts: [], rejected: [] });
		expect(await edit('sales', 'sales', { outcome: '客户满意', follow_up: '2030-01-15' })).toEqual({ conflicts: [], rejected: [] });
		expect(await edit('agent', 'agent', { follow_up_done: true })).toEqual({ conflicts: [], rejected: [] });

		const foreign = await edit('sales', 'sales2', { outcome: 'x' });
		expect(foreign.rejected).toMatchObject([{ status: 403 }]);
		expect(foreign.conflicts).toEqual([]); // no data of a record the user may not read
		expect((await edit('agent', 'sales', { outcome: 'x' })).rejected).toMatchObject([{ status: 403 }]);
		expect((await edit('sales2', 'owner', { outcome: 'x' })).rejected).toMatchObject([{ status: 403 }]);
		expect((await edit('sales', 'sales', { staff: staff('sales2').id })).rejected).toMatchObject([{ status: 403, field: 'staff' }]);
		expect((await edit('sales', 'sales', { customer: custB })).rejected).toMatchObject([{ status: 403 }]);
		expect((await edit('agent', 'agent', { staff: staff('sales').id })).rejected).toMatchObject([{ status: 403 }]);

		const after = await pb.manager.collection('service_records').getOne(rec.sales.id as string);
		expect(after).toMatchObject({ staff: staff('sales').id, customer: custA, outcome: '客户满意', follow_up: '2030-01-15' });
		expect((await pb.manager.collection('service_records').getOne(rec.sales2.id as string)).outcome).toBe('');
		expect((await pb.manager.collection('service_records').getOne(rec.agent.id as string)).follow_up_done).toBe(true);
	});

	it('update by REST: the same rules; deleting is refused to everyone (soft delete only)', async () => {
		const sr = (of: Role) => rec[of].id as string;
		await expect(pb.owner.collection('service_records').update(sr('sales2'), { outcome: 'admin' })).resolves.toMatchObject({ outcome: 'admin' });
		await expect(pb.manager.collection('service_records').update(sr('agent'), { outcome: 'manager' })).resolves.toMatchObject({ outcome: 'manager' });
		await expect(pb.sales.collection('service_records').update(sr('sales'), { outcome: 'rest' })).resolves.toMatchObject({ outcome: 'rest' });
		await expect(pb.sales2.collection('service_records').update(sr('sales'), { outcome: 'x' })).rejects.toMatchObject({ status: 404 });
		await expect(pb.sales.collection('service_records').update(sr('sales'), { staff: staff('sales2').id })).rejects.toMatchObject({ status: 404 });
		await expect(pb.sales.collection('service_records').update(sr('sales'), { customer: custB })).rejects.toMatchObject({ status: 404 });
		await expect(pb.agent.collection('service_records').update(sr('agent'), { outcome: 'agent' })).resolves.toMatchObject({ outcome: 'agent' });
		await expect(pb.agent.collection('service_records').update(sr('manager'), { outcome: 'x' })).rejects.toMatchObject({ status: 404 });
		const guest = await fetch(`${url()}/api/collections/service_records/records/${sr('sales')}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"outcome":"x"}' });
		expect(guest.status).toBe(404);
		expect((await pb.manager.collection('service_records').getOne(sr('sales'))).staff).toBe(staff('sales').id);

		for (const r of ROLES) await expect(pb[r].collection('service_records').delete(sr(r)), r).rejects.toMatchObject({ status: 403 });
		// soft delete replicates as an update
		const base = await pb.sales.collection('service_records').getOne(sr('sales'));
		expect(await pushRecords(pb.sales, [{ doc: { ...base, deleted: true }, base }])).toEqual({ conflicts: [], rejected: [] });
		expect((await pb.sales.collection('service_records').getOne(sr('sales'))).deleted).toBe(true);
	});

	it('realtime delivers a rep only their own records', async () => {
		const got: Record<string, string[]> = { sales: [], sales2: [], manager: [] };
		const subs = ['sales', 'sales2', 'manager'] as const;
		for (const r of subs) await pb[r].collection('service_records').subscribe('*', (e) => got[r].push(e.record.id));
		const doc = record(custA, 'sales', { kind: 'call' });
		await pushRecords(pb.sales, [{ doc, base: null }]);
		await waitFor(() => got.sales.includes(doc.id) && got.manager.includes(doc.id));
		await new Promise((r) => setTimeout(r, 300));
		expect(got.sales2).not.toContain(doc.id);
		for (const r of subs) await pb[r].realtime.unsubscribe();
	});
});

describe('service records: conditional push', () => {
	it('applies a write whose base is current and returns the current record as a conflict otherwise', async () => {
		const doc = record(custA, 'sales', { outcome: 'v1' });
		await pushRecords(pb.sales, [{ doc, base: null }]);
		const v1 = await pb.sales.collection('service_records').getOne(doc.id);
		expect((await pushRecords(pb.sales, [{ doc: { ...v1, outcome: 'v2' }, base: v1 }])).conflicts).toEqual([]);
		const stale = await pushRecords(pb.sales, [{ doc: { ...v1, outcome: 'v3' }, base: v1 }]);
		expect(stale.conflicts).toMatchObject([{ id: doc.id, outcome: 'v2', summary: doc.summary, staff: staff('sales').id }]);
		expect(stale.rejected).toEqual([]);
		expect((await pb.sales.collection('service_records').getOne(doc.id)).outcome).toBe('v2');
		// a second create of an existing id is a conflict too, never an overwrite
		expect((await pushRecords(pb.sales, [{ doc: { ...doc, summary: 'dup' }, base: null }])).conflicts).toMatchObject([{ id: doc.id, outcome: 'v2' }]);
	});

	it('keeps the history a client tries to erase', async () => {
		const lost = { field: 'outcome', value: 'old', edited_at: 1, resolved_at: 2, reason: 'conflict' };
		const doc = record(custA, 'sales', { history: [lost] });
		await pushRecords(pb.sales, [{ doc, base: null }]);
		const base = await pb.sales.collection('service_records').getOne(doc.id);
		expect((await pushRecords(pb.sales, [{ doc: { ...base, history: [] }, base }])).conflicts).toEqual([]);
		expect((await pb.sales.collection('service_records').getOne(doc.id)).history).toEqual([lost]);
		await pb.sales.collection('service_records').update(doc.id, { history: [] });
		expect((await pb.sales.collection('service_records').getOne(doc.id)).history).toEqual([lost]);
	});

	it('gives every write a larger seq, and pulls by seq see each change once', async () => {
		const p = pb.manager;
		const top = async () => (await p.collection('service_records').getList(1, 1, { sort: '-seq' })).items[0]?.seq ?? 0;
		const before = await top();
		const docs = Array.from({ length: 40 }, (_, i) => record(i % 2 ? custA : custB, i % 2 ? 'sales' : 'sales2', { summary: `并发 ${i}` }));
		await Promise.all(docs.map((doc) => pushRecords(p, [{ doc, base: null }])));
		const after = await p.collection('service_records').getFullList({ filter: `seq > ${before}`, sort: 'seq' });
		expect(after.map((r) => r.id).sort()).toEqual(docs.map((d) => d.id).sort());
		const seqs = after.map((r) => r.seq as number);
		expect(new Set(seqs).size).toBe(seqs.length);

		// From the last checkpoint, a pull sees exactly the records changed since, by any write path.
		const checkpoint = Math.max(...seqs);
		await pushRecords(p, [{ doc: { ...after[0], outcome: 'by push' }, base: after[0] }]);
		await p.collection('service_records').update(after[1].id, { outcome: 'by REST' });
		const next = await p.collection('service_records').getFullList({ filter: `seq > ${checkpoint}`, sort: 'seq' });
		expect(next.map((r) => [r.id, r.outcome])).toEqual([
			[after[0].id, 'by push'],
			[after[1].id, 'by REST']
		]);
		expect(next[0].seq).toBeGreaterThan(checkpoint);
		expect(next[1].seq).toBeGreaterThan(next[0].seq);

		// A rep's pull by seq sees their own changes only.
		const repPull = await pb.sales.collection('service_records').getFullList({ filter: `seq > ${before}`, sort: 'seq' });
		expect(repPull.map((r) => r.id).sort()).toEqual(
			docs
				.filter((d) => d.staff === staff('sales').id)
				.map((d) => d.id)
				.sort()
		);
	});
});

describe('service records: bad input is refused, naming the field', () => {
	const cases: [string, (r: Record<string, unknown>) => Record<string, unknown>, string, string][] = [
		['empty summary', (r) => ({ ...r, summary: '  ' }), 'summary', 'required'],
		['no kind', (r) => ({ ...r, kind: undefined }), 'kind', 'required'],
		['unknown kind', (r) => ({ ...r, kind: 'email' }), 'kind', 'invalid_choice'],
		['no time', (r) => ({ ...r, at: undefined }), 'at', 'required'],
		['time without a zone', (r) => ({ ...r, at: '2026-03-01 09:30' }), 'at', 'invalid_date'],
		['malformed follow-up', (r) => ({ ...r, follow_up: '2026/03/08' }), 'follow_up', 'invalid_date'],
		['no customer', (r) => ({ ...r, customer: undefined }), 'customer', 'required'],
		['unknown field', (r) => ({ ...r, mood: 'happy' }), 'mood', 'unknown_field'],
		['a summary over 2000 characters', (r) => ({ ...r, summary: 'x'.repeat(2001) }), 'summary', 'too_long'],
		['1 MB outcome', (r) => ({ ...r, outcome: 'x'.repeat(1024 * 1024) }), 'outcome', 'too_long']
	];
	const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

	it.each(cases)('push: %s', async (_label, change, field, code) => {
		const doc = clean(change(record(custA, 'sales')));
		const res = await pushRecords(pb.sales, [{ doc, base: null }]);
		expect(res.rejected).toMatchObject([{ id: doc.id, status: 400, field, code }]);
		await expect(pb.manager.collection('service_records').getOne(doc.id as string)).rejects.toMatchObject({ status: 404 });
	});

	it.each(cases)('REST create: %s', async (_label, change, field, code) => {
		const { id: _id, ...data } = clean(change(record(custA, 'sales')));
		void _id;
		const err = await pb.manager
			.collection('service_records')
			.create(data)
			.catch((e) => e);
		expect(err.status).toBe(400);
		expect(err.response.data[field]).toMatchObject({ code });
	});

	it("a rep's REST create is refused naming the field too (once the record passes the create rule)", async () => {
		const { id: _id, ...data } = record(custA, 'sales', { kind: 'email', follow_up: 'soon' });
		void _id;
		const err = await pb.sales
			.collection('service_records')
			.create(data)
			.catch((e) => e);
		expect(err.status).toBe(400);
		expect(err.response.data).toMatchObject({ kind: { code: 'invalid_choice' }, follow_up: { code: 'invalid_date' } });
	});

	it('a customer that does not exist (yet) is refused with 424 naming the field', async () => {
		// 424, not 400: the device retries it while the customer still waits in its own outbox.
		const doc = record(id15(), 'sales');
		const res = await pushRecords(pb.manager, [{ doc, base: null }]);
		expect(res.rejected).toMatchObject([{ id: doc.id, status: 424, field: 'customer', code: 'missing_relation' }]);
	});

	it('REST writes are normalised like pushes, and a refused update leaves the record as it was', async () => {
		const r = await pb.sales.collection('service_records').create({ customer: custA, staff: staff('sales').id, kind: 'call', summary: '  电话回访 ', at: '2026-03-01T17:30:00+08:00' });
		expect(r).toMatchObject({ summary: '电话回访', at: '2026-03-01T09:30:00.000Z', follow_up: '', follow_up_done: false, deleted: false });
		const err = await pb.sales
			.collection('service_records')
			.update(r.id, { follow_up: 'next week' })
			.catch((e) => e);
		expect(err.status).toBe(400);
		expect(err.response.data.follow_up).toMatchObject({ code: 'invalid_date' });
		const base = await pb.sales.collection('service_records').getOne(r.id);
		const res = await pushRecords(pb.sales, [{ doc: { ...base, summary: '', kind: 'fax' }, base }]);
		expect(res.rejected).toMatchObject([{ status: 400, field: 'kind' }]);
		expect(await pb.sales.collection('service_records').getOne(r.id)).toMatchObject({ summary: '电话回访', kind: 'call', follow_up: '' });
	});

	it('a batch over the limit gets 413', async () => {
		const rows = Array.from({ length: 201 }, () => ({ doc: record(custA, 'sales'), base: null }));
		await expect(pushRecords(pb.sales, rows)).rejects.toMatchObject({ status: 413 });
	});
});
