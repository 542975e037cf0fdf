/// <reference path="../../pb_data/types.d.ts" />
// Segment membership on the server, with the same rule engine the device runs (pb_hooks/lib/shared.js),
// so a count seen on a phone and a campaign's audience agree.
//
// Which customers: exactly those the caller may list. The customers collection's own listRule is
// run as a filter through $app.findRecordsByFilter, with the caller's values put in place of
// @request.auth.* (bound as parameters), so the members follow the rule as it is, not a copy of it.
// A rule that tests other request values (body, headers, context…) cannot be turned into a filter:
// then every customer is checked with $app.canAccessRecord, which is exact but slower.
const shared = require(`${__hooks}/lib/shared.js`);
const { badRequest } = require(`${__hooks}/lib/errors.js`);

const MAX_IDS = 50000;
// `now` may be fixed by the caller (tests, "as of" previews); outside these bounds it is clamped.
const NOW_MIN = Date.UTC(2000, 0, 1);
const NOW_MAX = Date.UTC(2100, 0, 1);
const TEXT_FIELDS = ['name', 'gender', 'region', 'category', 'source', 'owner', 'birthday', 'created'];
// @request.auth.<field>, not followed by a relation path (.x) or a modifier (:isset).
const AUTH_REF = /@request\.auth\.([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_.:])/g;

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

function authValue(auth, name) {
	if (name === 'id') return auth.id;
	if (name === 'collectionName') return auth.collection().name;
	if (name === 'collectionId') return auth.collection().id;
	if (!auth.collection().fields.getByName(name)) return undefined;
	const v = auth.get(name);
	return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
}

/** The list rule as a filter with the caller's values bound, or null when it tests more than the caller's record. */
function ruleAsFilter(rule, auth) {
	const params = {};
	let ok = true;
	const filter = rule.replace(AUTH_REF, (ref, name) => {
		const value = authValue(auth, name);
		if (value === undefined) {
			ok = false;
			return ref;
		}
		params[`auth_${name}`] = value;
		return `{:auth_${name}}`;
	});
	return ok && filter.indexOf('@request') < 0 ? { filter, params } : null;
}

/** The customers (not deleted) the caller may list, as records ordered by id. */
function listableCustomers(info) {
	const customers = $app.findCollectionByNameOrId('customers');
	const rule = customers.listRule;
	if (rule === null || rule === undefined) return []; // superusers only
	const scope = rule === '' ? { filter: '', params: {} } : ruleAsFilter(rule, info.auth);
	if (scope) {
		const filter = scope.filter ? `(${scope.filter}) && deleted != true` : 'deleted != true';
		return $app.findRecordsByFilter(customers, filter, 'id', 0, 0, scope.params);
	}
	const all = $app.findRecordsByFilter(customers, 'deleted != true', 'id', 0, 0);
	const out = [];
	for (let i = 0; i < all.length; i++) if ($app.canAccessRecord(all[i], info, rule)) out.push(all[i]);
	return out;
}

/** A customer record as the plain fields the rule engine reads (the values the list API gives a device). */
function segmentCustomer(r) {
	const c = { deleted: false, marketing_consent: r.getBool('marketing_consent'), tags: parseJson(r.getString('tags')) };
	for (const f of TEXT_FIELDS) c[f] = r.getString(f);
	return c;
}

/** Stats by customer id when the rule reads any and the customer_stats collection exists; otherwise null. */
function statsByCustomer(rule) {
	const needed = shared.ruleFields(rule).some((f) => shared.SEGMENT_FIELDS[f] && shared.SEGMENT_FIELDS[f].source === 'stats');
	if (!needed) return null;
	let collection = null;
	try {
		collection = $app.findCollectionByNameOrId('customer_stats');
	} catch (_missing) {
		return null; // statistics are not computed on this server yet: every customer has none
	}
	const out = {};
	const records = $app.findAllRecords(collection);
	for (let i = 0; i < records.length; i++) {
		const s = records[i];
		if (s.getBool('deleted')) continue; // as on the device: deleted figures count as none
		out[s.getString('customer')] = {
			total_spend: s.get('total_spend'),
			order_count: s.get('order_count'),
			last_order_at: s.getString('last_order_at'),
			rfm_segment: s.getString('rfm_segment')
		};
	}
	return out;
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

/** Ids of the segment's members among the customers the caller may list, ordered by id. */
function memberIds(segment, info, now) {
	const customers = listableCustomers(info);
	const ids = [];
	if (segment.getString('kind') === 'static') {
		const wanted = {};
		for (const m of parseJson(segment.getString('members')) || []) wanted[m] = true;
		for (let i = 0; i < customers.length; i++) if (wanted[customers[i].id] === true) ids.push(customers[i].id);
		return ids;
	}
	const rule = parseJson(segment.getString('rule'));
	if (!rule) return ids;
	const stats = statsByCustomer(rule);
	for (let i = 0; i < customers.length; i++) {
		const r = customers[i];
		if (shared.evaluateRule(rule, segmentCustomer(r), stats ? stats[r.id] || null : null, now)) ids.push(r.id);
	}
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
