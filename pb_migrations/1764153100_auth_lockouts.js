/// <reference path="../pb_data/types.d.ts" />
// Plain tables of the server's own (not collections, not on any API):
// - auth_lockouts: failed passwords in a row per identity typed (server/authguard.go);
// - crm_settings: settings an admin keeps in the app, such as the shop's web origins (server/webguard.go).
migrate((app) => {
	app.db().newQuery(`CREATE TABLE IF NOT EXISTS auth_lockouts (
		identity TEXT PRIMARY KEY NOT NULL,
		failures INTEGER NOT NULL DEFAULT 0,
		locked_until INTEGER NOT NULL DEFAULT 0,
		last_failure INTEGER NOT NULL DEFAULT 0
	) WITHOUT ROWID`).execute();
	app.db().newQuery('CREATE INDEX IF NOT EXISTS idx_auth_lockouts_last ON auth_lockouts (last_failure)').execute();
	app.db().newQuery(`CREATE TABLE IF NOT EXISTS crm_settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL DEFAULT '') WITHOUT ROWID`).execute();
}, (app) => {
	app.db().newQuery('DROP TABLE IF EXISTS auth_lockouts').execute();
	app.db().newQuery('DROP TABLE IF EXISTS crm_settings').execute();
});
