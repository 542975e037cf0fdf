/// <reference path="../pb_data/types.d.ts" />
// RFM as of a moment in the past (pb_hooks/lib/stats.js handleRfm) reads the purchases and refunds up
// to it, and first asks whether any came after it: a partial index of those few events by time serves
// both, instead of a scan of every event (issue 15, item 3).
migrate((app) => {
	const e = app.findCollectionByNameOrId('events');
	e.indexes = e.indexes.filter((i) => !i.includes('idx_events_money_ts ')).concat(["CREATE INDEX idx_events_money_ts ON events (ts) WHERE type IN ('purchase', 'refund')"]);
	app.save(e);
}, (app) => {
	const e = app.findCollectionByNameOrId('events');
	e.indexes = e.indexes.filter((i) => !i.includes('idx_events_money_ts '));
	app.save(e);
});
