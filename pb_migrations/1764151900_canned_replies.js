/// <reference path="../pb_data/types.d.ts" />
// Canned replies (docs/api/chat.md), synced by seq. Staff read shared ones and their own; everyone
// writes their own private ones; admins and managers write shared ones. Soft delete only.
const STAFF = '@request.auth.collectionName = "staff"';
const ALL = '(@request.auth.role = "admin" || @request.auth.role = "manager")';
const OWNER_KEPT = '(@request.body.owner:isset = false || @request.body.owner = owner)';
const STAYS_PRIVATE = '(@request.body.shared:isset = false || @request.body.shared = false)';

migrate((app) => {
	const staff = app.findCollectionByNameOrId('staff');
	const canned = new Collection({
		type: 'base',
		name: 'canned_replies',
		listRule: `${STAFF} && (shared = true || owner = @request.auth.id)`,
		viewRule: `${STAFF} && (shared = true || owner = @request.auth.id)`,
		createRule: `${STAFF} && owner = @request.auth.id && (shared = false || ${ALL})`,
		updateRule: `${STAFF} && ${OWNER_KEPT} && ((${ALL} && (shared = true || owner = @request.auth.id)) || (owner = @request.auth.id && shared = false && ${STAYS_PRIVATE}))`,
		deleteRule: null,
		fields: [
			{ name: 'owner', type: 'relation', required: true, collectionId: staff.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'shared', type: 'bool' },
			{ name: 'shortcut', type: 'text', max: 30 },
			{ name: 'title', type: 'text', max: 200 },
			{ name: 'body', type: 'text', required: true, max: 4000 },
			{ name: 'deleted', type: 'bool' },
			{ name: 'seq', type: 'number', onlyInt: true },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: [
			'CREATE INDEX idx_canned_replies_seq ON canned_replies (seq)',
			'CREATE INDEX idx_canned_replies_owner_seq ON canned_replies (owner, seq)',
			'CREATE INDEX idx_canned_replies_shared_seq ON canned_replies (shared, seq)'
		]
	});
	app.save(canned);
}, (app) => {
	app.delete(app.findCollectionByNameOrId('canned_replies'));
});
