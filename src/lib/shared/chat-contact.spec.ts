import { describe, expect, it } from 'vitest';
import { checkContact } from './chat-contact';
import { mailtoHref, telHref } from './contact-links';

const fields = (input: unknown, identified = false) => checkContact(input, { identified }).errors.map((e) => `${e.field}:${e.code}`);

describe('checkContact', () => {
	it('normalises a phone to E.164 and an email to lower case', () => {
		expect(checkContact({ phone: '139 1234 5678', email: ' Li.Lei@Example.COM ' })).toEqual({ errors: [], contact: { phone: '+8613912345678', email: 'li.lei@example.com' } });
		expect(checkContact({ phone: '+1 415 555 2671' }).contact).toEqual({ phone: '+14155552671' });
	});

	it('names the failing field', () => {
		expect(fields({ phone: '12345' })).toEqual(['contact.phone:invalid_phone']);
		expect(fields({ email: 'not-an-email', phone: '13912345678' })).toEqual(['contact.email:invalid_email']);
		expect(fields({ email: '<img src=x onerror=alert(1)>@x.io' })).toEqual(['contact.email:invalid_email']);
		expect(fields({ email: 5 })).toEqual(['contact.email:invalid_type', 'contact:required']);
		expect(fields({ phone: '1'.repeat(41) })).toEqual(['contact.phone:invalid_type']);
		expect(fields({ phone: '13912345678', note: 'x' })).toEqual(['contact:unknown_field']);
		expect(fields('13912345678')).toEqual(['contact:invalid_type']);
	});

	it('needs an email or a phone unless the shop identified the shopper', () => {
		expect(fields({})).toEqual(['contact:required']);
		expect(fields({ email: '  ', phone: '' })).toEqual(['contact:required']);
		expect(fields({}, true)).toEqual([]);
		expect(fields({ phone: 'abc' }, true)).toEqual(['contact.phone:invalid_phone']);
	});
});

describe('links', () => {
	it('mailto and tel hold the address only', () => {
		expect(mailtoHref("a'b?c=d@x.io")).toBe("mailto:a'b%3Fc%3Dd@x.io");
		expect(telHref('+86 139-1234-5678')).toBe('tel:+8613912345678');
		expect(telHref('javascript:alert(1)')).toBe('tel:1');
	});
});
