// Leaving a message after hours (docs/api/chat.md): the contact a visitor gives when opening a
// conversation is checked field by field with the customers' phone and email rules, stored normalised,
// never changed later, and read only by who may read the conversation. A server of its own, closed now.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import PocketBase, { ClientResponseError } from 'pocketbase';
import { seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { newStaff, newVisitor, session, type Visitor } from './chat-helpers';
import { id15 } from './helpers';

const SECRET = 'after-hours-identity-secret';
let server: RunningServer;
let agent: { pb: PocketBase; id: string };
let agent2: { pb: PocketBase; id: string };
let manager: PocketBase;
let sales: PocketBase;

/** Staffed one hour on a day three days from the shop's today (UTC+8): closed now. */
export function closedHours(now = Date.now(), offsetMinutes = 480): string {
	const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
	const today = new Date(now + offsetMinutes * 60_000).getUTCDay();
	return `${days[(today + 3) % 7]} 09:00-10:00`;
}

async function signInStaff(email: string, password: string) {
	const pb = new PocketBase(server.url);
	pb.autoCancellation(false);
	await pb.collection('staff').authWithPassword(email, password);
	return pb;
}

beforeAll(async () => {
	Object.assign(process.env, { CRM_CHAT_HOURS: closedHours(), CRM_CHAT_IDENTITY_SECRET: SECRET });
	try {
		server = await startServer();
	} finally {
		delete process.env.CRM_CHAT_HOURS;
		delete process.env.CRM_CHAT_IDENTITY_SECRET;
	}
	const { staff } = await seedStaff(server.url);
	const owner = await signInStaff(staff.owner.email, staff.owner.password);
	manager = await signInStaff(staff.manager.email, staff.manager.password);
	sales = await signInStaff(staff.sales.email, staff.sales.password);
	agent = { pb: await signInStaff(staff.agent.email, staff.agent.password), id: staff.agent.id };
	agent2 = await newStaff(server.url, owner, 'agent', '夜班客服');
});

afterAll(async () => {
	await server?.stop();
});

function open(v: Visitor, data: Record<string, unknown>) {
	return v.pb.collection('conversations').create({ visitor: v.id, topic: 'pre_sale', ...data });
}

async function refusal(p: Promise<unknown>): Promise<{ status: number; data: Record<string, { code: string; message: string }> }> {
	const err = await p.then(
		() => null,
		(e: unknown) => e
	);
	expect(err).toBeInstanceOf(ClientResponseError);
	const e = err as ClientResponseError;
	return { status: e.status, data: e.response.data as Record<string, { code: string; message: string }> };
}

describe('contact on a new conversation', () => {
	it('the shop is closed now: config says so and a new conversation is after hours', async () => {
		const config = await (await fetch(`${server.url}/api/crm/chat/config`)).json();
		expect(config.open).toBe(false);
		const v = await newVisitor(server.url);
		const c = await open(v, { contact: { phone: '139 1234 5678' } });
		expect(c.after_hours).toBe(true);
	});

	it('a bad phone, a bad email, neither, or other keys are 400 naming the field; nothing is stored', async () => {
		const v = await newVisitor(server.url);
		const cases: [unknown, string, string][] = [
			[{ phone: '12345' }, 'contact.phone', 'invalid_phone'],
			[{ phone: '13912345678', email: 'li@@example' }, 'contact.email', 'invalid_email'],
			[{ email: '<img src=x onerror=alert(1)>@x.io' }, 'contact.email', 'invalid_email'],
			[{ phone: 13912345678 }, 'contact.phone', 'invalid_type'],
			[{}, 'contact', 'required'],
			[{ email: ' ', phone: '' }, 'contact', 'required'],
			[{ phone: '13912345678', wechat: 'x' }, 'contact', 'unknown_field'],
			[['13912345678'], 'contact', 'invalid_type']
		];
		for (const [contact, field, code] of cases) {
			const r = await refusal(open(v, { contact }));
			expect(r.status, JSON.stringify(contact)).toBe(400);
			expect(r.data[field], JSON.stringify(r.data)).toMatchObject({ code });
			expect(r.data[field].message.toLowerCase()).toContain(field);
		}
		expect(await v.pb.collection('conversations').getFullList()).toHaveLength(0);
	});

	it('a good contact is stored normalised: phone in E.164, email in lower case', async () => {
		const v = await newVisitor(server.url);
		const c = await open(v, { contact: { phone: '139-1234-5678', email: ' Mei.Han@Example.COM ' } });
		expect(c.contact).toEqual({ phone: '+8613912345678', email: 'mei.han@example.com' });
		expect((await manager.collection('conversations').getOne(c.id)).contact).toEqual({ phone: '+8613912345678', email: 'mei.han@example.com' });
		// A chat started without the form has none.
		const plain = await open(v, {});
		expect(plain.contact).toBeNull();
	});

	it('a shopper the shop identified may leave no contact', async () => {
		const ts = Math.floor(Date.now() / 1000);
		const sig = createHmac('sha256', SECRET).update(`U-77.${ts}`).digest('hex');
		const { status, json } = await session(server.url, { name: '韩梅', identity: { customer_id: 'U-77', ts, sig } });
		expect(status).toBe(200);
		const pb = new PocketBase(server.url);
		pb.authStore.save(json.token, { ...json.visitor, collectionName: 'visitors' } as never);
		const c = await pb.collection('conversations').create({ visitor: json.visitor.id, topic: 'other', contact: {} });
		expect(c.contact).toBeNull();
		expect(c.customer).not.toBe('');
		const r = await refusal(pb.collection('conversations').create({ visitor: json.visitor.id, contact: { phone: 'abc' } }));
		expect(r.data['contact.phone']).toMatchObject({ code: 'invalid_phone' });
	});

	it('nobody changes the contact afterwards', async () => {
		const v = await newVisitor(server.url);
		const c = await open(v, { contact: { phone: '13912345678' } });
		const byVisitor = await refusal(v.pb.collection('conversations').update(c.id, { contact: { phone: '13800000000' } }));
		expect(byVisitor.status).toBe(403);
		expect(byVisitor.data.contact).toMatchObject({ code: 'forbidden' });
		const byManager = await refusal(manager.collection('conversations').update(c.id, { contact: { email: 'x@example.com' } }));
		expect(byManager.status).toBe(403);
		expect((await manager.collection('conversations').getOne(c.id)).contact).toEqual({ phone: '+8613912345678' });
	});

	it('the same id sent again answers with the stored conversation (its answer was lost); another visitor gets 409', async () => {
		const v = await newVisitor(server.url);
		const id = id15();
		const first = await open(v, { id, contact: { phone: '13912345678' } });
		const again = await open(v, { id, contact: { phone: '13700000000' } });
		expect(again.id).toBe(first.id);
		expect(again.contact).toEqual({ phone: '+8613912345678' });
		expect(await v.pb.collection('conversations').getFullList()).toHaveLength(1);
		const other = await newVisitor(server.url);
		const r = await refusal(open(other, { id, contact: { phone: '13912345678' } }));
		expect(r.status).toBe(409);
		expect(JSON.stringify(r)).not.toContain('8613912345678');
	});
});

describe('who reads the contact', () => {
	it('a visitor never reads another visitor’s conversation or contact', async () => {
		const a = await newVisitor(server.url, '甲');
		const b = await newVisitor(server.url, '乙');
		const c = await open(a, { contact: { email: 'jia@example.com' } });
		expect((await refusal(b.pb.collection('conversations').getOne(c.id))).status).toBe(404);
		const seen = await b.pb.collection('conversations').getFullList();
		expect(JSON.stringify(seen)).not.toContain('jia@example.com');
		// The contact is encrypted in the database: no filter on it is answered at all.
		expect((await refusal(b.pb.collection('conversations').getFullList({ filter: 'contact.email != ""' }))).status).toBe(400);
		const byFilter = await b.pb.collection('conversations').getFullList({ filter: `id = "${c.id}"` });
		expect(byFilter).toHaveLength(0);
		// Nor through a message of theirs that points at it.
		const mine = await open(b, { contact: { phone: '13912345678' } });
		await b.pb.collection('messages').create({ conversation: mine.id, client_id: 'b-1', body: '你好' });
		const msgs = await b.pb.collection('messages').getFullList({ expand: 'conversation' });
		expect(JSON.stringify(msgs)).not.toContain('jia@example.com');
	});

	it('agents read it only on conversations they may see: the queue and their own', async () => {
		const v = await newVisitor(server.url, '丙');
		const c = await open(v, { contact: { email: 'bing@example.com', phone: '13912345678' } });
		// In the queue: every agent sees it.
		expect((await agent.pb.collection('conversations').getOne(c.id)).contact).toEqual({ email: 'bing@example.com', phone: '+8613912345678' });
		expect((await agent2.pb.collection('conversations').getOne(c.id)).contact).toMatchObject({ email: 'bing@example.com' });
		// Claimed by one agent: the other no longer reads it, by id or by list or by filter on it.
		await agent.pb.collection('conversations').update(c.id, { assignee: agent.id });
		expect((await agent.pb.collection('conversations').getOne(c.id)).contact).toMatchObject({ email: 'bing@example.com' });
		expect((await refusal(agent2.pb.collection('conversations').getOne(c.id))).status).toBe(404);
		expect(JSON.stringify(await agent2.pb.collection('conversations').getFullList())).not.toContain('bing@example.com');
		expect((await refusal(agent2.pb.collection('conversations').getFullList({ filter: 'contact.email = "bing@example.com"' }))).status).toBe(400);
		// Sales reps read no conversations at all; managers read all.
		expect(JSON.stringify(await sales.collection('conversations').getFullList())).not.toContain('bing@example.com');
		expect((await manager.collection('conversations').getOne(c.id)).contact).toMatchObject({ email: 'bing@example.com' });
	});
});

describe('linking a visitor who left a contact to a customer (pb_hooks/lib/chat-link.js)', () => {
	it('the agent of the chat finds the customer by the phone left, links them once; others may not', async () => {
		const phoneCustomer = { id: id15(), name: '留电话的老客', phones: ['13955556666'] };
		const pushed = await manager.send('/api/crm/sync/customers/push', { method: 'POST', body: { rows: [{ doc: phoneCustomer, base: null }] } });
		expect(pushed.rejected).toEqual([]);
		const v = await newVisitor(server.url, '');
		const conv = await open(v, { contact: { phone: '139 5555 6666' } });
		const matchesOf = (pb: PocketBase) => pb.send(`/api/crm/chat/conversations/${conv.id}/customer-matches`, {});
		const link = (pb: PocketBase, body: unknown) => pb.send(`/api/crm/chat/conversations/${conv.id}/customer`, { method: 'POST', body });
		// Not theirs yet (an agent takes it first), never a rep's, never the visitor's.
		expect((await refusal(matchesOf(agent.pb))).status).toBe(403);
		expect((await refusal(matchesOf(sales))).status).toBe(403);
		expect((await refusal(matchesOf(v.pb))).status).toBe(403);
		await agent.pb.collection('conversations').update(conv.id, { assignee: agent.id });
		expect((await refusal(matchesOf(agent2.pb))).status).toBe(403);
		const found = await matchesOf(agent.pb);
		expect(found.contact).toEqual({ phone: '+8613955556666', email: '' });
		expect(found.items).toEqual([{ id: phoneCustomer.id, name: '留电话的老客', phones: ['+8613955556666'], emails: [], owner: '' }]);
		// Only a customer the contact points to.
		const other = { id: id15(), name: '别的客户', phones: ['13800001111'] };
		await manager.send('/api/crm/sync/customers/push', { method: 'POST', body: { rows: [{ doc: other, base: null }] } });
		const wrong = await refusal(link(agent.pb, { customer: other.id }));
		expect(wrong.status).toBe(400);
		expect(wrong.data.customer.code).toBe('not_a_match');
		expect((await refusal(link(agent.pb, {}))).data.customer.code).toBe('required');
		expect(await link(agent.pb, { customer: phoneCustomer.id })).toEqual({ customer: phoneCustomer.id });
		expect((await manager.collection('conversations').getOne(conv.id)).customer).toBe(phoneCustomer.id);
		expect((await manager.collection('visitors').getOne(v.id)).customer).toBe(phoneCustomer.id);
		expect((await refusal(link(agent.pb, { customer: phoneCustomer.id }))).data.customer.code).toBe('already_linked');
	});

	it('a visitor no customer matches becomes a new customer with the e-mail they left', async () => {
		const v = await newVisitor(server.url, '夜里来的访客');
		const conv = await open(v, { contact: { email: 'Night.Owl@Example.test' } });
		await manager.collection('conversations').update(conv.id, { assignee: agent.id });
		const found = await manager.send(`/api/crm/chat/conversations/${conv.id}/customer-matches`, {});
		expect(found.items).toEqual([]);
		// A name the customer rules refuse is named as the field.
		const bad = await refusal(manager.send(`/api/crm/chat/conversations/${conv.id}/customer`, { method: 'POST', body: { create: { name: 'x'.repeat(500) } } }));
		expect(bad.status).toBe(400);
		expect(Object.keys(bad.data)).toContain('create.name');
		const made = await agent.pb.send(`/api/crm/chat/conversations/${conv.id}/customer`, { method: 'POST', body: { create: {} } });
		const c = await manager.collection('customers').getOne(made.customer);
		expect(c).toMatchObject({ name: '夜里来的访客', emails: ['night.owl@example.test'], phones: [], source: 'chat', owner: '' });
		// The agent now sees the customer beside the chat.
		expect((await agent.pb.collection('customers').getOne(made.customer)).id).toBe(made.customer);
	});
});
