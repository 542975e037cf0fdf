/// <reference path="../pb_data/types.d.ts" />
// events: shop behaviour events, append-only, one row per (source, event_id). Written by
// POST /api/crm/events (pb_hooks/lib/ingest.js) in one transaction with the rollups below; not synced
// to devices and not open to the records API (superusers may browse it in the admin UI).
//
// Rollups (plain tables, kept by the ingestion transaction, read by /api/crm/stats/*):
//   stats_daily        one row per shop day: event counts, orders, revenue, refunds
//   stats_person_day   one row per shopper and day: which steps they took (bit flags) and their counts;
//                      a shopper ("person") is a customer id, or "a:<anonymous id>" until linked
//   stats_product_day  one row per product and day: views, carts, units sold, revenue
//   stats_orders       one row per order: who, when, total, refunded, lines
//   identities         anonymous id -> customer, made once by the first event carrying both
migrate((app) => {
	const customers = app.findCollectionByNameOrId('customers');
	const events = new Collection({
		type: 'base',
		name: 'events',
		listRule: null,
		viewRule: null,
		createRule: null,
		updateRule: null,
		deleteRule: null,
		fields: [
			{ name: 'source', type: 'text', required: true, max: 15 },
			{ name: 'event_id', type: 'text', required: true, max: 64 },
			{ name: 'type', type: 'text', required: true, max: 40 },
			{ name: 'ts', type: 'number', onlyInt: true },
			{ name: 'day', type: 'text', max: 10 },
			{ name: 'anon_id', type: 'text', max: 64 },
			{ name: 'customer', type: 'relation', collectionId: customers.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'customer_ext', type: 'text', max: 64 },
			{ name: 'product_id', type: 'text', max: 64 },
			{ name: 'sku', type: 'text', max: 64 },
			{ name: 'category', type: 'text', max: 100 },
			{ name: 'price', type: 'number' },
			{ name: 'quantity', type: 'number', onlyInt: true },
			{ name: 'order_id', type: 'text', max: 64 },
			{ name: 'total', type: 'number' },
			{ name: 'query', type: 'text', max: 200 },
			{ name: 'url', type: 'text', max: 2000 },
			{ name: 'referrer', type: 'text', max: 2000 },
			{ name: 'items', type: 'json', maxSize: 20000 },
			{ name: 'properties', type: 'json', maxSize: 5000 },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: [
			'CREATE UNIQUE INDEX idx_events_source_event ON events (source, event_id)',
			'CREATE INDEX idx_events_customer_ts ON events (customer, ts)',
			"CREATE INDEX idx_events_anon ON events (anon_id) WHERE anon_id != ''"
		]
	});
	app.save(events);

	const tables = [
		`CREATE TABLE stats_daily (
			day TEXT PRIMARY KEY NOT NULL,
			events INTEGER NOT NULL DEFAULT 0, page_views INTEGER NOT NULL DEFAULT 0, product_views INTEGER NOT NULL DEFAULT 0,
			searches INTEGER NOT NULL DEFAULT 0, carts INTEGER NOT NULL DEFAULT 0, cart_removals INTEGER NOT NULL DEFAULT 0,
			checkouts INTEGER NOT NULL DEFAULT 0, orders INTEGER NOT NULL DEFAULT 0, revenue REAL NOT NULL DEFAULT 0,
			refunds INTEGER NOT NULL DEFAULT 0, refund_amount REAL NOT NULL DEFAULT 0
		) WITHOUT ROWID`,
		`CREATE TABLE stats_person_day (
			day TEXT NOT NULL, person TEXT NOT NULL, customer TEXT NOT NULL DEFAULT '',
			flags INTEGER NOT NULL DEFAULT 0, events INTEGER NOT NULL DEFAULT 0,
			page_views INTEGER NOT NULL DEFAULT 0, product_views INTEGER NOT NULL DEFAULT 0, carts INTEGER NOT NULL DEFAULT 0,
			checkouts INTEGER NOT NULL DEFAULT 0, orders INTEGER NOT NULL DEFAULT 0, revenue REAL NOT NULL DEFAULT 0,
			refund_amount REAL NOT NULL DEFAULT 0,
			PRIMARY KEY (day, person)
		) WITHOUT ROWID`,
		'CREATE INDEX idx_stats_person_day_person ON stats_person_day (person, day)',
		`CREATE TABLE stats_product_day (
			day TEXT NOT NULL, product_id TEXT NOT NULL, category TEXT NOT NULL DEFAULT '',
			views INTEGER NOT NULL DEFAULT 0, carts INTEGER NOT NULL DEFAULT 0, units INTEGER NOT NULL DEFAULT 0,
			revenue REAL NOT NULL DEFAULT 0,
			PRIMARY KEY (day, product_id)
		) WITHOUT ROWID`,
		`CREATE TABLE stats_orders (
			order_id TEXT PRIMARY KEY NOT NULL, person TEXT NOT NULL DEFAULT '', customer TEXT NOT NULL DEFAULT '',
			ts INTEGER NOT NULL DEFAULT 0, day TEXT NOT NULL DEFAULT '', month TEXT NOT NULL DEFAULT '',
			purchased INTEGER NOT NULL DEFAULT 0, total REAL NOT NULL DEFAULT 0, refunded REAL NOT NULL DEFAULT 0,
			items TEXT NOT NULL DEFAULT '[]'
		) WITHOUT ROWID`,
		'CREATE INDEX idx_stats_orders_person ON stats_orders (person, ts)',
		'CREATE INDEX idx_stats_orders_day ON stats_orders (day)',
		`CREATE TABLE identities (
			anon_id TEXT PRIMARY KEY NOT NULL, customer TEXT NOT NULL, linked_at INTEGER NOT NULL DEFAULT 0
		) WITHOUT ROWID`,
		'CREATE INDEX idx_identities_customer ON identities (customer)'
	];
	for (const sql of tables) app.db().newQuery(sql).execute();
}, (app) => {
	for (const t of ['identities', 'stats_orders', 'stats_product_day', 'stats_person_day', 'stats_daily']) {
		app.db().newQuery(`DROP TABLE IF EXISTS ${t}`).execute();
	}
	app.delete(app.findCollectionByNameOrId('events'));
});
