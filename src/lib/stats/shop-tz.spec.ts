// The device counts the shop's days in the server's time zone once it has said it (issue 17: the device
// hard-coded UTC+8 while the server reads CRM_TZ_OFFSET_MINUTES).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { rememberShopTz, shopTzOffset } from './shop-tz';
import { shopDay } from './range';

beforeEach(() => {
	const m = new Map<string, string>();
	vi.stubGlobal('localStorage', { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) });
});

describe('the shop time zone on the device', () => {
	const lateEvening = Date.parse('2026-12-07T23:30:00Z');
	it('is UTC+8 until the server says', () => {
		expect(shopTzOffset()).toBe(480);
		expect(shopDay(lateEvening)).toBe('2026-12-08');
	});
	it('follows what the server said, and ignores what it cannot be', () => {
		rememberShopTz(-300);
		expect(shopTzOffset()).toBe(-300);
		expect(shopDay(lateEvening)).toBe('2026-12-07');
		for (const bad of [undefined, null, '60', 30.5, 900, -841, NaN]) rememberShopTz(bad);
		expect(shopTzOffset()).toBe(-300);
		rememberShopTz(0);
		expect(shopDay(lateEvening)).toBe('2026-12-07');
		expect(shopDay(Date.parse('2026-12-07T00:30:00Z'))).toBe('2026-12-07');
	});
});
