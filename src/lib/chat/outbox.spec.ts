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

	it('classifies failures', () => {
		expect(classifySend({ status: 0 })).toMatchObject({ retry: true });
		expect(classifySend({ status: 429 })).toMatchObject({ retry: true });
		expect(classifySend({ status: 503 })).toMatchObject({ retry: true });
		expect(classifySend({ status: 400, response: { data: { client_id: { code: 'validation_not_unique' } } } })).toEqual({ ok: true });
		expect(classifySend({ status: 400 })).toMatchObject({ retry: false, reason: 'bad_request' });
	});
});
