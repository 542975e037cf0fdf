/// <reference path="../pb_data/types.d.ts" />
// A campaign's sales task is a follow-up in the rep's Today list (server/channels.go createTask);
// when the rep marks it done, that counts as the campaign's touch (campaign_recipients.clicked_at).

onRecordUpdate((e) => {
	const done = e.record.getBool('follow_up_done') && !e.record.original().getBool('follow_up_done');
	e.next();
	if (!done) return;
	e.app
		.db()
		.newQuery(
			`UPDATE campaign_recipients SET clicked_at = {:now}, clicks = clicks + 1, updated = strftime('%Y-%m-%d %H:%M:%fZ', 'now')
		 WHERE task = {:id} AND clicked_at = 0`
		)
		.bind({ id: e.record.id, now: Date.now() })
		.execute();
}, 'service_records');
