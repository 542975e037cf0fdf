import { describe, expect, it } from 'vitest';
import { LABEL_FIELDS, LABEL_MERGE_FIELDS, labelNameKey, normalizeLabel, validateLabel } from './labels';

const fields = (data: Record<string, unknown>, partial = false) => validateLabel(data, { partial }).map((e) => `${e.field}:${e.code}`);
const valid = { kind: 'tag', name: '高价值' };

describe('validateLabel', () => {
	it('accepts a tag and a category, with or without colour and description, and the system fields a client sends back', () => {
		expect(fields(valid)).toEqual([]);
		expect(fields({ kind: 'category', name: '企业客户', color: '#0F766E', description: '对公采购', sort: 3, deleted: false, history: [], field_times: { name: 1 } })).toEqual([]);
		expect(fields({ ...valid, color: '', description: '' })).toEqual([]);
		expect(fields({ ...valid, id: 'abcdefghijklmno', seq: 3, created: 'x', updated: 'y', collectionId: 'c', collectionName: 'labels' })).toEqual([]);
	});

	it('requires kind and a name that is not blank once trimmed', () => {
		expect(fields({})).toEqual(['kind:required', 'name:required']);
		expect(fields({ ...valid, name: '   ' })).toEqual(['name:required']);
		expect(fields({ ...valid, kind: 'segment' })).toEqual(['kind:invalid_choice']);
		expect(fields({ ...valid, name: 7 })).toEqual(['name:invalid_type']);
	});

	it('takes names of 1 to 40 characters once trimmed, without the separators of the tags input', () => {
		expect(fields({ ...valid, name: `  ${'标'.repeat(40)}  ` })).toEqual([]);
		expect(fields({ ...valid, name: '标'.repeat(41) })).toEqual(['name:too_long']);
		for (const name of ['VIP,老客', 'VIP，老客', 'VIP;老客', 'VIP；老客', 'VIP\n老客']) expect(fields({ ...valid, name }), name).toEqual(['name:invalid_separator']);
	});

	it('takes a colour only as #rrggbb', () => {
		for (const color of ['#abc', 'red', '0f766e', '#0f766', '#0f766ez', 'rgb(0,0,0)', 12]) expect(fields({ ...valid, color }), String(color)).toEqual(['color:invalid_color']);
	});

	it('names each other failing field: unknown fields, lengths, numbers, types', () => {
		expect(fields({ ...valid, mood: 1, description: 'x'.repeat(201), sort: 1.5, deleted: 'no', history: {}, field_times: [] })).toEqual([
			'mood:unknown_field',
			'description:too_long',
			'sort:invalid_number',
			'deleted:invalid_type',
			'history:invalid_type',
			'field_times:invalid_type'
		]);
	});

	it('checks a patch only for what it carries', () => {
		expect(fields({ color: '#123456' }, true)).toEqual([]);
		expect(fields({ name: '' }, true)).toEqual(['name:required']);
		expect(fields({ kind: null }, true)).toEqual(['kind:required']);
	});
});

describe('normalizeLabel and labelNameKey', () => {
	it('trims name and description and lowers the colour', () => {
		expect(normalizeLabel({ kind: 'tag', name: ' 高价值 ', description: ' 年消费过万 ', color: ' #0F766E ' })).toEqual({ kind: 'tag', name: '高价值', description: '年消费过万', color: '#0f766e' });
	});

	it('compares names trimmed and with latin capitals folded, like SQLite NOCASE', () => {
		expect(labelNameKey(' VIP ')).toBe(labelNameKey('vip'));
		expect(labelNameKey('高价值')).toBe('高价值');
		expect(labelNameKey('ÄB')).toBe('Äb'); // NOCASE folds A-Z only
	});

	it('merges every user field and keeps history and field_times out of the merge', () => {
		expect(LABEL_MERGE_FIELDS).toEqual(LABEL_FIELDS.filter((f) => f !== 'history' && f !== 'field_times'));
		expect(LABEL_MERGE_FIELDS).toContain('name');
	});
});
