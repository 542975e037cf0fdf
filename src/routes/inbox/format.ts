import type { Conversation } from '$lib/chat/types';
import { formatPhone } from '$lib/shared/phone-format';

/** How long someone has waited, as 0:42 / 12:05 / 1:02:03 (ticks every second). */
export function waitText(ms: number, _locale: string): string {
	const s = Math.max(0, Math.floor(ms / 1000));
	const h = Math.floor(s / 3600);
	const m = Math.floor((s % 3600) / 60);
	const sec = s % 60;
	const pad = (n: number) => String(n).padStart(2, '0');
	return h ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

/**
 * The visitor's name; when they gave none, the phone or e-mail they left (after hours), else "#ab12"
 * from the visitor id (issue 18, item 9: a shopper who left a number showed as "#nanu").
 */
export function displayName(c: Conversation | undefined, name: string): string {
	if (name) return name;
	if (c?.contact?.phone) return formatPhone(c.contact.phone);
	if (c?.contact?.email) return c.contact.email;
	const id = c?.visitor ?? '';
	return `#${id.slice(-4) || '…'}`;
}
