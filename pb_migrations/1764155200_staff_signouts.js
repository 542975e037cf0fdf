/// <reference path="../pb_data/types.d.ts" />
// "Sign out everywhere" (server/signout.go): when each staff member was last signed out of every
// device. A plain table on no API; a session token issued before that moment gets a 401 that tells the
// device to delete its local data.
migrate((app) => {
	app.db().newQuery('CREATE TABLE IF NOT EXISTS staff_signouts (staff TEXT PRIMARY KEY NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID').execute();
}, (app) => {
	app.db().newQuery('DROP TABLE IF EXISTS staff_signouts').execute();
});
