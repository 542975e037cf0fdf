/// <reference path="../../pb_data/types.d.ts" />
// GET /api/crm/search/orders?q=NUMBER -> { orders: [{ order_id, customer, time, total, refunded, items }] }
// Orders whose number starts with q (as typed, or in capitals), newest first, at most 10, only of
// customers the caller may view. The number is the primary key of stats_orders, so a prefix is a
// range on its index.
const MIN = 3;
const MAX = 64;
const LIMIT = 10;

function handleOrderSearch(e) {
	const q = String(e.request.url.query().get('q') || '').trim();
	if (q.length < MIN || q.length > MAX) {
		throw new BadRequestError(`q must be ${MIN} to ${MAX} characters of an order number`, {
			q: new ValidationError('invalid_length', `q must be ${MIN} to ${MAX} characters of an order number`)
		});
	}
	const info = e.requestInfo();
	const customers = $app.findCachedCollectionByNameOrId('customers');
	const found = [];
	const seen = {};
	for (const prefix of q.toUpperCase() === q ? [q] : [q, q.toUpperCase()]) {
		const rows = arrayOf(new DynamicModel({ order_id: '', person: '', ts: 0, total: -0, refunded: -0, items: '' }));
		$app
			.db()
			.newQuery(
				`SELECT order_id, person, ts, total, refunded, items FROM stats_orders
				WHERE order_id >= {:lo} AND order_id < {:hi} AND purchased = 1 AND person != '' LIMIT 200`
			)
			.bind({ lo: prefix, hi: prefix + '\uffff' })
			.all(rows);
		for (const r of rows) if (!seen[r.order_id]) ((seen[r.order_id] = true), found.push(r));
	}
	found.sort((a, b) => b.ts - a.ts);
	const orders = [];
	const visible = {};
	for (const r of found) {
		if (orders.length >= LIMIT) break;
		if (!(r.person in visible)) {
			let c = null;
			try {
				c = $app.findRecordById('customers', r.person);
			} catch (_notFound) {
				c = null;
			}
			visible[r.person] = !!c && !c.getBool('deleted') && $app.canAccessRecord(c, info, customers.viewRule);
		}
		if (!visible[r.person]) continue;
		let items = 0;
		try {
			const list = JSON.parse(r.items || '[]');
			items = Array.isArray(list) ? list.length : 0; // as the customer card counts them
		} catch (_bad) {
			items = 0;
		}
		orders.push({ order_id: r.order_id, customer: r.person, time: new Date(r.ts).toISOString(), total: r.total, refunded: r.refunded, items });
	}
	return e.json(200, { orders });
}

module.exports = { handleOrderSearch };
