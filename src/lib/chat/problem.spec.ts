import { describe, expect, it } from 'vitest';
import { chatProblem, problemText } from './problem';

const refused = (status: number, data: Record<string, { code: string }> = {}) => ({ status, response: { data } });

describe('console errors in the user’s words', () => {
	it('maps statuses to messages, never to the server’s English text', () => {
		expect(chatProblem(refused(0))).toEqual({ key: 'chat.err.offline' });
		expect(chatProblem(new Error('boom'))).toEqual({ key: 'chat.err.offline' });
		expect(chatProblem(refused(401))).toEqual({ key: 'chat.err.session' });
		expect(chatProblem(refused(403))).toEqual({ key: 'chat.err.forbidden' });
		expect(chatProblem(refused(404))).toEqual({ key: 'chat.err.not_found' });
		expect(chatProblem(refused(413))).toEqual({ key: 'chat.err.too_large' });
		expect(chatProblem(refused(429))).toEqual({ key: 'chat.err.rate_limited' });
		expect(chatProblem(refused(502))).toEqual({ key: 'chat.err.server' });
		expect(chatProblem(refused(400))).toEqual({ key: 'chat.err.invalid_request' });
	});

	it('names the failing field, and image refusals say what is wrong with the image', () => {
		expect(chatProblem(refused(400, { shortcut: { code: 'validation_max_text_constraint' } }))).toEqual({ key: 'chat.err.too_long', params: { field: 'chat.canned_shortcut' } });
		expect(chatProblem(refused(400, { body: { code: 'validation_required' } }))).toEqual({ key: 'chat.err.required', params: { field: 'chat.canned_body' } });
		expect(chatProblem(refused(400, { owner: { code: 'validation_invalid' } }))).toEqual({ key: 'chat.err.invalid', params: { field: 'owner' } });
		expect(chatProblem(refused(400, { attachments: { code: 'validation_invalid_mime_type' } }))).toEqual({ key: 'chat.image_refused' });
		expect(chatProblem(refused(400, { attachments: { code: 'validation_file_size_limit' } }))).toEqual({ key: 'chat.image_refused' });
	});

	it('translates a field given as a label key', () => {
		const t = (key: string, params: Record<string, string | number> = {}) => `${key}(${Object.values(params).join(',')})`;
		expect(problemText({ key: 'chat.err.too_long', params: { field: 'chat.canned_title' } }, t as never)).toBe('chat.err.too_long(chat.canned_title())');
		expect(problemText({ key: 'chat.err.invalid', params: { field: 'owner' } }, t as never)).toBe('chat.err.invalid(owner)');
	});
});
