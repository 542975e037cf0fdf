/// <reference path="../../pb_data/types.d.ts" />
// Statistics for the dashboards (docs/api/ingestion.md, "Statistics"), read from the rollups the
// ingestion transaction keeps (lib/ingest.js): stats_daily, stats_person_day, stats_product_day,
// stats_orders and customer_stats. No request scans the raw events, except a customer's timeline
// (by its index).
const shared = require(`${__hooks}/lib/shared.js`);
const { badRequest } = require(`${__hooks}/lib/errors.js`);
const { TZ_OFFSET } = require(`${__hooks}/lib/tz.js`);

// DynamicModel: a field shaped -0 reads as a float, 0 as an integer.
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_DAYS = 731;
const DAY_MS = 86400000;
const MONTH_MS = 30.4375 * DAY_MS;

function requireAnalyst(e) {
	const role = e.auth && e.auth.collection().name === 'staff' ? e.auth.getString('role') : '';
	if (role !== 'admin' && role !== 'manager') throw new ForbiddenError('Only managers and admins see shop analytics.');
}

function rows(sql, params, shape) {
	const out = arrayOf(new DynamicModel(shape));
	const q = $app.db().newQuery(sql);
	if (params) q.bind(params);
	q.all(out);
	return out;
}

function isDay(v) {
	if (typeof v !== 'string' || !DAY_RE.test(v)) return false;
	const t = shared.parseEventTime(v);
	return !isNaN(t) && shared.shopDay(t, 0) === v;
}

/** The request's range, segment members and clock; throws a 400 naming the field. */
function scope(e, opts) {
	const info = e.requestInfo();
	const q = info.query;
	let now = Date.now();
	if (q.now !== undefined && q.now !== '') {
		now = Number(q.now);
		if (!isFinite(now) || now < Date.UTC(2000, 0, 1) || now > Date.UTC(2100, 0, 1)) {
			throw badRequest([{ field: 'now', code: 'invalid', message: 'now must be a time in milliseconds since 1970' }]);
		}
	}
	const today = shared.shopDay(now, TZ_OFFSET);
	const to = q.to ? String(q.to) : today;
	if (!isDay(to)) throw badRequest([{ field: 'to', code: 'invalid', message: 'to must be a day written YYYY-MM-DD' }]);
	const from = q.from ? String(q.from) : shared.shopDay(shared.parseEventTime(to) - 29 * DAY_MS, 0);
	if (!isDay(from)) throw badRequest([{ field: 'from', code: 'invalid', message: 'from must be a day written YYYY-MM-DD' }]);
	if (from > to) throw badRequest([{ field: 'from', code: 'invalid', message: 'from must not be after to' }]);
	const days = Math.round((shared.parseEventTime(to) - shared.parseEventTime(from)) / DAY_MS) + 1;
	if (days > MAX_DAYS) throw badRequest([{ field: 'from', code: 'too_long', message: `a range is at most ${MAX_DAYS} days` }]);
	let members = null;
	const segmentId = q.segment ? String(q.segment) : '';
	if (segmentId && !(opts && opts.noSegment)) {
		const segments = require(`${__hooks}/lib/segments.js`);
		members = segments.memberIds(segments.findSegment(segmentId, info), info, now);
	}
	return { from, to, now, today, segment: segmentId || null, members, membersJson: members ? JSON.stringify(members) : '[]' };
}

function head(s) {
	return { as_of: new Date().toISOString(), from: s.from, to: s.to, segment: s.segment };
}

function ratio(a, b) {
	return b > 0 ? Math.round((a / b) * 10000) / 10000 : 0;
}

/** To the fen, half away from zero on the decimal amount (src/lib/shared/money.ts, server/money.go). */
function money(v) {
	return shared.roundMoney(v || 0);
}

/** "AND person IN (members)" when the request has a segment. */
function inSegment(s, column) {
	return s.members ? ` AND ${column || 'person'} IN (SELECT value FROM json_each({:members}))` : '';
}

function params(s, extra) {
	const p = { from: s.from, to: s.to, members: s.membersJson };
	if (extra) for (const k in extra) p[k] = extra[k];
	return p;
}

/** The end of shop day `day` as milliseconds (exclusive bound). */
function dayEndMs(day) {
	return shared.parseEventTime(day) + DAY_MS - TZ_OFFSET * 60000;
}

