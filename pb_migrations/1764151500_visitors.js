/// <reference path="../pb_data/types.d.ts" />
// Visitors: shoppers in the chat widget (docs/api/chat.md). Only POST /api/crm/chat/session creates
// them (no create rule). A visitor views itself; admins and managers list them. Agents get a view rule with the
// conversations (1764151600_conversations.js).
const STAFF = '@request.auth.collectionName = "staff"';
const ALL = `(${STAFF} && (@request.auth.role = "admin" || @request.auth.role = "manager"))`;
const SELF = '(@request.auth.collectionName = "visitors" && id = @request.auth.id)';

migrate((app) => {
	const customers = app.findCollectionByNameOrId('customers');
	const visitors = new Collection({
		type: 'auth',
		name: 'visitors',
		listRule: `${ALL} || ${SELF}`,
		viewRule: `${ALL} || ${SELF}`,
		createRule: null,
		updateRule: null,
		deleteRule: null,
		fields: [
			{ name: 'name', type: 'text', max: 100 },
			{ name: 'locale', type: 'select', maxSelect: 1, values: ['zh-CN', 'en'] },
			{ name: 'customer', type: 'relation', collectionId: customers.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'external_id', type: 'text', max: 64 },
			{ name: 'secret_hash', type: 'text', max: 64, hidden: true },
			{ name: 'blocked', type: 'bool' },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: [
			'CREATE INDEX idx_visitors_customer ON visitors (customer)',
			'CREATE INDEX idx_visitors_external_id ON visitors (external_id)'
		],
		// The widget signs in through the session route; visitors have no email to log in with.
		passwordAuth: { enabled: true, identityFields: ['email'] }
	});
	app.save(visitors);
	// The system email field exists once saved; visitors have none.
	const saved = app.findCollectionByNameOrId('visitors');
	saved.fields.getByName('email').required = false;
	app.save(saved);
}, (app) => {
	app.delete(app.findCollectionByNameOrId('visitors'));
});
