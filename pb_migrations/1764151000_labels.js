/// <reference path="../pb_data/types.d.ts" />
// Managed labels: the tags and categories offered on the customer form, synced to every device.
// Every staff member reads them; admins and managers add, rename, recolour and remove them.
// Soft delete only (deleted = true), so removals replicate. A name is used once per kind among the
// labels not removed (latin letters compared without case, as the hooks and devices do).
const STAFF = '@request.auth.collectionName = "staff"';
const MANAGE = '(@request.auth.role = "admin" || @request.auth.role = "manager")';

migrate((app) => {
	const labels = new Collection({
		type: 'base',
		name: 'labels',
		listRule: STAFF,
		viewRule: STAFF,
		createRule: `${STAFF} && ${MANAGE}`,
		updateRule: `${STAFF} && ${MANAGE}`,
		deleteRule: null,
		fields: [
			{ name: 'kind', type: 'select', required: true, maxSelect: 1, values: ['tag', 'category'] },
			{ name: 'name', type: 'text', required: true, max: 40 },
			{ name: 'color', type: 'text', max: 7, pattern: '^#[0-9a-fA-F]{6}$' },
			{ name: 'description', type: 'text', max: 200 },
			{ name: 'sort', type: 'number', onlyInt: true },
			{ name: 'deleted', type: 'bool' },
			{ name: 'seq', type: 'number', onlyInt: true },
			{ name: 'field_times', type: 'json', maxSize: 4000 },
			{ name: 'history', type: 'json', maxSize: 200000 },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: [
			'CREATE INDEX idx_labels_seq ON labels (seq)',
			'CREATE UNIQUE INDEX idx_labels_kind_name ON labels (kind, name COLLATE NOCASE) WHERE deleted = FALSE'
		]
	});
	app.save(labels);
}, (app) => {
	app.delete(app.findCollectionByNameOrId('labels'));
});
