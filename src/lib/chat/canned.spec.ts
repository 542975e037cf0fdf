import { describe, expect, it } from 'vitest';
import { canEditCanned, exactShortcut, expandAt, matchCanned, shortcutAt } from './canned';
import { slaOf } from './sla';

const replies = [
	{ id: '1', shortcut: '/refund', title: '退款', body: '退款将在 3 个工作日内原路退回。' },
	{ id: '2', shortcut: '/ref', title: 'Reference', body: 'See our FAQ.' },
	{ id: '3', shortcut: '/hello', title: '问候', body: '您好，请问有什么可以帮您？' }
];

describe('canned replies', () => {
	it('finds the shortcut being typed', () => {
		expect(shortcutAt('hi /ref', 7)).toEqual({ start: 3, word: '/ref' });
		expect(shortcutAt('/re', 3)).toEqual({ start: 0, word: '/re' });
		expect(shortcutAt('a/b', 3)).toBeNull();
		expect(shortcutAt('done /refund ', 13)).toBeNull();
	});
	it('ranks an exact shortcut first and expands it in place', () => {
		expect(matchCanned(replies, '/ref').map((r) => r.id)).toEqual(['2', '1']);
		expect(exactShortcut(replies, '/refund')?.id).toBe('1');
		expect(expandAt('亲，/refund 谢谢', 2, 7, 'X')).toEqual({ text: '亲，X 谢谢', caret: 3 });
	});
});

describe('SLA', () => {
	it('works out due times from the priority and flags a missed one', () => {
		const created = '2026-01-01 10:00:00.000Z';
		const urgent = slaOf({ priority: 'urgent', created }, Date.parse('2026-01-01T10:20:00Z'));
		expect(urgent.responseDue).toBe(Date.parse('2026-01-01T10:15:00Z'));
		expect(urgent.responseBreached).toBe(true);
		expect(urgent.resolutionBreached).toBe(false);
		const answered = slaOf({ priority: 'urgent', created, first_response_at: '2026-01-01T10:05:00Z' }, Date.parse('2026-01-02T10:00:00Z'));
		expect(answered.responseBreached).toBe(false);
		expect(answered.resolutionBreached).toBe(true);
	});
});

describe('who edits a canned reply', () => {
	const agent = { id: 'a1', role: 'agent' };
	const manager = { id: 'm1', role: 'manager' };
	const admin = { id: 'o1', role: 'admin' };
	it('their own private ones; shared ones only managers and admins', () => {
		expect(canEditCanned({ owner: 'a1', shared: false }, agent)).toBe(true);
		expect(canEditCanned({ owner: 'a2', shared: false }, agent)).toBe(false);
		expect(canEditCanned({ owner: 'm1', shared: true }, agent)).toBe(false);
		expect(canEditCanned({ owner: 'a1', shared: true }, agent)).toBe(false);
		expect(canEditCanned({ owner: 'm2', shared: true }, manager)).toBe(true);
		expect(canEditCanned({ owner: 'm1', shared: true }, admin)).toBe(true);
		expect(canEditCanned({ owner: 'a1', shared: false }, manager)).toBe(false);
		expect(canEditCanned({ owner: 'a1', shared: false }, null)).toBe(false);
	});
});
