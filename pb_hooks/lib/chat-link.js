/// <reference path="../../pb_data/types.d.ts" />
// Linking a chat's visitor to a CRM customer from the console (issue 18, item 9): a shopper who was not
// signed in on the shop but left a phone number or an e-mail (after hours, or in the chat) is found
// among the customers by it, or made a new customer with it. docs/api/chat.md.
//
//   GET  /api/crm/chat/conversations/{id}/customer-matches   customers holding the contact's phone or e-mail
//   POST /api/crm/chat/conversations/{id}/customer  {customer: id} | {create: {name}}
//
// The conversation's assignee, or a manager or admin; the conversation must not have a customer yet.
// The visitor (when the shop did not identify them) and their conversations without a customer follow.
const shared = require(`${__hooks}/lib/shared.js`);
const { badRequest } = require(`${__hooks}/lib/errors.js`);

function conversationFor(e) {
	const auth = e.auth;
	const role = auth && auth.collection().name === 'staff' ? auth.getString('role') : '';
	if (role !== 'agent' && role !== 'manager' && role !== 'admin') throw new ForbiddenError('Only service agents, managers and admins link chats to customers.', {});
	let conv;
	try {
		conv = $app.findRecordById('conversations', e.request.pathValue('id'));
	} catch (_missing) {
		throw new NotFoundError('No such conversation.', {});
	}
	if (role === 'agent' && conv.getString('assignee') !== auth.id) throw new ForbiddenError('Take this chat first: only its agent links it to a customer.', {});
	return conv;
}

function contactOf(conv) {
	let c = {};
	try {
		c = JSON.parse(conv.getString('contact') || '{}') || {};
	} catch (_bad) {
		c = {};
	}
	return { phone: typeof c.phone === 'string' ? c.phone : '', email: typeof c.email === 'string' ? c.email.toLowerCase() : '' };
}

/** Live customers holding the phone or the e-mail (both sealed: opened once each, in SQL). */
function matches(contact) {
	const out = arrayOf(new DynamicModel({ id: '', name: '', phones: '', emails: '', owner: '' }));
	if (!contact.phone && !contact.email) return [];
	$app
		.db()
		.newQuery(
			`WITH c AS MATERIALIZED (SELECT id, owner, crm_open('customers.name', name) AS name, crm_open('customers.phones', phones) AS phones,
		   crm_open('customers.emails', emails) AS emails FROM customers WHERE deleted = 0 AND (phones NOT IN ('', '[]', 'null') OR emails NOT IN ('', '[]', 'null')))
		 SELECT id, coalesce(name, '') AS name, coalesce(phones, '[]') AS phones, coalesce(emails, '[]') AS emails, owner FROM c
		 WHERE ({:p} != '' AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(c.phones) THEN c.phones ELSE '[]' END) WHERE value = {:p}))
		    OR ({:m} != '' AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(c.emails) THEN c.emails ELSE '[]' END) WHERE lower(value) = {:m}))
		 ORDER BY id LIMIT 10`
		)
		.bind({ p: contact.phone, m: contact.email })
		.all(out);
	return out.map((r) => ({ id: r.id, name: r.name, phones: JSON.parse(r.phones || '[]'), emails: JSON.parse(r.emails || '[]'), owner: r.owner }));
}

function handleMatches(e) {
	const conv = conversationFor(e);
	const contact = contactOf(conv);
	return e.json(200, { contact, customer: conv.getString('customer'), items: matches(contact) });
}

function handleLink(e) {
	const conv = conversationFor(e);
	if (conv.getString('customer')) throw badRequest([{ field: 'customer', code: 'already_linked', message: 'This chat is linked to a customer already.' }]);
	let body = {};
	try {
		body = e.requestInfo().body || {};
	} catch (_bad) {
		body = {};
	}
	const contact = contactOf(conv);
	let customerId = '';
	if (typeof body.customer === 'string' && body.customer) {
		// Only one the contact points to: an agent does not pick any customer by id.
		if (!matches(contact).some((m) => m.id === body.customer)) {
			throw badRequest([{ field: 'customer', code: 'not_a_match', message: 'This customer does not hold the phone or e-mail the visitor left.' }]);
		}
		customerId = body.customer;
	} else if (body.create && typeof body.create === 'object') {
		let visitorName = '';
		try {
			visitorName = $app.findRecordById('visitors', conv.getString('visitor')).getString('name');
		} catch (_none) {
			visitorName = '';
		}
		const name = (typeof body.create.name === 'string' ? body.create.name : visitorName).trim();
		const doc = { name, phones: contact.phone ? [contact.phone] : [], emails: contact.email ? [contact.email] : [], source: 'chat' };
		const problems = shared.validateCustomer(doc);
		if (problems.length) throw badRequest(problems.map((p) => ({ field: p.field === 'name' ? 'create.name' : p.field, code: p.code, message: p.message })));
		const norm = shared.normalizeCustomer(doc);
		const c = new Record($app.findCollectionByNameOrId('customers'));
		c.set('name', norm.name);
		c.set('phones', norm.phones || []);
		c.set('emails', norm.emails || []);
		c.set('source', 'chat');
		for (const f of ['addresses', 'tags', 'history']) c.set(f, []);
		c.set('field_times', {});
		$app.save(c);
		customerId = c.id;
	} else {
		throw badRequest([{ field: 'customer', code: 'required', message: 'Send {customer: id} of a match, or {create: {name}}.' }]);
	}
	$app.runInTransaction((tx) => {
		const fresh = tx.findRecordById('conversations', conv.id);
		fresh.set('customer', customerId);
		tx.save(fresh);
		const v = tx.findRecordById('visitors', conv.getString('visitor'));
		// A visitor the shop identified belongs to that shop customer; otherwise they are this one now.
		if (!v.getString('external_id') && !v.getString('customer')) {
			v.set('customer', customerId);
			tx.save(v);
		}
	});
	return e.json(200, { customer: customerId });
}

module.exports = { handleMatches, handleLink };