/** A row of summed rollup columns (pv, prv, ca, co, o, re, ra) as the figures the API names. */
function figures(r, visitors) {
	return {
		visitors,
		page_views: r.pv,
		product_views: r.prv,
		carts: r.ca,
		checkouts: r.co,
		orders: r.o,
		revenue: money(r.re),
		refunds: money(r.ra),
		// Orders per visitor means nothing when the shop sends no browsing (only back-end orders: it
		// showed 355 %): null, and the app says why (issue 15, item 4).
		conversion: r.pv > 0 ? ratio(r.o, visitors) : null
	};
}

function clv(s) {
	const buyers = rows(
		`SELECT count(*) AS n, sum(total) AS spend, min(ts) AS first, max(ts) AS last FROM stats_orders
		 WHERE purchased = 1 AND ts < {:end}${inSegment(s)} GROUP BY person`,
		params(s, { end: dayEndMs(s.to) }),
		{ n: 0, spend: -0, first: 0, last: 0 }
	);
	if (!buyers.length) return 0;
	let orders = 0;
	let revenue = 0;
	let freq = 0;
	let life = 0;
	for (const b of buyers) {
		orders += b.n;
		revenue += b.spend;
		const months = Math.max(1, (b.last - b.first) / MONTH_MS);
		freq += b.n / months;
		life += months;
	}
	const aov = revenue / orders;
	return money(aov * (freq / buyers.length) * (life / buyers.length));
}

function handleOverview(e) {
	requireAnalyst(e);
	const s = scope(e);
	const p = params(s);
	const visitors = rows(`SELECT count(DISTINCT person) AS n FROM stats_person_day WHERE day BETWEEN {:from} AND {:to}${inSegment(s)}`, p, { n: 0 })[0].n;
	// With a segment the sums come from its members' shopper-days; without, from the shop's days.
	const source = s.members ? `stats_person_day WHERE day BETWEEN {:from} AND {:to}${inSegment(s)}` : 'stats_daily WHERE day BETWEEN {:from} AND {:to}';
	const t = rows(
		`SELECT coalesce(sum(page_views), 0) AS pv, coalesce(sum(product_views), 0) AS prv, coalesce(sum(carts), 0) AS ca,
		   coalesce(sum(checkouts), 0) AS co, coalesce(sum(orders), 0) AS o, coalesce(sum(revenue), 0) AS re, coalesce(sum(refund_amount), 0) AS ra
		 FROM ${source}`,
		p,
		{ pv: 0, prv: 0, ca: 0, co: 0, o: 0, re: -0, ra: -0 }
	)[0];
	const b = rows(
		`SELECT count(*) AS buyers, coalesce(sum(n >= 2), 0) AS repeat FROM
		 (SELECT person, count(*) AS n FROM stats_orders WHERE purchased = 1 AND day BETWEEN {:from} AND {:to}${inSegment(s)} GROUP BY person)`,
		p,
		{ buyers: 0, repeat: 0 }
	)[0];
	const out = Object.assign(head(s), figures(t, visitors));
	out.net_revenue = money(t.re - t.ra);
	out.aov = t.o ? money(t.re / t.o) : 0;
	out.buyers = b.buyers;
	out.repeat_buyers = b.repeat;
	out.repeat_rate = ratio(b.repeat, b.buyers);
	out.clv = clv(s);
	return e.json(200, out);
}

