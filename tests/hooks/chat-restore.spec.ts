// Chat healed after a restore (issue 14): a shopper and an agent exchange messages, the server is
// restored from its backup to a moment between them, and each side, on seeing the server's new epoch,
// sends again what it wrote that the server lost, with the same client_id. This drives the healing
// rules the widget (src/lib/chat-widget/chat.svelte.ts, #heal) and the console
// (src/lib/chat/inbox.svelte.ts, #heal) share (src/lib/chat/restore.ts) with their own requests, against
// a real server: the classes themselves need a browser (realtime, runes, window).
import { afterAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import PocketBase, { ClientResponseError } from 'pocketbase';
import { lostMessages, sawEpoch, watchEpoch } from '../../src/lib/chat/restore';
import { newRecordId } from '../../src/lib/db/ids';
import { SERVER_BIN, seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { clientId, newVisitor } from './chat-helpers';

const servers: RunningServer[] = [];
afterAll(async () => {
	for (const s of servers.reverse()) await s.stop();
});

interface Msg {
	id: string;
	conversation: string;
	client_id: string;
	author_kind: string;
	author_staff?: string;
	body: string;
	internal?: boolean;
	created: string;
}

const memory = () => {
	const m = new Map<string, string>();
	return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
};

/** A client's epoch watch as the widget and the console set it up: true once a new epoch was seen. */
function watch(pb: PocketBase, key: string) {
	const kv = memory();
	const state = { restored: false };
	watchEpoch(pb as never, (epoch) => {
		if (sawEpoch(kv, key, epoch)) state.restored = true;
	});
	return state;
}

const all = (pb: PocketBase, conv: string) => pb.collection('messages').getFullList<Msg>({ filter: pb.filter('conversation = {:c}', { c: conv }), sort: 'created,id' });

/** The server lost the conversation (404), or its messages from the start. */
async function serverSide(pb: PocketBase, conv: string): Promise<Msg[] | null> {
	try {
		await pb.collection('conversations').getOne(conv);
	} catch (e) {
		if (e instanceof ClientResponseError && e.status === 404) return null;
		throw e;
	}
	return all(pb, conv);
}

it('sends again, once and in order, every chat message a restored server lost', async () => {
	const server = await startServer();
	servers.push(server);
	const { staff } = await seedStaff(server.url);
	const agent = new PocketBase(server.url);
	agent.autoCancellation(false);
	await agent.collection('staff').authWithPassword(staff.agent.email, staff.agent.password);
	const v = await newVisitor(server.url, '恢复访客');
	// The console's client is shared with the sync engine, which wraps afterSend too (after the console here).
	const engineSaw: string[] = [];
	const agentEpoch = watch(agent, `crm:chat-epoch:${staff.agent.id}`);
	const engineNext = agent.afterSend!;
	agent.afterSend = ((r: Response, d: unknown, o: unknown) => (engineSaw.push(r.headers.get('x-crm-epoch') ?? ''), (engineNext as (r: Response, d: unknown, o: unknown) => unknown)(r, d, o))) as never;
	const visitorEpoch = watch(v.pb, `crm_chat_epoch:${v.id}`);

	const say = (conv: string, body: string) => v.pb.collection('messages').create<Msg>({ conversation: conv, client_id: clientId(), author_kind: 'visitor', body });
	const reply = (conv: string, body: string, internal = false) => agent.collection('messages').create<Msg>({ conversation: conv, client_id: clientId(), author_kind: 'agent', body, internal });

	// Before the restore point.
	const a = await v.pb.collection('conversations').create({ visitor: v.id, topic: 'other' });
	await agent.collection('conversations').update(a.id, { assignee: staff.agent.id });
	const before = [await say(a.id, '你好'), await reply(a.id, '您好，请问有什么可以帮您？')];
	await new Promise((r) => setTimeout(r, 1500));
	const restorePoint = new Date().toISOString();
	await new Promise((r) => setTimeout(r, 1500));

	// After it: acknowledged, then lost in the restore.
	const after = [await say(a.id, '订单没到'), await reply(a.id, '我查一下'), await reply(a.id, '备注：物流延迟', true), await say(a.id, '谢谢')];
	const b = await v.pb.collection('conversations').create({ visitor: v.id, topic: 'other' });
	await agent.collection('conversations').update(b.id, { assignee: staff.agent.id });
	const lostConv = [await say(b.id, '另一个问题'), await say(b.id, '还有这个')];
	await reply(b.id, '新会话里的回复');

	// What each device holds (the widget the visitor's view, the console the agent's, notes included).
	const widgetHeld = { [a.id]: await all(v.pb, a.id), [b.id]: await all(v.pb, b.id) };
	const consoleHeld = { [a.id]: await all(agent, a.id), [b.id]: await all(agent, b.id) };
	expect(widgetHeld[a.id].some((m) => m.internal)).toBe(false);
	expect(consoleHeld[a.id].map((m) => m.client_id)).toEqual([...before, ...after].map((m) => m.client_id));
	expect(agentEpoch.restored || visitorEpoch.restored).toBe(false);

	await server.stop({ keepData: true });
	const restored = join(server.dataDir, '..', 'restored');
	execFileSync(SERVER_BIN, ['restore', '--dir', server.dataDir, '--to', restored, '--at', restorePoint]);
	const back = await startServer({ dataDir: restored, port: server.port });
	servers.push(back);

	// The first answers of the restored server carry its new epoch: both sides notice.
	const visitorSide = { a: await serverSide(v.pb, a.id), b: await serverSide(v.pb, b.id) };
	const consoleSide = { a: await serverSide(agent, a.id), b: await serverSide(agent, b.id) };
	expect(visitorEpoch.restored).toBe(true);
	expect(agentEpoch.restored).toBe(true);
	expect(new Set(engineSaw).size).toBe(2); // the engine's wrapper still hears every answer
	expect(visitorSide.b).toBeNull();
	expect(consoleSide.b).toBeNull();
	expect(visitorSide.a!.map((m) => m.client_id)).toEqual(before.filter((m) => !m.internal).map((m) => m.client_id));

	// The widget: its own lost messages, to their conversation, or to a new one when it was lost.
	const widgetLostA = lostMessages(widgetHeld[a.id], visitorSide.a!, (m) => m.author_kind === 'visitor');
	const widgetLostB = lostMessages(widgetHeld[b.id], [], (m) => m.author_kind === 'visitor');
	expect(widgetLostA.map((m) => m.body)).toEqual(['订单没到', '谢谢']);
	expect(widgetLostB.map((m) => m.body)).toEqual(['另一个问题', '还有这个']);
	// The console: this agent's replies and notes; the lost conversation is let go.
	const consoleLostA = lostMessages(consoleHeld[a.id], consoleSide.a!, (m) => m.author_kind === 'agent' && m.author_staff === staff.agent.id);
	expect(consoleLostA.map((m) => m.body)).toEqual(['我查一下', '备注：物流延迟']);

	const widgetSend = (conv: string, m: Msg) => v.pb.collection('messages').create<Msg>({ conversation: conv, client_id: m.client_id, author_kind: 'visitor', body: m.body });
	const consoleSend = (m: Msg) =>
		agent.collection('messages').create<Msg>({ conversation: m.conversation, client_id: m.client_id, author_kind: 'agent', author_staff: staff.agent.id, body: m.body, internal: !!m.internal });
	const newB = await v.pb.collection('conversations').create({ id: newRecordId(), visitor: v.id, topic: 'other', status: 'open', channel: 'web' });
	const first: Msg[] = [];
	for (const m of widgetLostA) first.push(await widgetSend(a.id, m));
	for (const m of consoleLostA) first.push(await consoleSend(m));
	for (const m of widgetLostB) first.push(await widgetSend(newB.id, m));
	// Sent again (an answer lost, two tabs healing): the server answers with the stored message.
	for (const m of widgetLostA) expect((await widgetSend(a.id, m)).id).toBe(first.find((f) => f.client_id === m.client_id)!.id);
	for (const m of consoleLostA) expect((await consoleSend(m)).id).toBe(first.find((f) => f.client_id === m.client_id)!.id);

	// Every message written after the restore point is on the server again, once, each side's in order.
	const nowA = await all(agent, a.id);
	expect(nowA.map((m) => m.client_id).sort()).toEqual([...before, ...after].map((m) => m.client_id).sort());
	const order = (list: Msg[], kind: string) => list.filter((m) => m.author_kind === kind).map((m) => m.client_id);
	expect(order(nowA, 'visitor')).toEqual(order([...before, ...after], 'visitor'));
	expect(order(nowA, 'agent')).toEqual(order([...before, ...after], 'agent'));
	expect(nowA.find((m) => m.body === '备注：物流延迟')!.internal).toBe(true);
	expect((await all(v.pb, a.id)).some((m) => m.internal)).toBe(false);
	const nowB = await all(v.pb, newB.id);
	expect(nowB.map((m) => m.client_id)).toEqual(lostConv.map((m) => m.client_id));
	// Healed: nothing is lost any more.
	expect(lostMessages(widgetHeld[a.id], await all(v.pb, a.id), (m) => m.author_kind === 'visitor')).toEqual([]);
	expect(lostMessages(consoleHeld[a.id], nowA, (m) => m.author_kind === 'agent')).toEqual([]);
}, 120_000);
