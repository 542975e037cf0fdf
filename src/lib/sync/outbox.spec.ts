import { describe, expect, it } from 'vitest';
import { memoryKeyValue } from './kv';
import { Outbox } from './outbox';

/** The outbox writes once at the end of a burst of changes (a microtask later). */
const flush = () => new Promise<void>((r) => queueMicrotask(r));

describe('Outbox', () => {
	it('survives a restart and clears only what the server accepted since the write', async () => {
		const kv = memoryKeyValue();
		const box = new Outbox(kv, 'crm:outbox:u1');
		box.markWritten('customers', 'a', 100);
		box.markWritten('customers', 'b', 100);
		await flush();
		const again = new Outbox(kv, 'crm:outbox:u1');
		expect(again.pendingCount).toBe(2);
		again.markWritten('customers', 'a', 300); // edited again while the push of t=200 was under way
		again.markAccepted('customers', 'a', 200);
		again.markAccepted('customers', 'b', 200);
		expect(again.pendingCount).toBe(1);
	});

	it('keeps refusals until the record is accepted, and forgets everything on clear', async () => {
		const kv = memoryKeyValue();
		const box = new Outbox(kv, 'k');
		box.markWritten('customers', 'a', 1);
		box.markRefused('customers', 'a', { kind: 'rejected', code: 'forbidden', at: 2, recordId: 'a' });
		expect(box.isRefused('customers', 'a')).toBe(true);
		await flush();
		expect(new Outbox(kv, 'k').refusals).toHaveLength(1);
		box.markAccepted('customers', 'a', 3);
		expect(box.isRefused('customers', 'a')).toBe(false);
		box.markWritten('customers', 'z', 4);
		box.clear();
		await flush();
		expect(kv.keys()).toEqual([]);
	});

	it('drops a corrupt entry instead of failing', () => {
		const kv = memoryKeyValue();
		kv.set('k:pending', '{not json');
		expect(new Outbox(kv, 'k').pendingCount).toBe(0);
	});
});
