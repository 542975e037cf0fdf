/// <reference path="../pb_data/types.d.ts" />
// Behaviour ingestion (docs/api/ingestion.md): shop keys and POST /api/crm/events.

// The body limit is also checked by the handler (413 with the API's own answer); this guards reads.
routerAdd('POST', '/api/crm/events', (e) => {
	return require(`${__hooks}/lib/ingest.js`).handleEvents(e);
}, $apis.bodyLimit(1024 * 1024 + 1));

routerAdd('GET', '/api/crm/shop-sources', (e) => {
	return require(`${__hooks}/lib/shop-sources.js`).handleList(e);
}, $apis.requireAuth('staff'));

routerAdd('POST', '/api/crm/shop-sources', (e) => {
	return require(`${__hooks}/lib/shop-sources.js`).handleCreate(e);
}, $apis.requireAuth('staff'));

routerAdd('POST', '/api/crm/shop-sources/{id}/revoke', (e) => {
	return require(`${__hooks}/lib/shop-sources.js`).handleRevoke(e);
}, $apis.requireAuth('staff'));
