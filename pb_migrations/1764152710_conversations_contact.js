/// <reference path="../pb_data/types.d.ts" />
// A shopper who leaves a message after hours says how to reach them: `contact` { email?, phone? }, set by
// the visitor when the conversation is created and checked by pb_hooks/lib/chat.js (docs/api/chat.md).
// Read under the conversation's own rules; nobody changes it afterwards.
migrate((app) => {
	const conversations = app.findCollectionByNameOrId('conversations');
	conversations.fields.add(new JSONField({ name: 'contact', maxSize: 1000 }));
	app.save(conversations);
}, (app) => {
	const conversations = app.findCollectionByNameOrId('conversations');
	conversations.fields.removeByName('contact');
	app.save(conversations);
});
