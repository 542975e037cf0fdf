/// <reference path="../pb_data/types.d.ts" />
// The visitors' message rules read `internal` beside `conversation`: one index for both.
migrate((app) => {
	const messages = app.findCollectionByNameOrId('messages');
	messages.addIndex('idx_messages_conversation_internal', false, 'conversation, internal', '');
	app.save(messages);
}, (app) => {
	const messages = app.findCollectionByNameOrId('messages');
	messages.removeIndex('idx_messages_conversation_internal');
	app.save(messages);
});