function handleTrends(e) {
	requireAnalyst(e);
	const s = scope(e);
	const p = params(s);
	const byDay = {};
	for (const day of shared.dayRange(s.from, s.to)) {
		byDay[day] = { day, visitors: 0, page_views: 0, product_views: 0, carts: 0, checkouts: 0, orders: 0, revenue: 0, refunds: 0, conversion: null };
	}
	const shape = { day: '', v: 0, pv: 0, prv: 0, ca: 0, co: 0, o: 0, re: -0, ra: -0 };
	const list = s.members
		? rows(
				`SELECT day, count(*) AS v, sum(page_views) AS pv, sum(product_views) AS prv, sum(carts) AS ca, sum(checkouts) AS co,
				   sum(orders) AS o, sum(revenue) AS re, sum(refund_amount) AS ra
				 FROM stats_person_day WHERE day BETWEEN {:from} AND {:to}${inSegment(s)} GROUP BY day`,
				p,
				shape
			)
		: rows(
				`SELECT d.day AS day, coalesce(v.n, 0) AS v, d.page_views AS pv, d.product_views AS prv, d.carts AS ca, d.checkouts AS co,
				   d.orders AS o, d.revenue AS re, d.refund_amount AS ra
				 FROM stats_daily d LEFT JOIN (SELECT day, count(*) AS n FROM stats_person_day WHERE day BETWEEN {:from} AND {:to} GROUP BY day) v
				   ON v.day = d.day
				 WHERE d.day BETWEEN {:from} AND {:to}`,
				p,
				shape
			);
	for (const r of list) if (byDay[r.day]) byDay[r.day] = Object.assign({ day: r.day }, figures(r, r.v));
	const out = head(s);
	out.days = Object.keys(byDay)
		.sort()
		.map((k) => byDay[k]);
	return e.json(200, out);
}

function handleFunnel(e) {
	requireAnalyst(e);
	const s = scope(e);
	const f = shared.EVENT_FLAGS;
	const r = rows(
		`SELECT coalesce(sum(v), 0) AS v, coalesce(sum(v * c), 0) AS c, coalesce(sum(v * c * k), 0) AS k, coalesce(sum(v * c * k * p), 0) AS p FROM (
		   SELECT max((flags & ${f.product_view}) != 0) AS v, max((flags & ${f.add_to_cart}) != 0) AS c,
		     max((flags & ${f.checkout_start}) != 0) AS k, max((flags & ${f.purchase}) != 0) AS p
		   FROM stats_person_day WHERE day BETWEEN {:from} AND {:to}${inSegment(s)} GROUP BY person)`,
		params(s),
		{ v: 0, c: 0, k: 0, p: 0 }
	)[0];
	const out = head(s);
	out.steps = [
		{ step: 'view', count: r.v },
		{ step: 'cart', count: r.c },
		{ step: 'checkout', count: r.k },
		{ step: 'purchase', count: r.p }
	];
	return e.json(200, out);
}

/**
 * R, F, M scores over a source of (customer, order_count, total_spend) and `lastDay`, the shop day of
 * the last order. Recency and monetary: quintiles of rank among the customers with an order (two who
 * last bought on the same day tie). Frequency: the order count's place among the distinct counts the
 * shop's customers have (1 + floor(5 × (k − 1) ÷ d), the k-th of d distinct counts): in a shop where most
 * customers bought once, quintiles of rank gave every one-order customer F1 and every two-order
 * customer F4, and F2, F3 and "potential loyalists" were always empty (issue 18, item 10).
 */
function scoresOver(source, lastDay) {
	return `SELECT customer, total_spend, r, 1 + (5 * (fd - 1)) / max(fd) OVER () AS f, m FROM (
	SELECT customer, total_spend,
	1 + (5 * (rank() OVER (ORDER BY ${lastDay}) - 1)) / count(*) OVER () AS r,
	dense_rank() OVER (ORDER BY order_count) AS fd,
	1 + (5 * (rank() OVER (ORDER BY total_spend) - 1)) / count(*) OVER () AS m
	FROM (${source}) WHERE order_count > 0)`;
}

/** The scores now, from customer_stats (kept by every ingested batch). */
const SCORES_SQL = scoresOver(`SELECT customer, order_count, total_spend, last_order_at FROM customer_stats WHERE deleted = 0`, `date(last_order_at, '${TZ_OFFSET} minutes')`);

/**
 * The same scores as of a moment {:asOf} (ms) before the newest order or refund: each live customer's
 * orders, net spend and last order counted from the events up to it (customer_stats holds them up to
 * now). The same rules as customer_stats: a purchase event is an order, a refund event takes its
 * amount off.
 */
const SCORES_AS_OF_SQL = scoresOver(
	`SELECT e.customer AS customer, sum(e.type = 'purchase') AS order_count,
	round(coalesce(sum(CASE WHEN e.type = 'purchase' THEN e.total ELSE -e.total END), 0), 2) AS total_spend,
	max(CASE WHEN e.type = 'purchase' THEN e.ts END) AS last_ts
	FROM events e JOIN customers c ON c.id = e.customer AND c.deleted = 0
	WHERE e.type IN ('purchase', 'refund') AND e.ts < {:asOf} AND e.customer != ''
	GROUP BY e.customer`,
	`date(last_ts / 1000, 'unixepoch', '${TZ_OFFSET} minutes')`
);

