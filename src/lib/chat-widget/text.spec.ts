import { describe, expect, it } from 'vitest';
import { checkImages, merge, msOrZero, toParts } from './text';

describe('toParts: message text to inert parts', () => {
	const corpus = [
		'<script>alert(1)</script>',
		'<img src=x onerror=alert(1)>',
		'<svg onload=alert(1)>',
		'[x](javascript:alert(1))',
		'javascript:alert(1)',
		'JaVaScRiPt:alert(1)',
		'data:text/html,<script>alert(1)</script>',
		'<a href="javascript:alert(1)">x</a>',
		'vbscript:msgbox(1)',
		'http://ok.example/"onmouseover="alert(1)',
		"https://ok.example/'><script>alert(1)</script>"
	];

	it('keeps every character as text and links only http(s) addresses', () => {
		for (const body of corpus) {
			const parts = toParts(body);
			expect(parts.map((p) => p.text).join('')).toBe(body);
			for (const p of parts) if (p.href) expect(p.href).toMatch(/^https?:\/\//);
		}
	});

	it('never carries quotes or angle brackets into a link', () => {
		for (const body of corpus) for (const p of toParts(body)) if (p.href) expect(p.href).not.toMatch(/[<>"'`]/);
	});

	it('finds links inside text and leaves closing punctuation out', () => {
		expect(toParts('see https://shop.example/p/1. ok')).toEqual([{ text: 'see ' }, { text: 'https://shop.example/p/1', href: 'https://shop.example/p/1' }, { text: '. ok' }]);
		expect(toParts('看这里https://a.example/x。')).toEqual([{ text: '看这里' }, { text: 'https://a.example/x', href: 'https://a.example/x' }, { text: '。' }]);
		expect(toParts('no links')).toEqual([{ text: 'no links' }]);
		expect(toParts('')).toEqual([]);
	});
});

describe('checkImages', () => {
	const img = (name: string, type = 'image/png', size = 10) => ({ name, type, size });
	it('accepts up to four images of the accepted types within 5 MB', () => {
		expect(checkImages([img('a.png'), img('b.jpg', 'image/jpeg'), img('c.webp', 'image/webp'), img('d.gif', 'image/gif')])).toBeNull();
	});
	it('refuses other types, big files and a fifth image', () => {
		expect(checkImages([img('x.svg', 'image/svg+xml')])).toEqual({ key: 'widget.bad_type', name: 'x.svg' });
		expect(checkImages([img('x.png', 'image/png', 5 * 1024 * 1024 + 1)])).toEqual({ key: 'widget.too_big', name: 'x.png' });
		expect(checkImages([img('e.png')], 4)).toEqual({ key: 'widget.too_many', name: '' });
	});
});

describe('merge and msOrZero', () => {
	it('reads PocketBase and ISO dates alike', () => {
		expect(msOrZero('2026-01-02 03:04:05.678Z')).toBe(msOrZero('2026-01-02T03:04:05.678Z'));
		expect(msOrZero('')).toBe(0);
	});
	it('keeps each message once, oldest first', () => {
		const a = { id: 'a', created: '2026-01-02 03:04:05.000Z' };
		const b = { id: 'b', created: '2026-01-02 03:04:06.000Z' };
		expect(merge([b], [a, b])).toEqual([a, b]);
	});
});
