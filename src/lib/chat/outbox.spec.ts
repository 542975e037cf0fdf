import { describe, expect, it } from 'vitest';
import { aesOpen, aesSeal } from '../lock/aes';
import { MemoryStorage } from '../testing/memory-storage';
import { classifySend, MessageOutbox, type Sealer } from './outbox';

const memory = () => new MemoryStorage();

/** The device's cipher (AES-GCM under a key of its own, the storage key bound in), as the console uses it. */
async function realSealer(): Promise<Sealer & { fail: boolean }> {
	const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
	const s = {
		fail: false,
		seal: async (k: string, text: string) => {
			if (s.fail) throw new Error('The device key is not open: nothing is kept.');
			return 'sealed1:' + (await aesSeal(key, text, k));
		},
		open: async (k: string, stored: string) => aesOpen(key, stored.slice('sealed1:'.length), k).catch(() => null)
	};
	return s;
}
const settle = () => new Promise((r) => setTimeout(r, 20));

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
		const events = {
			addEventListener: (_: 'storage', fn: (e: { key: string | null }) => void) => void listeners.add(fn),
			removeEventListener: (_: 'storage', fn: (e: { key: string | null }) => void) => void listeners.delete(fn)
		};
		const seen: number[] = [];
		const a = new MessageOutbox(kv, 'k', (items) => seen.push(items.length));
		const stop = a.listen(events);
		const b = new MessageOutbox(kv, 'k');
		const fromB = b.add({ conversation: 'c', body: 'from B', internal: false });
		for (const fn of listeners) fn({ key: 'other' });
		expect(a.items).toEqual([]);
		for (const fn of listeners) fn({ key: `k:${fromB.client_id}` });
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

	it('keeps each reply sealed under its own key: nothing in clear, opened again after a reload (issue 13)', async () => {
		const kv = memory();
		const sealer = await realSealer();
		const a = new MessageOutbox(kv, 'crm:chat-outbox:u1', () => {}, sealer);
		await a.ready;
		a.add({ conversation: 'c', body: '退款到账了吗 13912345678', internal: false });
		a.add({ conversation: 'c', body: 'second', internal: true });
		expect(a.items.map((i) => i.body)).toEqual(['退款到账了吗 13912345678', 'second']); // shown at once
		await settle();
		const stored = [...kv.m.entries()];
		expect(stored).toHaveLength(2);
		for (const [k, v] of stored) {
			expect(k).toMatch(/^crm:chat-outbox:u1:/);
			expect(v).not.toContain('13912345678');
			expect(v).not.toContain('second');
		}
		// A reload: the replies open, in order, and go out with their client_ids.
		const again = new MessageOutbox(kv, 'crm:chat-outbox:u1', () => {}, sealer);
		expect(again.items).toEqual([]);
		await again.ready;
		expect(again.items.map((i) => i.client_id)).toEqual(a.items.map((i) => i.client_id));
		const sent: string[] = [];
		await again.flush(async (m) => void sent.push(m.body));
		expect(sent).toEqual(['退款到账了吗 13912345678', 'second']);
		await settle();
		expect(kv.m.size).toBe(0);
		// Under another key nothing opens (and nothing is sent or lost: the stored value stays).
		a.add({ conversation: 'c', body: 'third', internal: false });
		await settle();
		const other = new MessageOutbox(kv, 'crm:chat-outbox:u1', () => {}, await realSealer());
		await other.ready;
		expect(other.items).toEqual([]);
		expect(kv.m.size).toBe(1);
	});

	it('sealed, two tabs queue and send at the same moment without writing over each other', async () => {
		const kv = memory();
		const sealer = await realSealer();
		const a = new MessageOutbox(kv, 'k', () => {}, sealer);
		const b = new MessageOutbox(kv, 'k', () => {}, sealer);
		a.add({ conversation: 'c1', body: 'A1', internal: false });
		b.add({ conversation: 'c2', body: 'B1', internal: false });
		a.add({ conversation: 'c1', body: 'A2', internal: false });
		await settle();
		const fresh = new MessageOutbox(kv, 'k', () => {}, sealer);
		await fresh.ready;
		expect(fresh.items.map((i) => i.body).sort()).toEqual(['A1', 'A2', 'B1']);
		// B confirms A's first reply (the network then drops) while A queues a third: both outcomes stay.
		await Promise.all([b.flush(async (m) => (m.body === 'A1' ? undefined : Promise.reject({ status: 0 }))), a.add({ conversation: 'c1', body: 'A3', internal: false })]);
		await settle();
		const after = new MessageOutbox(kv, 'k', () => {}, sealer);
		await after.ready;
		expect(after.items.map((i) => i.body)).toEqual(['B1', 'A2', 'A3']);
	});

	it('a reply that cannot be sealed (the device key not open) is kept in memory and still sent', async () => {
		const kv = memory();
		const sealer = await realSealer();
		sealer.fail = true;
		const box = new MessageOutbox(kv, 'k', () => {}, sealer);
		box.add({ conversation: 'c', body: 'typed while the key was shut', internal: false });
		await settle();
		expect(kv.m.size).toBe(0);
		expect(box.items.map((i) => i.body)).toEqual(['typed while the key was shut']);
		const sent: string[] = [];
		await box.flush(async (m) => void sent.push(m.body));
		expect(sent).toEqual(['typed while the key was shut']);
		await settle();
		expect(box.items).toEqual([]);
	});

	it('moves a list kept whole (before per-reply keys) to sealed per-reply keys, in its order', async () => {
		const kv = memory();
		const old = [
			{ client_id: 'x1', conversation: 'c', body: 'old one 13800001111', internal: false, created: '2026-12-01T10:00:00.000Z' },
			{ client_id: 'x2', conversation: 'c', body: 'old two', internal: false, created: '2026-12-01T09:00:00.000Z', failed: 'forbidden' }
		];
		kv.setItem('k', JSON.stringify(old));
		const sealer = await realSealer();
		const box = new MessageOutbox(kv, 'k', () => {}, sealer);
		expect(box.items.map((i) => i.client_id)).toEqual(['x1', 'x2']);
		await settle();
		expect(kv.getItem('k')).toBeNull();
		expect([...kv.m.keys()].sort()).toEqual(['k:x1', 'k:x2']);
		expect([...kv.m.values()].join()).not.toContain('13800001111');
		const again = new MessageOutbox(kv, 'k', () => {}, sealer);
		await again.ready;
		expect(again.items.map((i) => [i.client_id, i.failed])).toEqual([
			['x1', undefined],
			['x2', 'forbidden']
		]);
	});
});