/** The named segment of (r, f) in SQL, the same rules as shared.rfmSegment. */
const SEGMENT_SQL = `CASE
	WHEN r >= 4 AND f >= 4 THEN 'champions'
	WHEN r >= 3 AND f >= 3 THEN 'loyal'
	WHEN r >= 4 AND f = 1 THEN 'new'
	WHEN r >= 4 THEN 'potential_loyalists'
	WHEN r <= 2 AND f >= 3 THEN 'at_risk'
	WHEN r = 1 THEN 'lost'
	ELSE 'hibernating' END`;

function handleRfm(e) {
	requireAnalyst(e);
	const s = scope(e);
	// As of the end of the range or `now`, whichever is earlier: customer_stats when no order or refund
	// came after that moment (it then holds exactly those figures), else counted from the events.
	const asOf = Math.min(s.now + 1, dayEndMs(s.to));
	const later = rows(`SELECT EXISTS (SELECT 1 FROM events WHERE type IN ('purchase', 'refund') AND ts >= {:asOf}) AS later`, { asOf }, { later: false })[0].later;
	const list = rows(
		`SELECT r, f, ${SEGMENT_SQL} AS segment, count(*) AS n, sum(total_spend) AS revenue FROM (${later ? SCORES_AS_OF_SQL : SCORES_SQL})
		 WHERE true${inSegment(s, 'customer')} GROUP BY r, f`,
		params(s, { asOf }),
		{ r: 0, f: 0, segment: '', n: 0, revenue: -0 }
	);
	const bySegment = {};
	for (const name of shared.RFM_SEGMENTS) if (name) bySegment[name] = { segment: name, count: 0, revenue: -0 };
	const grid = [];
	let customers = 0;
	for (const row of list) {
		customers += row.n;
		bySegment[row.segment].count += row.n;
		bySegment[row.segment].revenue += row.revenue;
		grid.push({ r: row.r, f: row.f, count: row.n });
	}
	const out = head(s);
	out.customers = customers;
	out.segments = Object.keys(bySegment).map((k) => ({ segment: k, count: bySegment[k].count, revenue: money(bySegment[k].revenue) }));
	out.grid = grid.sort((a, b) => a.r - b.r || a.f - b.f);
	return e.json(200, out);
}

function handleCohorts(e) {
	requireAnalyst(e);
	const s = scope(e);
	const fromMonth = s.from.slice(0, 7);
	const toMonth = s.to.slice(0, 7);
	const list = rows(
		`WITH f AS (SELECT person, min(month) AS m0 FROM stats_orders WHERE purchased = 1${inSegment(s)} GROUP BY person),
		   a AS (SELECT DISTINCT person, month FROM stats_orders WHERE purchased = 1 AND month <= {:toMonth}${inSegment(s)})
		 SELECT f.m0 AS cohort, a.month AS month, count(*) AS n FROM f JOIN a ON a.person = f.person
		 WHERE f.m0 BETWEEN {:fromMonth} AND {:toMonth} GROUP BY f.m0, a.month`,
		params(s, { fromMonth, toMonth }),
		{ cohort: '', month: '', n: 0 }
	);
	const months = [];
	for (let m = fromMonth; m <= toMonth; m = shared.addMonths(m, 1)) months.push(m);
	const cohorts = {};
	for (const m of months) {
		const retained = [];
		for (let k = 0; k <= shared.monthsBetween(m, toMonth); k++) retained.push(0);
		cohorts[m] = { month: m, size: 0, retained };
	}
	for (const r of list) {
		const c = cohorts[r.cohort];
		if (!c) continue;
		const k = shared.monthsBetween(r.cohort, r.month);
		if (k >= 0 && k < c.retained.length) c.retained[k] = r.n;
		if (k === 0) c.size = r.n;
	}
	const out = head(s);
	out.months = months;
	out.cohorts = months.map((m) => cohorts[m]);
	return e.json(200, out);
}

