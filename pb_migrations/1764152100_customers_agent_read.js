/// <reference path="../pb_data/types.d.ts" />
// Agents read the customers of the conversations assigned to them (the customer card beside a chat);
// they still create and edit none (docs/api/chat.md, README "Roles").
const AGENT_READS = '(@request.auth.collectionName = "staff" && @request.auth.role = "agent" && conversations_via_customer.assignee ?= @request.auth.id)';

migrate((app) => {
	const customers = app.findCollectionByNameOrId('customers');
	customers.listRule = `(${customers.listRule}) || ${AGENT_READS}`;
	customers.viewRule = `(${customers.viewRule}) || ${AGENT_READS}`;
	app.save(customers);
}, (app) => {
	const customers = app.findCollectionByNameOrId('customers');
	const strip = (rule) => rule.replace(` || ${AGENT_READS}`, '').replace(/^\((.*)\)$/, '$1');
	customers.listRule = strip(customers.listRule);
	customers.viewRule = strip(customers.viewRule);
	app.save(customers);
});
