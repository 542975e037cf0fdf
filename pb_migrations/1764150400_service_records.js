/// <reference path="../pb_data/types.d.ts" />
// Service records (visits, calls, chats, inquiries, complaints, notes), synced to devices by role.
// Soft delete only (deleted = true), so deletions replicate. `staff` is who did it.
// Admins and managers: all. Sales reps: their own records, logged only for customers they own.
// Agents: their own records (records of their chats come with the chat issue).
const STAFF = '@request.auth.collectionName = "staff"';
const ALL = `(@request.auth.role = "admin" || @request.auth.role = "manager")`;
const OWN = `((@request.auth.role = "sales" || @request.auth.role = "agent") && staff = @request.auth.id)`;
const STAFF_UNCHANGED = `(@request.body.staff:isset = false || @request.body.staff = @request.auth.id)`;
const CUSTOMER_UNCHANGED = `(@request.body.customer:isset = false || @request.body.customer = customer)`;

migrate((app) => {
	const staff = app.findCollectionByNameOrId('staff');
	const customers = app.findCollectionByNameOrId('customers');
	const records = new Collection({
		type: 'base',
		name: 'service_records',
		listRule: `${STAFF} && (${ALL} || ${OWN})`,
		viewRule: `${STAFF} && (${ALL} || ${OWN})`,
		// Checked on the new record: a rep logs as themself, and a sales rep only for a customer they own.
		createRule: `${STAFF} && (${ALL} || (@request.auth.role = "sales" && staff = @request.auth.id && customer.owner = @request.auth.id) || (@request.auth.role = "agent" && staff = @request.auth.id))`,
		// A rep edits their own records and never hands one to someone else or moves it to another customer.
		updateRule: `${STAFF} && (${ALL} || (${OWN} && ${STAFF_UNCHANGED} && ${CUSTOMER_UNCHANGED}))`,
		deleteRule: null,
		fields: [
			{ name: 'customer', type: 'relation', required: true, collectionId: customers.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'staff', type: 'relation', required: true, collectionId: staff.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'kind', type: 'select', required: true, maxSelect: 1, values: ['visit', 'call', 'chat', 'inquiry', 'complaint', 'note'] },
			{ name: 'summary', type: 'text', required: true, max: 2000 },
			{ name: 'outcome', type: 'text', max: 2000 },
			{ name: 'at', type: 'text', required: true, max: 40 },
			{ name: 'follow_up', type: 'text', max: 10 },
			{ name: 'follow_up_done', type: 'bool' },
			{ name: 'deleted', type: 'bool' },
			{ name: 'history', type: 'json', maxSize: 200000 },
			{ name: 'field_times', type: 'json', maxSize: 4000 },
			{ name: 'seq', type: 'number', onlyInt: true },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: [
			'CREATE INDEX idx_service_records_seq ON service_records (seq)',
			'CREATE INDEX idx_service_records_staff_seq ON service_records (staff, seq)',
			'CREATE INDEX idx_service_records_customer ON service_records (customer)',
			'CREATE INDEX idx_service_records_follow_up ON service_records (follow_up)'
		]
	});
	app.save(records);
}, (app) => {
	app.delete(app.findCollectionByNameOrId('service_records'));
});
