/// <reference path="../../pb_data/types.d.ts" />
// A campaign's chat channel (README "Campaigns"): the message waits in campaign_recipients until the
// shopper's next visit; the chat session hands it to the widget once (then it is delivered). Only
// running campaigns, and only with the shopper's consent to chat marketing.
const shared = require(`${__hooks}/lib/shared.js`);
const { hasConsent } = require(`${__hooks}/lib/consents.js`);

function takeProactive(customerId) {
	const rows = arrayOf(new DynamicModel({ id: '', campaign: '', coupon: '', published: '', name: '' }));
	$app.db().newQuery(
		`SELECT r.id, r.campaign, r.coupon, m.published, coalesce(crm_open('customers.name', c.name), '') AS name
		 FROM campaign_recipients r JOIN campaigns m ON m.id = r.campaign JOIN customers c ON c.id = r.customer
		 WHERE r.customer = {:c} AND r.channel = 'chat' AND r.status = 'queued' AND r.test = 0 AND m.state = 'running'
		 ORDER BY r.created LIMIT 3`
	).bind({ c: customerId }).all(rows);
	if (!rows.length || !hasConsent($app, customerId, 'marketing_chat')) return [];
	const out = [];
	for (const r of rows) {
		let published = null;
		try {
			published = JSON.parse(r.published);
		} catch (_bad) {
			continue;
		}
		const body = ((published.content || {}).chat || {}).body || '';
		if (!body) continue;
		const vars = { name: r.name, coupon: r.coupon, offer: shared.describeOffer(published.offer, 'zh-CN'), valid_to: (published.offer || {}).valid_to || '' };
		out.push({ delivery: r.id, campaign: r.campaign, body: shared.fillTemplate(body, vars) });
		$app.db().newQuery(
			`UPDATE campaign_recipients SET status = 'delivered', sent_at = {:now}, delivered_at = {:now}, updated = strftime('%Y-%m-%d %H:%M:%fZ', 'now') WHERE id = {:id} AND status = 'queued'`
		).bind({ id: r.id, now: Date.now() }).execute();
	}
	return out;
}

module.exports = { takeProactive };
