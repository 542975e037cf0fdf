/// <reference path="../pb_data/types.d.ts" />
// Rule gaps an outside probe found (README "Roles"):
// - an agent logs service records only for the customers of conversations assigned to them;
// - a sales rep may delete their own customer but not restore one (managers restore).
const STAFF = '@request.auth.collectionName = "staff"';
const ALL = '(@request.auth.role = "admin" || @request.auth.role = "manager")';

// service_records
const SR_OLD_CREATE = `${STAFF} && (${ALL} || (@request.auth.role = "sales" && staff = @request.auth.id && customer.owner = @request.auth.id) || (@request.auth.role = "agent" && staff = @request.auth.id))`;
const SR_CREATE = `${STAFF} && (${ALL} || (@request.auth.role = "sales" && staff = @request.auth.id && customer.owner = @request.auth.id) || (@request.auth.role = "agent" && staff = @request.auth.id && customer.conversations_via_customer.assignee ?= @request.auth.id))`;

// customers
const OWN = '(@request.auth.role = "sales" && owner = @request.auth.id)';
const OWNER_UNCHANGED = '(@request.body.owner:isset = false || @request.body.owner = @request.auth.id)';
const NO_RESTORE = '(@request.body.deleted:isset = false || @request.body.deleted = true || @request.body.deleted = deleted)';
const C_OLD_UPDATE = `${STAFF} && (${ALL} || (${OWN} && ${OWNER_UNCHANGED}))`;
const C_UPDATE = `${STAFF} && (${ALL} || (${OWN} && ${OWNER_UNCHANGED} && ${NO_RESTORE}))`;

migrate((app) => {
	const sr = app.findCollectionByNameOrId('service_records');
	sr.createRule = SR_CREATE;
	app.save(sr);
	const customers = app.findCollectionByNameOrId('customers');
	customers.updateRule = C_UPDATE;
	app.save(customers);
}, (app) => {
	const sr = app.findCollectionByNameOrId('service_records');
	sr.createRule = SR_OLD_CREATE;
	app.save(sr);
	const customers = app.findCollectionByNameOrId('customers');
	customers.updateRule = C_OLD_UPDATE;
	app.save(customers);
});
