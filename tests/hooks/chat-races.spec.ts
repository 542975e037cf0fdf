// Conversation updates racing message sends and each other (server/chatconversations.go): what a
// message wrote is never undone by an update that loaded the conversation before it, and of two agents
// claiming one waiting conversation exactly one gets it. The races are made by sending at once, many
// times over: without the server's re-read they show within a few rounds.
import { beforeAll, describe, expect, it } from 'vitest';
import type PocketBase from 'pocketbase';
import { signIn, url } from './helpers';
import { clientId, newStaff, newVisitor, type Visitor } from './chat-helpers';

let admin: PocketBase;
let agent: PocketBase;
let agentId: string;

beforeAll(async () => {
	admin = await signIn('owner');
	const a = await newStaff(url(), admin, 'agent', '竞态客服');
	agent = a.pb;
	agentId = a.id;
});

const now = () => new Date().toISOString();

describe('conversation updates racing messages', () => {
	it('a typing notice sent while a message reopens the conversation does not close it again', async () => {
		const v: Visitor = await newVisitor(url(), '竞态访客');
		const conv = await v.pb.collection('conversations').create({ visitor: v.id, topic: 'other' });
		await agent.collection('conversations').update(conv.id, { assignee: agentId });
		let reopenings = 0;
		for (let round = 0; round < 8; round++) {
			await agent.collection('conversations').update(conv.id, { status: 'resolved' });
			const body = `第 ${round} 轮`;
			// The shopper types and sends at once; the typing notices load the conversation while resolved.
			const results = await Promise.allSettled([
				v.pb.collection('conversations').update(conv.id, { visitor_typing_at: now() }),
				v.pb.collection('messages').create({ conversation: conv.id, client_id: clientId(), body }),
				v.pb.collection('conversations').update(conv.id, { visitor_typing_at: now() }),
				v.pb.collection('conversations').update(conv.id, { visitor_read_at: now() })
			]);
			expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
			reopenings++;
			const after = await agent.collection('conversations').getOne(conv.id);
			expect(after.status, `round ${round}`).toBe('open');
			expect(after.resolved_at, `round ${round}`).toBe('');
			expect(after.last_message_preview, `round ${round}`).toBe(body);
			expect(after.reopened, `round ${round}`).toBe(reopenings);
		}
	});

	it('an agent’s tag edit sent with their first reply keeps the first response time', async () => {
		for (let round = 0; round < 6; round++) {
			const v = await newVisitor(url(), `首响 ${round}`);
			const conv = await v.pb.collection('conversations').create({ visitor: v.id, topic: 'pre_sale' });
			await v.pb.collection('messages').create({ conversation: conv.id, client_id: clientId(), body: '在吗' });
			await agent.collection('conversations').update(conv.id, { assignee: agentId });
			await Promise.all([
				agent.collection('conversations').update(conv.id, { tags: ['售前'], agent_typing_at: now() }),
				agent.collection('messages').create({ conversation: conv.id, client_id: clientId(), body: '在的' })
			]);
			const after = await agent.collection('conversations').getOne(conv.id);
			expect(after.first_response_at, `round ${round}`).not.toBe('');
			expect(after.tags).toEqual(['售前']);
		}
	});
});

describe('two agents claiming one waiting conversation', () => {
	it('exactly one gets it; the other is told it was taken', async () => {
		const other = await newStaff(url(), admin, 'agent', '另一位竞态客服');
		for (let round = 0; round < 8; round++) {
			const v = await newVisitor(url(), `排队 ${round}`);
			const conv = await v.pb.collection('conversations').create({ visitor: v.id, topic: 'order_problem' });
			const results = await Promise.allSettled([
				agent.collection('conversations').update(conv.id, { assignee: agentId }),
				other.pb.collection('conversations').update(conv.id, { assignee: other.id })
			]);
			const won = results.filter((r) => r.status === 'fulfilled');
			expect(won.length, `round ${round}`).toBe(1);
			const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
			// Refused by the rule (it was no longer waiting when loaded: 404) or by the re-read (409).
			expect([404, 409]).toContain(lost.reason.status);
			if (lost.reason.status === 409) expect(lost.reason.response.data.assignee.code).toBe('taken');
			const winner = results[0].status === 'fulfilled' ? agentId : other.id;
			expect((await admin.collection('conversations').getOne(conv.id)).assignee).toBe(winner);
		}
	});
});
