import { describe, expect, it } from 'vitest';
import { auditQuery, entryDetail, entryTime } from './audit-entry';

const blank = { actor: '', action: '', target: '', from: '', to: '' };

describe('auditQuery', () => {
	it('sends only what was filled, trimmed', () => {
		expect(auditQuery({ ...blank, actor: ' 李销售 ', action: 'customers.' }, 2, 50)).toEqual({ query: { page: '2', perPage: '50', actor: '李销售', action: 'customers.' } });
	});
	it('turns the device’s days into moments, "to" including its whole day', () => {
		const out = auditQuery({ ...blank, from: '2026-12-01', to: '2026-12-07' }, 1, 50);
		expect(out).toEqual({ query: { page: '1', perPage: '50', from: new Date(2026, 11, 1).toISOString(), to: new Date(2026, 11, 8).toISOString() } });
	});
	it('names the field whose date is not one', () => {
		expect(auditQuery({ ...blank, from: '2026-02-30' }, 1, 50)).toEqual({ invalid: 'from' });
		expect(auditQuery({ ...blank, to: 'yesterday' }, 1, 50)).toEqual({ invalid: 'to' });
	});
});

describe('entries in parts', () => {
	it('reads the server’s UTC time', () => {
		expect(entryTime({ at: '2026-12-07 10:26:34.123Z' })).toBe(Date.UTC(2026, 11, 7, 10, 26, 34, 123));
	});
	it('takes fields, counts, consent and role from the detail, and nothing from a bad one', () => {
		expect(entryDetail({ detail: '{"fields":["notes","phones"],"via":"sync"}' })).toEqual({ fields: ['notes', 'phones'] });
		expect(entryDetail({ detail: '{"count":3,"ids":["a","b","c"]}' })).toEqual({ count: 3 });
		expect(entryDetail({ detail: '{"granted":false,"how":""}' })).toEqual({ granted: false });
		expect(entryDetail({ detail: '{"role":{"from":"sales","to":"manager"},"fields":["role"]}' })).toEqual({ fields: ['role'], role: { from: 'sales', to: 'manager' } });
		expect(entryDetail({ detail: 'not json' })).toEqual({});
		expect(entryDetail({ detail: '' })).toEqual({});
	});
});
