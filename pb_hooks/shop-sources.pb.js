/// <reference path="../pb_data/types.d.ts" />
// Shop source keys (docs/api/ingestion.md). POST /api/crm/events itself is Go: server/ingest.go.

routerAdd(
	'GET',
	'/api/crm/shop-sources',
	(e) => {
		return require(`${__hooks}/lib/shop-sources.js`).handleList(e);
	},
	$apis.requireAuth('staff')
);

routerAdd(
	'POST',
	'/api/crm/shop-sources',
	(e) => {
		return require(`${__hooks}/lib/shop-sources.js`).handleCreate(e);
	},
	$apis.requireAuth('staff')
);

routerAdd(
	'POST',
	'/api/crm/shop-sources/{id}/revoke',
	(e) => {
		return require(`${__hooks}/lib/shop-sources.js`).handleRevoke(e);
	},
	$apis.requireAuth('staff')
);
