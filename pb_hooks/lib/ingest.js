/// <reference path="../../pb_data/types.d.ts" />
// POST /api/crm/events: shop behaviour events in batches (docs/api/ingestion.md).
//
// A batch is read, checked event by event (lib/shared.js validateEvent), and every valid new event
// is written in ONE transaction together with the rollups the statistics read (stats_daily,
// stats_person_day, stats_product_day, stats_orders, identities, customer_stats). The answer is
// sent after the commit, so an event answered with 200 is stored, and stored once: a repeated event
// id is found inside the same transaction and counted as a duplicate. Rollups only add (sums, counts,
// bit-or of flags), so they do not depend on the order batches arrive in; per-customer figures are
// recomputed from the stored events and orders of the customers a batch touched.
//
// The work is done with a few set-wise SQL statements per batch (rows passed as one JSON parameter
// and read with json_each), not one statement per event: that is what keeps a 500-event batch in
// tens of milliseconds inside PocketBase's JS runtime.
const shared = require(`${__hooks}/lib/shared.js`);

const LIMITS = shared.EVENT_LIMITS;
// CRM_PROFILE=1: each batch logs where its time went (look-ups, planning, waiting for its commit).
const PROFILE = !!$os.getenv('CRM_PROFILE');
const TZ_OFFSET = (() => {
	const v = Number($os.getenv('CRM_TZ_OFFSET_MINUTES'));
	return $os.getenv('CRM_TZ_OFFSET_MINUTES') !== '' && isFinite(v) && Math.abs(v) <= 14 * 60 ? Math.floor(v) : 480;
})();

function fail(e, status, code, message, extra) {
	const body = { status, code, message };
	if (extra) for (const k in extra) body[k] = extra[k];
	return e.json(status, body);
}

function sha256(text) {
	return $security.sha256(text);
}

/** The key from the Authorization or X-Shop-Key header, or '' (the body may still carry one). */
function headerKey(e) {
	const auth = e.request.header.get('Authorization') || '';
	const m = /^Bearer\s+(\S+)$/i.exec(auth.trim());
	if (m) return m[1];
	return (e.request.header.get('X-Shop-Key') || '').trim();
}

function findSource(key) {
	if (!key || typeof key !== 'string' || key.length > 200) return null;
	try {
		return $app.findFirstRecordByData('shop_sources', 'key_hash', sha256(key));
	} catch (_notFound) {
		return null;
	}
}

/**
 * Token bucket per key in the app store (shared by all JS runtimes): capacity one minute's worth,
 * refilled continuously. Returns 0 when the batch may pass, else the seconds to wait.
 */
function rateWait(source, cost) {
	const perMinute = source.getInt('rate_limit') || LIMITS.defaultRatePerMinute;
	const perMs = perMinute / 60000;
	const storeKey = `crm_rate_${source.id}`;
	const now = Date.now();
	const prev = $app.store().get(storeKey);
	let tokens = perMinute;
	if (prev && typeof prev.t === 'number') tokens = Math.min(perMinute, prev.t + (now - prev.at) * perMs);
	// A batch larger than a minute's worth passes when the bucket is full (the bucket goes into debt),
	// so a low limit slows a sender down rather than refusing a big batch for ever.
	if (tokens < Math.min(cost, perMinute)) {
		$app.store().set(storeKey, { t: tokens, at: now });
		return Math.max(1, Math.ceil((cost - tokens) / perMs / 1000));
	}
	$app.store().set(storeKey, { t: tokens - cost, at: now });
	return 0;
}

function query(db, sql, params) {
	const q = db.newQuery(sql);
	if (params) q.bind(params);
	return q;
}

function rows(db, sql, params, shape) {
	const out = arrayOf(new DynamicModel(shape));
	query(db, sql, params).all(out);
	return out;
}

function add(map, key, init) {
	let v = map[key];
	if (!v) {
		v = init();
		map[key] = v;
	}
	return v;
}

const NOW_SQL = "strftime('%Y-%m-%d %H:%M:%fZ', 'now')";
const NEW_ID_SQL = 'lower(substr(hex(randomblob(8)), 1, 15))';
const STAMP = (col) => `CASE WHEN ${col} IS NULL THEN '' ELSE datetime(${col} / 1000, 'unixepoch') || '.' || printf('%03d', ${col} % 1000) || 'Z' END`;

