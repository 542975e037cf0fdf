// Blocking a shopper from the console (docs/api/chat.md): POST /api/crm/chat/visitors/{id}/block,
// per role. Only managers and admins set `blocked`, and nothing else on the visitor changes.
import { beforeAll, describe, expect, it } from 'vitest';
import type PocketBase from 'pocketbase';
import { signIn, url } from './helpers';
import { anonymous, clientId, newVisitor, postFrom, session, type Visitor } from './chat-helpers';

let agent: PocketBase;
let manager: PocketBase;
let admin: PocketBase;
let sales: PocketBase;

beforeAll(async () => {
	agent = await signIn('agent');
	manager = await signIn('manager');
	admin = await signIn('owner');
	sales = await signIn('sales');
});

function block(pb: PocketBase, visitorId: string, body: unknown) {
	return pb.send(`/api/crm/chat/visitors/${visitorId}/block`, { method: 'POST', body });
}

async function withConversation(name: string): Promise<{ v: Visitor; conversation: string }> {
	const v = await newVisitor(url(), name);
	const c = await v.pb.collection('conversations').create({ visitor: v.id, topic: 'other' });
	return { v, conversation: c.id };
}

const say = (v: Visitor, conversation: string) => v.pb.collection('messages').create({ conversation, client_id: clientId(), body: '你好' });

describe('blocking a visitor', () => {
	it('an agent may not block (403), even a visitor in their own conversation; nor a sales rep', async () => {
		const { v, conversation } = await withConversation('被客服拉黑');
		await agent.collection('conversations').update(conversation, { assignee: (agent.authStore.record as { id: string }).id });
		await expect(block(agent, v.id, { blocked: true })).rejects.toMatchObject({ status: 403, response: { data: { blocked: { code: 'forbidden' } } } });
		await expect(block(sales, v.id, { blocked: true })).rejects.toMatchObject({ status: 403 });
		await expect(block(anonymous(url()), v.id, { blocked: true })).rejects.toMatchObject({ status: 401 });
		expect((await manager.collection('visitors').getOne(v.id)).blocked).toBe(false);
		await say(v, conversation);
	});

	it('a manager blocks: the visitor can no longer resume, open or write; unblocked, they write again', async () => {
		const { v, conversation } = await withConversation('被经理拉黑');
		const res = await block(manager, v.id, { blocked: true });
		expect(res).toEqual({ id: v.id, name: '被经理拉黑', blocked: true });
		await expect(say(v, conversation)).rejects.toMatchObject({ status: 403 });
		await expect(v.pb.collection('conversations').create({ visitor: v.id })).rejects.toMatchObject({ status: 403 });
		expect((await session(url(), { visitor_id: v.id, secret: v.secret })).status).toBe(403);

		// The visitor cannot lift it themself, through the route or the records API.
		await expect(block(v.pb, v.id, { blocked: false })).rejects.toMatchObject({ status: 403 });
		await expect(v.pb.collection('visitors').update(v.id, { blocked: false })).rejects.toMatchObject({ status: expect.any(Number) });
		expect((await manager.collection('visitors').getOne(v.id)).blocked).toBe(true);

		expect(await block(manager, v.id, { blocked: false })).toMatchObject({ blocked: false });
		expect((await session(url(), { visitor_id: v.id, secret: v.secret })).status).toBe(200);
		await say(v, conversation);
	});

	it('an admin blocks and unblocks too', async () => {
		const { v } = await withConversation('被店主拉黑');
		expect(await block(admin, v.id, { blocked: true })).toMatchObject({ blocked: true });
		expect((await session(url(), { visitor_id: v.id, secret: v.secret })).status).toBe(403);
		expect(await block(admin, v.id, { blocked: false })).toMatchObject({ blocked: false });
	});

	it('only `blocked` changes: other fields sent are ignored; the records API still updates no visitor', async () => {
		const { v } = await withConversation('只改拉黑');
		const before = await manager.collection('visitors').getOne(v.id);
		await block(manager, v.id, { blocked: true, name: '改名', locale: 'en', external_id: 'x1', customer: '' });
		const after = await manager.collection('visitors').getOne(v.id);
		expect({ ...after, blocked: before.blocked, updated: before.updated }).toEqual(before);
		expect(after.blocked).toBe(true);
		for (const pb of [manager, admin]) {
			await expect(pb.collection('visitors').update(v.id, { blocked: false })).rejects.toMatchObject({ status: 403 });
			await expect(pb.collection('visitors').update(v.id, { name: '改名' })).rejects.toMatchObject({ status: 403 });
		}
		expect((await manager.collection('visitors').getOne(v.id)).blocked).toBe(true);
	});

	it('bad input: 400 naming `blocked`; an unknown visitor is 404', async () => {
		const { v } = await withConversation('坏输入');
		await expect(block(manager, v.id, { blocked: 'yes' })).rejects.toMatchObject({ status: 400, response: { data: { blocked: { code: 'invalid' } } } });
		await expect(block(manager, v.id, {})).rejects.toMatchObject({ status: 400 });
		await expect(block(manager, 'aaaaaaaaaaaaaaa', { blocked: true })).rejects.toMatchObject({ status: 404 });
		expect((await manager.collection('visitors').getOne(v.id)).blocked).toBe(false);
	});
});

describe('a block racing the shopper’s session', () => {
	it('a session that loaded the visitor before the block does not undo it', async () => {
		for (let round = 0; round < 10; round++) {
			const v = await newVisitor(url(), `竞态拉黑 ${round}`);
			// The widget resumes the session (renaming the visitor) while a manager blocks them.
			// Several tabs of the shop resume at once, so one of them is likely between its read and its save
			// (from an address of their own: the shared server allows 60 sessions a minute per address).
			const from = `127.0.0.${60 + round}`;
			const resumes = Array.from({ length: 6 }, (_, i) => postFrom(url(), '/api/crm/chat/session', from, { visitor_id: v.id, secret: v.secret, name: `改名 ${round}-${i}` }));
			await Promise.allSettled([...resumes.slice(0, 3), block(manager, v.id, { blocked: true }), ...resumes.slice(3)]);
			expect((await manager.collection('visitors').getOne(v.id)).blocked, `round ${round}`).toBe(true);
		}
	});
});
