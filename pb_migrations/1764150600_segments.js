/// <reference path="../pb_data/types.d.ts" />
// Segments: a saved rule over customers (dynamic) or a frozen list of customer ids (static), synced
// to devices. Soft delete only (deleted = true), so deletions replicate.
// Admins and managers: all. Sales reps and agents: list and view their own and the shared ones;
// create and edit only their own, and never hand one to someone else.
const STAFF = '@request.auth.collectionName = "staff"';
const ALL = `(@request.auth.role = "admin" || @request.auth.role = "manager")`;
const REP = `(@request.auth.role = "sales" || @request.auth.role = "agent")`;
const OWNER_UNCHANGED = `(@request.body.owner:isset = false || @request.body.owner = @request.auth.id)`;

migrate((app) => {
	const staff = app.findCollectionByNameOrId('staff');
	const segments = new Collection({
		type: 'base',
		name: 'segments',
		listRule: `${STAFF} && (${ALL} || (${REP} && (owner = @request.auth.id || shared = true)))`,
		viewRule: `${STAFF} && (${ALL} || (${REP} && (owner = @request.auth.id || shared = true)))`,
		// Checked on the new record: a rep creates segments as their own.
		createRule: `${STAFF} && (${ALL} || (${REP} && owner = @request.auth.id))`,
		updateRule: `${STAFF} && (${ALL} || (${REP} && owner = @request.auth.id && ${OWNER_UNCHANGED}))`,
		deleteRule: null,
		fields: [
			{ name: 'name', type: 'text', required: true, max: 100 },
			{ name: 'description', type: 'text', max: 500 },
			{ name: 'kind', type: 'select', required: true, maxSelect: 1, values: ['dynamic', 'static'] },
			// The rule tree; required for a dynamic segment (checked by the hooks with validateRule).
			{ name: 'rule', type: 'json', maxSize: 100000 },
			// Customer ids of a static segment: at most 50,000 ids of 15 characters.
			{ name: 'members', type: 'json', maxSize: 1000000 },
			{ name: 'owner', type: 'relation', required: true, collectionId: staff.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'shared', type: 'bool' },
			{ name: 'deleted', type: 'bool' },
			// Larger than other collections' history: a member list that loses a conflict is kept here.
			{ name: 'history', type: 'json', maxSize: 2000000 },
			{ name: 'field_times', type: 'json', maxSize: 4000 },
			{ name: 'seq', type: 'number', onlyInt: true },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: [
			'CREATE INDEX idx_segments_seq ON segments (seq)',
			'CREATE INDEX idx_segments_owner_seq ON segments (owner, seq)',
			'CREATE INDEX idx_segments_shared ON segments (shared)'
		]
	});
	app.save(segments);
}, (app) => {
	app.delete(app.findCollectionByNameOrId('segments'));
});
