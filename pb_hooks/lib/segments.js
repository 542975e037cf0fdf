/// <reference path="../../pb_data/types.d.ts" />
// Segment membership on the server, with the same rule engine the device runs (pb_hooks/lib/shared.js),
// so a count seen on a phone and a campaign's audience agree.
//
// Which customers: exactly those the caller may list. The customers collection's own listRule is
// turned into SQL by PocketBase's rule resolver (crmListableIds, server/listable.go), as the records
// list API does, so the members follow the rule as it is, not a copy of it.
const shared = require(`${__hooks}/lib/shared.js`);
const { badRequest } = require(`${__hooks}/lib/errors.js`);

const MAX_IDS = 50000;
// `now` may be fixed by the caller (tests, "as of" previews); outside these bounds it is clamped.
const NOW_MIN = Date.UTC(2000, 0, 1);
const NOW_MAX = Date.UTC(2100, 0, 1);

function parseJson(text) {
	if (!text) return null;
	try {
		return JSON.parse(text);
	} catch (_badJson) {
		return null; // a stored value that is not JSON reads as empty, as on the device
	}
}

/** GET ?now=<ms>: the clock the rule is evaluated at (ages, days since…). */
function parseNow(raw) {
	if (raw === undefined || raw === null || raw === '') return Date.now();
	const n = Number(raw);
	if (!isFinite(n)) throw badRequest([{ field: 'now', code: 'invalid', message: 'now must be a time in milliseconds since 1970' }]);
	return Math.min(NOW_MAX, Math.max(NOW_MIN, Math.floor(n)));
}

function findSegment(id, info) {
	let segment = null;
	try {
		segment = $app.findRecordById('segments', id);
	} catch (_notFound) {
		segment = null;
	}
	// 404 rather than 403 for a segment the caller may not see, as the records API answers.
	if (!segment || segment.getBool('deleted') || !$app.canAccessRecord(segment, info, segment.collection().viewRule)) {
		throw new NotFoundError('segment not found');
	}
	return segment;
}

// The columns behind each rule field (src/lib/shared/segments.ts SEGMENT_COLUMNS).
const CUSTOMER_COLUMNS = {};
const STATS_COLUMNS = {};
for (const [field, at] of Object.entries(shared.SEGMENT_COLUMNS)) (at.table === 'customers' ? CUSTOMER_COLUMNS : STATS_COLUMNS)[field] = at.column;

function columnJson(column) {
	if (column === 'tags') return "'tags', json(CASE WHEN json_valid(c.tags) THEN c.tags ELSE 'null' END)";
	if (column === 'marketing_consent') return "'marketing_consent', json(CASE WHEN c.marketing_consent THEN 'true' ELSE 'false' END)";
	// Personal columns are sealed (server/fieldcrypt.go, crmSecretFields): opened in the query.
	if (crmSecretFields.customers.includes(column)) return `'${column}', crm_open('customers.${column}', c.${column})`;
	return `'${column}', c.${column}`;
}

/**
 * Every customer the caller may list (crmListableIds: the list rule as one SQL query,
 * server/listable.go), ordered by id, as plain objects with only the columns the rule reads (and
 * their stats when it reads any): one query returning JSON, not 20,000 records.
 */
function segmentRows(info, rule) {
	const ta = Date.now();
	const ids = crmListableIds('customers', info);
	const tb = Date.now();
	if (!ids.length) return [];
	const fields = rule ? shared.ruleFields(rule) : [];
	const customerCols = {};
	const statsCols = {};
	for (const f of fields) {
		if (CUSTOMER_COLUMNS[f]) customerCols[CUSTOMER_COLUMNS[f]] = true;
		if (STATS_COLUMNS[f]) statsCols[STATS_COLUMNS[f]] = true;
	}
	const parts = ["'id', c.id"].concat(Object.keys(customerCols).map(columnJson));
	const statsList = Object.keys(statsCols);
	if (statsList.length) {
		parts.push(`'stats', CASE WHEN s.id IS NULL OR s.deleted THEN NULL ELSE json_object(${statsList.map((col) => `'${col}', s.${col}`).join(', ')}) END`);
	}
	const out = arrayOf(new DynamicModel({ rows: '' }));
	$app
		.db()
		.newQuery(
			`SELECT json_group_array(json_object(${parts.join(', ')}) ORDER BY c.id) AS rows
		 FROM (SELECT value AS id FROM json_each({:ids})) l JOIN customers c ON c.id = l.id
		 ${statsList.length ? 'LEFT JOIN customer_stats s ON s.customer = c.id' : ''}
		 WHERE c.deleted = 0`
		)
		.bind({ ids: JSON.stringify(ids) })
		.all(out);
	const tc = Date.now();
	const parsed = JSON.parse(out[0].rows || '[]');
	if ($os.getenv('CRM_PROFILE')) console.log(`segment rows: ids ${tb - ta} ms, query ${tc - tb} ms, parse ${Date.now() - tc} ms`);
	return parsed;
}

