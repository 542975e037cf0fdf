// Customers through the real server: API rules per role, conditional push, and refusals of bad input.
import { describe, expect, it } from 'vitest';
import { id15, push, signIn, staff, url, waitFor } from './helpers';

describe('customers: access per role', () => {
	it('an unauthenticated request gets no data', async () => {
		const res = await fetch(`${url()}/api/collections/customers/records`);
		expect((await res.json()).items).toEqual([]);
		const pushRes = await fetch(`${url()}/api/crm/sync/customers/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"rows":[]}' });
		expect(pushRes.status).toBe(401);
	});

	it('a sales rep lists only their own customers; a manager lists all', async () => {
		const rep = await signIn('sales');
		const rep2 = await signIn('sales2');
		const manager = await signIn('manager');
		const mine = { id: id15(), name: '客户甲', owner: staff('sales').id };
		const theirs = { id: id15(), name: '客户乙', owner: staff('sales2').id };
		expect((await push(rep, [{ doc: mine, base: null }])).rejected).toEqual([]);
		expect((await push(rep2, [{ doc: theirs, base: null }])).rejected).toEqual([]);

		const repIds = (await rep.collection('customers').getFullList()).map((r) => r.id);
		expect(repIds).toContain(mine.id);
		expect(repIds).not.toContain(theirs.id);
		await expect(rep.collection('customers').getOne(theirs.id)).rejects.toMatchObject({ status: 404 });
		const all = (await manager.collection('customers').getFullList()).map((r) => r.id);
		expect(all).toEqual(expect.arrayContaining([mine.id, theirs.id]));
	});

	it('a sales rep cannot create for, hand over to, or edit another rep', async () => {
		const rep = await signIn('sales');
		const rep2 = await signIn('sales2');
		const forOther = { id: id15(), name: '别人的', owner: staff('sales2').id };
		const res = await push(rep, [{ doc: forOther, base: null }]);
		expect(res.rejected).toMatchObject([{ id: forOther.id, status: 403 }]);
		const manager = await signIn('manager');
		await expect(manager.collection('customers').getOne(forOther.id)).rejects.toMatchObject({ status: 404 });

		const own = { id: id15(), name: '自己的', owner: staff('sales').id };
		await push(rep, [{ doc: own, base: null }]);
		const base = await rep.collection('customers').getOne(own.id);
		const handOver = await push(rep, [{ doc: { ...base, owner: staff('sales2').id }, base }]);
		expect(handOver.rejected).toMatchObject([{ status: 403, field: 'owner' }]);
		const foreign = await push(rep2, [{ doc: { ...base, name: 'x' }, base }]);
		expect(foreign.rejected).toMatchObject([{ status: 403 }]);
		expect(foreign.conflicts).toEqual([]); // no data of a record the user may not read
		expect((await rep.collection('customers').getOne(own.id)).name).toBe('自己的');
	});

	it('an agent cannot create or edit customers', async () => {
		const manager = await signIn('manager');
		const agent = await signIn('agent');
		const c = { id: id15(), name: '客户丙' };
		await push(manager, [{ doc: c, base: null }]);
		const base = await manager.collection('customers').getOne(c.id);
		expect((await push(agent, [{ doc: { id: id15(), name: 'new' }, base: null }])).rejected).toMatchObject([{ status: 403 }]);
		expect((await push(agent, [{ doc: { ...base, name: 'changed' }, base }])).rejected).toMatchObject([{ status: 403 }]);
		await expect(agent.collection('customers').update(c.id, { name: 'changed' })).rejects.toMatchObject({ status: 404 });
		await expect(agent.collection('customers').create({ name: 'x' })).rejects.toMatchObject({ status: 400 });
		expect((await manager.collection('customers').getOne(c.id)).name).toBe('客户丙');
	});

	it('realtime delivers a rep only their own customers', async () => {
		const rep = await signIn('sales');
		const rep2 = await signIn('sales2');
		const manager = await signIn('manager');
		const got: Record<string, string[]> = { rep: [], rep2: [], manager: [] };
		await rep.collection('customers').subscribe('*', (e) => got.rep.push(e.record.id));
		await rep2.collection('customers').subscribe('*', (e) => got.rep2.push(e.record.id));
		await manager.collection('customers').subscribe('*', (e) => got.manager.push(e.record.id));
		const c = { id: id15(), name: '实时客户', owner: staff('sales').id };
		await push(rep, [{ doc: c, base: null }]);
		await waitFor(() => got.rep.includes(c.id) && got.manager.includes(c.id));
		await new Promise((r) => setTimeout(r, 300));
		expect(got.rep2).not.toContain(c.id);
		for (const pb of [rep, rep2, manager]) pb.realtime.unsubscribe();
	});
});

describe('customers: what a device may keep', () => {
	it('tells a device which of its records its user may no longer see', async () => {
		const rep = await signIn('sales');
		const mine = { id: id15(), name: '仍是我的', owner: staff('sales').id };
		const moved = { id: id15(), name: '转走的', owner: staff('sales').id };
		await push(rep, [
			{ doc: mine, base: null },
			{ doc: moved, base: null }
		]);
		await (await signIn('manager')).collection('customers').update(moved.id, { owner: staff('sales2').id });
		const unknown = id15();
		const res = await rep.send('/api/crm/sync/customers/visible', { method: 'POST', body: { ids: [mine.id, moved.id, unknown] } });
		expect(res.hidden.sort()).toEqual([moved.id, unknown].sort());
	});

	it('tells the person who lost a customer at once, on crm/lost: reassigned or deleted; nobody else hears', async () => {
		const rep = await signIn('sales');
		const rep2 = await signIn('sales2');
		const manager = await signIn('manager');
		const heard: Record<string, { collection: string; ids: string[]; reason: string }[]> = { rep: [], rep2: [], manager: [] };
		await rep.realtime.subscribe('crm/lost', (e) => heard.rep.push(e));
		await rep2.realtime.subscribe('crm/lost', (e) => heard.rep2.push(e));
		await manager.realtime.subscribe('crm/lost', (e) => heard.manager.push(e));
		const a = { id: id15(), name: '将被转走', owner: staff('sales').id };
		const b = { id: id15(), name: '将被删除', owner: staff('sales').id };
		await push(rep, [
			{ doc: a, base: null },
			{ doc: b, base: null }
		]);
		await manager.collection('customers').update(a.id, { owner: staff('sales2').id });
		await manager.collection('customers').update(b.id, { deleted: true });
		await waitFor(() => heard.rep.length === 2);
		expect(heard.rep).toEqual([
			{ collection: 'customers', ids: [a.id], reason: 'reassigned' },
			{ collection: 'customers', ids: [b.id], reason: 'deleted' }
		]);
		// an edit that keeps the owner says nothing; the new owner is not told they lost it
		await manager.collection('customers').update(a.id, { notes: '经理备注' });
		await new Promise((r) => setTimeout(r, 300));
		expect(heard.rep).toHaveLength(2);
		expect(heard.rep2).toEqual([]);
		expect(heard.manager).toEqual([]);
		for (const pb of [rep, rep2, manager]) pb.realtime.unsubscribe();
	});

	it('a change made offline to a customer handed to a colleague meanwhile becomes a proposal the new owner accepts', async () => {
		const rep = await signIn('sales');
		const rep2 = await signIn('sales2');
		const manager = await signIn('manager');
		const agent = await signIn('agent');
		const c = { id: id15(), name: '提议客户', owner: staff('sales').id, notes: '旧备注' };
		await push(rep, [{ doc: c, base: null }]);
		const base = await rep.collection('customers').getOne(c.id);
		await manager.collection('customers').update(c.id, { owner: staff('sales2').id });
		// the rep's device pushes its offline edit, twice (a retry)
		for (let i = 0; i < 2; i++) {
			const res = await push(rep, [{ doc: { ...base, notes: '离线写的备注', phones: ['13912345678'] }, base }]);
			expect(res.rejected).toMatchObject([{ id: c.id, status: 409, code: 'passed_as_proposal', field: 'owner' }]);
		}
		const seen = await rep2.collection('proposals').getFullList({ filter: `customer = "${c.id}"` });
		expect(seen).toHaveLength(1);
		expect(seen[0]).toMatchObject({
			author: staff('sales').id,
			author_name: staff('sales').name,
			status: 'open',
			changes: { notes: '离线写的备注', phones: ['+8613912345678'] },
			base: { notes: '旧备注', phones: null }
		});
		expect(await rep.collection('proposals').getFullList({ filter: `customer = "${c.id}"` })).toHaveLength(1); // its author
		expect(await manager.collection('proposals').getFullList({ filter: `customer = "${c.id}"` })).toHaveLength(1);
		expect(await agent.collection('proposals').getFullList({ filter: `customer = "${c.id}"` })).toHaveLength(0);
		// the author may not decide it; the new owner does, once
		await expect(rep.send(`/api/crm/proposals/${seen[0].id}/accept`, { method: 'POST' })).rejects.toMatchObject({ status: 403 });
		await expect(agent.send(`/api/crm/proposals/${seen[0].id}/accept`, { method: 'POST' })).rejects.toMatchObject({ status: 404 });
		expect(await rep2.send(`/api/crm/proposals/${seen[0].id}/accept`, { method: 'POST' })).toEqual({ status: 'accepted' });
		await expect(rep2.send(`/api/crm/proposals/${seen[0].id}/dismiss`, { method: 'POST' })).rejects.toMatchObject({ status: 409 });
		const now = await rep2.collection('customers').getOne(c.id);
		expect(now).toMatchObject({ notes: '离线写的备注', phones: ['+8613912345678'], owner: staff('sales2').id });
		expect(now.history).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'notes', value: '旧备注', reason: 'merged' })]));
		expect((await manager.collection('proposals').getOne(seen[0].id)).status).toBe('accepted');
		// a proposal can be dismissed too: the customer stays as it is
		await push(rep, [{ doc: { ...base, notes: '第二次' }, base }]);
		const second = (await rep2.collection('proposals').getFullList({ filter: `customer = "${c.id}" && status = "open"` }))[0];
		expect(await manager.send(`/api/crm/proposals/${second.id}/dismiss`, { method: 'POST' })).toEqual({ status: 'dismissed' });
		expect((await rep2.collection('customers').getOne(c.id)).notes).toBe('离线写的备注');
		// an edit with no change to keep is refused as before
		expect((await push(rep, [{ doc: { ...base }, base }])).rejected).toMatchObject([{ status: 403, code: 'forbidden' }]);
	});

	it('refuses bad id lists and strangers', async () => {
		const rep = await signIn('sales');
		await expect(rep.send('/api/crm/sync/customers/visible', { method: 'POST', body: { ids: ['../x'] } })).rejects.toMatchObject({ status: 400 });
		await expect(rep.send('/api/crm/sync/customers/visible', { method: 'POST', body: { ids: Array.from({ length: 1001 }, () => id15()) } })).rejects.toMatchObject({ status: 413 });
		await expect(rep.send('/api/crm/sync/nope/visible', { method: 'POST', body: { ids: [] } })).rejects.toMatchObject({ status: 404 });
		const res = await fetch(`${url()}/api/crm/sync/customers/visible`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ids":[]}' });
		expect(res.status).toBe(401);
	});
});

describe('customers: conditional push', () => {
	it('applies a write whose base is current and returns a conflict otherwise', async () => {
		const pb = await signIn('manager');
		const c = { id: id15(), name: '冲突测试', notes: 'v1' };
		await push(pb, [{ doc: c, base: null }]);
		const v1 = await pb.collection('customers').getOne(c.id);
		expect((await push(pb, [{ doc: { ...v1, notes: 'v2' }, base: v1 }])).conflicts).toEqual([]);
		const stale = await push(pb, [{ doc: { ...v1, notes: 'v3' }, base: v1 }]);
		expect(stale.conflicts).toMatchObject([{ id: c.id, notes: 'v2' }]);
		expect((await pb.collection('customers').getOne(c.id)).notes).toBe('v2');
		// a second create of an existing id is a conflict too, never an overwrite
		expect((await push(pb, [{ doc: { id: c.id, name: 'dup' }, base: null }])).conflicts).toMatchObject([{ notes: 'v2' }]);
	});

	it('keeps the history a client tries to erase', async () => {
		const pb = await signIn('manager');
		const lost = { field: 'notes', value: 'old', edited_at: 1, resolved_at: 2, reason: 'conflict' };
		const c = { id: id15(), name: '历史', history: [lost] };
		await push(pb, [{ doc: c, base: null }]);
		const base = await pb.collection('customers').getOne(c.id);
		expect((await push(pb, [{ doc: { ...base, history: [] }, base }])).conflicts).toEqual([]);
		expect((await pb.collection('customers').getOne(c.id)).history).toEqual([lost]);
		await pb.collection('customers').update(c.id, { history: [] });
		expect((await pb.collection('customers').getOne(c.id)).history).toEqual([lost]);
	});

	it('gives every write a larger seq, and pulls by seq see each change once', async () => {
		const pb = await signIn('manager');
		const before = (await pb.collection('customers').getList(1, 1, { sort: '-seq' })).items[0]?.seq ?? 0;
		const ids = Array.from({ length: 40 }, () => id15());
		await Promise.all(ids.map((id, i) => push(pb, [{ doc: { id, name: `并发 ${i}` }, base: null }])));
		const after = await pb.collection('customers').getFullList({ filter: `seq > ${before}`, sort: 'seq' });
		expect(after.map((r) => r.id).sort()).toEqual([...ids].sort());
		const seqs = after.map((r) => r.seq as number);
		expect(new Set(seqs).size).toBe(seqs.length);
	});
});

describe('customers: bad input is refused, naming the field', () => {
	const cases: [string, Record<string, unknown>, string, string][] = [
		['empty name', { name: '' }, 'name', 'required'],
		['malformed phone', { name: 'a', phones: ['12345'] }, 'phones', 'invalid_phone'],
		['malformed email', { name: 'a', emails: ['a@'] }, 'emails', 'invalid_email'],
		['unknown field', { name: 'a', shoe_size: 42 }, 'shoe_size', 'unknown_field'],
		['1 MB note', { name: 'a', notes: 'x'.repeat(1024 * 1024) }, 'notes', 'too_long']
	];

	it.each(cases)('push: %s', async (_label, doc, field, code) => {
		const pb = await signIn('manager');
		const id = id15();
		const res = await push(pb, [{ doc: { id, ...doc }, base: null }]);
		expect(res.rejected).toMatchObject([{ id, status: 400, field, code }]);
		await expect(pb.collection('customers').getOne(id)).rejects.toMatchObject({ status: 404 });
	});

	it.each(cases)('REST create: %s', async (_label, doc, field, code) => {
		const pb = await signIn('manager');
		const err = await pb
			.collection('customers')
			.create(doc)
			.catch((e) => e);
		expect(err.status).toBe(400);
		expect(err.response.data[field]).toMatchObject({ code });
	});

	it('REST writes are normalised like pushes', async () => {
		const pb = await signIn('manager');
		const c = await pb.collection('customers').create({ name: ' 接口客户 ', phones: ['138 0013 8000'], emails: ['A@B.CN'] });
		expect(c).toMatchObject({ name: '接口客户', phones: ['+8613800138000'], emails: ['a@b.cn'] });
		const err = await pb
			.collection('customers')
			.update(c.id, { phones: ['138'] })
			.catch((e) => e);
		expect(err.response.data.phones).toMatchObject({ code: 'invalid_phone' });
	});

	it('a refused update leaves the saved record as it was', async () => {
		const pb = await signIn('manager');
		const c = { id: id15(), name: '原样', phones: ['13800138000'] };
		await push(pb, [{ doc: c, base: null }]);
		const base = await pb.collection('customers').getOne(c.id);
		const res = await push(pb, [{ doc: { ...base, name: '', phones: ['bad'] }, base }]);
		expect(res.rejected).toMatchObject([{ status: 400, field: 'name' }]);
		const err = await pb
			.collection('customers')
			.update(c.id, { emails: ['nope'] })
			.catch((e) => e);
		expect(err.status).toBe(400);
		expect(await pb.collection('customers').getOne(c.id)).toMatchObject({ name: '原样', phones: ['+8613800138000'], emails: null });
	});

	it('a batch over the limit gets 413', async () => {
		const pb = await signIn('manager');
		const rows = Array.from({ length: 201 }, () => ({ doc: { id: id15(), name: 'x' }, base: null }));
		await expect(push(pb, rows)).rejects.toMatchObject({ status: 413 });
	});
});
