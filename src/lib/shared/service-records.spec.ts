import { describe, expect, it } from 'vitest';
import { SERVICE_RECORD_FIELDS, SERVICE_RECORD_MERGE_FIELDS, isIsoDate, isIsoDateTime, normalizeServiceRecord, validateServiceRecord } from './service-records';

const fields = (data: Record<string, unknown>, partial = false) => validateServiceRecord(data, { partial }).map((e) => `${e.field}:${e.code}`);

const CUSTOMER = 'abcdefghij12345';
const STAFF = 'zyxwvutsrq98765';
const valid = { customer: CUSTOMER, staff: STAFF, kind: 'visit', summary: '上门拜访，介绍新品', at: '2026-03-01T09:30:00Z' };

describe('validateServiceRecord', () => {
	it('accepts a complete record, and the system fields a client sends back', () => {
		expect(fields({ ...valid, outcome: '下周下单', follow_up: '2026-03-08', follow_up_done: false, deleted: false, history: [], field_times: { summary: 1 } })).toEqual([]);
		expect(fields({ ...valid, id: 'abcdefghijklmno', seq: 3, created: 'x', updated: 'y', collectionId: 'c', collectionName: 'service_records' })).toEqual([]);
		for (const kind of ['visit', 'call', 'chat', 'inquiry', 'complaint', 'note']) expect(fields({ ...valid, kind })).toEqual([]);
	});

	it('requires customer, staff, kind, summary and at', () => {
		expect(fields({})).toEqual(['customer:required', 'staff:required', 'kind:required', 'summary:required', 'at:required']);
		expect(fields({ ...valid, summary: '   ' })).toEqual(['summary:required']);
		expect(fields({ ...valid, customer: '', staff: null })).toEqual(['customer:required', 'staff:required']);
	});

	it('names each failing field: unknown fields, choices, ids, lengths, types', () => {
		expect(
			fields({
				...valid,
				bogus: 1,
				kind: 'email',
				customer: 'not an id',
				staff: 42,
				summary: 'x'.repeat(2001),
				outcome: 'y'.repeat(2001),
				follow_up_done: 'yes',
				deleted: 1,
				history: {},
				field_times: []
			})
		).toEqual([
			'bogus:unknown_field',
			'customer:invalid_id',
			'staff:invalid_id',
			'kind:invalid_choice',
			'summary:too_long',
			'outcome:too_long',
			'follow_up_done:invalid_type',
			'deleted:invalid_type',
			'history:invalid_type',
			'field_times:invalid_type'
		]);
		expect(fields({ ...valid, summary: 'x'.repeat(2000), outcome: 'y'.repeat(2000) })).toEqual([]);
		expect(fields({ ...valid, summary: 12 })).toEqual(['summary:invalid_type']);
	});

	it('checks the date formats of at and follow_up', () => {
		expect(fields({ ...valid, at: '2026-03-01' })).toEqual(['at:invalid_date']);
		expect(fields({ ...valid, at: 'yesterday' })).toEqual(['at:invalid_date']);
		expect(fields({ ...valid, at: '2026-02-30T10:00:00Z' })).toEqual(['at:invalid_date']);
		expect(fields({ ...valid, at: '2026-03-01T25:00:00Z' })).toEqual(['at:invalid_date']);
		expect(fields({ ...valid, at: '2026-03-01T09:30:00' })).toEqual(['at:invalid_date']); // no zone: ambiguous
		expect(fields({ ...valid, follow_up: '2026-3-8' })).toEqual(['follow_up:invalid_date']);
		expect(fields({ ...valid, follow_up: '2026-02-29' })).toEqual(['follow_up:invalid_date']);
		expect(fields({ ...valid, follow_up: '2028-02-29' })).toEqual([]);
		expect(fields({ ...valid, follow_up: '2026-03-08T00:00:00Z' })).toEqual(['follow_up:invalid_date']);
		expect(fields({ ...valid, follow_up: '' })).toEqual([]);
		expect(fields({ ...valid, follow_up: 20260308 })).toEqual(['follow_up:invalid_date']);
	});

	it('checks only the given fields of a partial write', () => {
		expect(fields({ outcome: '已解决', follow_up_done: true }, true)).toEqual([]);
		expect(fields({ summary: '' }, true)).toEqual(['summary:required']);
		expect(fields({ kind: '' }, true)).toEqual(['kind:required']);
		expect(fields({ at: 'now' }, true)).toEqual(['at:invalid_date']);
		expect(fields({ customer: '' }, true)).toEqual(['customer:required']);
	});
});

describe('dates', () => {
	it('accepts ISO dates and date-times with a zone', () => {
		for (const v of ['2026-03-01T09:30Z', '2026-03-01T09:30:00Z', '2026-03-01T09:30:00.123Z', '2026-03-01 09:30:00.123Z', '2026-03-01T17:30:00+08:00', '2026-03-01T17:30:00+0800']) {
			expect(isIsoDateTime(v), v).toBe(true);
		}
		for (const v of ['', '2026-03-01', '2026-13-01T00:00:00Z', '2026-03-01T09:60:00Z', '2026-03-01T09:30:00+25:00', 'x'.repeat(41)]) {
			expect(isIsoDateTime(v), v).toBe(false);
		}
		expect(isIsoDate('2026-12-31')).toBe(true);
		expect(isIsoDate('2026-04-31')).toBe(false);
	});
});

describe('normalizeServiceRecord', () => {
	it('trims text and writes at in UTC', () => {
		expect(normalizeServiceRecord({ summary: '  电话回访 ', outcome: ' 满意 ', at: '2026-03-01T17:30:00+08:00' })).toEqual({
			summary: '电话回访',
			outcome: '满意',
			at: '2026-03-01T09:30:00.000Z'
		});
		expect(normalizeServiceRecord({ at: '2026-03-01 09:30Z' }).at).toBe('2026-03-01T09:30:00.000Z');
		expect(normalizeServiceRecord({ at: '2026-03-01T00:30:00.5-01:30' }).at).toBe('2026-03-01T02:00:00.500Z');
		expect(normalizeServiceRecord({ at: 'bad' }).at).toBe('bad'); // left for validation to refuse
	});
});

describe('fields', () => {
	it('merges every written field except history and field_times', () => {
		expect(SERVICE_RECORD_MERGE_FIELDS).toEqual(SERVICE_RECORD_FIELDS.filter((f) => f !== 'history' && f !== 'field_times'));
		expect(SERVICE_RECORD_MERGE_FIELDS).toContain('follow_up_done');
	});
});
