/// <reference path="../pb_data/types.d.ts" />
// Behaviour ingestion (docs/api/ingestion.md): shop keys and POST /api/crm/events.

// The handler reads at most 1 MiB + 1 byte of the body and answers 413 body_too_large past that.
routerAdd('POST', '/api/crm/events', (e) => {
	return require(`${__hooks}/lib/ingest.js`).handleEvents(e);
});

routerAdd('GET', '/api/crm/shop-sources', (e) => {
	return require(`${__hooks}/lib/shop-sources.js`).handleList(e);
}, $apis.requireAuth('staff'));

routerAdd('POST', '/api/crm/shop-sources', (e) => {
	return require(`${__hooks}/lib/shop-sources.js`).handleCreate(e);
}, $apis.requireAuth('staff'));

routerAdd('POST', '/api/crm/shop-sources/{id}/revoke', (e) => {
	return require(`${__hooks}/lib/shop-sources.js`).handleRevoke(e);
}, $apis.requireAuth('staff'));