/** The catalogue's names and pictures of these product ids (products collection; ids not in it are left out). */
function productNames(ids) {
	const out = {};
	const wanted = [...new Set(ids.filter(Boolean))];
	if (!wanted.length) return out;
	for (const r of rows(
		'SELECT product_id, name, image_url FROM products WHERE product_id IN (SELECT value FROM json_each({:ids}))',
		{ ids: JSON.stringify(wanted) },
		{ product_id: '', name: '', image_url: '' }
	)) {
		out[r.product_id] = { name: r.name, image_url: r.image_url };
	}
	return out;
}

function handleProducts(e) {
	requireAnalyst(e);
	const s = scope(e);
	const p = params(s);
	const shape = { key: '', category: '', views: 0, carts: 0, units: 0, revenue: -0 };
	let products;
	let categories;
	if (s.members) {
		const lines = `SELECT value->>'product_id' AS product_id, coalesce(value->>'category', '') AS category,
			  value->>'quantity' AS units, (value->>'price') * (value->>'quantity') AS revenue
			FROM stats_orders, json_each(stats_orders.items)
			WHERE purchased = 1 AND day BETWEEN {:from} AND {:to}${inSegment(s)}`;
		products = rows(
			`SELECT product_id AS key, max(category) AS category, 0 AS views, 0 AS carts, sum(units) AS units, sum(revenue) AS revenue
			FROM (${lines}) GROUP BY product_id ORDER BY revenue DESC, key LIMIT 10`,
			p,
			shape
		);
		categories = rows(
			`SELECT category AS key, '' AS category, 0 AS views, 0 AS carts, sum(units) AS units, sum(revenue) AS revenue
			FROM (${lines}) GROUP BY category ORDER BY revenue DESC, key LIMIT 10`,
			p,
			shape
		);
	} else {
		const perProduct = `SELECT product_id, max(category) AS category, sum(views) AS views, sum(carts) AS carts, sum(units) AS units,
			  sum(revenue) AS revenue FROM stats_product_day WHERE day BETWEEN {:from} AND {:to} GROUP BY product_id`;
		products = rows(
			`SELECT product_id AS key, category, views, carts, units, revenue FROM (${perProduct})
			ORDER BY revenue DESC, views DESC, key LIMIT 10`,
			p,
			shape
		);
		categories = rows(
			`SELECT category AS key, '' AS category, sum(views) AS views, sum(carts) AS carts, sum(units) AS units,
			  sum(revenue) AS revenue FROM (${perProduct}) GROUP BY category ORDER BY revenue DESC, views DESC, key LIMIT 10`,
			p,
			shape
		);
	}
	const seg = !!s.members;
	const out = head(s);
	const names = productNames(products.map((r) => r.key));
	out.products = products.map((r) => ({
		product_id: r.key,
		name: (names[r.key] && names[r.key].name) || '',
		image_url: (names[r.key] && names[r.key].image_url) || '',
		category: r.category,
		views: seg ? null : r.views,
		carts: seg ? null : r.carts,
		units: r.units,
		revenue: money(r.revenue)
	}));
	out.categories = categories.map((r) => ({ category: r.key, views: seg ? null : r.views, carts: seg ? null : r.carts, units: r.units, revenue: money(r.revenue) }));
	return e.json(200, out);
}

/** Writes current RFM scores and named segments into customer_stats (only rows that change). */
function refreshRfm() {
	let changed = 0;
	$app.runInTransaction((tx) => {
		const r1 = tx
			.db()
			.newQuery(
				`UPDATE customer_stats SET rfm_r = s.r, rfm_f = s.f, rfm_m = s.m, rfm_segment = s.segment,
			   updated = strftime('%Y-%m-%d %H:%M:%fZ', 'now')
			 FROM (SELECT customer, r, f, m, ${SEGMENT_SQL} AS segment FROM (${SCORES_SQL})) AS s
			 WHERE customer_stats.customer = s.customer
			   AND (rfm_r != s.r OR rfm_f != s.f OR rfm_m != s.m OR rfm_segment != s.segment)`
			)
			.execute();
		const r2 = tx
			.db()
			.newQuery(
				`UPDATE customer_stats SET rfm_r = 0, rfm_f = 0, rfm_m = 0, rfm_segment = '', updated = strftime('%Y-%m-%d %H:%M:%fZ', 'now')
			 WHERE order_count <= 0 AND (rfm_r != 0 OR rfm_segment != '')`
			)
			.execute();
		changed = r1.rowsAffected() + r2.rowsAffected();
	});
	if (changed) crmStatsChanged(); // devices hear of it (server/notify.go)
	return changed;
}