/** Creates the customers a batch names by shop id and the CRM does not know yet (source = shop). */
function newCustomersStatement(newCustomers) {
	const rowsOut = newCustomers.map((nc) => {
		const t = nc.traits || {};
		return { id: nc.id, name: t.name || `Shop customer ${nc.ext}`, phones: t.phones || [], emails: t.emails || [], addresses: t.addresses || [], region: t.region || '', ext: nc.ext };
	});
	return {
		sql: `INSERT INTO customers (id, name, phones, emails, addresses, tags, region, source, external_id, history, field_times, created, updated)
		 SELECT value->>'id', value->>'name', json(value->'phones'), json(value->'emails'), json(value->'addresses'), '[]', value->>'region',
		   'shop', value->>'ext', '[]', '{}', ${NOW_SQL}, ${NOW_SQL} FROM json_each({:rows})`,
		params: { rows: JSON.stringify(rowsOut) }
	};
}

/** Moves an anonymous shopper's days and orders to the customer it was just linked to. */
function linkStatements(anon, customer, now) {
	const person = `a:${anon}`;
	return [
		{ sql: 'INSERT INTO identities (anon_id, customer, linked_at) VALUES ({:anon}, {:customer}, {:now})', params: { anon, customer, now } },
		{ sql: "UPDATE events SET customer = {:customer} WHERE anon_id = {:anon} AND anon_id != '' AND customer = ''", params: { anon, customer } },
		{
			sql: `INSERT INTO stats_person_day (day, person, customer, flags, events, page_views, product_views, carts, checkouts, orders, revenue, refund_amount)
			 SELECT day, {:customer}, {:customer}, flags, events, page_views, product_views, carts, checkouts, orders, revenue, refund_amount
			 FROM stats_person_day WHERE person = {:person} AND true
			 ON CONFLICT (day, person) DO UPDATE SET flags = flags | excluded.flags, events = events + excluded.events,
			   page_views = page_views + excluded.page_views, product_views = product_views + excluded.product_views,
			   carts = carts + excluded.carts, checkouts = checkouts + excluded.checkouts, orders = orders + excluded.orders,
			   revenue = round(revenue + excluded.revenue, 2), refund_amount = round(refund_amount + excluded.refund_amount, 2)`,
			params: { customer, person }
		},
		{ sql: 'DELETE FROM stats_person_day WHERE person = {:person}', params: { person } },
		{ sql: 'UPDATE stats_orders SET person = {:customer}, customer = {:customer} WHERE person = {:person}', params: { customer, person } }
	];
}

const STATS_COLUMNS = `id, customer, first_seen, last_seen, order_count, total_spend, avg_order, last_order_at,
	recent_views, rfm_r, rfm_f, rfm_m, rfm_segment, deleted, seq, created, updated`;

/**
 * Recomputes customer_stats of the given customers from their stored events (after a link moved an
 * anonymous shopper's events to them). Same figures as customerStatsStatement adds up batch by batch.
 */
function recomputeStatement(customerIds) {
	return {
		sql: `INSERT INTO customer_stats (${STATS_COLUMNS})
		 SELECT ${NEW_ID_SQL}, cust, ${STAMP('fs')}, ${STAMP('ls')}, oc, sp, CASE WHEN oc > 0 THEN round(sp / oc, 2) ELSE 0 END,
		   ${STAMP('lo')}, '[]', 0, 0, 0, '', 0, 0, ${NOW_SQL}, ${NOW_SQL}
		 FROM (
		   SELECT c.value AS cust,
		     (SELECT min(ts) FROM events WHERE customer = c.value) AS fs,
		     (SELECT max(ts) FROM events WHERE customer = c.value) AS ls,
		     (SELECT count(*) FROM events WHERE customer = c.value AND type = 'purchase') AS oc,
		     (SELECT round(coalesce(sum(CASE WHEN type = 'purchase' THEN total ELSE -total END), 0), 2) FROM events
		       WHERE customer = c.value AND type IN ('purchase', 'refund')) AS sp,
		     (SELECT max(ts) FROM events WHERE customer = c.value AND type = 'purchase') AS lo
		   FROM json_each({:ids}) c
		 ) WHERE true
		 ON CONFLICT (customer) DO UPDATE SET first_seen = excluded.first_seen, last_seen = excluded.last_seen,
		   order_count = excluded.order_count, total_spend = excluded.total_spend, avg_order = excluded.avg_order,
		   last_order_at = excluded.last_order_at, updated = excluded.updated`,
		params: { ids: JSON.stringify(customerIds) }
	};
}

