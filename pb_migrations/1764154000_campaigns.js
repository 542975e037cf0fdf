/// <reference path="../pb_data/types.d.ts" />
// Marketing campaigns (README "Campaigns"): drafted on devices and synced like customers (seq, soft
// delete, field merge), published and run by the server (server/campaigns.go).
// - Admins and managers read, create and edit them; a sales rep reads those that reached their
//   customers (reached_owners, kept by the server); agents see a chat customer's campaigns through
//   GET /api/crm/customers/{id}/campaigns.
// - A device writes the draft's fields; the state and the server's fields (approval, what was
//   published, counts, reached_owners, times) change only through the campaign routes. What may change
//   in each state (content only while a draft) is checked by server/campaigns.go.
const STAFF = '@request.auth.collectionName = "staff"';
const MANAGE = `(${STAFF} && (@request.auth.role = "admin" || @request.auth.role = "manager"))`;
const REP_READS = `(${STAFF} && @request.auth.role = "sales" && reached_owners ~ @request.auth.id)`;
const NOT_SENT = (f) => `@request.body.${f}:isset = false`;
const SERVER_FIELDS = ['approval', 'published', 'counts', 'reached_owners', 'started_at', 'completed_at'];
const NO_SERVER_FIELDS = SERVER_FIELDS.map(NOT_SENT).join(' && ');

migrate((app) => {
	const staff = app.findCollectionByNameOrId('staff');
	const campaigns = new Collection({
		type: 'base',
		name: 'campaigns',
		listRule: `${MANAGE} || ${REP_READS}`,
		viewRule: `${MANAGE} || ${REP_READS}`,
		createRule: `${MANAGE} && (@request.body.state:isset = false || @request.body.state = "draft") && ${NO_SERVER_FIELDS}`,
		updateRule: `${MANAGE} && (@request.body.state:isset = false || @request.body.state = state) && ${NO_SERVER_FIELDS}`,
		deleteRule: null,
		fields: [
			{ name: 'name', type: 'text', required: true, max: 100 },
			{ name: 'kind', type: 'select', required: true, maxSelect: 1, values: ['broadcast', 'triggered'] },
			{ name: 'trigger', type: 'json', maxSize: 2000 },
			{ name: 'audience', type: 'json', maxSize: 4000 },
			{ name: 'offer', type: 'json', maxSize: 2000 },
			{ name: 'channels', type: 'json', maxSize: 500 },
			{ name: 'content', type: 'json', maxSize: 60000 },
			{ name: 'schedule', type: 'json', maxSize: 1000 },
			{ name: 'attribution_days', type: 'number', onlyInt: true, min: 0, max: 90 },
			{ name: 'cost', type: 'number', min: 0 },
			{ name: 'notes', type: 'text', max: 2000 },
			{ name: 'owner', type: 'relation', collectionId: staff.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'archived', type: 'bool' },
			{ name: 'state', type: 'select', required: true, maxSelect: 1, values: ['draft', 'pending_approval', 'scheduled', 'running', 'paused', 'completed', 'cancelled'] },
			{ name: 'approval', type: 'json', maxSize: 2000 },
			{ name: 'published', type: 'json', maxSize: 80000 },
			{ name: 'counts', type: 'json', maxSize: 20000 },
			{ name: 'reached_owners', type: 'json', maxSize: 200000 },
			{ name: 'started_at', type: 'text', max: 40 },
			{ name: 'completed_at', type: 'text', max: 40 },
			{ name: 'deleted', type: 'bool' },
			{ name: 'history', type: 'json', maxSize: 400000 },
			{ name: 'field_times', type: 'json', maxSize: 4000 },
			{ name: 'seq', type: 'number', onlyInt: true },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: [
			'CREATE INDEX idx_campaigns_seq ON campaigns (seq)',
			'CREATE INDEX idx_campaigns_state ON campaigns (state)'
		]
	});
	app.save(campaigns);
	const bump = `UPDATE crm_seq SET value = value + 1 WHERE id = 1;
		UPDATE campaigns SET seq = (SELECT value FROM crm_seq WHERE id = 1) WHERE rowid = NEW.rowid;`;
	app.db().newQuery(`CREATE TRIGGER IF NOT EXISTS campaigns_seq_insert AFTER INSERT ON campaigns BEGIN ${bump} END`).execute();
	app.db().newQuery(`CREATE TRIGGER IF NOT EXISTS campaigns_seq_update AFTER UPDATE ON campaigns BEGIN ${bump} END`).execute();
}, (app) => {
	app.db().newQuery('DROP TRIGGER IF EXISTS campaigns_seq_insert').execute();
	app.db().newQuery('DROP TRIGGER IF EXISTS campaigns_seq_update').execute();
	app.delete(app.findCollectionByNameOrId('campaigns'));
});
