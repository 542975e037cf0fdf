/// <reference path="../pb_data/types.d.ts" />
// Live chat (docs/api/chat.md): visitor sessions, staffed hours, per-role checks on conversations,
// case service-level targets, and the service metrics (messages: server/chatmessages.go).

routerAdd('POST', '/api/crm/chat/session', (e) => {
	return require(`${__hooks}/lib/chat.js`).handleSession(e);
});

routerAdd(
	'POST',
	'/api/crm/chat/campaign-received',
	(e) => {
		return require(`${__hooks}/lib/campaign-chat.js`).handleReceived(e);
	},
	$apis.requireAuth('visitors')
);

// The console links a visitor who left a phone or an e-mail to a customer (pb_hooks/lib/chat-link.js).
routerAdd(
	'GET',
	'/api/crm/chat/conversations/{id}/customer-matches',
	(e) => {
		return require(`${__hooks}/lib/chat-link.js`).handleMatches(e);
	},
	$apis.requireAuth('staff')
);

routerAdd(
	'POST',
	'/api/crm/chat/conversations/{id}/customer',
	(e) => {
		return require(`${__hooks}/lib/chat-link.js`).handleLink(e);
	},
	$apis.requireAuth('staff')
);

routerAdd('GET', '/api/crm/chat/config', (e) => {
	return require(`${__hooks}/lib/chat.js`).handleConfig(e);
});

// Managers and admins block or unblock a shopper; the records API never updates visitors.
routerAdd(
	'POST',
	'/api/crm/chat/visitors/{id}/block',
	(e) => {
		return require(`${__hooks}/lib/visitor-block.js`).handleBlock(e);
	},
	$apis.requireAuth()
);

routerAdd(
	'GET',
	'/api/crm/stats/service',
	(e) => {
		return require(`${__hooks}/lib/chat-stats.js`).handleService(e);
	},
	$apis.requireAuth('staff')
);

// A conversation sent twice (same id: its answer was lost) answers with the stored one.
onRecordCreateRequest((e) => {
	const existing = require(`${__hooks}/lib/chat.js`).checkConversationCreate(e);
	if (existing) return e.json(200, existing);
	e.next();
}, 'conversations');

onRecordUpdateRequest((e) => {
	require(`${__hooks}/lib/chat.js`).checkConversationUpdate(e);
	e.next();
}, 'conversations');

// Messages: their checks and their conversation's update are Go (server/chatmessages.go), as the chat
// benchmark showed the JS could not carry them inside the write transaction.

onRecordCreateRequest((e) => {
	require(`${__hooks}/lib/cases.js`).checkCase(e, false);
	e.next();
}, 'cases');

onRecordUpdateRequest((e) => {
	require(`${__hooks}/lib/cases.js`).checkCase(e, true);
	e.next();
}, 'cases');
