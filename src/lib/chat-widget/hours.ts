// The shop's staffed hours as GET /api/crm/chat/config gives them (schedule in the shop's time zone),
// shown in the shopper's language, and the next time agents are back.

export interface HoursRule {
	days: string[];
	from: string;
	to: string;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DAY_MS = 86_400_000;

const minutes = (hhmm: string) => {
	const [h, m] = hhmm.split(':').map(Number);
	return h * 60 + m;
};

/**
 * When agents are next on duty (ms since 1970): now while they are, otherwise the start of the next
 * staffed period; null without a usable schedule.
 */
export function nextOpening(schedule: HoursRule[] | undefined, tzOffsetMinutes: number, now = Date.now()): number | null {
	const shift = tzOffsetMinutes * 60_000;
	const local = now + shift;
	const midnight = local - (((local % DAY_MS) + DAY_MS) % DAY_MS);
	let best: number | null = null;
	for (let d = 0; d <= 7; d++) {
		const dayStart = midnight + d * DAY_MS;
		const weekday = DAYS[new Date(dayStart).getUTCDay()];
		for (const r of schedule ?? []) {
			if (!r.days.includes(weekday)) continue;
			const from = dayStart + minutes(r.from) * 60_000;
			const to = dayStart + minutes(r.to) * 60_000;
			if (local >= from && local < to) return now;
			if (from > local && (best === null || from - shift < best)) best = from - shift;
		}
		if (best !== null) return best;
	}
	return best;
}

/** Runs of days in schedule order: ['Mon','Tue','Wed','Thu','Fri'] -> [['Mon','Fri']]. */
function runs(days: string[]): [string, string][] {
	const idx = days.map((d) => DAYS.indexOf(d)).filter((i) => i >= 0);
	const out: [number, number][] = [];
	for (const i of idx) {
		const last = out.at(-1);
		if (last && (last[1] + 1) % 7 === i) last[1] = i;
		else out.push([i, i]);
	}
	return out.map(([a, b]) => [DAYS[a], DAYS[b]]);
}

/** "周一至周五 09:00–18:00；周六 10:00–16:00（UTC+08:00）" or "Mon–Fri 09:00–18:00; Sat 10:00–16:00 (UTC+08:00)". */
export function hoursText(schedule: HoursRule[] | undefined, timezone: string | undefined, locale: string): string {
	const zh = locale.startsWith('zh');
	// 2023-01-01 was a Sunday: the weekday names in the shopper's language.
	const name = (d: string) => new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' }).format(Date.UTC(2023, 0, 1 + DAYS.indexOf(d)));
	const parts = (schedule ?? []).flatMap((r) => runs(r.days).map(([a, b]) => `${a === b ? name(a) : `${name(a)}${zh ? '至' : '–'}${name(b)}`} ${r.from}–${r.to}`));
	const text = parts.join(zh ? '；' : '; ');
	if (!timezone) return text;
	return zh ? `${text}（${timezone}）` : `${text} (${timezone})`;
}

/** The shopper's own clock: "11月30日周一 09:00" / "Mon, Nov 30, 09:00". */
export function whenText(at: number, locale: string, timeZone?: string): string {
	return new Intl.DateTimeFormat(locale, { weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(at);
}
