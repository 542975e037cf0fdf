/// <reference path="../pb_data/types.d.ts" />
// Messages of the live chat (docs/api/chat.md): append-only, stored once per (conversation, client_id).
// The create rule is checked on the submitted record before lib/chat.js fills in author_kind and
// author_staff, so both may be left out; sent, they must be the sender's own.
const STAFF = '@request.auth.collectionName = "staff"';
const ALL = `(${STAFF} && (@request.auth.role = "admin" || @request.auth.role = "manager"))`;
const AGENT_SEES = `(${STAFF} && @request.auth.role = "agent" && (conversation.assignee = @request.auth.id || conversation.assignee = ""))`;
const VISITOR_SEES = '(@request.auth.collectionName = "visitors" && conversation.visitor = @request.auth.id && internal = false)';
const VISITOR_SENDS = `${VISITOR_SEES} && (author_kind = "" || author_kind = "visitor") && author_staff = ""`;
const STAFF_SENDS = '(author_kind = "" || author_kind = "agent") && (author_staff = "" || author_staff = @request.auth.id)';
const AGENT_SENDS = `(${STAFF} && @request.auth.role = "agent" && conversation.assignee = @request.auth.id && ${STAFF_SENDS})`;

migrate((app) => {
	const conversations = app.findCollectionByNameOrId('conversations');
	const staff = app.findCollectionByNameOrId('staff');
	const messages = new Collection({
		type: 'base',
		name: 'messages',
		listRule: `${VISITOR_SEES} || ${AGENT_SEES} || ${ALL}`,
		viewRule: `${VISITOR_SEES} || ${AGENT_SEES} || ${ALL}`,
		createRule: `(${VISITOR_SENDS}) || ${AGENT_SENDS} || (${ALL} && ${STAFF_SENDS})`,
		updateRule: null,
		deleteRule: null,
		fields: [
			{ name: 'conversation', type: 'relation', required: true, collectionId: conversations.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'client_id', type: 'text', required: true, min: 1, max: 64 },
			{ name: 'author_kind', type: 'select', maxSelect: 1, values: ['visitor', 'agent', 'system'] },
			{ name: 'author_staff', type: 'relation', collectionId: staff.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'body', type: 'text', max: 4000 },
			{
				name: 'attachments',
				type: 'file',
				maxSelect: 4,
				maxSize: 5 * 1024 * 1024,
				mimeTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif'],
				protected: true
			},
			{ name: 'internal', type: 'bool' },
			{ name: 'seq', type: 'number', onlyInt: true },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: [
			'CREATE INDEX idx_messages_seq ON messages (seq)',
			'CREATE UNIQUE INDEX idx_messages_conversation_client_id ON messages (conversation, client_id)',
			'CREATE INDEX idx_messages_conversation_created ON messages (conversation, created)',
			'CREATE INDEX idx_messages_author_staff ON messages (author_staff)'
		]
	});
	app.save(messages);
}, (app) => {
	app.delete(app.findCollectionByNameOrId('messages'));
});
