import { describe, expect, it } from 'vitest';
import { classifySend, MessageOutbox } from './outbox';

function memory() {
	const m = new Map<string, string>();
	return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k), m };
}

describe('MessageOutbox', () => {
	it('sends in order, keeps what the network refused, and survives a reload', async () => {
		const kv = memory();
		const box = new MessageOutbox(kv, 'k');
		await box.flush(async () => undefined); // nothing waiting: a later flush still runs
		box.add({ conversation: 'c', body: 'one', internal: false });
		box.add({ conversation: 'c', body: 'two', internal: false });
		await box.flush(async () => Promise.reject({ status: 0 }));
		expect(box.items.map((i) => i.body)).toEqual(['one', 'two']);
		const again = new MessageOutbox(kv, 'k');
		const sent: string[] = [];
		await again.flush(async (m) => void sent.push(`${m.body}:${m.client_id}`));
		expect(sent.map((s) => s.split(':')[0])).toEqual(['one', 'two']);
		expect(sent[0].split(':')[1]).toBe(box.items[0].client_id); // the same client_id on the resend
		expect(again.items).toEqual([]);
	});

	it('marks a refused message and moves on; a retry sends it again', async () => {
		const box = new MessageOutbox(null, 'k');
		box.add({ conversation: 'c', body: 'bad', internal: false });
		box.add({ conversation: 'c', body: 'good', internal: true });
		const sent: string[] = [];
		await box.flush(async (m) => {
			if (m.body === 'bad') throw { status: 403 };
			sent.push(m.body);
		});
		expect(sent).toEqual(['good']);
		expect(box.items).toHaveLength(1);
		expect(box.items[0].failed).toBe('forbidden');
		box.retry(box.items[0].client_id);
		await box.flush(async (m) => void sent.push(m.body));
		expect(sent).toEqual(['good', 'bad']);
	});

	it('two tabs over one storage: neither writes over the other’s queued reply (review F11)', async () => {
		const kv = memory();
		const a = new MessageOutbox(kv, 'k');
		const b = new MessageOutbox(kv, 'k'); // opened before A queued anything
		// Tab A is offline: its reply waits.
		const fromA = a.add({ conversation: 'c1', body: 'from A', internal: false });
		await a.flush(async () => Promise.reject({ status: 0 }));
		// Tab B queues its own reply: A's stays stored.
		const fromB = b.add({ conversation: 'c2', body: 'from B', internal: false });
		expect(new MessageOutbox(kv, 'k').items.map((i) => i.client_id)).toEqual([fromA.client_id, fromB.client_id]);
		b.discard('nothing-such');
		expect(new MessageOutbox(kv, 'k').items).toHaveLength(2);
	});

	it('a send confirmed in one tab drops only that reply, not one another tab queued meanwhile', async () => {
		const kv = memory();
		const a = new MessageOutbox(kv, 'k');
		const b = new MessageOutbox(kv, 'k');
		a.add({ conversation: 'c', body: 'slow', internal: false });
		let answer!: () => void;
		const sending = a.flush((m) => (m.body === 'slow' ? new Promise<void>((ok) => (answer = ok)) : Promise.reject({ status: 0 })));
		await Promise.resolve();
		await Promise.resolve();
		const late = b.add({ conversation: 'c', body: 'queued in B meanwhile', internal: false });
		answer();
		await sending;
		expect(new MessageOutbox(kv, 'k').items.map((i) => i.client_id)).toEqual([late.client_id]);
		// A refusal marked in one tab keeps the other's reply too.
		const c = new MessageOutbox(kv, 'k');
		const d = new MessageOutbox(kv, 'k');
		d.add({ conversation: 'c', body: 'from D', internal: false });
		await c.flush(async () => Promise.reject({ status: 403 }));
		expect(new MessageOutbox(kv, 'k').items.map((i) => [i.body, i.failed])).toEqual([
			['queued in B meanwhile', 'forbidden'],
			['from D', 'forbidden']
		]);
	});

	it('hears another tab through storage events', () => {
		const kv = memory();
		const listeners = new Set<(e: { key: string | null }) => void>();
		const events = { addEventListener: (_: 'storage', fn: (e: { key: string | null }) => void) => void listeners.add(fn), removeEventListener: (_: 'storage', fn: (e: { key: string | null }) => void) => void listeners.delete(fn) };
		const seen: number[] = [];
		const a = new MessageOutbox(kv, 'k', (items) => seen.push(items.length));
		const stop = a.listen(events);
		const b = new MessageOutbox(kv, 'k');
		b.add({ conversation: 'c', body: 'from B', internal: false });
		for (const fn of listeners) fn({ key: 'other' });
		expect(a.items).toEqual([]);
		for (const fn of listeners) fn({ key: 'k' });
		expect(a.items.map((i) => i.body)).toEqual(['from B']);
		expect(seen).toEqual([1]);
		stop();
		expect(listeners.size).toBe(0);
	});

	it('classifies failures', () => {
		expect(classifySend({ status: 0 })).toMatchObject({ retry: true });
		expect(classifySend({ status: 429 })).toMatchObject({ retry: true });
		expect(classifySend({ status: 503 })).toMatchObject({ retry: true });
		expect(classifySend({ status: 400, response: { data: { client_id: { code: 'validation_not_unique' } } } })).toEqual({ ok: true });
		expect(classifySend({ status: 400 })).toMatchObject({ retry: false, reason: 'bad_request' });
	});
});
