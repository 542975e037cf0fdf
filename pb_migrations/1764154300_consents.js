/// <reference path="../pb_data/types.d.ts" />
// The consent ledger (README "Consent"): one row per decision, never edited: a customer's marketing
// consent per channel (marketing_email, _sms, _onsite, _chat, _phone, or marketing for all of them),
// tracking and chat contact, granted or withdrawn, when, how and the wording shown. Written by the
// server (a staff edit of the customer's consent, an unsubscribe link, an SMS keyword, the shop);
// pulled by the devices that may see the customer, read-only; the campaign pipeline obeys the latest
// decision per purpose.
const STAFF = '@request.auth.collectionName = "staff"';
const READ = `${STAFF} && ((@request.auth.role = "admin" || @request.auth.role = "manager") || (@request.auth.role = "sales" && customer.owner = @request.auth.id) || (@request.auth.role = "agent" && customer.conversations_via_customer.assignee ?= @request.auth.id))`;

migrate((app) => {
	const customers = app.findCollectionByNameOrId('customers');
	const staff = app.findCollectionByNameOrId('staff');
	const campaigns = app.findCollectionByNameOrId('campaigns');
	const consents = new Collection({
		type: 'base',
		name: 'consents',
		listRule: READ,
		viewRule: READ,
		createRule: null,
		updateRule: null,
		deleteRule: null,
		fields: [
			{ name: 'customer', type: 'relation', required: true, collectionId: customers.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'purpose', type: 'select', required: true, maxSelect: 1, values: ['marketing', 'marketing_email', 'marketing_sms', 'marketing_onsite', 'marketing_chat', 'marketing_phone', 'tracking', 'chat_contact'] },
			{ name: 'granted', type: 'bool' },
			{ name: 'at', type: 'text', required: true, max: 40 },
			{ name: 'how', type: 'text', required: true, max: 40 },
			{ name: 'wording', type: 'text', max: 1000 },
			{ name: 'by', type: 'relation', collectionId: staff.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'campaign', type: 'relation', collectionId: campaigns.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'deleted', type: 'bool' },
			{ name: 'seq', type: 'number', onlyInt: true },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: [
			'CREATE INDEX idx_consents_seq ON consents (seq)',
			'CREATE INDEX idx_consents_customer ON consents (customer, purpose, at)'
		]
	});
	app.save(consents);
	const bump = `UPDATE crm_seq SET value = value + 1 WHERE id = 1;
		UPDATE consents SET seq = (SELECT value FROM crm_seq WHERE id = 1) WHERE rowid = NEW.rowid;`;
	app.db().newQuery(`CREATE TRIGGER IF NOT EXISTS consents_seq_insert AFTER INSERT ON consents BEGIN ${bump} END`).execute();
	app.db().newQuery(`CREATE TRIGGER IF NOT EXISTS consents_seq_update AFTER UPDATE ON consents BEGIN ${bump} END`).execute();
}, (app) => {
	app.db().newQuery('DROP TRIGGER IF EXISTS consents_seq_insert').execute();
	app.db().newQuery('DROP TRIGGER IF EXISTS consents_seq_update').execute();
	app.delete(app.findCollectionByNameOrId('consents'));
});
