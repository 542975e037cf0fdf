/// <reference path="../../pb_data/types.d.ts" />
// A campaign's chat channel (README "Campaigns"): the message waits in campaign_recipients until the
// shopper's next visit. The chat session offers it to the widget, and it is delivered when the widget
// says it has kept it (POST /api/crm/chat/campaign-received): an answer lost on the way (the page was
// left or reloaded meanwhile) offers it again at the next visit, and the widget keeps each delivery
// once. Only running campaigns, and only with the shopper's consent to chat marketing.
const shared = require(`${__hooks}/lib/shared.js`);
const { hasConsent } = require(`${__hooks}/lib/consents.js`);
const { badRequest } = require(`${__hooks}/lib/errors.js`);

function offerProactive(customerId) {
	const rows = arrayOf(new DynamicModel({ id: '', campaign: '', coupon: '', published: '', name: '' }));
	$app
		.db()
		.newQuery(
			`SELECT r.id, r.campaign, r.coupon, m.published, coalesce(crm_open('customers.name', c.name), '') AS name
		 FROM campaign_recipients r JOIN campaigns m ON m.id = r.campaign JOIN customers c ON c.id = r.customer
		 WHERE r.customer = {:c} AND r.channel = 'chat' AND r.status = 'queued' AND r.test = 0 AND m.state = 'running'
		 ORDER BY r.created LIMIT 3`
		)
		.bind({ c: customerId })
		.all(rows);
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
	}
	return out;
}

/** POST /api/crm/chat/campaign-received {deliveries: [id]}: the signed-in visitor's widget kept these. */
function handleReceived(e) {
	const visitor = e.auth;
	if (!visitor || visitor.collection().name !== 'visitors') throw new UnauthorizedError('Start a chat session first.', {});
	const customer = visitor.getString('customer');
	let body = {};
	try {
		body = e.requestInfo().body || {};
	} catch (_bad) {
		body = {};
	}
	const ids = Array.isArray(body.deliveries) ? body.deliveries : null;
	if (!ids || ids.length > 20 || ids.some((id) => typeof id !== 'string' || !/^[a-z0-9]{15}$/.test(id))) {
		throw badRequest([{ field: 'deliveries', code: 'invalid', message: 'deliveries must be a list of at most 20 delivery ids' }]);
	}
	let delivered = 0;
	if (customer) {
		const now = Date.now();
		for (const id of ids) {
			const res = $app
				.db()
				.newQuery(
					`UPDATE campaign_recipients SET status = 'delivered', sent_at = {:now}, delivered_at = {:now}, updated = strftime('%Y-%m-%d %H:%M:%fZ', 'now')
				 WHERE id = {:id} AND customer = {:c} AND channel = 'chat' AND status = 'queued'`
				)
				.bind({ id, c: customer, now })
				.execute();
			delivered += res.rowsAffected();
		}
	}
	return e.json(200, { delivered });
}

module.exports = { offerProactive, handleReceived };
