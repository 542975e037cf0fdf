// Live chat rules beyond access (docs/api/chat.md): a message sent twice is stored once, visitors'
// rate limits, status transitions, reopening, ratings, first response and the last message.
import { beforeAll, describe, expect, it } from 'vitest';
import type PocketBase from 'pocketbase';
import { signIn, staff, url } from './helpers';
import { clientId, newStaff, newVisitor, PNG, type Visitor } from './chat-helpers';

let agent: PocketBase;
let manager: PocketBase;
let admin: PocketBase;
let agent2: { pb: PocketBase; id: string };
let sales: PocketBase;

beforeAll(async () => {
	agent = await signIn('agent');
	manager = await signIn('manager');
	admin = await signIn('owner');
	sales = await signIn('sales');
	agent2 = await newStaff(url(), admin, 'agent', '第二位客服');
});

async function conversation(v: Visitor, topic = 'pre_sale') {
	return v.pb.collection('conversations').create({ visitor: v.id, topic });
}

function send(pb: PocketBase, conversation: string, body: string, extra: Record<string, unknown> = {}) {
	return pb.collection('messages').create({ conversation, client_id: clientId(), body, ...extra });
}

describe('messages', () => {
	it('a client_id sent twice is stored once and the second send answers with the first', async () => {
		const v = await newVisitor(url());
		const c = await conversation(v);
		const cid = clientId();
		const first = await v.pb.collection('messages').create({ conversation: c.id, client_id: cid, body: '第一次' });
		const again = await v.pb.collection('messages').create({ conversation: c.id, client_id: cid, body: '第二次' });
		expect(again.id).toBe(first.id);
		expect(again.body).toBe('第一次');
		const all = await v.pb.collection('messages').getFullList({ filter: `conversation = "${c.id}"` });
		expect(all.map((m) => m.id)).toEqual([first.id]);
		// The same client_id in another conversation is another message.
		const c2 = await conversation(v);
		const other = await v.pb.collection('messages').create({ conversation: c2.id, client_id: cid, body: '别处' });
		expect(other.id).not.toBe(first.id);
	});

	it('a client_id someone else used in a conversation they cannot see is a 409 without the message', async () => {
		const v = await newVisitor(url());
		const c = await conversation(v);
		const cid = clientId();
		await agent.collection('conversations').update(c.id, { assignee: staff('agent').id });
		await send(agent, c.id, '内部', { client_id: cid, internal: true });
		const err = await v.pb
			.collection('messages')
			.create({ conversation: c.id, client_id: cid, body: 'x' })
			.catch((e) => e);
		expect(err.status).toBe(409);
		expect(JSON.stringify(err.response)).not.toContain('内部');
	});

	it('the author comes from who is signed in; a visitor cannot pose as an agent', async () => {
		const v = await newVisitor(url());
		const c = await conversation(v);
		const m = await send(v.pb, c.id, '你好');
		expect(m).toMatchObject({ author_kind: 'visitor', author_staff: '', internal: false });
		await expect(send(v.pb, c.id, 'x', { author_kind: 'agent' })).rejects.toMatchObject({ status: 400 });
		await expect(send(v.pb, c.id, 'x', { author_staff: staff('agent').id })).rejects.toMatchObject({ status: 400 });
		await expect(send(v.pb, c.id, '   ')).rejects.toMatchObject({ status: 400, response: { data: { body: { code: 'required' } } } });
		await agent.collection('conversations').update(c.id, { assignee: staff('agent').id });
		const a = await send(agent, c.id, '您好');
		expect(a).toMatchObject({ author_kind: 'agent', author_staff: staff('agent').id });
		await expect(send(agent, c.id, 'x', { author_staff: staff('manager').id })).rejects.toMatchObject({ status: 400 });
	});

	it('attachments are images of at most 5 MB; an image alone is a message', async () => {
		const v = await newVisitor(url());
		const c = await conversation(v);
		const form = (blob: Blob, name: string) => {
			const fd = new FormData();
			fd.append('conversation', c.id);
			fd.append('client_id', clientId());
			fd.append('attachments', blob, name);
			return fd;
		};
		const big = new Blob([PNG, new Uint8Array(5 * 1024 * 1024)], { type: 'image/png' });
		await expect(v.pb.collection('messages').create(form(big, 'big.png'))).rejects.toMatchObject({ status: 400, response: { data: { attachments: {} } } });
		await expect(v.pb.collection('messages').create(form(new Blob(['<script>alert(1)</script>'], { type: 'text/html' }), 'x.html'))).rejects.toMatchObject({ status: 400 });
		await expect(v.pb.collection('messages').create(form(new Blob(['not an image'], { type: 'image/png' }), 'fake.png'))).rejects.toMatchObject({ status: 400 });
		const ok = await v.pb.collection('messages').create(form(new Blob([PNG], { type: 'image/png' }), 'ok.png'));
		expect(ok.attachments).toHaveLength(1);
		expect((await v.pb.collection('conversations').getOne(c.id)).last_message_preview).toBe('[image]');
	});

	it('an agent writes only in conversations assigned to them, not in the queue', async () => {
		const v = await newVisitor(url());
		const c = await conversation(v);
		await expect(send(agent, c.id, '抢答')).rejects.toMatchObject({ status: 400 });
		await agent.collection('conversations').update(c.id, { assignee: staff('agent').id });
		await expect(send(agent, c.id, '您好')).resolves.toBeTruthy();
		await expect(send(agent2.pb, c.id, '我也来')).rejects.toMatchObject({ status: 400 });
	});

	it('a visitor sends at most 20 messages a minute (429 naming the field), across conversations', async () => {
		const v = await newVisitor(url());
		const c1 = await conversation(v);
		const c2 = await conversation(v);
		for (let i = 0; i < 20; i++) await send(v.pb, i % 2 ? c1.id : c2.id, `第 ${i} 条`);
		const err = await send(v.pb, c1.id, '第 21 条').catch((e) => e);
		expect(err.status).toBe(429);
		expect(err.response.data.conversation.code).toBe('rate_limited');
		expect(err.response.message).toMatch(/20 messages a minute/);
		// A resend of a stored message is not a new message: it still answers.
		const stored = (await v.pb.collection('messages').getList(1, 1, { filter: `conversation = "${c1.id}"` })).items[0];
		const again = await v.pb.collection('messages').create({ conversation: c1.id, client_id: stored.client_id, body: stored.body });
		expect(again.id).toBe(stored.id);
		// Agents are not limited.
		await agent.collection('conversations').update(c1.id, { assignee: staff('agent').id });
		for (let i = 0; i < 22; i++) await send(agent, c1.id, `回复 ${i}`);
		expect((await manager.collection('messages').getFullList({ filter: `conversation = "${c1.id}"` })).length).toBe(10 + 22);
	});

	it('a visitor opens at most 5 conversations an hour', async () => {
		const v = await newVisitor(url());
		for (let i = 0; i < 5; i++) await conversation(v);
		const err = await conversation(v).catch((e) => e);
		expect(err.status).toBe(429);
		expect(err.response.data.visitor.code).toBe('rate_limited');
		const other = await newVisitor(url());
		await expect(conversation(other)).resolves.toBeTruthy();
	});

	it('the conversation keeps its last message and the first agent response; internal notes stay out', async () => {
		const v = await newVisitor(url());
		const c = await conversation(v);
		const m1 = await send(v.pb, c.id, '我的订单还没到\n请帮忙看看');
		let conv = await v.pb.collection('conversations').getOne(c.id);
		expect(conv.last_message_preview).toBe('我的订单还没到 请帮忙看看');
		expect(conv.last_message_at).toBe(m1.created.replace(' ', 'T'));
		expect(conv.first_response_at).toBe('');
		await agent.collection('conversations').update(c.id, { assignee: staff('agent').id });
		await send(agent, c.id, '客户下单三次了', { internal: true });
		conv = await v.pb.collection('conversations').getOne(c.id);
		expect(conv.first_response_at).toBe('');
		expect(conv.last_message_preview).toBe('我的订单还没到 请帮忙看看');
		const a1 = await send(agent, c.id, '您好，我来查一下');
		await send(agent, c.id, '已经发货了');
		conv = await v.pb.collection('conversations').getOne(c.id);
		expect(conv.first_response_at).toBe(a1.created.replace(' ', 'T'));
		expect(conv.last_message_preview).toBe('已经发货了');
		const long = '长'.repeat(300);
		await send(v.pb, c.id, long);
		expect((await v.pb.collection('conversations').getOne(c.id)).last_message_preview).toBe('长'.repeat(140));
	});
});

