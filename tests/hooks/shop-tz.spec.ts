// GET /api/crm/setup tells devices the shop's time zone (CRM_TZ_OFFSET_MINUTES), so they count the
// shop's days as the server does (issue 17: the device hard-coded UTC+8).
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../fixtures/pocketbase';
import { url } from './helpers';

let other: RunningServer | null = null;
afterAll(async () => {
	await other?.stop();
});

describe('the shop time zone', () => {
	it('is UTC+8 by default', async () => {
		const res = await (await fetch(`${url()}/api/crm/setup`)).json();
		expect(res.tzOffsetMinutes).toBe(480);
	});
	it('is the server’s setting, and a setting it cannot be falls back to UTC+8', async () => {
		other = await startServer({ env: { CRM_TZ_OFFSET_MINUTES: '-300' } });
		expect((await (await fetch(`${other.url}/api/crm/setup`)).json()).tzOffsetMinutes).toBe(-300);
		await other.stop();
		other = await startServer({ env: { CRM_TZ_OFFSET_MINUTES: '2000' } });
		expect((await (await fetch(`${other.url}/api/crm/setup`)).json()).tzOffsetMinutes).toBe(480);
	});
});