/**
 * Refreshes customer_stats.recent_views (the 10 latest product views) of the customers seen since the
 * last refresh, 500 customers per transaction, so ingestion never waits long on it.
 */
function refreshRecentViews() {
	const store = $app.store();
	const since = store.get('crm_recent_views_since') || '';
	const startedAt = new Date().toISOString().replace('T', ' ');
	const ids = rows('SELECT customer AS id FROM customer_stats WHERE last_seen >= {:since}', { since }, { id: '' }).map((r) => r.id);
	for (let i = 0; i < ids.length; i += 500) {
		const chunk = JSON.stringify(ids.slice(i, i + 500));
		$app.runInTransaction((tx) => {
			tx.db()
				.newQuery(
					`UPDATE customer_stats SET recent_views = coalesce((SELECT json_group_array(json_object('product_id', product_id, 'category', category, 'at', ts))
				   FROM (SELECT product_id, category, ts FROM events WHERE customer = customer_stats.customer AND type = 'product_view'
				         ORDER BY ts DESC, product_id DESC LIMIT 10)), '[]')
				 WHERE customer IN (SELECT value FROM json_each({:ids}))`
				)
				.bind({ ids: chunk })
				.execute();
		});
	}
	store.set('crm_recent_views_since', startedAt);
	if (ids.length) crmStatsChanged();
	return ids.length;
}

function handleRefresh(e) {
	requireAnalyst(e);
	const changed = refreshRfm();
	const views = refreshRecentViews();
	const products = require(`${__hooks}/lib/products.js`).learnFromEvents();
	return e.json(200, { changed, recent_views: views, products_learned: products });
}

/** GET /api/crm/customers/{id}/timeline: the customer's latest events and orders, for who may view it. */
function handleTimeline(e) {
	const info = e.requestInfo();
	let customer = null;
	try {
		customer = $app.findRecordById('customers', e.request.pathValue('id'));
	} catch (_notFound) {
		customer = null;
	}
	if (!customer || !$app.canAccessRecord(customer, info, customer.collection().viewRule)) throw new NotFoundError('customer not found');
	const events = rows(
		`SELECT event_id AS id, type, ts, product_id, category, price, quantity, order_id, total, query, url FROM events
		 WHERE customer = {:id} ORDER BY ts DESC, event_id DESC LIMIT 50`,
		{ id: customer.id },
		{ id: '', type: '', ts: 0, product_id: '', category: '', price: -0, quantity: 0, order_id: '', total: -0, query: '', url: '' }
	);
	const orders = rows(
		`SELECT order_id, ts, total, refunded, items FROM stats_orders WHERE person = {:id} AND purchased = 1 ORDER BY ts DESC LIMIT 20`,
		{ id: customer.id },
		{ order_id: '', ts: 0, total: -0, refunded: -0, items: '' }
	);
	const parsed = orders.map((r) => JSON.parse(r.items || '[]'));
	const products = productNames([...events.map((r) => r.product_id), ...parsed.flatMap((items) => (Array.isArray(items) ? items.map((i) => i && i.product_id) : []))]);
	return e.json(200, {
		as_of: new Date().toISOString(),
		products,
		events: events.map((r) => ({
			id: r.id,
			type: r.type,
			time: new Date(r.ts).toISOString(),
			product_id: r.product_id,
			category: r.category,
			price: r.price,
			quantity: r.quantity,
			order_id: r.order_id,
			total: r.total,
			query: r.query,
			url: r.url
		})),
		orders: orders.map((r, i) => ({ order_id: r.order_id, time: new Date(r.ts).toISOString(), total: r.total, refunded: r.refunded, items: parsed[i] }))
	});
}

module.exports = { handleOverview, handleTrends, handleFunnel, handleRfm, handleCohorts, handleProducts, handleRefresh, handleTimeline, refreshRfm, refreshRecentViews };
