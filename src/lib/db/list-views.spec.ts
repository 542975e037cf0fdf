import { describe, expect, it } from 'vitest';
import { sameAsView } from './list-views';
import { NO_FILTERS } from './customer-filters';

describe('saved list views on the device', () => {
	it('tells whether the list still shows what the view holds', () => {
		const view = { query: '王', filters: { tag: 'VIP' }, sort: 'predicted' };
		expect(sameAsView(view, { query: '王 ', filters: { ...NO_FILTERS, tag: 'VIP' }, sort: 'predicted' })).toBe(true);
		expect(sameAsView(view, { query: '王', filters: { ...NO_FILTERS, tag: 'VIP', mine: true }, sort: 'predicted' })).toBe(false);
		expect(sameAsView(view, { query: '王', filters: { ...NO_FILTERS, tag: 'VIP' }, sort: 'name' })).toBe(false);
		expect(sameAsView({ query: '', filters: {}, sort: '' }, { query: '', filters: NO_FILTERS, sort: 'name' })).toBe(true);
	});
});
