/// <reference path="../pb_data/types.d.ts" />
// A visitor's password is 40 random characters nobody types or uses (the widget signs in with its own
// secret through POST /api/crm/chat/session): hashing it at bcrypt's default cost made each new
// chat session cost ~50 ms of CPU, capping new sessions near 20 a second on 2 cores.
migrate((app) => {
	const visitors = app.findCollectionByNameOrId('visitors');
	visitors.fields.getByName('password').cost = 4;
	app.save(visitors);
}, (app) => {
	const visitors = app.findCollectionByNameOrId('visitors');
	visitors.fields.getByName('password').cost = 0;
	app.save(visitors);
});
