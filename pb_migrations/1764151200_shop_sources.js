/// <reference path="../pb_data/types.d.ts" />
// shop_sources: the keys a shop's back end (server) and its pages (browser, tracker.js) send events with.
// Only the SHA-256 of a key is stored; nobody reads or writes this collection through the records API
// (admins use /api/crm/shop-sources, which shows a new key once).
migrate((app) => {
	const staff = app.findCollectionByNameOrId('staff');
	const sources = new Collection({
		type: 'base',
		name: 'shop_sources',
		listRule: null,
		viewRule: null,
		createRule: null,
		updateRule: null,
		deleteRule: null,
		fields: [
			{ name: 'name', type: 'text', required: true, max: 100 },
			{ name: 'kind', type: 'select', maxSelect: 1, required: true, values: ['server', 'browser'] },
			{ name: 'key_hash', type: 'text', required: true, hidden: true, max: 64 },
			{ name: 'prefix', type: 'text', max: 20 },
			{ name: 'revoked', type: 'bool' },
			{ name: 'revoked_at', type: 'text', max: 40 },
			{ name: 'rate_limit', type: 'number', onlyInt: true, min: 1, max: 10000000 },
			{ name: 'last_used_at', type: 'text', max: 40 },
			{ name: 'created_by', type: 'relation', collectionId: staff.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: ['CREATE UNIQUE INDEX idx_shop_sources_key_hash ON shop_sources (key_hash)']
	});
	app.save(sources);
}, (app) => {
	app.delete(app.findCollectionByNameOrId('shop_sources'));
});
