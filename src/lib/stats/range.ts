// Date ranges of the analytics dashboard, in shop days (docs/api/ingestion.md: days are in the CRM's
// time zone, CRM_TZ_OFFSET_MINUTES, by default UTC+8). The server tells devices its setting
// (GET /api/crm/setup); until one has heard it, UTC+8.
import { shopDay as shopDayAt } from '$lib/shared/events';
import { shopTzOffset } from './shop-tz';

export const MAX_RANGE_DAYS = 731;
export const PRESETS = ['7d', '30d', '90d', '12m'] as const;
export type Preset = (typeof PRESETS)[number];

const DAY_MS = 86_400_000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** The shop's calendar day at a moment, `YYYY-MM-DD`. */
export function shopDay(ms: number, offsetMinutes = shopTzOffset()): string {
	return shopDayAt(ms, offsetMinutes);
}

function dayMs(day: string): number {
	return Date.parse(`${day}T00:00:00Z`);
}

export function isDay(s: string): boolean {
	return DAY_RE.test(s) && !Number.isNaN(dayMs(s)) && new Date(dayMs(s)).toISOString().slice(0, 10) === s;
}

export function addDays(day: string, n: number): string {
	return new Date(dayMs(day) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both counted. */
export function daysBetween(from: string, to: string): number {
	return Math.round((dayMs(to) - dayMs(from)) / DAY_MS) + 1;
}

export function presetRange(preset: Preset, today: string): { from: string; to: string } {
	switch (preset) {
		case '7d':
			return { from: addDays(today, -6), to: today };
		case '30d':
			return { from: addDays(today, -29), to: today };
		case '90d':
			return { from: addDays(today, -89), to: today };
		case '12m': {
			// The day after the same date a year ago (29 Feb falls back to 28 Feb).
			const [y, m, d] = today.split('-').map(Number);
			const last = new Date(Date.UTC(y - 1, m, 0)).getUTCDate();
			const ago = `${y - 1}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
			return { from: addDays(ago, 1), to: today };
		}
	}
}

export type RangeProblem = 'invalid' | 'order' | 'too_long';

export function checkRange(from: string, to: string): RangeProblem | null {
	if (!isDay(from) || !isDay(to)) return 'invalid';
	if (from > to) return 'order';
	if (daysBetween(from, to) > MAX_RANGE_DAYS) return 'too_long';
	return null;
}

/** What the dashboard shows, as kept in its address (so a reload, online or not, shows the same). */
export interface View {
	preset: Preset | 'custom';
	from: string;
	to: string;
	segment: string;
}

export function viewFromParams(params: URLSearchParams, today: string): View {
	const segment = params.get('segment') ?? '';
	const from = params.get('from') ?? '';
	const to = params.get('to') ?? '';
	if (from || to) return { preset: 'custom', from, to, segment };
	const p = params.get('range') as Preset | null;
	const preset = p && (PRESETS as readonly string[]).includes(p) ? p : '30d';
	return { preset, ...presetRange(preset, today), segment };
}

export function viewToParams(v: View): URLSearchParams {
	const p = new URLSearchParams();
	if (v.preset === 'custom') {
		p.set('from', v.from);
		p.set('to', v.to);
	} else if (v.preset !== '30d') p.set('range', v.preset);
	if (v.segment) p.set('segment', v.segment);
	return p;
}

/**
 * The key under which a view's figures are kept on the device: a preset is kept by its name, so
 * "last 30 days" opened offline tomorrow still shows the last figures (with the day they are from).
 */
export function viewCacheKey(v: View): string {
	const range = v.preset === 'custom' ? `from=${v.from}&to=${v.to}` : `range=${v.preset}`;
	return v.segment ? `${range}&segment=${v.segment}` : range;
}
