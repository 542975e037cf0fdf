/// <reference path="../pb_data/types.d.ts" />
// What each campaign's recipients did (server/campaignresults.go, docs/campaign-effect.md): one row per
// campaign and customer, in the treated group or the holdout (and their RFM group when drawn), with the window in which their orders
// count and those orders' number and net revenue. Filled when a campaign starts (and as customers enter
// a triggered one); the event ingestion recomputes a customer's rows, in its transaction, whenever an
// order of theirs arrives, is refunded or is linked to them, and moves their sums (campaign_results)
// by the difference. The results read only the sums.
migrate((app) => {
	app.db().newQuery(`CREATE TABLE IF NOT EXISTS campaign_outcomes (
		campaign TEXT NOT NULL, customer TEXT NOT NULL, held INTEGER NOT NULL DEFAULT 0, stratum TEXT NOT NULL DEFAULT '',
		start_ts INTEGER NOT NULL, end_ts INTEGER NOT NULL,
		orders INTEGER NOT NULL DEFAULT 0, revenue REAL NOT NULL DEFAULT 0,
		PRIMARY KEY (campaign, customer)
	) WITHOUT ROWID`).execute();
	app.db().newQuery('CREATE INDEX IF NOT EXISTS idx_campaign_outcomes_customer ON campaign_outcomes (customer)').execute();
	// Their sums per campaign, RFM group and side, kept with them (what the results and the
	// side-by-side read): recipients, buyers, orders, net revenue and its sum of squares.
	app.db().newQuery(`CREATE TABLE IF NOT EXISTS campaign_results (
		campaign TEXT NOT NULL, stratum TEXT NOT NULL DEFAULT '', held INTEGER NOT NULL DEFAULT 0,
		n INTEGER NOT NULL DEFAULT 0, converted INTEGER NOT NULL DEFAULT 0, orders INTEGER NOT NULL DEFAULT 0,
		rev REAL NOT NULL DEFAULT 0, rev_sq REAL NOT NULL DEFAULT 0,
		PRIMARY KEY (campaign, stratum, held)
	) WITHOUT ROWID`).execute();
}, (app) => {
	app.db().newQuery('DROP TABLE IF EXISTS campaign_results').execute();
	app.db().newQuery('DROP TABLE IF EXISTS campaign_outcomes').execute();
});