/**
 * Adds one batch to customer_stats: first/last seen (min/max), orders and net spend (sums), last order
 * (max). The latest product views are refreshed with the RFM scores (lib/stats.js), not per batch:
 * merging those lists cost more than all the other rollups together.
 */
function customerStatsStatement(deltas) {
	return {
		sql: `INSERT INTO customer_stats (${STATS_COLUMNS})
		 SELECT ${NEW_ID_SQL}, c, ${STAMP('fs')}, ${STAMP('ls')}, oc, sp, CASE WHEN oc > 0 THEN round(sp / oc, 2) ELSE 0 END,
		   ${STAMP('lo')}, '[]', 0, 0, 0, '', 0, 0, ${NOW_SQL}, ${NOW_SQL}
		 FROM (SELECT value->>'c' AS c, value->>'fs' AS fs, value->>'ls' AS ls, value->>'oc' AS oc, value->>'sp' AS sp,
		   value->>'lo' AS lo FROM jsonb_each({:rows})) WHERE true
		 ON CONFLICT (customer) DO UPDATE SET
		   first_seen = CASE WHEN first_seen = '' OR excluded.first_seen < first_seen THEN excluded.first_seen ELSE first_seen END,
		   last_seen = max(last_seen, excluded.last_seen),
		   order_count = order_count + excluded.order_count,
		   total_spend = round(total_spend + excluded.total_spend, 2),
		   avg_order = CASE WHEN order_count + excluded.order_count > 0
		     THEN round(round(total_spend + excluded.total_spend, 2) / (order_count + excluded.order_count), 2) ELSE 0 END,
		   last_order_at = max(last_order_at, excluded.last_order_at),
		   updated = excluded.updated`,
		params: { rows: JSON.stringify(deltas) }
	};
}

/**
 * What the database says about a batch: the facts its plan is built on. Each look-up is one query
 * with one text column; the plan carries them as checks that must still find the same rows when the
 * plan is applied (server/groupcommit.go).
 */
function lookUp(db, source, fresh) {
	const ids = [];
	const orderIds = [];
	const exts = {};
	const anons = {};
	for (const ev of fresh) {
		ids.push(ev.event_id);
		if (ev.type === 'purchase') orderIds.push(ev.order_id);
		if (ev.customer_ext) exts[ev.customer_ext] = true;
		if (ev.anon_id) anons[ev.anon_id] = true;
	}
	const checks = [
		{ sql: 'SELECT event_id AS v FROM events WHERE source = {:source} AND event_id IN (SELECT value FROM json_each({:ids}))', params: { source: source.id, ids: JSON.stringify(ids) } },
		{ sql: 'SELECT order_id AS v FROM stats_orders WHERE purchased = 1 AND order_id IN (SELECT value FROM json_each({:ids}))', params: { ids: JSON.stringify(orderIds) } },
		{ sql: "SELECT external_id || '=' || id AS v FROM customers WHERE external_id != '' AND external_id IN (SELECT value FROM json_each({:ids}))", params: { ids: JSON.stringify(Object.keys(exts)) } },
		{ sql: "SELECT anon_id || '=' || customer AS v FROM identities WHERE anon_id IN (SELECT value FROM json_each({:ids}))", params: { ids: JSON.stringify(Object.keys(anons)) } }
	];
	for (const c of checks) c.expect = rows(db, c.sql, c.params, { v: '' }).map((r) => r.v);
	const look = { checks, stored: {}, purchased: {}, customerOf: {}, linked: {} };
	for (const v of checks[0].expect) look.stored[v] = true;
	for (const v of checks[1].expect) look.purchased[v] = true;
	const pairs = (list, into) => {
		for (const v of list) {
			const at = v.lastIndexOf('=');
			into[v.slice(0, at)] = v.slice(at + 1);
		}
	};
	pairs(checks[2].expect, look.customerOf);
	pairs(checks[3].expect, look.linked);
	return look;
}

const CUSTOMER_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Everything a batch will write, worked out from the validated events and what the database said
 * (lookUp): which events are new, the customers to create, the links to make, and one statement per
 * table. Pure JS, so it runs before the write transaction, in parallel with other batches' commits.
 */
