/// <reference path="../pb_data/types.d.ts" />
// Cases (docs/api/chat.md, review F14): an agent opens a case for themself, on a conversation assigned
// to them, for that conversation's customer; afterwards an agent never hands a case to someone else
// (taking an unassigned one is fine) nor moves it to another conversation or customer. Reassigning and
// relinking are for managers and admins. Reading stays as in 1764151800_cases.js.
const STAFF = '@request.auth.collectionName = "staff"';
const ALL = `(${STAFF} && (@request.auth.role = "admin" || @request.auth.role = "manager"))`;
const AGENT = `(${STAFF} && @request.auth.role = "agent")`;
const AGENT_SEES = `(assignee = @request.auth.id || conversation.assignee = @request.auth.id)`;

const AGENT_CREATES = `(${AGENT} && conversation != "" && conversation.assignee = @request.auth.id && assignee = @request.auth.id && (customer = "" || customer = conversation.customer))`;
const AGENT_KEEPS = [
	'(@request.body.assignee:isset = false || @request.body.assignee = assignee || (assignee = "" && @request.body.assignee = @request.auth.id))',
	'(@request.body.conversation:isset = false || @request.body.conversation = conversation)',
	'(@request.body.customer:isset = false || @request.body.customer = customer)'
].join(' && ');
const AGENT_UPDATES = `(${AGENT} && ${AGENT_SEES} && ${AGENT_KEEPS})`;

// As 1764151800_cases.js left them (for the way down).
const OLD_AGENT = `(${STAFF} && @request.auth.role = "agent" && (assignee = @request.auth.id || conversation.assignee = @request.auth.id))`;
const OLD_KEEPS = '(@request.body.assignee:isset = false || @request.body.assignee = @request.auth.id || @request.body.assignee = assignee)';

migrate(
	(app) => {
		const cases = app.findCollectionByNameOrId('cases');
		cases.createRule = `${ALL} || ${AGENT_CREATES}`;
		cases.updateRule = `${ALL} || ${AGENT_UPDATES}`;
		app.save(cases);
	},
	(app) => {
		const cases = app.findCollectionByNameOrId('cases');
		cases.createRule = `${ALL} || ${OLD_AGENT}`;
		cases.updateRule = `${ALL} || (${OLD_AGENT} && ${OLD_KEEPS})`;
		app.save(cases);
	}
);
