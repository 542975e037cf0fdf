// What a refused or failed console action means, as a message key and its values, so the screen says
// it in the user's language instead of showing the server's English text. Pure: no Svelte, no i18n.
import type { MessageKey } from '$lib/i18n/en';

export interface Problem {
	key: MessageKey;
	params?: Record<string, string | number>;
}

/** The label key of a field the console writes, for "{field} is too long" and the like. */
const FIELDS: Record<string, MessageKey> = {
	shortcut: 'chat.canned_shortcut',
	title: 'chat.canned_title',
	body: 'chat.canned_body',
	attachments: 'chat.images'
};

type ErrorLike = { status?: number; isAbort?: boolean; response?: { data?: Record<string, { code?: string }> } };

/** The problem behind an error of the PocketBase client (or any thrown value). */
export function chatProblem(err: unknown): Problem {
	const e = (err ?? {}) as ErrorLike;
	const status = typeof e.status === 'number' ? e.status : 0;
	if (status === 0) return { key: 'chat.err.offline' };
	if (status === 401) return { key: 'chat.err.session' };
	if (status === 403) return { key: 'chat.err.forbidden' };
	if (status === 404) return { key: 'chat.err.not_found' };
	if (status === 413) return { key: 'chat.err.too_large' };
	if (status === 429) return { key: 'chat.err.rate_limited' };
	if (status >= 500) return { key: 'chat.err.server' };
	const data = e.response?.data ?? {};
	const field = Object.keys(data)[0];
	if (!field) return { key: 'chat.err.invalid_request' };
	const code = data[field]?.code ?? '';
	// The server checks an image by its content, which the device cannot: say what it accepts.
	if (field === 'attachments') return { key: 'chat.image_refused' };
	return { key: problemKey(code), params: { field: FIELDS[field] ?? field } };
}

function problemKey(code: string): MessageKey {
	if (code === 'validation_required' || code === 'required') return 'chat.err.required';
	if (code.startsWith('validation_max_text') || code === 'too_long') return 'chat.err.too_long';
	return 'chat.err.invalid';
}

/** The problem as text: `t` is the i18n function; a field named by a label key is translated too. */
export function problemText(p: Problem, t: (key: MessageKey, params?: Record<string, string | number>) => string): string {
	const params = { ...p.params };
	if (typeof params.field === 'string' && params.field.includes('.')) params.field = t(params.field as MessageKey);
	return t(p.key, params);
}
