/// <reference path="../pb_data/types.d.ts" />
// Which of a campaign's customers visited the shop within their window (server/campaignresults.go):
// campaign_outcomes.visited, set by the event ingestion when a customer's browsing event falls in an
// open window (and worked out from the stored events when a row is made), and its sum per campaign,
// RFM group and side in campaign_results. Rows made before this version get theirs from the events.
migrate((app) => {
	const has = (table) => {
		const out = arrayOf(new DynamicModel({ n: 0 }));
		app.db().newQuery(`SELECT count(*) AS n FROM pragma_table_info('${table}') WHERE name = 'visited'`).all(out);
		return out[0].n > 0;
	};
	if (!has('campaign_outcomes')) app.db().newQuery('ALTER TABLE campaign_outcomes ADD COLUMN visited INTEGER NOT NULL DEFAULT 0').execute();
	if (!has('campaign_results')) app.db().newQuery('ALTER TABLE campaign_results ADD COLUMN visited INTEGER NOT NULL DEFAULT 0').execute();
	app.db().newQuery(`UPDATE campaign_outcomes SET visited = EXISTS (SELECT 1 FROM events e WHERE e.customer = campaign_outcomes.customer
		AND e.ts >= campaign_outcomes.start_ts AND e.ts < campaign_outcomes.end_ts AND e.type NOT IN ('identify', 'refund') AND substr(e.type, 1, 9) != 'campaign_')`).execute();
	app.db().newQuery(`UPDATE campaign_results SET visited = coalesce((SELECT sum(o.visited) FROM campaign_outcomes o WHERE o.campaign = campaign_results.campaign
		AND o.stratum = campaign_results.stratum AND o.held = campaign_results.held), 0)`).execute();
}, (app) => {
	app.db().newQuery('ALTER TABLE campaign_results DROP COLUMN visited').execute();
	app.db().newQuery('ALTER TABLE campaign_outcomes DROP COLUMN visited').execute();
});
