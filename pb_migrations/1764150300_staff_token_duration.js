/// <reference path="../pb_data/types.d.ts" />
// Field reps can be offline for a week or more: staff sessions last 30 days (PocketBase's default is 5),
// and an expired session is renewed in the app with the password, without losing local changes.
migrate((app) => {
	const staff = app.findCollectionByNameOrId('staff');
	staff.authToken.duration = 30 * 24 * 3600;
	app.save(staff);
}, (app) => {
	const staff = app.findCollectionByNameOrId('staff');
	staff.authToken.duration = 5 * 24 * 3600;
	app.save(staff);
});
