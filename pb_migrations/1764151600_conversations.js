/// <reference path="../pb_data/types.d.ts" />
// Conversations of the live chat (docs/api/chat.md), synced to staff devices by seq (1764152000).
// Updates pass the rule below and then lib/chat.js, which checks each changed field by role.
const STAFF = '@request.auth.collectionName = "staff"';
const ALL = `(${STAFF} && (@request.auth.role = "admin" || @request.auth.role = "manager"))`;
const AGENT = `(${STAFF} && @request.auth.role = "agent" && (assignee = @request.auth.id || assignee = ""))`;
const VISITOR = '(@request.auth.collectionName = "visitors" && visitor = @request.auth.id)';
const SEE = `${VISITOR} || ${AGENT} || ${ALL}`;

migrate((app) => {
	const visitors = app.findCollectionByNameOrId('visitors');
	const customers = app.findCollectionByNameOrId('customers');
	const staff = app.findCollectionByNameOrId('staff');
	const conversations = new Collection({
		type: 'base',
		name: 'conversations',
		listRule: SEE,
		viewRule: SEE,
		// Checked on the submitted record before the hooks fill in the defaults (status open, channel web).
		createRule: `${VISITOR} && (status = "" || status = "open") && assignee = ""`,
		updateRule: SEE,
		deleteRule: null,
		fields: [
			{ name: 'visitor', type: 'relation', required: true, collectionId: visitors.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'customer', type: 'relation', collectionId: customers.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'topic', type: 'select', maxSelect: 1, values: ['pre_sale', 'order_problem', 'complaint', 'other'] },
			{ name: 'status', type: 'select', required: true, maxSelect: 1, values: ['open', 'pending', 'resolved'] },
			{ name: 'assignee', type: 'relation', collectionId: staff.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'tags', type: 'json', maxSize: 4000 },
			{ name: 'channel', type: 'text', max: 20 },
			{ name: 'last_message_at', type: 'text', max: 40 },
			{ name: 'last_message_preview', type: 'text', max: 140 },
			{ name: 'first_response_at', type: 'text', max: 40 },
			{ name: 'resolved_at', type: 'text', max: 40 },
			{ name: 'reopened', type: 'number', onlyInt: true, min: 0 },
			{ name: 'rating', type: 'number', onlyInt: true, min: 0, max: 5 },
			{ name: 'rating_comment', type: 'text', max: 1000 },
			{ name: 'visitor_read_at', type: 'text', max: 40 },
			{ name: 'agent_read_at', type: 'text', max: 40 },
			{ name: 'visitor_typing_at', type: 'text', max: 40 },
			{ name: 'agent_typing_at', type: 'text', max: 40 },
			{ name: 'after_hours', type: 'bool' },
			{ name: 'deleted', type: 'bool' },
			{ name: 'seq', type: 'number', onlyInt: true },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: [
			'CREATE INDEX idx_conversations_seq ON conversations (seq)',
			'CREATE INDEX idx_conversations_visitor ON conversations (visitor, created)',
			'CREATE INDEX idx_conversations_assignee_seq ON conversations (assignee, seq)',
			'CREATE INDEX idx_conversations_customer ON conversations (customer)',
			'CREATE INDEX idx_conversations_status ON conversations (status)',
			'CREATE INDEX idx_conversations_created ON conversations (created)'
		]
	});
	app.save(conversations);
	// Agents view (never list) the visitors of their conversations and the queue's, for expand=visitor.
	const agentView = `(${STAFF} && @request.auth.role = "agent" && (conversations_via_visitor.assignee ?= @request.auth.id || conversations_via_visitor.assignee ?= ""))`;
	visitors.viewRule = `${visitors.viewRule} || ${agentView}`;
	app.save(visitors);
}, (app) => {
	const visitors = app.findCollectionByNameOrId('visitors');
	visitors.viewRule = visitors.listRule;
	app.save(visitors);
	app.delete(app.findCollectionByNameOrId('conversations'));
});
