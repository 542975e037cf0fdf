/// <reference path="../pb_data/types.d.ts" />
// The product catalogue (issue 18, item 3): names, categories, prices, pictures and shop links of the
// products the events name by id, so every screen shows a name instead of "P1100". Filled by the
// products API (a server shop key, or a manager's CSV import in the app: pb_hooks/products.pb.js).
// Every staff member reads it; only the API writes it (admins and managers through the app).
const STAFF = '@request.auth.collectionName = "staff"';

migrate((app) => {
	const products = new Collection({
		type: 'base',
		name: 'products',
		listRule: STAFF,
		viewRule: STAFF,
		createRule: null,
		updateRule: null,
		deleteRule: null,
		fields: [
			{ name: 'product_id', type: 'text', required: true, max: 64 },
			{ name: 'name', type: 'text', required: true, max: 200 },
			{ name: 'category', type: 'text', max: 100 },
			{ name: 'price', type: 'number', min: 0 },
			{ name: 'image_url', type: 'text', max: 2000 },
			{ name: 'shop_url', type: 'text', max: 2000 },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: ['CREATE UNIQUE INDEX idx_products_product_id ON products (product_id)']
	});
	app.save(products);
}, (app) => {
	app.delete(app.findCollectionByNameOrId('products'));
});