describe('conversations', () => {
	it('a visitor opens a conversation for themself only, and the server fills in the rest', async () => {
		const v = await newVisitor(url());
		const w = await newVisitor(url());
		await expect(w.pb.collection('conversations').create({ visitor: v.id })).rejects.toMatchObject({ status: 400 });
		await expect(v.pb.collection('conversations').create({ visitor: v.id, assignee: staff('agent').id })).rejects.toMatchObject({ status: 400 });
		await expect(v.pb.collection('conversations').create({ visitor: v.id, status: 'resolved' })).rejects.toMatchObject({ status: 400 });
		const c = await v.pb.collection('conversations').create({ visitor: v.id, topic: 'complaint', first_response_at: '2020-01-01T00:00:00Z', rating: 5, channel: 'x', reopened: 3 });
		expect(c).toMatchObject({ status: 'open', assignee: '', channel: 'web', first_response_at: '', rating: 0, reopened: 0, topic: 'complaint' });
	});

	it('status goes open → pending → resolved; resolved stamps resolved_at; no way back to pending', async () => {
		const v = await newVisitor(url());
		const c = await conversation(v);
		await agent.collection('conversations').update(c.id, { assignee: staff('agent').id });
		expect((await agent.collection('conversations').update(c.id, { status: 'pending' })).status).toBe('pending');
		const resolved = await agent.collection('conversations').update(c.id, { status: 'resolved' });
		expect(resolved.status).toBe('resolved');
		expect(Date.now() - Date.parse(resolved.resolved_at)).toBeLessThan(60000);
		await expect(agent.collection('conversations').update(c.id, { status: 'pending' })).rejects.toMatchObject({ status: 400, response: { data: { status: { code: 'invalid_transition' } } } });
		await expect(agent.collection('conversations').update(c.id, { status: 'closed' })).rejects.toMatchObject({ status: 400 });
		// A visitor never sets the status.
		await expect(v.pb.collection('conversations').update(c.id, { status: 'open' })).rejects.toMatchObject({ status: 403 });
		// Staff may reopen; it counts.
		const reopened = await manager.collection('conversations').update(c.id, { status: 'open' });
		expect(reopened).toMatchObject({ status: 'open', resolved_at: '', reopened: 1 });
	});

	it('a visitor message reopens a resolved conversation and brings a pending one back to open', async () => {
		const v = await newVisitor(url());
		const c = await conversation(v);
		await agent.collection('conversations').update(c.id, { assignee: staff('agent').id, status: 'pending' });
		await send(v.pb, c.id, '补充一下');
		expect((await agent.collection('conversations').getOne(c.id)).status).toBe('open');
		await agent.collection('conversations').update(c.id, { status: 'resolved' });
		await send(agent, c.id, '还有别的问题吗？');
		expect((await agent.collection('conversations').getOne(c.id)).status).toBe('resolved');
		await send(v.pb, c.id, '又坏了');
		const conv = await agent.collection('conversations').getOne(c.id);
		expect(conv).toMatchObject({ status: 'open', reopened: 1, resolved_at: '', assignee: staff('agent').id });
	});

	it('a visitor rates once the conversation is resolved, 1 to 5, and only their own', async () => {
		const v = await newVisitor(url());
		const w = await newVisitor(url());
		const c = await conversation(v);
		await expect(v.pb.collection('conversations').update(c.id, { rating: 5 })).rejects.toMatchObject({ status: 400, response: { data: { rating: { code: 'not_resolved' } } } });
		await agent.collection('conversations').update(c.id, { assignee: staff('agent').id, status: 'resolved' });
		await expect(v.pb.collection('conversations').update(c.id, { rating: 0 })).rejects.toMatchObject({ status: 400 });
		await expect(v.pb.collection('conversations').update(c.id, { rating: 6 })).rejects.toMatchObject({ status: 400 });
		await expect(v.pb.collection('conversations').update(c.id, { rating: 2.5 })).rejects.toMatchObject({ status: 400 });
		await expect(w.pb.collection('conversations').update(c.id, { rating: 1 })).rejects.toMatchObject({ status: 404 });
		await expect(agent.collection('conversations').update(c.id, { rating: 5 })).rejects.toMatchObject({ status: 403 });
		const rated = await v.pb.collection('conversations').update(c.id, { rating: 4, rating_comment: '很快' });
		expect(rated).toMatchObject({ rating: 4, rating_comment: '很快' });
	});

	it('which fields each role changes', async () => {
		const v = await newVisitor(url());
		const c = await conversation(v);
		const at = new Date().toISOString();
		await expect(v.pb.collection('conversations').update(c.id, { visitor_read_at: at, visitor_typing_at: at })).resolves.toMatchObject({ visitor_read_at: at });
		await expect(v.pb.collection('conversations').update(c.id, { visitor_read_at: 'soon' })).rejects.toMatchObject({ status: 400 });
		for (const change of [
			{ tags: ['x'] },
			{ agent_read_at: at },
			{ assignee: staff('agent').id },
			{ topic: 'other' },
			{ first_response_at: at },
			{ last_message_preview: 'x' },
			{ reopened: 1 },
			{ deleted: true }
		]) {
			await expect(v.pb.collection('conversations').update(c.id, change)).rejects.toMatchObject({ status: 403 });
		}
		// An agent: claim, tags, read and typing marks; never the server's fields or the visitor's.
		await expect(agent.collection('conversations').update(c.id, { assignee: staff('agent').id, tags: ['物流'], agent_read_at: at, agent_typing_at: at })).resolves.toMatchObject({ tags: ['物流'] });
		for (const change of [
			{ visitor_read_at: new Date(Date.now() - 5000).toISOString() },
			{ first_response_at: at },
			{ resolved_at: at },
			{ reopened: 2 },
			{ rating: 5 },
			{ topic: 'other' },
			{ deleted: true }
		]) {
			await expect(agent.collection('conversations').update(c.id, change)).rejects.toMatchObject({ status: 403 });
		}
		await expect(agent.collection('conversations').update(c.id, { tags: 'x' })).rejects.toMatchObject({ status: 400 });
		await expect(agent.collection('conversations').update(c.id, { assignee: staff('sales').id })).rejects.toMatchObject({ status: 400 });
		// A manager: topic, assignment; not the read marks of the visitor.
		await expect(manager.collection('conversations').update(c.id, { topic: 'complaint' })).resolves.toMatchObject({ topic: 'complaint' });
		await expect(manager.collection('conversations').update(c.id, { visitor_typing_at: new Date(Date.now() - 3000).toISOString() })).rejects.toMatchObject({ status: 403 });
		await expect(sales.collection('conversations').update(c.id, { tags: [] })).rejects.toMatchObject({ status: 404 });
	});

	it('claim and transfer: an agent hands their conversation to another agent and then loses it', async () => {
		const v = await newVisitor(url());
		const c = await conversation(v);
		await agent.collection('conversations').update(c.id, { assignee: staff('agent').id });
		await expect(agent2.pb.collection('conversations').update(c.id, { assignee: agent2.id })).rejects.toMatchObject({ status: 404 });
		await expect(agent.collection('conversations').update(c.id, { assignee: '' })).rejects.toMatchObject({ status: 403 });
		await agent.collection('conversations').update(c.id, { assignee: agent2.id });
		await expect(agent.collection('conversations').getOne(c.id)).rejects.toMatchObject({ status: 404 });
		await expect(agent2.pb.collection('conversations').getOne(c.id)).resolves.toMatchObject({ assignee: agent2.id });
		// A manager puts it back in the queue, where every agent sees it.
		await manager.collection('conversations').update(c.id, { assignee: '' });
		await expect(agent.collection('conversations').getOne(c.id)).resolves.toBeTruthy();
	});

	it('a device learns which conversations and messages its agent lost to a transfer', async () => {
		const v = await newVisitor(url());
		const c = await conversation(v);
		const m = await send(v.pb, c.id, '在吗');
		await agent.collection('conversations').update(c.id, { assignee: staff('agent').id });
		const visible = (col: string, ids: string[]) => agent.send<{ hidden: string[] }>(`/api/crm/sync/${col}/visible`, { method: 'POST', body: { ids } });
		expect((await visible('conversations', [c.id])).hidden).toEqual([]);
		expect((await visible('messages', [m.id])).hidden).toEqual([]);
		await agent.collection('conversations').update(c.id, { assignee: agent2.id });
		expect((await visible('conversations', [c.id])).hidden).toEqual([c.id]);
		expect((await visible('messages', [m.id])).hidden).toEqual([m.id]);
	});
});

