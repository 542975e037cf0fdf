import { describe, expect, it } from 'vitest';
import { lostMessages, requeue, sawEpoch, watchEpoch } from './restore';
import { MessageOutbox } from './outbox';
import { MemoryStorage } from '../testing/memory-storage';

const kv = () => new MemoryStorage();
const answer = (epoch: string | null) => ({ headers: new Headers(epoch ? { 'x-crm-epoch': epoch } : {}) }) as Response;

describe('sawEpoch', () => {
	it('remembers the first epoch, and reports each change once', () => {
		const s = kv();
		expect(sawEpoch(s, 'k', 'a')).toBe(false);
		expect(sawEpoch(s, 'k', 'a')).toBe(false);
		expect(sawEpoch(s, 'k', 'b')).toBe(true);
		expect(sawEpoch(s, 'k', 'b')).toBe(false);
		expect(JSON.parse(s.getItem('k')!)).toEqual({ first: 'a', current: 'b' });
		expect(sawEpoch(s, 'other', 'b')).toBe(false); // another identity starts on its own
	});
	it('treats an unreadable record as none', () => {
		const s = kv();
		s.setItem('k', '{oops');
		expect(sawEpoch(s, 'k', 'a')).toBe(false);
	});
});

describe('watchEpoch', () => {
	it('chains the afterSend it found, and one wrapped over it (the sync engine) keeps working after it stops', () => {
		const seen: string[] = [];
		const engine: string[] = [];
		const pb: { afterSend?: unknown } = { afterSend: (_r: Response, d: unknown) => ({ first: d }) };
		const stop = watchEpoch(pb, (e) => seen.push(e));
		expect((pb.afterSend as (r: Response, d: unknown, o: unknown) => unknown)(answer('e1'), 1, {})).toEqual({ first: 1 });
		// The engine wraps over it, as SyncEngine.watchEpoch does.
		const prev = pb.afterSend as (r: Response, d: unknown, o: unknown) => unknown;
		pb.afterSend = (r: Response, d: unknown, o: unknown) => (engine.push(r.headers.get('x-crm-epoch')!), prev(r, d, o));
		(pb.afterSend as (r: Response, d: unknown, o: unknown) => unknown)(answer('e2'), 2, {});
		stop();
		expect((pb.afterSend as (r: Response, d: unknown, o: unknown) => unknown)(answer('e3'), 3, {})).toEqual({ first: 3 });
		expect(seen).toEqual(['e1', 'e2']);
		expect(engine).toEqual(['e2', 'e3']);
	});
	it('puts the previous one back when still outermost; answers without the header pass', () => {
		const pb: { afterSend?: unknown } = {};
		const seen: string[] = [];
		const stop = watchEpoch(pb, (e) => seen.push(e));
		expect((pb.afterSend as (r: Response, d: unknown, o: unknown) => unknown)(answer(null), 'd', {})).toBe('d');
		stop();
		expect(pb.afterSend).toBeUndefined();
		expect(seen).toEqual([]);
	});
});

describe('lostMessages', () => {
	const m = (id: string, client_id: string, created: string, author = 'me') => ({ id, client_id, created, author });
	it('is what this user wrote that the server lacks by client_id and id, oldest first, once', () => {
		const held = [
			m('3', 'c3', '2026-01-01 10:00:03.000Z'),
			m('1', 'c1', '2026-01-01 10:00:01.000Z'),
			m('2', 'c2', '2026-01-01 10:00:02.000Z', 'them'),
			m('4', 'c4', '2026-01-01 10:00:04.000Z'),
			m('5', 'c5', '2026-01-01 10:00:02.500Z'),
			m('6', 'c5', '2026-01-01 10:00:02.500Z')
		];
		// c4 was sent again already (new id, same client_id); 1 is still there.
		const server = [m('1', 'c1', '2026-01-01 10:00:01.000Z'), m('9', 'c4', '2026-01-01 11:00:00.000Z')];
		expect(lostMessages(held, server, (x) => x.author === 'me').map((x) => x.id)).toEqual(['5', '3']);
	});
	it('is nothing when the server has everything', () => {
		const held = [m('1', 'c1', '2026-01-01 10:00:01.000Z')];
		expect(lostMessages(held, held, () => true)).toEqual([]);
	});
});

describe('requeue', () => {
	it('puts the lost ones in time order among those waiting, each client_id once', () => {
		const waiting = [
			{ client_id: 'w1', at: 50 },
			{ client_id: 'l2', at: 20 }
		];
		const lost = [
			{ client_id: 'l1', at: 10 },
			{ client_id: 'l2', at: 20 },
			{ client_id: 'l3', at: 30 }
		];
		expect(requeue(waiting, lost, (x) => x.at).map((x) => x.client_id)).toEqual(['l1', 'l2', 'l3', 'w1']);
	});
	it('the console outbox requeues lost replies before what was written after them', () => {
		const box = new MessageOutbox(kv(), 'o');
		box.add({ conversation: 'c', body: 'later', internal: false, created: '2026-01-01T10:05:00.000Z' });
		box.requeue([{ client_id: 'x', conversation: 'c', body: 'lost', internal: true, created: '2026-01-01T10:01:00.000Z' }]);
		expect(box.items.map((i) => i.body)).toEqual(['lost', 'later']);
	});
});
