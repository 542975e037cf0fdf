/// <reference path="../pb_data/types.d.ts" />
// The sync checkpoint: one counter bumped by SQLite triggers in the same statement as the row write.
// SQLite has one writer at a time, so seq order is commit order on every write path (sync push,
// REST API, admin UI, hooks): a puller that has seen seq N has seen every change below N.
// (An insert bumps twice: the insert trigger's UPDATE fires the update trigger. Gaps are harmless.)
const SYNCED = ['customers'];

function triggers(table) {
	const bump = `UPDATE crm_seq SET value = value + 1 WHERE id = 1;
		UPDATE ${table} SET seq = (SELECT value FROM crm_seq WHERE id = 1) WHERE rowid = NEW.rowid;`;
	return [
		`CREATE TRIGGER IF NOT EXISTS ${table}_seq_insert AFTER INSERT ON ${table} BEGIN ${bump} END`,
		`CREATE TRIGGER IF NOT EXISTS ${table}_seq_update AFTER UPDATE ON ${table} BEGIN ${bump} END`
	];
}

migrate((app) => {
	app.db().newQuery('CREATE TABLE IF NOT EXISTS crm_seq (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)').execute();
	app.db().newQuery('INSERT OR IGNORE INTO crm_seq (id, value) VALUES (1, 0)').execute();
	for (const table of SYNCED) for (const sql of triggers(table)) app.db().newQuery(sql).execute();
}, (app) => {
	for (const table of SYNCED) {
		app.db().newQuery(`DROP TRIGGER IF EXISTS ${table}_seq_insert`).execute();
		app.db().newQuery(`DROP TRIGGER IF EXISTS ${table}_seq_update`).execute();
	}
	app.db().newQuery('DROP TABLE IF EXISTS crm_seq').execute();
});