describe('customers through conversations', () => {
	it('an agent reads the customer of a conversation assigned to them, and only then; never edits it', async () => {
		const v = await newVisitor(url());
		const c = await conversation(v);
		const customer = await manager.collection('customers').create({ name: '聊天客户', owner: staff('sales').id });
		await manager.collection('conversations').update(c.id, { customer: customer.id });
		const listed = async (pb: PocketBase) => (await pb.collection('customers').getFullList({ filter: `id = "${customer.id}"` })).length;
		expect(await listed(agent)).toBe(0); // in the queue: not yet
		await agent.collection('conversations').update(c.id, { assignee: staff('agent').id });
		expect(await listed(agent)).toBe(1);
		expect((await agent.collection('customers').getOne(customer.id)).name).toBe('聊天客户');
		expect(await listed(agent2.pb)).toBe(0);
		await expect(agent.collection('customers').update(customer.id, { name: '改' })).rejects.toMatchObject({ status: 404 });
		await agent.collection('conversations').update(c.id, { assignee: agent2.id });
		expect(await listed(agent)).toBe(0);
		expect(await listed(agent2.pb)).toBe(1);
		expect(await listed(sales)).toBe(1);
	});
});

describe('cases', () => {
	it('due times follow the priority; response and resolution are stamped by the server', async () => {
		const c = await manager
			.collection('cases')
			.create({ kind: 'complaint', priority: 'urgent', status: 'open', summary: '破损', first_response_at: '2020-01-01T00:00:00Z', first_response_due: '2099-01-01T00:00:00Z' });
		const created = Date.parse(c.created.replace(' ', 'T'));
		// Due from the moment of the request (a millisecond or so before `created`).
		expect(Math.abs(Date.parse(c.first_response_due) - created - 15 * 60000)).toBeLessThan(1000);
		expect(Math.abs(Date.parse(c.resolution_due) - created - 4 * 3600000)).toBeLessThan(1000);
		expect(c.first_response_at).toBe('');
		const low = await manager.collection('cases').update(c.id, { priority: 'low' });
		expect(Date.parse(low.first_response_due) - created).toBe(8 * 3600000);
		expect(Date.parse(low.resolution_due) - created).toBe(72 * 3600000);
		const working = await manager.collection('cases').update(c.id, { status: 'in_progress' });
		expect(working.first_response_at).not.toBe('');
		const done = await manager.collection('cases').update(c.id, { status: 'resolved' });
		expect(done.resolved_at).not.toBe('');
		expect(done.first_response_at).toBe(working.first_response_at);
	});
});

