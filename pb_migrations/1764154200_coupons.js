/// <reference path="../pb_data/types.d.ts" />
// Coupon codes of campaigns (server/coupons.go): one shared code, or one unguessable code per
// recipient, unique across all campaigns. The shop's back end checks a code with its server key
// (GET /api/crm/coupons/{code}); a purchase event carrying the code marks it redeemed. Server only.
migrate((app) => {
	const campaigns = app.findCollectionByNameOrId('campaigns');
	const customers = app.findCollectionByNameOrId('customers');
	const coupons = new Collection({
		type: 'base',
		name: 'coupons',
		listRule: null,
		viewRule: null,
		createRule: null,
		updateRule: null,
		deleteRule: null,
		fields: [
			{ name: 'code', type: 'text', required: true, max: 40 },
			{ name: 'campaign', type: 'relation', required: true, collectionId: campaigns.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'customer', type: 'relation', collectionId: customers.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'kind', type: 'select', required: true, maxSelect: 1, values: ['fixed', 'percent', 'threshold'] },
			{ name: 'value', type: 'number' },
			{ name: 'threshold', type: 'number' },
			{ name: 'min_spend', type: 'number' },
			{ name: 'valid_from', type: 'text', max: 10 },
			{ name: 'valid_to', type: 'text', max: 10 },
			{ name: 'redemptions', type: 'number', onlyInt: true },
			{ name: 'redeemed_at', type: 'number', onlyInt: true },
			{ name: 'last_order', type: 'text', max: 64 },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: [
			'CREATE UNIQUE INDEX idx_coupons_code ON coupons (code)',
			'CREATE INDEX idx_coupons_campaign ON coupons (campaign)',
			'CREATE INDEX idx_coupons_customer ON coupons (customer)'
		]
	});
	app.save(coupons);
	// Purchases may carry the coupon they used (docs/api/ingestion.md).
	const events = app.findCollectionByNameOrId('events');
	events.fields.add(new TextField({ name: 'coupon', max: 40 }));
	app.save(events);
}, (app) => {
	const events = app.findCollectionByNameOrId('events');
	events.fields.removeByName('coupon');
	app.save(events);
	app.delete(app.findCollectionByNameOrId('coupons'));
});
