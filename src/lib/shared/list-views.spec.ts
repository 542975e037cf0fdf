import { describe, expect, it } from 'vitest';
import { normalizeListView, validateListView } from './list-views';

const OWNER = 'abcdefghijklmno';
const view = (p: Record<string, unknown> = {}) => ({ name: '本周跟进', owner: OWNER, query: '', filters: { tag: 'VIP', mine: true }, sort: 'predicted', ...p });
const fields = (d: Record<string, unknown>, partial = false) => validateListView(d, { partial }).map((e) => `${e.field}:${e.code}`);

describe('saved list views', () => {
	it('accepts a whole view and a patch', () => {
		expect(fields(view())).toEqual([]);
		expect(fields({ sort: 'contact' }, true)).toEqual([]);
		expect(fields(view({ filters: { lastPurchase: 'over90', rfm: 'at_risk', region: '华东', category: '零售' } }))).toEqual([]);
	});

	it('names the field of each bad value', () => {
		expect(fields(view({ name: '  ' }))).toEqual(['name:required']);
		expect(fields(view({ name: 'x'.repeat(61) }))).toEqual(['name:too_long']);
		expect(fields(view({ owner: 'someone' }))).toEqual(['owner:invalid_id']);
		expect(fields(view({ owner: undefined }))).toEqual(['owner:required']);
		expect(fields(view({ sort: 'random' }))).toEqual(['sort:invalid_choice']);
		expect(fields(view({ query: 'q'.repeat(201) }))).toEqual(['query:too_long']);
		expect(fields(view({ filters: [] }))).toEqual(['filters:invalid_type']);
		expect(fields(view({ filters: { owner: 'x' } }))).toEqual(['filters:unknown_filter']);
		expect(fields(view({ filters: { mine: 'yes' } }))).toEqual(['filters:invalid_type']);
		expect(fields(view({ filters: { lastPurchase: 'soon' } }))).toEqual(['filters:invalid_choice']);
		expect(fields(view({ colour: 'red' }))).toEqual(['colour:unknown_field']);
	});

	it('trims the name and search and keeps only the filters that filter', () => {
		expect(normalizeListView(view({ name: ' 本周 ', query: ' 王 ', filters: { tag: '', mine: false, region: '华东' } }))).toMatchObject({ name: '本周', query: '王', filters: { region: '华东' } });
	});
});
