import { describe, expect, it } from 'vitest';
import { advanceWidgetMark, isStale, refetchFrom, sendOutcome } from './sync';

describe('isStale', () => {
	const held = { id: 'c1', updated: '2026-11-26 10:00:05.000Z' };
	it('an older state of the same conversation is stale', () => {
		expect(isStale(held, { id: 'c1', updated: '2026-11-26 10:00:04.999Z' })).toBe(true);
	});
	it('the same or a newer state, another conversation, or none held is not', () => {
		expect(isStale(held, { id: 'c1', updated: '2026-11-26 10:00:05.000Z' })).toBe(false);
		expect(isStale(held, { id: 'c1', updated: '2026-11-26T10:00:06Z' })).toBe(false);
		expect(isStale(held, { id: 'c2', updated: '2026-11-26 09:00:00.000Z' })).toBe(false);
		expect(isStale(null, { id: 'c1', updated: '2026-11-26 09:00:00.000Z' })).toBe(false);
		expect(isStale(held, { id: 'c1' })).toBe(false);
	});
});

describe('watermark', () => {
	it('advances to the newest created fetched, never back', () => {
		const w = advanceWidgetMark('', [{ created: '2026-11-26 10:00:01.000Z' }, { created: '2026-11-26 10:00:03.000Z' }, { created: '2026-11-26 10:00:02.000Z' }]);
		expect(w).toBe('2026-11-26 10:00:03.000Z');
		expect(advanceWidgetMark(w, [{ created: '2026-11-26 10:00:00.000Z' }])).toBe(w);
		expect(advanceWidgetMark(w, [])).toBe(w);
	});
	it('refetches from 10 s before it, so a reply made before the shopper’s own message is not skipped', () => {
		// Fetched: the agent at :00. Own message answered at :05 (not counted); an agent reply
		// created at :04 arrives only by the refetch, which starts at :00 − 10 s.
		const w = advanceWidgetMark('', [{ created: '2026-11-26 10:00:00.000Z' }]);
		const from = refetchFrom(w);
		expect(from).toBe('2026-11-26 09:59:50.000Z');
		expect('2026-11-26 10:00:04.000Z' >= from).toBe(true);
		expect(refetchFrom('')).toBe('');
	});
});

describe('sendOutcome', () => {
	it('sorts failures', () => {
		expect(sendOutcome(0, null)).toBe('retry');
		expect(sendOutcome(500, null)).toBe('retry');
		expect(sendOutcome(429, null)).toBe('retry');
		expect(sendOutcome(401, {})).toBe('reauth');
		expect(sendOutcome(403, {})).toBe('blocked');
		expect(sendOutcome(400, { client_id: { code: 'validation_not_unique', message: 'Value must be unique.' } })).toBe('stored');
		expect(sendOutcome(400, { body: { code: 'required' } })).toBe('failed');
		expect(sendOutcome(404, {})).toBe('failed');
	});
});
