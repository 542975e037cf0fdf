// Issue 14: a chat message acknowledged to its sender and never heard by its recipient (the chat
// benchmark, after its ramp). The server ends realtime streams on its own: PocketBase after 5 minutes
// without an event (the ramp's idle shoppers) and after 30 in any case, server/chatrealtime.go a stalled
// one. Events sent while a client reconnects are not replayed: a client hears them only by refetching
// from its checkpoint once subscribed again, as the widget and the console do on every PB_CONNECT. The
// benchmark's own client (bench/chat.bench.ts) reconnected without refetching, so a reply sent to an
// idle shopper in that gap was never heard. Here the gap is made on purpose: the stream is cut and a
// message is sent before the client is back.
import { beforeAll, describe, expect, it } from 'vitest';
import type PocketBase from 'pocketbase';
import { signIn, url, waitFor } from './helpers';
import { clientId, newStaff, newVisitor, type Visitor } from './chat-helpers';
import { catchUp, hear, Sse, useServer } from '../../bench/chat.bench';

let agent: { pb: PocketBase; id: string };

beforeAll(async () => {
	useServer(url());
	agent = await newStaff(url(), await signIn('owner'), 'agent', '重连客服');
});

/** A visitor with a conversation their agent has claimed. */
async function claimedConversation(name: string): Promise<{ v: Visitor; conv: string }> {
	const v = await newVisitor(url(), name);
	const c = await v.pb.collection('conversations').create({ visitor: v.id, topic: 'other' });
	await agent.pb.collection('conversations').update(c.id, { assignee: agent.id });
	return { v, conv: c.id };
}

const reply = async (conv: string, body: string) => {
	const id = clientId();
	await agent.pb.collection('messages').create({ conversation: conv, client_id: id, body });
	return id;
};

// The reconnect waits this long: long enough for a message to be sent and stored meanwhile.
const GAP_MS = 1500;

/** The shopper's client as the benchmark runs it; `refetch`: with the widget's resync after a reconnect. */
function shopperClient(v: Visitor, conv: string, refetch: boolean) {
	const heard: { id: string; how: 'event' | 'fetch' }[] = [];
	const note = (id: string, how: 'event' | 'fetch') => {
		if (hear(sse, id, how) !== 'overlap') heard.push({ id, how });
	};
	const sse: Sse = new Sse(
		v.token,
		['crm/chat'],
		(name, data) => {
			if (name !== 'crm/chat') return;
			const { collection, action, record } = JSON.parse(data);
			if (collection === 'messages' && action === 'create' && record.author_kind === 'agent') note(record.client_id, 'event');
		},
		refetch ? () => void catchUp(sse, v.token, `conversation = "${conv}" && author_kind = "agent"`, (r) => note(r.client_id, 'fetch')) : undefined,
		[GAP_MS]
	);
	return { sse, heard };
}

/** Cuts the stream and sends a reply before the client has reconnected (checked: it is still on the old connection). */
async function replyDuringCut(sse: Sse, conv: string, body: string): Promise<string> {
	const before = sse.clientId;
	const reconnects = sse.reconnects;
	sse.cut();
	await waitFor(() => sse.reconnects > reconnects);
	const id = await reply(conv, body);
	expect(sse.clientId, 'the reply was stored before the client reconnected').toBe(before);
	// Back: a new connection, subscribed.
	await waitFor(() => sse.clientId !== before, 10_000);
	return id;
}

describe('a realtime stream ended while a message is sent (issue 14)', () => {
	it('a client that only listens never hears the message sent during the gap (the benchmark’s client before the fix)', async () => {
		const { v, conv } = await claimedConversation('只听不补');
		const { sse, heard } = shopperClient(v, conv, false);
		try {
			await sse.connect();
			const first = await reply(conv, '第一条');
			await waitFor(() => heard.some((h) => h.id === first));
			const lost = await replyDuringCut(sse, conv, '断线时的回复');
			const after = await reply(conv, '重连之后');
			await waitFor(() => heard.some((h) => h.id === after));
			await new Promise((r) => setTimeout(r, 500));
			expect(heard.map((h) => h.id)).toEqual([first, after]);
			expect(heard.map((h) => h.id)).not.toContain(lost);
		} finally {
			sse.close();
		}
	});

	it('a client that refetches from its checkpoint after every reconnect hears every message exactly once', async () => {
		const { v, conv } = await claimedConversation('断线重取');
		const { sse, heard } = shopperClient(v, conv, true);
		try {
			await sse.connect();
			const first = await reply(conv, '第一条');
			await waitFor(() => heard.some((h) => h.id === first));
			const gap1 = await replyDuringCut(sse, conv, '第一次断线时的回复');
			await waitFor(() => heard.some((h) => h.id === gap1), 10_000);
			// The first fetch had no checkpoint (the whole conversation); now it has one.
			expect(sse.mark).toBeTruthy();
			const live = await reply(conv, '在线');
			await waitFor(() => heard.some((h) => h.id === live));
			const gap2 = await replyDuringCut(sse, conv, '第二次断线时的回复');
			await waitFor(() => heard.some((h) => h.id === gap2), 10_000);
			const last = await reply(conv, '最后一条');
			await waitFor(() => heard.some((h) => h.id === last));
			await new Promise((r) => setTimeout(r, 500));
			// Each once: the refetches reach back before the cut, and merge by id with what was heard.
			expect(heard).toEqual([
				{ id: first, how: 'event' },
				{ id: gap1, how: 'fetch' },
				{ id: live, how: 'event' },
				{ id: gap2, how: 'fetch' },
				{ id: last, how: 'event' }
			]);
		} finally {
			sse.close();
		}
	});
});
