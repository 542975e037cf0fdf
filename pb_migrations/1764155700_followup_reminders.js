/// <reference path="../pb_data/types.d.ts" />
// Follow-up reminders (server/reminders.go): every staff member may now turn on alerts on a device
// (a sales rep gets no chat alerts, server/push.go chooses recipients by role, but does get the day's
// follow-ups); the days already reminded, so a reminder goes out once per staff member and day.
const OWN = '@request.auth.collectionName = "staff" && staff = @request.auth.id';
const INBOX_ROLE = '(@request.auth.role = "agent" || @request.auth.role = "manager" || @request.auth.role = "admin")';

migrate((app) => {
	const subs = app.findCollectionByNameOrId('push_subscriptions');
	subs.createRule = OWN;
	app.save(subs);
	app.db().newQuery(`CREATE TABLE IF NOT EXISTS crm_reminders_sent (
		staff TEXT NOT NULL, day TEXT NOT NULL, due INTEGER NOT NULL DEFAULT 0, overdue INTEGER NOT NULL DEFAULT 0,
		sent_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')), PRIMARY KEY (staff, day)
	) WITHOUT ROWID`).execute();
}, (app) => {
	const subs = app.findCollectionByNameOrId('push_subscriptions');
	subs.createRule = `${OWN} && ${INBOX_ROLE}`;
	app.save(subs);
	app.db().newQuery('DROP TABLE IF EXISTS crm_reminders_sent').execute();
});