describe('who opens, reassigns and relinks a case (review F14)', () => {
	const status = (p: Promise<unknown>) =>
		p.then(
			() => 200,
			(e: { status?: number }) => e.status ?? 0
		);
	const fields = { kind: 'inquiry', priority: 'normal', status: 'open', summary: '查询' };
	let mine: string; // the agent's conversation, with a customer
	let theirs: string; // agent2's conversation
	let customer: string;
	let other: string;
	const me = () => staff('agent').id;

	beforeAll(async () => {
		const v = await newVisitor(url());
		mine = (await conversation(v)).id;
		customer = (await manager.collection('customers').create({ name: '工单客户', owner: staff('sales').id })).id;
		other = (await manager.collection('customers').create({ name: '别的客户', owner: staff('sales').id })).id;
		await manager.collection('conversations').update(mine, { customer, assignee: me() });
		const w = await newVisitor(url());
		theirs = (await conversation(w)).id;
		await manager.collection('conversations').update(theirs, { assignee: agent2.id });
	});

	it('an agent opens a case for themself on their own conversation, for its customer, and no other', async () => {
		expect(await status(agent.collection('cases').create({ ...fields, conversation: mine, customer, assignee: me() }))).toBe(200);
		expect(await status(agent.collection('cases').create({ ...fields, conversation: mine, assignee: me() }))).toBe(200);
		// Assigned to someone else, or to nobody, on their own conversation: refused.
		expect(await status(agent.collection('cases').create({ ...fields, conversation: mine, customer, assignee: agent2.id }))).toBe(400);
		expect(await status(agent.collection('cases').create({ ...fields, conversation: mine, customer }))).toBe(400);
		// Another agent's conversation, no conversation, another customer: refused.
		expect(await status(agent.collection('cases').create({ ...fields, conversation: theirs, assignee: me() }))).toBe(400);
		expect(await status(agent.collection('cases').create({ ...fields, assignee: me() }))).toBe(400);
		expect(await status(agent.collection('cases').create({ ...fields, conversation: mine, customer: other, assignee: me() }))).toBe(400);
		// Sales reps never create one.
		expect(await status(sales.collection('cases').create({ ...fields, conversation: mine, customer, assignee: staff('sales').id }))).toBe(400);
	});

	it('an agent works their case but neither hands it on nor moves it to another conversation or customer', async () => {
		const c = await agent.collection('cases').create({ ...fields, conversation: mine, customer, assignee: me() });
		expect(await status(agent.collection('cases').update(c.id, { status: 'in_progress', summary: '处理中', assignee: me(), conversation: mine, customer }))).toBe(200);
		expect(await status(agent.collection('cases').update(c.id, { assignee: agent2.id }))).toBe(404);
		expect(await status(agent.collection('cases').update(c.id, { assignee: '' }))).toBe(404);
		expect(await status(agent.collection('cases').update(c.id, { conversation: theirs }))).toBe(404);
		expect(await status(agent.collection('cases').update(c.id, { customer: other }))).toBe(404);
		expect(await status(agent.collection('cases').update(c.id, { customer: '' }))).toBe(404);
		const kept = await manager.collection('cases').getOne(c.id);
		expect([kept.assignee, kept.conversation, kept.customer, kept.summary]).toEqual([me(), mine, customer, '处理中']);
		// An unassigned case on their conversation they may take on themselves, not give away.
		const open = await manager.collection('cases').create({ ...fields, conversation: mine, customer });
		expect(await status(agent.collection('cases').update(open.id, { assignee: agent2.id }))).toBe(404);
		expect(await status(agent.collection('cases').update(open.id, { assignee: me() }))).toBe(200);
	});

	it('managers and admins reassign and relink', async () => {
		const c = await agent.collection('cases').create({ ...fields, conversation: mine, customer, assignee: me() });
		expect(await status(manager.collection('cases').update(c.id, { assignee: agent2.id, conversation: theirs }))).toBe(200);
		expect(await status(admin.collection('cases').update(c.id, { customer: other, assignee: staff('manager').id }))).toBe(200);
		expect(await status(manager.collection('cases').create({ ...fields, conversation: theirs, assignee: me() }))).toBe(200);
		// Moved to agent2's conversation and to the manager: the agent no longer sees it, agent2 does.
		expect(await status(agent.collection('cases').getOne(c.id))).toBe(404);
		expect(await status(agent2.pb.collection('cases').getOne(c.id))).toBe(200);
	});
});

describe('staff an agent may see', () => {
	it('agents list the other agents (to transfer a chat to), not sales reps or managers, and never their emails', async () => {
		const agent = await signIn('agent');
		const seen = await agent.collection('staff').getFullList();
		expect(seen.length).toBeGreaterThan(0);
		expect(seen.every((s) => s.role === 'agent')).toBe(true);
		expect(seen.every((s) => !s.email || s.id === agent.authStore.record!.id)).toBe(true);
		const sales = await signIn('sales');
		expect((await sales.collection('staff').getFullList()).map((s) => s.id)).toEqual([sales.authStore.record!.id]);
	});
});
