/// <reference path="../pb_data/types.d.ts" />
// What each recipient of a campaign got, per channel, and the durable send queue (server/sendqueue.go):
// one row per campaign × customer × channel, or one 'holdout' row for a customer drawn into the
// holdout (receives nothing). The row's id is its delivery key, made from campaign, customer and
// channel (server/audience.go), so a row can never be queued twice. Written by the server only; read
// through the campaign routes. Times are milliseconds since 1970.
migrate((app) => {
	const campaigns = app.findCollectionByNameOrId('campaigns');
	const customers = app.findCollectionByNameOrId('customers');
	const recipients = new Collection({
		type: 'base',
		name: 'campaign_recipients',
		listRule: null,
		viewRule: null,
		createRule: null,
		updateRule: null,
		deleteRule: null,
		fields: [
			{ name: 'campaign', type: 'relation', required: true, collectionId: campaigns.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'customer', type: 'relation', collectionId: customers.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'channel', type: 'select', required: true, maxSelect: 1, values: ['holdout', 'onsite', 'email', 'sms', 'chat', 'task'] },
			{ name: 'stratum', type: 'text', max: 40 },
			{ name: 'status', type: 'select', required: true, maxSelect: 1, values: ['holdout', 'queued', 'sending', 'sent', 'delivered', 'failed', 'suppressed', 'cancelled'] },
			{ name: 'reason', type: 'text', max: 300 },
			{ name: 'coupon', type: 'text', max: 40 },
			{ name: 'attempts', type: 'number', onlyInt: true },
			{ name: 'next_at', type: 'number', onlyInt: true },
			{ name: 'sent_at', type: 'number', onlyInt: true },
			{ name: 'delivered_at', type: 'number', onlyInt: true },
			{ name: 'opened_at', type: 'number', onlyInt: true },
			{ name: 'clicked_at', type: 'number', onlyInt: true },
			{ name: 'impressions', type: 'number', onlyInt: true },
			{ name: 'clicks', type: 'number', onlyInt: true },
			{ name: 'dismissed', type: 'bool' },
			{ name: 'task', type: 'text', max: 15 },
			{ name: 'test', type: 'bool' },
			{ name: 'address', type: 'text', max: 200 },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: [
			'CREATE INDEX idx_recipients_campaign_status ON campaign_recipients (campaign, status)',
			"CREATE INDEX idx_recipients_queue ON campaign_recipients (next_at) WHERE status = 'queued'",
			'CREATE INDEX idx_recipients_customer ON campaign_recipients (customer, channel, status)',
			"CREATE INDEX idx_recipients_contacted ON campaign_recipients (customer, sent_at) WHERE sent_at > 0",
			"CREATE INDEX idx_recipients_task ON campaign_recipients (task) WHERE task != ''"
		]
	});
	app.save(recipients);
}, (app) => {
	app.delete(app.findCollectionByNameOrId('campaign_recipients'));
});