function buildPlan(source, events, look, now) {
	const result = { accepted: 0, duplicates: 0, rejected: [] };
	const plan = { result, look, fresh: [], newCustomers: [], links: [], statements: [], relinked: [] };

	// 1. Repeated ids (inside the batch, or stored already), and second purchases of an order.
	const seen = {};
	for (const f of events) {
		if (seen[f.event.event_id]) result.duplicates++;
		else {
			seen[f.event.event_id] = true;
			plan.fresh.push(f.event);
		}
	}
	const purchased = {};
	for (const k in look.purchased) purchased[k] = true;
	const batch = [];
	for (let i = 0; i < events.length; i++) {
		const ev = events[i].event;
		if (seen[ev.event_id] !== true) continue; // a repeat inside the batch (counted above)
		seen[ev.event_id] = 'done';
		if (look.stored[ev.event_id]) {
			result.duplicates++;
			continue;
		}
		if (ev.type === 'purchase') {
			if (purchased[ev.order_id]) {
				result.rejected.push({ index: events[i].index, id: ev.event_id, field: 'order_id', code: 'order_exists', message: `order ${ev.order_id} was already recorded as purchased` });
				continue;
			}
			purchased[ev.order_id] = true;
		}
		batch.push(ev);
	}
	if (!batch.length) return plan;

	// 2. Customers by shop id (new ones get their id now), and anonymous ids linked to a customer.
	const customerOf = {};
	for (const k in look.customerOf) customerOf[k] = look.customerOf[k];
	const created = {};
	for (const ev of batch) {
		if (!ev.customer_ext) continue;
		let nc = created[ev.customer_ext];
		if (!nc && !customerOf[ev.customer_ext]) {
			nc = { id: $security.randomStringWithAlphabet(15, CUSTOMER_ID_ALPHABET), ext: ev.customer_ext, traits: null };
			created[ev.customer_ext] = nc;
			customerOf[ev.customer_ext] = nc.id;
			plan.newCustomers.push(nc);
		}
		if (nc && !nc.traits && ev.traits) nc.traits = ev.traits; // the first event with traits names them
	}
	const linked = {};
	for (const k in look.linked) linked[k] = look.linked[k];
	const relinked = {};
	// The first event carrying both ids links the anonymous id (once); earlier anonymous data moves.
	for (const ev of batch) {
		if (ev.anon_id && ev.customer_ext && !linked[ev.anon_id]) {
			const customer = customerOf[ev.customer_ext];
			linked[ev.anon_id] = customer;
			plan.links.push({ anon: ev.anon_id, customer });
			relinked[customer] = true;
		}
	}
	plan.relinked = Object.keys(relinked);

	// 3. The events themselves, each with the shopper ("person") it counts for.
	const rowsOut = [];
	for (const ev of batch) {
		const customer = ev.customer_ext ? customerOf[ev.customer_ext] : linked[ev.anon_id] || '';
		ev.customer = customer;
		ev.person = customer || `a:${ev.anon_id}`;
		rowsOut.push([
			source.id, ev.event_id, ev.type, ev.ts, ev.day, ev.anon_id, customer, ev.customer_ext, ev.product_id, ev.sku, ev.category,
			ev.price, ev.quantity, ev.order_id, ev.total, ev.query, ev.url, ev.referrer, ev.items, ev.properties
		]);
	}
	const rowsJson = JSON.stringify(rowsOut);
	plan.statements.push({
		sql: `INSERT INTO events (id, source, event_id, type, ts, day, anon_id, customer, customer_ext, product_id, sku, category,
		   price, quantity, order_id, total, query, url, referrer, items, properties, created, updated)
		 SELECT ${NEW_ID_SQL}, value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7,
		   value->>8, value->>9, value->>10, value->>11, value->>12, value->>13, value->>14, value->>15, value->>16, value->>17,
		   json(value->18), json(value->19), ${NOW_SQL}, ${NOW_SQL}
		 FROM jsonb_each({:rows})`,
		params: { rows: rowsJson }
	});
	result.accepted = batch.length;

	// 4. Rollups, summed per key in the batch, then added with one statement per table.
	const daily = {};
	const personDay = {};
	const productDay = {};
	const orders = [];
	const refunds = {};
	const custDelta = {};
	for (const ev of batch) {
		if (ev.customer && !relinked[ev.customer]) {
			const c = add(custDelta, ev.customer, () => ({ c: ev.customer, fs: ev.ts, ls: ev.ts, oc: 0, sp: 0, lo: null }));
			if (ev.ts < c.fs) c.fs = ev.ts;
			if (ev.ts > c.ls) c.ls = ev.ts;
			if (ev.type === 'purchase') {
				c.oc++;
				c.sp += ev.total;
				if (c.lo === null || ev.ts > c.lo) c.lo = ev.ts;
			} else if (ev.type === 'refund') c.sp -= ev.total;
		}
		const d = add(daily, ev.day, () => ({ day: ev.day, ev: 0, pv: 0, prv: 0, se: 0, ca: 0, cr: 0, co: 0, or: 0, re: 0, rf: 0, ra: 0 }));
		const pd = add(personDay, `${ev.day}|${ev.person}`, () => ({ day: ev.day, person: ev.person, customer: ev.customer, fl: 0, ev: 0, pv: 0, prv: 0, ca: 0, co: 0, or: 0, re: 0, ra: 0 }));
		d.ev++;
		pd.ev++;
		pd.fl |= shared.eventFlag(ev.type);
		const product = (id) => add(productDay, `${ev.day}|${id}`, () => ({ day: ev.day, p: id, g: '', v: 0, c: 0, u: 0, r: 0 }));
		switch (ev.type) {
			case 'page_view':
				d.pv++;
				pd.pv++;
				break;
			case 'product_view': {
				d.prv++;
				pd.prv++;
				const p = product(ev.product_id);
				p.v++;
				if (ev.category) p.g = ev.category;
				break;
			}
			case 'search':
				d.se++;
				break;
			case 'add_to_cart': {
				d.ca++;
				pd.ca++;
				const p = product(ev.product_id);
				p.c++;
				if (ev.category) p.g = ev.category;
				break;
			}
			case 'remove_from_cart':
				d.cr++;
				break;
			case 'checkout_start':
				d.co++;
				pd.co++;
				break;
			case 'purchase': {
				d.or++;
				d.re += ev.total;
				pd.or++;
				pd.re += ev.total;
				const lines = ev.items || (ev.product_id ? [{ product_id: ev.product_id, sku: ev.sku, category: ev.category, price: ev.price, quantity: ev.quantity }] : []);
				for (const line of lines) {
					const p = product(line.product_id);
					p.u += line.quantity;
					p.r += line.price * line.quantity;
					if (line.category) p.g = line.category;
				}
				orders.push({ o: ev.order_id, p: ev.person, c: ev.customer, ts: ev.ts, d: ev.day, m: ev.day.slice(0, 7), t: ev.total, i: lines });
				break;
			}
			case 'refund': {
				d.rf++;
				d.ra += ev.total;
				pd.ra += ev.total;
				const r = add(refunds, ev.order_id, () => ({ o: ev.order_id, p: ev.person, c: ev.customer, a: 0 }));
				r.a += ev.total;
				break;
			}
			default:
				break;
		}
	}
	const values = (map) => JSON.stringify(Object.keys(map).map((k) => map[k]));
	plan.statements.push({
		sql: `INSERT INTO stats_daily (day, events, page_views, product_views, searches, carts, cart_removals, checkouts, orders, revenue, refunds, refund_amount)
		 SELECT value->>'day', value->>'ev', value->>'pv', value->>'prv', value->>'se', value->>'ca', value->>'cr', value->>'co', value->>'or',
		   value->>'re', value->>'rf', value->>'ra' FROM jsonb_each({:rows}) WHERE true
		 ON CONFLICT (day) DO UPDATE SET events = events + excluded.events, page_views = page_views + excluded.page_views,
		   product_views = product_views + excluded.product_views, searches = searches + excluded.searches, carts = carts + excluded.carts,
		   cart_removals = cart_removals + excluded.cart_removals, checkouts = checkouts + excluded.checkouts, orders = orders + excluded.orders,
		   revenue = round(revenue + excluded.revenue, 2), refunds = refunds + excluded.refunds, refund_amount = round(refund_amount + excluded.refund_amount, 2)`,
		params: { rows: values(daily) }
	});
	plan.statements.push({
		sql: `INSERT INTO stats_person_day (day, person, customer, flags, events, page_views, product_views, carts, checkouts, orders, revenue, refund_amount)
		 SELECT value->>'day', value->>'person', value->>'customer', value->>'fl', value->>'ev', value->>'pv', value->>'prv', value->>'ca',
		   value->>'co', value->>'or', value->>'re', value->>'ra' FROM jsonb_each({:rows}) WHERE true
		 ON CONFLICT (day, person) DO UPDATE SET flags = flags | excluded.flags, events = events + excluded.events,
		   page_views = page_views + excluded.page_views, product_views = product_views + excluded.product_views,
		   carts = carts + excluded.carts, checkouts = checkouts + excluded.checkouts, orders = orders + excluded.orders,
		   revenue = round(revenue + excluded.revenue, 2), refund_amount = round(refund_amount + excluded.refund_amount, 2)`,
		params: { rows: values(personDay) }
	});
	if (Object.keys(productDay).length) {
		plan.statements.push({
			sql: `INSERT INTO stats_product_day (day, product_id, category, views, carts, units, revenue)
			 SELECT value->>'day', value->>'p', value->>'g', value->>'v', value->>'c', value->>'u', value->>'r' FROM jsonb_each({:rows}) WHERE true
			 ON CONFLICT (day, product_id) DO UPDATE SET category = CASE WHEN excluded.category != '' THEN excluded.category ELSE category END,
			   views = views + excluded.views, carts = carts + excluded.carts, units = units + excluded.units, revenue = round(revenue + excluded.revenue, 2)`,
			params: { rows: values(productDay) }
		});
	}
	if (orders.length) {
		plan.statements.push({
			sql: `INSERT INTO stats_orders (order_id, person, customer, ts, day, month, purchased, total, refunded, items)
			 SELECT value->>'o', value->>'p', value->>'c', value->>'ts', value->>'d', value->>'m', 1, value->>'t', 0, json(value->'i')
			 FROM jsonb_each({:rows}) WHERE true
			 ON CONFLICT (order_id) DO UPDATE SET person = excluded.person, customer = excluded.customer, ts = excluded.ts, day = excluded.day,
			   month = excluded.month, purchased = 1, total = excluded.total, items = excluded.items`,
			params: { rows: JSON.stringify(orders) }
		});
	}
	if (Object.keys(refunds).length) {
		plan.statements.push({
			sql: `INSERT INTO stats_orders (order_id, person, customer, refunded)
			 SELECT value->>'o', value->>'p', value->>'c', value->>'a' FROM jsonb_each({:rows}) WHERE true
			 ON CONFLICT (order_id) DO UPDATE SET refunded = round(refunded + excluded.refunded, 2)`,
			params: { rows: values(refunds) }
		});
	}
	const deltas = [];
	for (const id in custDelta) {
		const c = custDelta[id];
		c.sp = Math.round(c.sp * 100) / 100;
		deltas.push(c);
	}
	if (deltas.length) plan.statements.push(customerStatsStatement(deltas));
	return plan;
}

