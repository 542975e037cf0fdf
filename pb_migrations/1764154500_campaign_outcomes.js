/// <reference path="../pb_data/types.d.ts" />
// What each campaign's recipients did (server/campaignresults.go, docs/campaign-effect.md): one row per
// campaign and customer, in the treated group or the holdout (and their RFM group when drawn), with the window in which their orders
// count and those orders' number and net revenue. Filled when a campaign starts (and as customers enter
// a triggered one); the event ingestion recomputes a customer's rows, in its transaction, whenever an
// order of theirs arrives, is refunded or is linked to them. The results read only these rows.
migrate((app) => {
	app.db().newQuery(`CREATE TABLE IF NOT EXISTS campaign_outcomes (
		campaign TEXT NOT NULL, customer TEXT NOT NULL, held INTEGER NOT NULL DEFAULT 0, stratum TEXT NOT NULL DEFAULT '',
		start_ts INTEGER NOT NULL, end_ts INTEGER NOT NULL,
		orders INTEGER NOT NULL DEFAULT 0, revenue REAL NOT NULL DEFAULT 0,
		PRIMARY KEY (campaign, customer)
	) WITHOUT ROWID`).execute();
	app.db().newQuery('CREATE INDEX IF NOT EXISTS idx_campaign_outcomes_customer ON campaign_outcomes (customer)').execute();
}, (app) => {
	app.db().newQuery('DROP TABLE IF EXISTS campaign_outcomes').execute();
});
