/// <reference path="../pb_data/types.d.ts" />
// Web Push (docs/api/chat.md): the devices where a staff member turned on new-message alerts.
// Agents, managers and admins create and delete their own; nobody reads or changes anyone else's
// (the endpoint is a capability: whoever holds it with the keys can send to that browser).
// server/push.go checks the endpoint and keys and sends to these on a visitor message.
const OWN = '@request.auth.collectionName = "staff" && staff = @request.auth.id';
const INBOX_ROLE = '(@request.auth.role = "agent" || @request.auth.role = "manager" || @request.auth.role = "admin")';

migrate((app) => {
	const staff = app.findCollectionByNameOrId('staff');
	const subs = new Collection({
		type: 'base',
		name: 'push_subscriptions',
		listRule: OWN,
		viewRule: OWN,
		createRule: `${OWN} && ${INBOX_ROLE}`,
		updateRule: null,
		deleteRule: OWN,
		fields: [
			{ name: 'staff', type: 'relation', required: true, collectionId: staff.id, maxSelect: 1, cascadeDelete: true },
			{ name: 'endpoint', type: 'text', required: true, max: 2000 },
			{ name: 'p256dh', type: 'text', required: true, max: 200 },
			{ name: 'auth', type: 'text', required: true, max: 100 },
			{ name: 'user_agent', type: 'text', max: 300 },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: [
			'CREATE UNIQUE INDEX idx_push_subscriptions_endpoint ON push_subscriptions (endpoint)',
			'CREATE INDEX idx_push_subscriptions_staff ON push_subscriptions (staff)'
		]
	});
	app.save(subs);
}, (app) => {
	app.delete(app.findCollectionByNameOrId('push_subscriptions'));
});