/** Ids of the segment's members among the customers the caller may list, ordered by id. */
function computeMemberIds(segment, info, now) {
	const t0 = Date.now();
	const rule = segment.getString('kind') === 'static' ? null : parseJson(segment.getString('rule'));
	const rows = segmentRows(info, rule);
	const t1 = Date.now();
	const ids = [];
	if (segment.getString('kind') === 'static') {
		const wanted = {};
		for (const m of parseJson(segment.getString('members')) || []) wanted[m] = true;
		for (const r of rows) if (wanted[r.id] === true) ids.push(r.id);
		return ids;
	}
	if (!rule) return ids;
	// A row carries the customer fields the rule engine reads (plus id and stats, which it ignores).
	const matches = shared.compileRule(rule);
	for (const r of rows) if (matches(r, r.stats, now)) ids.push(r.id);
	if ($os.getenv('CRM_PROFILE')) console.log(`segment members: ${rows.length} rows in ${t1 - t0} ms, rule ${Date.now() - t1} ms`);
	return ids;
}

const CACHE_SIZE = 32;

/**
 * Members, kept for reuse while nothing they depend on changes: the segment (its updated time), the
 * caller, every customer and every customer's stats (the highest sync sequence number of each: any
 * write raises it), and the minute (rules on ages and days since a purchase move with the clock).
 * A dashboard asks for the same segment's members once per chart; the first ask computes them.
 */
function memberIds(segment, info, now) {
	const versions = arrayOf(new DynamicModel({ c: 0, s: 0 }));
	$app.db().newQuery('SELECT (SELECT coalesce(max(seq), 0) FROM customers) AS c, (SELECT coalesce(max(seq), 0) FROM customer_stats) AS s').all(versions);
	const auth = info.auth ? info.auth.id : '';
	const key = `crm_members|${segment.id}|${segment.getString('updated')}|${auth}|${versions[0].c}|${versions[0].s}|${Math.floor(now / 60000)}`;
	const store = $app.store();
	const hit = store.get(key);
	if (hit) return JSON.parse(hit);
	const ids = computeMemberIds(segment, info, now);
	const keys = store.get('crm_members_keys') ? JSON.parse(store.get('crm_members_keys')) : [];
	keys.push(key);
	while (keys.length > CACHE_SIZE) store.remove(keys.shift());
	store.set('crm_members_keys', JSON.stringify(keys));
	store.set(key, JSON.stringify(ids));
	return ids;
}

/** GET /api/crm/segments/{id}/members[?now=<ms>] -> { count, ids } (ids: the first 50,000). */
function handleMembers(e) {
	const info = e.requestInfo();
	const segment = findSegment(e.request.pathValue('id'), info);
	const now = parseNow(info.query['now']);
	const ids = memberIds(segment, info, now);
	return e.json(200, { count: ids.length, ids: ids.length > MAX_IDS ? ids.slice(0, MAX_IDS) : ids });
}

/** After a REST patch is applied: kind, rule and members must still fit together. */
function checkWholeSegment(e) {
	const doc = JSON.parse(JSON.stringify(e.record));
	const whole = {};
	for (const f of shared.SEGMENT_RECORD_FIELDS) if (f in doc) whole[f] = doc[f];
	const errors = shared.validateSegmentRecord(whole);
	if (errors.length) throw badRequest(errors);
}

module.exports = { handleMembers, checkWholeSegment, findSegment, memberIds };