/**
 * Stores a validated batch: looks up, plans, and hands the plan to the group committer
 * (server/groupcommit.go), which answers once the batch is committed ("ok"), or "stale" when another
 * batch changed what the plan was built on: then it is looked up and planned again.
 */
function storeBatch(source, events) {
	const fresh = events.map((f) => f.event);
	for (let attempt = 0; attempt < 20; attempt++) {
		const now = Date.now();
		const look = lookUp($app.db(), source, fresh);
		const tLook = Date.now();
		const plan = buildPlan(source, events, look, now);
		const tPlan = Date.now();
		if (!plan.result.accepted) return plan.result;
		const statements = [];
		if (plan.newCustomers.length) statements.push(newCustomersStatement(plan.newCustomers));
		for (const link of plan.links) for (const st of linkStatements(link.anon, link.customer, now)) statements.push(st);
		for (const st of plan.statements) statements.push(st);
		if (plan.relinked.length) statements.push(recomputeStatement(plan.relinked));
		statements.push({ sql: `UPDATE shop_sources SET last_used_at = ${NOW_SQL} WHERE id = {:id}`, params: { id: source.id } });
		const checks = plan.look.checks.map((c) => ({ sql: c.sql, params: c.params, expect: c.expect }));
		const tBuilt = Date.now();
		const status = crmCommit({ checks, statements });
		if (PROFILE) console.log(`ingest look ${tLook - now} plan ${tPlan - tLook} build ${tBuilt - tPlan} commit ${Date.now() - tBuilt} ${status}`);
		if (status === 'ok') return plan.result;
		if (status !== 'stale') throw new Error(`storing the batch failed: ${status}`);
	}
	throw new ApiError(503, 'the events could not be stored now (too many overlapping batches); send the batch again', {});
}

