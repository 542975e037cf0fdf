import { describe, expect, it } from 'vitest';
import { checkRange, daysBetween, presetRange, shopDay, viewCacheKey, viewFromParams, viewToParams } from './range';

describe('analytics date ranges', () => {
	it('counts shop days in UTC+8', () => {
		expect(shopDay(Date.parse('2025-11-25T15:59:00Z'))).toBe('2025-11-25');
		expect(shopDay(Date.parse('2025-11-25T16:00:00Z'))).toBe('2025-11-26');
	});

	it('presets end today and count the days they name', () => {
		expect(presetRange('7d', '2025-11-26')).toEqual({ from: '2025-11-20', to: '2025-11-26' });
		expect(daysBetween(presetRange('30d', '2025-11-26').from, '2025-11-26')).toBe(30);
		expect(daysBetween(presetRange('90d', '2025-03-01').from, '2025-03-01')).toBe(90);
		expect(presetRange('12m', '2025-11-26')).toEqual({ from: '2024-11-27', to: '2025-11-26' });
		expect(presetRange('12m', '2024-02-29')).toEqual({ from: '2023-03-01', to: '2024-02-29' });
	});

	it('refuses impossible dates, reversed and too long ranges', () => {
		expect(checkRange('2025-11-01', '2025-11-30')).toBeNull();
		expect(checkRange('2025-02-30', '2025-03-01')).toBe('invalid');
		expect(checkRange('', '2025-03-01')).toBe('invalid');
		expect(checkRange('2025-03-02', '2025-03-01')).toBe('order');
		expect(checkRange('2023-01-01', '2025-01-01')).toBe('too_long'); // 732 days
		expect(checkRange('2023-01-01', '2024-12-31')).toBeNull(); // 731 days
	});

	it('keeps the view in the address and caches presets by name', () => {
		const v = viewFromParams(new URLSearchParams('range=7d&segment=abc'), '2025-11-26');
		expect(v).toEqual({ preset: '7d', from: '2025-11-20', to: '2025-11-26', segment: 'abc' });
		expect(viewToParams(v).toString()).toBe('range=7d&segment=abc');
		expect(viewCacheKey(v)).toBe('range=7d&segment=abc');
		const c = viewFromParams(new URLSearchParams('from=2025-01-01&to=2025-01-31'), '2025-11-26');
		expect(c.preset).toBe('custom');
		expect(viewCacheKey(c)).toBe('from=2025-01-01&to=2025-01-31');
		expect(viewFromParams(new URLSearchParams('range=nonsense'), '2025-11-26').preset).toBe('30d');
		expect(viewToParams(viewFromParams(new URLSearchParams(''), '2025-11-26')).toString()).toBe('');
	});
});
