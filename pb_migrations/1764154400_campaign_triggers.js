/// <reference path="../pb_data/types.d.ts" />
// What triggered campaigns look at (server/triggers.go): carts by time (only cart events are in this
// index, so ingestion pays little for it), and each customer's RFM group as last seen (a customer
// whose group becomes "at risk" or "hibernating" enters win-back campaigns).
migrate((app) => {
	app.db().newQuery("CREATE INDEX IF NOT EXISTS idx_events_cart_ts ON events (ts) WHERE type = 'add_to_cart'").execute();
	app.db().newQuery('CREATE INDEX IF NOT EXISTS idx_stats_orders_ts ON stats_orders (ts)').execute();
	app.db().newQuery("CREATE TABLE IF NOT EXISTS campaign_rfm_seen (customer TEXT PRIMARY KEY NOT NULL, segment TEXT NOT NULL DEFAULT '') WITHOUT ROWID").execute();
}, (app) => {
	app.db().newQuery('DROP INDEX IF EXISTS idx_events_cart_ts').execute();
	app.db().newQuery('DROP INDEX IF EXISTS idx_stats_orders_ts').execute();
	app.db().newQuery('DROP TABLE IF EXISTS campaign_rfm_seen').execute();
});
