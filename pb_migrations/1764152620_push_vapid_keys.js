/// <reference path="../pb_data/types.d.ts" />
// Web Push: the server's VAPID key pair, made by server/push.go on its first start and kept here,
// never in the repository or the logs. Superusers only (no API rules); the private key is hidden.
// Losing it ends every device's subscription, so it is backed up with the database.
migrate((app) => {
	const keys = new Collection({
		type: 'base',
		name: 'push_vapid_keys',
		listRule: null,
		viewRule: null,
		createRule: null,
		updateRule: null,
		deleteRule: null,
		fields: [
			{ name: 'public_key', type: 'text', required: true, max: 200 },
			{ name: 'private_key', type: 'text', required: true, max: 200, hidden: true },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false }
		]
	});
	app.save(keys);
}, (app) => {
	app.delete(app.findCollectionByNameOrId('push_vapid_keys'));
});
