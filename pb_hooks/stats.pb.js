/// <reference path="../pb_data/types.d.ts" />
// Shop statistics for the dashboards (docs/api/ingestion.md, "Statistics"): admins and managers.
for (const name of ['overview', 'trends', 'funnel', 'rfm', 'cohorts', 'products']) {
	routerAdd(
		'GET',
		`/api/crm/stats/${name}`,
		(e) => {
			const stats = require(`${__hooks}/lib/stats.js`);
			const handler = {
				overview: stats.handleOverview,
				trends: stats.handleTrends,
				funnel: stats.handleFunnel,
				rfm: stats.handleRfm,
				cohorts: stats.handleCohorts,
				products: stats.handleProducts
			}[e.request.pathValue('name') || e.request.url.path.split('/').pop()];
			return handler(e);
		},
		$apis.requireAuth('staff')
	);
}

routerAdd(
	'POST',
	'/api/crm/stats/rfm/refresh',
	(e) => {
		return require(`${__hooks}/lib/stats.js`).handleRefresh(e);
	},
	$apis.requireAuth('staff')
);

// A customer's latest behaviour events and orders (the customer card's timeline).
routerAdd(
	'GET',
	'/api/crm/customers/{id}/timeline',
	(e) => {
		return require(`${__hooks}/lib/stats.js`).handleTimeline(e);
	},
	$apis.requireAuth('staff')
);

// RFM scores move as time passes and others buy: rewritten every 10 minutes, with recent views.
// CRM_STATS_REFRESH_CRON changes the schedule; "off" leaves it to POST /api/crm/stats/rfm/refresh
// (the test servers do: a rewrite in the middle of a test would change the figures it checks).
const STATS_REFRESH = $os.getenv('CRM_STATS_REFRESH_CRON') || '*/10 * * * *';
if (STATS_REFRESH !== 'off') {
	cronAdd('crm_stats_refresh', STATS_REFRESH, () => {
		const stats = require(`${__hooks}/lib/stats.js`);
		stats.refreshRfm();
		stats.refreshRecentViews();
		require(`${__hooks}/lib/products.js`).learnFromEvents();
	});
}
