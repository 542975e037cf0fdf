// The shop's time zone on the device: the server's CRM_TZ_OFFSET_MINUTES, told by GET /api/crm/setup
// (the sign-in screen and the app's shell ask), kept in localStorage; UTC+8 until then.
export const SHOP_TZ_OFFSET_MINUTES = 480;
export const SHOP_TZ_KEY = 'crm:shop-tz-offset';
const validOffset = (v: unknown): v is number => Number.isInteger(v) && Math.abs(v as number) <= 14 * 60;

/** The shop's offset from UTC in minutes, as the server last said. */
export function shopTzOffset(): number {
	const kept = globalThis.localStorage?.getItem(SHOP_TZ_KEY);
	const v = kept == null ? NaN : Number(kept);
	return validOffset(v) ? v : SHOP_TZ_OFFSET_MINUTES;
}

/** Keeps the server's shop time zone (the `tzOffsetMinutes` of GET /api/crm/setup). */
export function rememberShopTz(v: unknown): void {
	if (validOffset(v)) globalThis.localStorage?.setItem(SHOP_TZ_KEY, String(v));
}
