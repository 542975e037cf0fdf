import { describe, expect, it } from 'vitest';
import { hoursText, nextOpening, whenText } from './hours';

const WEEKDAYS = [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], from: '09:00', to: '18:00' }];
const SAT = { days: ['Sat'], from: '10:00', to: '16:00' };
// 2026-11-26 is a Thursday. Shop time UTC+8.
const at = (iso: string) => Date.parse(iso);

describe('nextOpening', () => {
	it('is now while agents are on duty', () => {
		const now = at('2026-11-26T03:00:00Z'); // Thu 11:00 shop time
		expect(nextOpening(WEEKDAYS, 480, now)).toBe(now);
	});

	it('is the next morning after closing, and Monday after Friday evening', () => {
		expect(nextOpening(WEEKDAYS, 480, at('2026-11-26T17:00:00Z'))).toBe(at('2026-11-27T01:00:00Z')); // Fri 01:00 -> Fri 09:00
		expect(nextOpening(WEEKDAYS, 480, at('2026-11-27T11:00:00Z'))).toBe(at('2026-11-30T01:00:00Z')); // Fri 19:00 -> Mon 09:00
		expect(nextOpening([...WEEKDAYS, SAT], 480, at('2026-11-27T11:00:00Z'))).toBe(at('2026-11-28T02:00:00Z')); // -> Sat 10:00
	});

	it('is a week away for today’s period that is over; null without hours', () => {
		expect(nextOpening([{ days: ['Thu'], from: '09:00', to: '10:00' }], 480, at('2026-11-26T03:00:00Z'))).toBe(at('2026-12-03T01:00:00Z'));
		expect(nextOpening([], 480)).toBeNull();
		expect(nextOpening(undefined, 480)).toBeNull();
	});

	it('works west of Greenwich', () => {
		// Shop at UTC-5, Thu 20:00 local (Fri 01:00Z): back Fri 09:00 local = 14:00Z.
		expect(nextOpening(WEEKDAYS, -300, at('2026-11-27T01:00:00Z'))).toBe(at('2026-11-27T14:00:00Z'));
	});
});

describe('hoursText', () => {
	it('in Chinese and English', () => {
		expect(hoursText([...WEEKDAYS, SAT], 'UTC+08:00', 'zh-CN')).toBe('周一至周五 09:00–18:00；周六 10:00–16:00（UTC+08:00）');
		expect(hoursText([...WEEKDAYS, SAT], 'UTC+08:00', 'en')).toBe('Mon–Fri 09:00–18:00; Sat 10:00–16:00 (UTC+08:00)');
		expect(hoursText([{ days: ['Sat', 'Sun', 'Mon'], from: '00:00', to: '24:00' }], undefined, 'en')).toBe('Sat–Mon 00:00–24:00');
	});
});

describe('whenText', () => {
	it('in the shopper’s language and time zone', () => {
		expect(whenText(at('2026-11-30T01:00:00Z'), 'en', 'Asia/Shanghai')).toBe('Mon, Nov 30, 09:00');
		expect(whenText(at('2026-11-30T01:00:00Z'), 'zh-CN', 'Asia/Shanghai')).toBe('11月30日周一 09:00');
	});
});
