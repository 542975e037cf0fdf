/// <reference path="../pb_data/types.d.ts" />
// Offboarding and private logins (README "Security"):
// - deactivated: set only by POST /api/crm/staff/{id}/deactivate (server/staff.go), never through the
//   records API; a deactivated person's token is refused everywhere (server/authguard.go);
// - admins manage staff accounts (manage rule): they see logins and set a new password without the
//   old one; colleagues see names only (emailVisibility stays false, server/staff.go);
// - staff change their own name and password, never their role, team, region or account state;
// - sessions last 12 hours, renewed while the app is in use; offline, the device keeps working and asks
//   for the password when it reconnects with an expired session.
const STAFF = '@request.auth.collectionName = "staff"';
const ADMIN = `${STAFF} && @request.auth.role = "admin"`;
const KEEP = (f) => `(@request.body.${f}:isset = false || @request.body.${f} = ${f})`;
const NOT_SENT = (f) => `@request.body.${f}:isset = false`;
const ACCOUNT_STATE = [NOT_SENT('deactivated'), NOT_SENT('deactivated_at')].join(' && ');
const UPDATE = `(${ADMIN} && ${ACCOUNT_STATE}) || (id = @request.auth.id && ${KEEP('role')} && ${KEEP('team')} && ${KEEP('region')} && ${ACCOUNT_STATE} && ${NOT_SENT('emailVisibility')} && ${NOT_SENT('verified')})`;
const OLD_UPDATE = `${ADMIN} || (id = @request.auth.id && @request.body.role:isset = false)`;

migrate((app) => {
	const staff = app.findCollectionByNameOrId('staff');
	staff.fields.add(new BoolField({ name: 'deactivated' }));
	staff.fields.add(new TextField({ name: 'deactivated_at', max: 40 }));
	staff.manageRule = ADMIN;
	staff.updateRule = UPDATE;
	staff.authToken.duration = 12 * 3600;
	staff.indexes = [...staff.indexes, 'CREATE INDEX idx_staff_deactivated ON staff (deactivated)'];
	app.save(staff);
	app.db().newQuery('UPDATE staff SET emailVisibility = FALSE').execute();
}, (app) => {
	const staff = app.findCollectionByNameOrId('staff');
	staff.fields.removeByName('deactivated');
	staff.fields.removeByName('deactivated_at');
	staff.indexes = staff.indexes.filter((i) => !i.includes('idx_staff_deactivated'));
	staff.manageRule = null;
	staff.updateRule = OLD_UPDATE;
	staff.authToken.duration = 30 * 24 * 3600;
	app.save(staff);
});
