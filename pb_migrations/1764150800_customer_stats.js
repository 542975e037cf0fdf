/// <reference path="../pb_data/types.d.ts" />
// customer_stats: figures the server computes per customer (behaviour ingestion fills them), pulled
// to devices read-only. Nobody writes them through the API; a device sees a customer's stats only if
// it may see the customer.
const STAFF = '@request.auth.collectionName = "staff"';
const READ = `${STAFF} && ((@request.auth.role = "admin" || @request.auth.role = "manager") || (@request.auth.role = "sales" && customer.owner = @request.auth.id))`;

migrate((app) => {
	const customers = app.findCollectionByNameOrId('customers');
	const stats = new Collection({
		type: 'base',
		name: 'customer_stats',
		listRule: READ,
		viewRule: READ,
		createRule: null,
		updateRule: null,
		deleteRule: null,
		fields: [
			{ name: 'customer', type: 'relation', collectionId: customers.id, maxSelect: 1, required: true, cascadeDelete: true },
			{ name: 'first_seen', type: 'text', max: 40 },
			{ name: 'last_seen', type: 'text', max: 40 },
			{ name: 'order_count', type: 'number', onlyInt: true, min: 0 },
			{ name: 'total_spend', type: 'number', min: 0 },
			{ name: 'avg_order', type: 'number', min: 0 },
			{ name: 'last_order_at', type: 'text', max: 40 },
			{ name: 'recent_views', type: 'json', maxSize: 20000 },
			{ name: 'rfm_r', type: 'number', onlyInt: true, min: 0, max: 5 },
			{ name: 'rfm_f', type: 'number', onlyInt: true, min: 0, max: 5 },
			{ name: 'rfm_m', type: 'number', onlyInt: true, min: 0, max: 5 },
			{ name: 'rfm_segment', type: 'text', max: 40 },
			{ name: 'deleted', type: 'bool' },
			{ name: 'seq', type: 'number', onlyInt: true },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: [
			'CREATE INDEX idx_customer_stats_seq ON customer_stats (seq)',
			'CREATE UNIQUE INDEX idx_customer_stats_customer ON customer_stats (customer)'
		]
	});
	app.save(stats);
}, (app) => {
	app.delete(app.findCollectionByNameOrId('customer_stats'));
});
