import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryStorage } from '../testing/memory-storage';
import { ClientResponseError } from 'pocketbase';

const send = vi.fn();
vi.mock('$lib/pb/client', () => ({ pb: { send: (...a: unknown[]) => send(...a) } }));
const { clearStatsCache, loadStats, queryKey, readCached, StatsError } = await import('./cache');
const { deviceKey } = await import('$lib/lock/device-key');

const refused = (status: number, body: Record<string, unknown> = {}) => new ClientResponseError({ url: '/x', status, response: body });

describe('statistics kept on the device', () => {
	let storage: MemoryStorage;
	beforeEach(async () => {
		storage = new MemoryStorage();
		vi.stubGlobal('localStorage', storage);
		send.mockReset();
		await deviceKey('u1');
		await deviceKey('u2');
	});
	afterEach(() => vi.unstubAllGlobals());

	it('keeps the last answer per user and request, and shows it when offline or the server fails', async () => {
		send.mockResolvedValueOnce({ orders: 3, as_of: '2025-11-26T06:03:00Z' });
		const fresh = await loadStats('u1', '/api/crm/stats/overview', { from: '2025-11-01', to: '2025-11-03', segment: undefined });
		expect(fresh).toMatchObject({ cached: false, data: { orders: 3 } });

		const offline = await loadStats('u1', '/api/crm/stats/overview', { to: '2025-11-03', from: '2025-11-01' }, { online: false });
		expect(offline).toMatchObject({ cached: true, problem: 'offline', data: { orders: 3 } });
		expect(send).toHaveBeenCalledTimes(1);

		send.mockRejectedValueOnce(refused(0));
		expect(await loadStats('u1', '/api/crm/stats/overview', { from: '2025-11-01', to: '2025-11-03' })).toMatchObject({ cached: true, problem: 'unreachable' });
		send.mockRejectedValueOnce(refused(500));
		expect(await loadStats('u1', '/api/crm/stats/overview', { from: '2025-11-01', to: '2025-11-03' })).toMatchObject({ cached: true, problem: 'server' });

		// Another user on the same device sees nothing of it.
		await expect(loadStats('u2', '/api/crm/stats/overview', { from: '2025-11-01', to: '2025-11-03' }, { online: false })).rejects.toMatchObject({ problem: 'offline' });
	});

	it('says what went wrong when nothing is kept, and forgets figures the user may no longer see', async () => {
		send.mockRejectedValueOnce(refused(400, { field: 'from', code: 'invalid', message: 'bad' }));
		await expect(loadStats('u1', '/p', { from: 'x' })).rejects.toMatchObject({ problem: 'bad_request', field: 'from' });
		send.mockRejectedValueOnce(refused(400, { status: 400, message: 'A range is at most 731 days.', data: { from: { code: 'too_long', message: 'A range is at most 731 days.' } } }));
		await expect(loadStats('u1', '/p', { from: 'x' })).rejects.toMatchObject({ problem: 'bad_request', field: 'from', code: 'too_long' });

		send.mockResolvedValueOnce({ n: 1 });
		await loadStats('u1', '/p', { segment: 's1' });
		send.mockRejectedValueOnce(refused(404, { field: 'segment', code: 'not_found' }));
		const err = await loadStats('u1', '/p', { segment: 's1' }).catch((e) => e);
		expect(err).toBeInstanceOf(StatsError);
		expect(err).toMatchObject({ problem: 'not_found', field: 'segment' });
		expect(await readCached('u1', `/p?${queryKey({ segment: 's1' })}`)).toBeNull();

		send.mockRejectedValueOnce(refused(401));
		await expect(loadStats('u1', '/p', {})).rejects.toMatchObject({ problem: 'session' });
	});

	it('is removed at sign-out for that user only, and stays within its bounds', async () => {
		send.mockResolvedValue({ n: 1 });
		for (let i = 0; i < 100; i++) await loadStats('u1', '/p', { i });
		await loadStats('u2', '/p', {});
		const mine = () => [...storage.m.keys()].filter((k) => k.startsWith('crm:stats:u1:')).length;
		expect(mine()).toBeLessThanOrEqual(80);
		expect(await readCached('u1', '/p?i=99')).not.toBeNull(); // the newest stay

		storage.setItem('crm:locale', 'en');
		clearStatsCache('u1');
		expect(mine()).toBe(0);
		expect(await readCached('u2', '/p?')).not.toBeNull();
		expect(storage.getItem('crm:locale')).toBe('en');
	});

	it('makes room when the storage is full', async () => {
		send.mockResolvedValue({ text: 'x'.repeat(300) });
		storage.quota = 2000;
		for (let i = 0; i < 12; i++) await loadStats('u1', '/p', { i });
		expect(await readCached('u1', '/p?i=11')).not.toBeNull();
	});

	it('keeps the answers sealed: a customer’s timeline is not in clear on the device (issue 13)', async () => {
		send.mockResolvedValueOnce({ events: [{ type: 'order', address: '上海市浦东新区世纪大道 100 号', phone: '13912345678' }] });
		await loadStats('u1', '/api/crm/customers/c1/timeline', {}, { cacheKey: '/api/crm/customers/c1/timeline' });
		const kept = [...storage.m.entries()].filter(([k]) => k.startsWith('crm:stats:'));
		expect(kept).toHaveLength(1);
		expect(kept[0][1]).not.toContain('13912345678');
		expect(kept[0][1]).not.toContain('世纪大道');
		expect(await readCached('u1', '/api/crm/customers/c1/timeline')).toMatchObject({ data: { events: [{ phone: '13912345678' }] } });
		// Another user’s key does not open it; an answer kept in clear by an older version is dropped.
		storage.setItem('crm:stats:u2:/api/crm/customers/c1/timeline', kept[0][1]);
		expect(await readCached('u2', '/api/crm/customers/c1/timeline')).toBeNull();
		storage.setItem('crm:stats:u1:/old', JSON.stringify({ saved_at: 1, data: { phone: '13912345678' } }));
		expect(await readCached('u1', '/old')).toBeNull();
		expect(storage.getItem('crm:stats:u1:/old')).toBeNull();
	});
});
