/// <reference path="../pb_data/types.d.ts" />
// Where a catalogue row came from (issue 18, item 3): "api" (the products API: a shop key or the app's
// import) or "events" (the product fields of the shop's events, pb_hooks/lib/products.js
// learnFromEvents). Rows from the API are the catalogue's word: events never overwrite them.
migrate((app) => {
	const products = app.findCollectionByNameOrId('products');
	products.fields.add(new SelectField({ name: 'source', maxSelect: 1, values: ['api', 'events'] }));
	app.save(products);
	app.db().newQuery("UPDATE products SET source = 'api' WHERE source = ''").execute();
}, (app) => {
	const products = app.findCollectionByNameOrId('products');
	products.fields.removeByName('source');
	app.save(products);
});
