/// <reference path="../pb_data/types.d.ts" />
// Which campaign each order belongs to (docs/campaign-effect.md "Attribution", server/attribution.go):
// one row per order that a campaign touched: its coupon's campaign, else the last campaign clicked
// within that campaign's window, else (view-through, shown apart) the last one delivered within it.
// Kept by the event ingestion in its transaction for the customers whose orders or touches a batch
// changed; the results read the campaign's rows from the (campaign, rule) index alone. Orders keep the
// coupon they carried. Unsubscribes per campaign are read from the consent ledger's campaign column.
migrate((app) => {
	const has = arrayOf(new DynamicModel({ n: 0 }));
	app.db().newQuery("SELECT count(*) AS n FROM pragma_table_info('stats_orders') WHERE name = 'coupon'").all(has);
	if (!has[0].n) app.db().newQuery("ALTER TABLE stats_orders ADD COLUMN coupon TEXT NOT NULL DEFAULT ''").execute();
	// Orders recorded before this version: their coupon from the purchase event.
	app.db().newQuery(`UPDATE stats_orders SET coupon = coalesce((SELECT e.coupon FROM events e WHERE e.order_id = stats_orders.order_id
		AND e.type = 'purchase' AND e.coupon != '' LIMIT 1), '') WHERE purchased = 1`).execute();
	app.db().newQuery(`CREATE TABLE IF NOT EXISTS campaign_attributions (
		order_id TEXT PRIMARY KEY NOT NULL, customer TEXT NOT NULL, campaign TEXT NOT NULL, rule TEXT NOT NULL,
		ts INTEGER NOT NULL DEFAULT 0, revenue REAL NOT NULL DEFAULT 0
	) WITHOUT ROWID`).execute();
	app.db().newQuery('CREATE INDEX IF NOT EXISTS idx_attributions_campaign ON campaign_attributions (campaign, rule, customer, revenue)').execute();
	app.db().newQuery('CREATE INDEX IF NOT EXISTS idx_attributions_customer ON campaign_attributions (customer)').execute();
	const consents = app.findCollectionByNameOrId('consents');
	consents.indexes = consents.indexes.concat(["CREATE INDEX idx_consents_campaign ON consents (campaign, customer) WHERE campaign != ''"]);
	app.save(consents);
}, (app) => {
	const consents = app.findCollectionByNameOrId('consents');
	consents.indexes = consents.indexes.filter((i) => !i.includes('idx_consents_campaign '));
	app.save(consents);
	app.db().newQuery('DROP TABLE IF EXISTS campaign_attributions').execute();
});
