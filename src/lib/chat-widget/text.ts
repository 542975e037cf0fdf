// Pure helpers of the shoppers' chat widget: message text to inert parts, image checks, ordering.

/** A piece of a message: plain text, or a link whose address is http(s) only. Rendered as text nodes, never as HTML. */
export interface Part {
	text: string;
	href?: string;
}

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;

/** Splits a message body into text and http(s) links; nothing in it becomes markup. */
export function toParts(body: string): Part[] {
	const parts: Part[] = [];
	let at = 0;
	for (const m of body.matchAll(URL_RE)) {
		// A link does not take a sentence's closing punctuation with it.
		const raw = m[0].replace(/[.,;:!?)\]}。，；：！？）】]+$/u, '');
		const start = m.index ?? 0;
		let href: string | undefined;
		try {
			const u = new URL(raw);
			if (u.protocol === 'http:' || u.protocol === 'https:') href = u.href;
		} catch {
			href = undefined;
		}
		if (!href) continue;
		if (start > at) parts.push({ text: body.slice(at, start) });
		parts.push({ text: raw, href });
		at = start + raw.length;
	}
	if (at < body.length) parts.push({ text: body.slice(at) });
	return parts;
}

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'];
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
export const MAX_IMAGES = 4;

export type ImageProblem = { key: 'widget.bad_type' | 'widget.too_big' | 'widget.too_many'; name: string };

/** The images a shopper picked, checked on the device as the server checks them (type, size, count). */
export function checkImages(files: { name: string; type: string; size: number }[], already = 0): ImageProblem | null {
	if (files.length + already > MAX_IMAGES) return { key: 'widget.too_many', name: '' };
	for (const f of files) {
		if (!IMAGE_TYPES.includes(f.type)) return { key: 'widget.bad_type', name: f.name };
		if (f.size > MAX_IMAGE_BYTES) return { key: 'widget.too_big', name: f.name };
	}
	return null;
}

export { msOrZero } from '$lib/pb/time';

/** Messages held plus new ones: each id once (the newer copy wins), oldest first. */
export { mergeMessages as merge } from '$lib/chat/watermark';

/** A random id for a message written on this device (the server keeps one message per client_id). */
export function clientId(): string {
	const a = new Uint8Array(16);
	crypto.getRandomValues(a);
	return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
}
