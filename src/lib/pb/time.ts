// PocketBase's datetime text ("2026-11-26 10:05:00.123Z", UTC) to and from milliseconds, for the
// chat's widget and console. Pure: no client, no i18n.

/** Milliseconds of a PocketBase datetime or an ISO text; NaN when empty or unreadable. */
export function pbMs(text: string | null | undefined): number {
	return text ? Date.parse(text.replace(' ', 'T')) : NaN;
}

/** The same, 0 when empty or unreadable (for sorting and "is it after"). */
export function msOrZero(text: string | null | undefined): number {
	const n = pbMs(text);
	return Number.isNaN(n) ? 0 : n;
}

/** A time as PocketBase writes it, so a filter compares it with `created` as text. */
export function pbDate(t: number): string {
	return new Date(t).toISOString().replace('T', ' ');
}
