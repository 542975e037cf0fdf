/// <reference path="../pb_data/types.d.ts" />
// The audit log (server/audit.go): a plain table on no API, append-only. Triggers refuse every change
// and every removal but the retention purge's, which opens audit_purge_gate inside its transaction.
migrate((app) => {
	app.db().newQuery(`CREATE TABLE IF NOT EXISTS audit_log (
		seq INTEGER PRIMARY KEY NOT NULL,
		at TEXT NOT NULL,
		actor TEXT NOT NULL DEFAULT '',
		actor_name TEXT NOT NULL DEFAULT '',
		role TEXT NOT NULL DEFAULT '',
		action TEXT NOT NULL,
		collection TEXT NOT NULL DEFAULT '',
		target TEXT NOT NULL DEFAULT '',
		ip TEXT NOT NULL DEFAULT '',
		ua TEXT NOT NULL DEFAULT '',
		detail TEXT NOT NULL DEFAULT '',
		key_id TEXT NOT NULL,
		prev TEXT NOT NULL,
		hash TEXT NOT NULL
	)`).execute();
	app.db().newQuery('CREATE INDEX IF NOT EXISTS idx_audit_log_at ON audit_log (at)').execute();
	app.db().newQuery('CREATE INDEX IF NOT EXISTS idx_audit_log_actor ON audit_log (actor, seq)').execute();
	app.db().newQuery('CREATE INDEX IF NOT EXISTS idx_audit_log_target ON audit_log (target, seq)').execute();
	app.db().newQuery('CREATE INDEX IF NOT EXISTS idx_audit_log_action ON audit_log (action, seq)').execute();
	app.db().newQuery('CREATE TABLE IF NOT EXISTS audit_purge_gate (open INTEGER NOT NULL)').execute();
	app.db().newQuery(`CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
		BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`).execute();
	app.db().newQuery(`CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
		WHEN NOT EXISTS (SELECT 1 FROM audit_purge_gate)
		BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`).execute();
}, (app) => {
	app.db().newQuery('DROP TABLE IF EXISTS audit_log').execute();
	app.db().newQuery('DROP TABLE IF EXISTS audit_purge_gate').execute();
});
