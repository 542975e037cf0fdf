/// <reference path="../pb_data/types.d.ts" />
// Customers erased at their request (server/personaldata.go): their id stays as an empty tombstone, and
// this plain table (on no API) keeps any later write from bringing their data back.
migrate((app) => {
	app.db().newQuery('CREATE TABLE IF NOT EXISTS erased_customers (id TEXT PRIMARY KEY NOT NULL, at TEXT NOT NULL) WITHOUT ROWID').execute();
}, (app) => {
	app.db().newQuery('DROP TABLE IF EXISTS erased_customers').execute();
});