/** Reads the body within the size limit; null when it is larger. */
function readBody(e) {
	const declared = e.request.contentLength;
	if (declared > LIMITS.bodyBytes) return null;
	const text = readerToString(e.request.body, LIMITS.bodyBytes + 1);
	// readerToString counts bytes; a string's length counts UTF-16 units, never more than the bytes.
	if (text.length > LIMITS.bodyBytes) return null;
	return text;
}

function handleEvents(e) {
	let text;
	try {
		text = readBody(e);
	} catch (_tooLarge) {
		text = null;
	}
	if (text === null) return fail(e, 413, 'body_too_large', `the body is larger than ${LIMITS.bodyBytes} bytes; send smaller batches`);

	let key = headerKey(e);
	let source = null;
	if (key) {
		source = findSource(key);
		if (!source) return fail(e, 401, 'unknown_key', 'this shop key is not known: check the key in Settings → Shop connections');
	}

	let body;
	try {
		body = JSON.parse(text);
	} catch (_badJson) {
		return fail(e, 400, 'invalid_json', 'the body is not valid JSON');
	}
	let list = null;
	let sentAt = null;
	if (Array.isArray(body)) list = body;
	else if (body && typeof body === 'object' && Array.isArray(body.events)) {
		list = body.events;
		if (!key && typeof body.key === 'string') key = body.key;
		if (body.sent_at !== undefined && body.sent_at !== null) {
			sentAt = shared.parseEventTime(body.sent_at);
			if (isNaN(sentAt)) return fail(e, 400, 'invalid_body', 'sent_at must be an ISO 8601 time or milliseconds since 1970', { field: 'sent_at' });
		}
	}
	if (!source) {
		if (!key) return fail(e, 401, 'missing_key', 'send the shop key in the Authorization header (Bearer), X-Shop-Key, or as "key" in the body');
		source = findSource(key);
		if (!source) return fail(e, 401, 'unknown_key', 'this shop key is not known: check the key in Settings → Shop connections');
	}
	if (source.getBool('revoked')) return fail(e, 401, 'key_revoked', 'this shop key was revoked: create a new one in Settings → Shop connections');
	if (list === null) return fail(e, 400, 'invalid_body', 'the body must be a JSON array of events or an object with an "events" array');
	if (list.length > LIMITS.eventsPerBatch) {
		return fail(e, 413, 'too_many_events', `a batch takes at most ${LIMITS.eventsPerBatch} events; this one has ${list.length}`);
	}
	const wait = rateWait(source, Math.max(1, list.length));
	if (wait > 0) {
		e.response.header().set('Retry-After', String(wait));
		// tracker.js runs on the shop's own site: let it read the header across origins.
		e.response.header().set('Access-Control-Expose-Headers', 'Retry-After');
		return fail(e, 429, 'rate_limited', `too many events for this key; try again in ${wait} s`, { retry_after: wait });
	}

	const now = Date.now();
	const ctx = { now, skewMs: sentAt === null ? 0 : now - sentAt, kind: source.getString('kind') === 'server' ? 'server' : 'browser', tzOffsetMinutes: TZ_OFFSET };
	const valid = [];
	const rejected = [];
	for (let i = 0; i < list.length; i++) {
		const r = shared.validateEvent(list[i], ctx);
		if (r.error) {
			const id = list[i] && typeof list[i] === 'object' && typeof list[i].id === 'string' ? list[i].id.slice(0, 64) : null;
			rejected.push({ index: i, id, field: r.error.field, code: r.error.code, message: r.error.message });
		} else valid.push({ index: i, event: r.event });
	}
	let result = { accepted: 0, duplicates: 0, rejected: [] };
	if (valid.length) {
		result = storeBatch(source, valid);
	}
	const all = rejected.concat(result.rejected).sort((a, b) => a.index - b.index);
	return e.json(200, { accepted: result.accepted, duplicates: result.duplicates, rejected: all });
}

module.exports = { handleEvents, TZ_OFFSET };
