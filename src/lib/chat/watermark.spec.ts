import { describe, expect, it } from 'vitest';
import { advance, fetchFrom, mergeMessages, OVERLAP_MS, pbDate, readMarks } from './watermark';

const at = (hhmmss: string) => `2026-11-26 ${hhmmss}.000Z`;
const msg = (id: string, hhmmss: string) => ({ id, created: at(hhmmss) });

// The server's answer to `created >= from`, as the records API would give it.
const serverAnswer = (all: { id: string; created: string }[], from: string | null) => (from === null ? all : all.filter((m) => m.created >= from));

describe('message watermark', () => {
	it('a shopper message written while the agent was offline is fetched after the agent’s offline reply is stored (review F2)', () => {
		// 10:00 the agent holds A; offline until 10:05; the shopper writes V1 at 10:02; the reply R is stored at 10:05.
		const A = msg('a', '10:00:00');
		const V1 = msg('v1', '10:02:00');
		const R = msg('r', '10:05:00');
		let mark = advance(undefined, [A]);
		let held = [A];
		// Back online the reply is sent first (the outbox may flush before any fetch): its answer is held,
		held = mergeMessages(held, [R]);
		// but it does not move the watermark, so the next fetch still covers 10:02.
		const from = fetchFrom(mark);
		expect(from).toBe(at('09:59:50'));
		const answer = serverAnswer([A, V1, R], from);
		held = mergeMessages(held, answer);
		mark = advance(mark, answer);
		expect(held.map((m) => m.id)).toEqual(['a', 'v1', 'r']); // once each, in order
		expect(mark).toBe(R.created);
	});

	it('a message stamped before a newer one but committed after it is still fetched (the overlap)', () => {
		const B = msg('b', '10:00:05');
		const A = msg('a', '10:00:03'); // created earlier, not yet visible at the first fetch
		const first = serverAnswer([B], null);
		const mark = advance(undefined, first);
		expect(mark).toBe(B.created);
		const from = fetchFrom(mark)!;
		expect(from <= A.created).toBe(true);
		expect(mergeMessages(first, serverAnswer([A, B], from)).map((m) => m.id)).toEqual(['a', 'b']);
		expect(Date.parse(B.created.replace(' ', 'T')) - Date.parse(from.replace(' ', 'T'))).toBe(OVERLAP_MS);
	});

	it('never moves back, ignores unreadable times, and starts with a full load', () => {
		expect(fetchFrom(undefined)).toBeNull();
		expect(fetchFrom('not a date')).toBeNull();
		expect(advance(at('10:05:00'), [msg('x', '10:01:00')])).toBe(at('10:05:00'));
		expect(advance(undefined, [])).toBeUndefined();
		expect(advance(undefined, [{ id: 'x', created: 'bad' }, msg('y', '10:00:00')])).toBe(at('10:00:00'));
		// The filter compares texts: the bound is written as PocketBase writes `created`.
		expect(pbDate(Date.parse('2026-11-26T10:00:00Z'))).toBe('2026-11-26 10:00:00.000Z');
	});

	it('merges by id (the newer copy wins) and orders by created, then id', () => {
		const merged = mergeMessages([msg('b', '10:00:00'), { ...msg('a', '10:00:01'), body: 'old' }], [{ ...msg('a', '10:00:01'), body: 'new' }, msg('c', '10:00:00')]);
		expect(merged.map((m) => m.id)).toEqual(['b', 'c', 'a']);
		expect((merged[2] as { body?: string }).body).toBe('new');
	});

	it('reads kept watermarks defensively', () => {
		expect(readMarks(null)).toEqual({});
		expect(readMarks([1])).toEqual({});
		expect(readMarks({ c1: at('10:00:00'), c2: 5, c3: 'nope' })).toEqual({ c1: at('10:00:00') });
	});
});
