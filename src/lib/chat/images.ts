// An agent's message with images: checked on the device as the server checks them, then one
// multipart create (docs/api/chat.md, messages.attachments).
import { checkImages } from '$lib/chat-widget/text';
import type { MessageKey } from '$lib/i18n/en';

const KEYS = { 'widget.bad_type': 'chat.image_bad_type', 'widget.too_big': 'chat.image_too_big', 'widget.too_many': 'chat.image_too_many' } as const;

/** Why these images cannot go with a message that already has `already` (type, size, count), or null. */
export function imageProblem(files: { name: string; type: string; size: number }[], already = 0): { key: MessageKey; name: string } | null {
	const p = checkImages(files, already);
	return p ? { key: KEYS[p.key], name: p.name } : null;
}

export function imageMessage(m: { conversation: string; client_id: string; body: string; internal: boolean }, files: File[]): FormData {
	const data = new FormData();
	data.append('conversation', m.conversation);
	data.append('client_id', m.client_id);
	data.append('body', m.body.trim());
	data.append('internal', String(m.internal));
	for (const f of files) data.append('attachments', f, f.name);
	return data;
}
