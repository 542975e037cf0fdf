/// <reference path="../pb_data/types.d.ts" />
// The product catalogue's API (docs/api/ingestion.md, "Products"): POST /api/crm/products upserts up to
// 1000 products by product_id, with a server shop key (Authorization: Bearer, or X-Shop-Key) or as a
// signed-in admin or manager (the app's CSV import).
routerAdd('POST', '/api/crm/products', (e) => {
	return require(`${__hooks}/lib/products.js`).handleUpsert(e);
});
