import { describe, expect, it } from 'vitest';
import { normalizeCustomer, normalizePhone, validateCustomer } from './validation';

const fields = (data: Record<string, unknown>, partial = false) => validateCustomer(data, { partial }).map((e) => `${e.field}:${e.code}`);

describe('validateCustomer', () => {
	it('accepts a complete customer', () => {
		expect(
			fields({
				name: '张伟',
				phones: ['138 0013 8000', '+1 650 253 0000'],
				emails: ['Zhang.Wei@Example.cn'],
				tags: ['VIP'],
				gender: 'male',
				birthday: '1990-05-01',
				marketing_consent: true,
				consent_at: '2026-01-02T03:04:05Z',
				consent_how: 'web_form',
				addresses: [{ detail: '北京市朝阳区建国路 1 号', city: '北京' }]
			})
		).toEqual([]);
	});

	it('names each failing field', () => {
		expect(fields({ name: '  ', phones: ['12345'], emails: ['not-an-email'], notes: 'x'.repeat(1_000_000), bogus: 1 })).toEqual([
			'bogus:unknown_field',
			'name:required',
			'phones:invalid_phone',
			'emails:invalid_email',
			'notes:too_long'
		]);
	});

	it('refuses wrong types, choices and dates', () => {
		expect(fields({ name: 'a', phones: '13800138000', gender: 'x', birthday: '2999-01-01', marketing_consent: 'yes', addresses: [{ street: 'x' }] })).toEqual([
			'phones:invalid_type',
			'addresses:invalid_address',
			'gender:invalid_choice',
			'marketing_consent:invalid_type',
			'birthday:future_date'
		]);
	});

	it('checks only the given fields of a partial write', () => {
		expect(fields({ notes: 'hi' }, true)).toEqual([]);
		expect(fields({ name: '' }, true)).toEqual(['name:required']);
	});
});

describe('normalize', () => {
	it('writes Chinese mobile numbers in E.164 whatever their spacing', () => {
		for (const raw of ['13800138000', '138 0013 8000', '+86 138-0013-8000', '(+86) 13800138000']) expect(normalizePhone(raw)).toBe('+8613800138000');
		expect(normalizePhone('12')).toBeNull();
	});

	it('lower-cases emails and drops duplicate phones', () => {
		expect(normalizeCustomer({ name: ' 张伟 ', emails: ['A@B.CN'], phones: ['13800138000', '+8613800138000'] })).toEqual({ name: '张伟', emails: ['a@b.cn'], phones: ['+8613800138000'] });
	});
});

describe('formatPhone', () => {
	it('shows Chinese mobiles in groups and other numbers as stored', async () => {
		const { formatPhone } = await import('./phone-format');
		expect(formatPhone('+8613800138000')).toBe('138 0013 8000');
		expect(formatPhone('+16502530000')).toBe('+16502530000');
		expect(formatPhone('garbage')).toBe('garbage');
	});
});
