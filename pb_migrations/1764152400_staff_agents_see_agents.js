/// <reference path="../pb_data/types.d.ts" />
// An agent transfers a chat to another agent (docs/api/chat.md), so agents may list and view the other
// agents (name, role; emails stay hidden unless a staff member made theirs visible). Everything else of
// the staff rules is unchanged.
const STAFF = '@request.auth.collectionName = "staff"';
const MANAGER_UP = `${STAFF} && (@request.auth.role = "admin" || @request.auth.role = "manager")`;
const BEFORE = `${MANAGER_UP} || id = @request.auth.id`;
const AFTER = `${BEFORE} || (${STAFF} && @request.auth.role = "agent" && role = "agent")`;

migrate((app) => {
	const staff = app.findCollectionByNameOrId('staff');
	staff.listRule = AFTER;
	staff.viewRule = AFTER;
	app.save(staff);
}, (app) => {
	const staff = app.findCollectionByNameOrId('staff');
	staff.listRule = BEFORE;
	staff.viewRule = BEFORE;
	app.save(staff);
});
