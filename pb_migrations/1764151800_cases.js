/// <reference path="../pb_data/types.d.ts" />
// Cases: inquiries and complaints with service-level targets (docs/api/chat.md), synced to staff
// devices by seq. Soft delete only. Admins and managers: all; agents: cases assigned to them or on
// their conversations; sales reps read the cases of their own customers.
const STAFF = '@request.auth.collectionName = "staff"';
const ALL = `(${STAFF} && (@request.auth.role = "admin" || @request.auth.role = "manager"))`;
const AGENT = `(${STAFF} && @request.auth.role = "agent" && (assignee = @request.auth.id || conversation.assignee = @request.auth.id))`;
const SALES = `(${STAFF} && @request.auth.role = "sales" && customer != "" && customer.owner = @request.auth.id)`;
// An agent never hands a case to someone else.
const AGENT_KEEPS = '(@request.body.assignee:isset = false || @request.body.assignee = @request.auth.id || @request.body.assignee = assignee)';

migrate((app) => {
	const customers = app.findCollectionByNameOrId('customers');
	const conversations = app.findCollectionByNameOrId('conversations');
	const staff = app.findCollectionByNameOrId('staff');
	const cases = new Collection({
		type: 'base',
		name: 'cases',
		listRule: `${ALL} || ${AGENT} || ${SALES}`,
		viewRule: `${ALL} || ${AGENT} || ${SALES}`,
		createRule: `${ALL} || ${AGENT}`,
		updateRule: `${ALL} || (${AGENT} && ${AGENT_KEEPS})`,
		deleteRule: null,
		fields: [
			{ name: 'customer', type: 'relation', collectionId: customers.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'conversation', type: 'relation', collectionId: conversations.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'kind', type: 'select', required: true, maxSelect: 1, values: ['inquiry', 'complaint'] },
			{ name: 'category', type: 'text', max: 200 },
			{ name: 'priority', type: 'select', required: true, maxSelect: 1, values: ['low', 'normal', 'high', 'urgent'] },
			{ name: 'status', type: 'select', required: true, maxSelect: 1, values: ['open', 'in_progress', 'resolved', 'closed'] },
			{ name: 'assignee', type: 'relation', collectionId: staff.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'summary', type: 'text', max: 2000 },
			{ name: 'first_response_due', type: 'text', max: 40 },
			{ name: 'resolution_due', type: 'text', max: 40 },
			{ name: 'first_response_at', type: 'text', max: 40 },
			{ name: 'resolved_at', type: 'text', max: 40 },
			{ name: 'deleted', type: 'bool' },
			{ name: 'history', type: 'json', maxSize: 200000 },
			{ name: 'field_times', type: 'json', maxSize: 4000 },
			{ name: 'seq', type: 'number', onlyInt: true },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: [
			'CREATE INDEX idx_cases_seq ON cases (seq)',
			'CREATE INDEX idx_cases_assignee_seq ON cases (assignee, seq)',
			'CREATE INDEX idx_cases_conversation ON cases (conversation)',
			'CREATE INDEX idx_cases_customer ON cases (customer)',
			'CREATE INDEX idx_cases_created ON cases (created)'
		]
	});
	app.save(cases);
}, (app) => {
	app.delete(app.findCollectionByNameOrId('cases'));
});
