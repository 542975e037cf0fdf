import { describe, expect, it } from 'vitest';
import { imageMessage, imageProblem } from './images';

const file = (name: string, type: string, size = 10) => ({ name, type, size });

describe('images an agent sends', () => {
	it('accepts jpeg, png, webp and gif up to 5 MB, at most 4 a message', () => {
		expect(imageProblem([file('a.jpg', 'image/jpeg'), file('b.png', 'image/png'), file('c.webp', 'image/webp'), file('d.gif', 'image/gif')])).toBeNull();
		expect(imageProblem([file('x.svg', 'image/svg+xml')])).toEqual({ key: 'chat.image_bad_type', name: 'x.svg' });
		expect(imageProblem([file('x.pdf', 'application/pdf')])).toEqual({ key: 'chat.image_bad_type', name: 'x.pdf' });
		expect(imageProblem([file('big.png', 'image/png', 5 * 1024 * 1024 + 1)])).toEqual({ key: 'chat.image_too_big', name: 'big.png' });
		expect(imageProblem([file('ok.png', 'image/png', 5 * 1024 * 1024)])).toBeNull();
		expect(imageProblem([file('e.png', 'image/png')], 4)?.key).toBe('chat.image_too_many');
	});

	it('sends the text, the note flag and every image in one form', () => {
		const f = new File([new Uint8Array([1, 2])], 'p.png', { type: 'image/png' });
		const fd = imageMessage({ conversation: 'c1', client_id: 'k1', body: ' 看图 ', internal: false }, [f, f]);
		expect(fd.get('conversation')).toBe('c1');
		expect(fd.get('client_id')).toBe('k1');
		expect(fd.get('body')).toBe('看图');
		expect(fd.get('internal')).toBe('false');
		expect(fd.getAll('attachments')).toHaveLength(2);
	});
});
