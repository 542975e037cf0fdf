/// <reference path="../pb_data/types.d.ts" />
// The sync checkpoint for the chat collections: the same triggers as customers (1764150200_sync_seq.js),
// bumping the one shared counter crm_seq in the same statement as the row write.
const SYNCED = ['conversations', 'messages', 'cases', 'canned_replies'];

function triggers(table) {
	const bump = `UPDATE crm_seq SET value = value + 1 WHERE id = 1;
		UPDATE ${table} SET seq = (SELECT value FROM crm_seq WHERE id = 1) WHERE rowid = NEW.rowid;`;
	return [
		`CREATE TRIGGER IF NOT EXISTS ${table}_seq_insert AFTER INSERT ON ${table} BEGIN ${bump} END`,
		`CREATE TRIGGER IF NOT EXISTS ${table}_seq_update AFTER UPDATE ON ${table} BEGIN ${bump} END`
	];
}

migrate((app) => {
	for (const table of SYNCED) for (const sql of triggers(table)) app.db().newQuery(sql).execute();
}, (app) => {
	for (const table of SYNCED) {
		app.db().newQuery(`DROP TRIGGER IF EXISTS ${table}_seq_insert`).execute();
		app.db().newQuery(`DROP TRIGGER IF EXISTS ${table}_seq_update`).execute();
	}
});
