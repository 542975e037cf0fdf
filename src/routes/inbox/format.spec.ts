import { describe, expect, it } from 'vitest';
import type { Conversation } from '$lib/chat/types';
import { displayName } from './format';

describe('displayName', () => {
	const c = (extra: Partial<Conversation>) => ({ id: 'c1', visitor: 'visitorabcdnanu', ...extra }) as Conversation;
	it('is the name the visitor gave', () => {
		expect(displayName(c({ contact: { phone: '+8613912345678' } }), '小林')).toBe('小林');
	});
	it('else the phone or e-mail they left, not the id', () => {
		expect(displayName(c({ contact: { phone: '+8613912345678' } }), '')).toBe('139 1234 5678');
		expect(displayName(c({ contact: { email: 'a@b.cn' } }), '')).toBe('a@b.cn');
	});
	it('else the end of the visitor id', () => {
		expect(displayName(c({}), '')).toBe('#nanu');
		expect(displayName(undefined, '')).toBe('#…');
	});
});
