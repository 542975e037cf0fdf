/// <reference path="../pb_data/types.d.ts" />
// Saved list views (issue 18): a user's named search, filters and order of the customer list, synced
// to that user's devices like the other records (seq checkpoint, merged field by field) and to no one
// else: every rule is "the user's own". Soft delete only (deleted = true), so removals replicate.
// Validation: src/lib/shared/list-views.ts, run by the push and REST hooks (pb_hooks/lib/sync.js).
const OWN = '@request.auth.collectionName = "staff" && owner = @request.auth.id';
const OWN_WRITE = `${OWN} && (@request.body.owner:isset = false || @request.body.owner = @request.auth.id)`;

migrate((app) => {
	const staff = app.findCollectionByNameOrId('staff');
	const views = new Collection({
		type: 'base',
		name: 'list_views',
		listRule: OWN,
		viewRule: OWN,
		createRule: '@request.auth.collectionName = "staff" && @request.body.owner = @request.auth.id',
		updateRule: OWN_WRITE,
		deleteRule: null,
		fields: [
			{ name: 'name', type: 'text', required: true, max: 60 },
			{ name: 'owner', type: 'relation', required: true, collectionId: staff.id, maxSelect: 1, cascadeDelete: true },
			{ name: 'query', type: 'text', max: 200 },
			{ name: 'filters', type: 'json', maxSize: 4000 },
			{ name: 'sort', type: 'text', max: 20 },
			{ name: 'deleted', type: 'bool' },
			{ name: 'seq', type: 'number', onlyInt: true },
			{ name: 'field_times', type: 'json', maxSize: 4000 },
			{ name: 'history', type: 'json', maxSize: 100000 },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: ['CREATE INDEX idx_list_views_seq ON list_views (seq)', 'CREATE INDEX idx_list_views_owner ON list_views (owner)']
	});
	app.save(views);
	const bump = `UPDATE crm_seq SET value = value + 1 WHERE id = 1;
		UPDATE list_views SET seq = (SELECT value FROM crm_seq WHERE id = 1) WHERE rowid = NEW.rowid;`;
	app.db().newQuery(`CREATE TRIGGER IF NOT EXISTS list_views_seq_insert AFTER INSERT ON list_views BEGIN ${bump} END`).execute();
	app.db().newQuery(`CREATE TRIGGER IF NOT EXISTS list_views_seq_update AFTER UPDATE ON list_views BEGIN ${bump} END`).execute();
}, (app) => {
	app.db().newQuery('DROP TRIGGER IF EXISTS list_views_seq_insert').execute();
	app.db().newQuery('DROP TRIGGER IF EXISTS list_views_seq_update').execute();
	app.delete(app.findCollectionByNameOrId('list_views'));
});
