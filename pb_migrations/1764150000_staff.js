/// <reference path="../pb_data/types.d.ts" />
// Staff: the CRM's users. The first one is created by the first-run setup route as admin.
const STAFF = '@request.auth.collectionName = "staff"';
const ADMIN = `${STAFF} && @request.auth.role = "admin"`;
const MANAGER_UP = `${STAFF} && (@request.auth.role = "admin" || @request.auth.role = "manager")`;

migrate((app) => {
	const staff = new Collection({
		type: 'auth',
		name: 'staff',
		listRule: `${MANAGER_UP} || id = @request.auth.id`,
		viewRule: `${MANAGER_UP} || id = @request.auth.id`,
		createRule: ADMIN,
		// Staff may edit their own profile but never their role; admins edit anyone.
		updateRule: `${ADMIN} || (id = @request.auth.id && @request.body.role:isset = false)`,
		deleteRule: `${ADMIN} && id != @request.auth.id`,
		fields: [
			{ name: 'name', type: 'text', required: true, max: 100 },
			{ name: 'role', type: 'select', required: true, maxSelect: 1, values: ['admin', 'manager', 'agent', 'sales'] },
			{ name: 'team', type: 'text', max: 100 },
			{ name: 'region', type: 'text', max: 100 },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: ['CREATE INDEX idx_staff_role ON staff (role)'],
		passwordAuth: { enabled: true, identityFields: ['email'] }
	});
	app.save(staff);
}, (app) => {
	app.delete(app.findCollectionByNameOrId('staff'));
});
