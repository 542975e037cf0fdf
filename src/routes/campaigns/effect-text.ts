import { i18n } from '$lib/i18n/i18n.svelte';

/** A difference of two rates as signed percentage points, "+4.7" or "−1.2" (the unit is the message's). */
export function signedPoints(v: number): string {
	return `${v >= 0 ? '+' : '−'}${i18n.number(Math.abs(v * 100), { maximumFractionDigits: 1 })}`;
}
