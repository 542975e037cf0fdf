/// <reference path="../pb_data/types.d.ts" />
// Customers, synced to devices by role. Soft delete only (deleted = true), so deletions replicate.
const STAFF = '@request.auth.collectionName = "staff"';
const ALL = `(@request.auth.role = "admin" || @request.auth.role = "manager")`;
const OWN = `(@request.auth.role = "sales" && owner = @request.auth.id)`;
const OWNER_UNCHANGED = `(@request.body.owner:isset = false || @request.body.owner = @request.auth.id)`;

migrate((app) => {
	const staff = app.findCollectionByNameOrId('staff');
	const customers = new Collection({
		type: 'base',
		name: 'customers',
		listRule: `${STAFF} && (${ALL} || ${OWN})`,
		viewRule: `${STAFF} && (${ALL} || ${OWN})`,
		createRule: `${STAFF} && (${ALL} || (@request.auth.role = "sales" && @request.body.owner = @request.auth.id))`,
		updateRule: `${STAFF} && (${ALL} || (${OWN} && ${OWNER_UNCHANGED}))`,
		deleteRule: null,
		fields: [
			{ name: 'name', type: 'text', required: true, max: 200 },
			{ name: 'phones', type: 'json', maxSize: 4000 },
			{ name: 'emails', type: 'json', maxSize: 6000 },
			{ name: 'addresses', type: 'json', maxSize: 20000 },
			{ name: 'gender', type: 'select', maxSelect: 1, values: ['male', 'female', 'other'] },
			{ name: 'birthday', type: 'text', max: 10 },
			{ name: 'tags', type: 'json', maxSize: 4000 },
			{ name: 'category', type: 'text', max: 200 },
			{ name: 'source', type: 'text', max: 200 },
			{ name: 'owner', type: 'relation', collectionId: staff.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'region', type: 'text', max: 200 },
			{ name: 'notes', type: 'text', max: 10000 },
			{ name: 'marketing_consent', type: 'bool' },
			{ name: 'consent_at', type: 'text', max: 40 },
			{ name: 'consent_how', type: 'select', maxSelect: 1, values: ['web_form', 'checkout', 'in_person', 'phone', 'import'] },
			{ name: 'external_id', type: 'text', max: 200 },
			{ name: 'deleted', type: 'bool' },
			{ name: 'history', type: 'json', maxSize: 200000 },
			{ name: 'field_times', type: 'json', maxSize: 4000 },
			{ name: 'seq', type: 'number', onlyInt: true },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: [
			'CREATE INDEX idx_customers_seq ON customers (seq)',
			'CREATE INDEX idx_customers_owner_seq ON customers (owner, seq)',
			"CREATE UNIQUE INDEX idx_customers_external_id ON customers (external_id) WHERE external_id != ''"
		]
	});
	app.save(customers);
}, (app) => {
	app.delete(app.findCollectionByNameOrId('customers'));
});
