/// <reference path="../../pb_data/types.d.ts" />
// GET /api/crm/stats/service (docs/api/chat.md, "Service metrics"): figures over the conversations
// and cases created in a range of shop days, read from their own fields.
const { badRequest } = require(`${__hooks}/lib/errors.js`);
const { TZ_OFFSET } = require(`${__hooks}/lib/tz.js`);
const shared = require(`${__hooks}/lib/shared.js`);

const DAY_MS = 86400000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_DAYS = 366;

/** Milliseconds of a PocketBase datetime; NaN when empty. */
const ms = (text) => shared.parseEventTime(text);

function dayStart(day) {
	return Date.parse(`${day}T00:00:00Z`) - TZ_OFFSET * 60000;
}

function shopDay(t) {
	return shared.shopDay(t, TZ_OFFSET);
}

function isDay(v) {
	return typeof v === 'string' && DAY_RE.test(v) && !isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v;
}

/** Range, agent and team of the request, checked against who asks. */
function scope(e) {
	const role = require(`${__hooks}/lib/chat.js`).roleOf(e.auth);
	if (!['admin', 'manager', 'agent'].includes(role)) throw new ForbiddenError('Only admins, managers and agents see service metrics.');
	const q = e.requestInfo().query;
	const now = Date.now();
	const to = q.to ? String(q.to) : shopDay(now);
	if (!isDay(to)) throw badRequest([{ field: 'to', code: 'invalid', message: 'to must be a day written YYYY-MM-DD' }]);
	const from = q.from ? String(q.from) : shopDay(dayStart(to) - 29 * DAY_MS);
	if (!isDay(from)) throw badRequest([{ field: 'from', code: 'invalid', message: 'from must be a day written YYYY-MM-DD' }]);
	if (from > to) throw badRequest([{ field: 'from', code: 'invalid', message: 'from must not be after to' }]);
	const days = Math.round((dayStart(to) - dayStart(from)) / DAY_MS) + 1;
	if (days > MAX_DAYS) throw badRequest([{ field: 'from', code: 'too_long', message: `a range is at most ${MAX_DAYS} days` }]);
	let agent = q.agent ? String(q.agent) : '';
	if (role === 'agent') {
		if (agent && agent !== e.auth.id) throw new ForbiddenError('An agent sees their own service metrics only.');
		agent = e.auth.id;
	}
	const team = q.team ? String(q.team) : '';
	return { from, to, days, now, agent, team, start: dayStart(from), end: dayStart(to) + DAY_MS };
}

function rows(sql, params, shape) {
	const out = arrayOf(new DynamicModel(shape));
	$app.db().newQuery(sql).bind(params).all(out);
	return JSON.parse(JSON.stringify(out));
}

function load(s) {
	const params = { a: shared.stamp(s.start), b: shared.stamp(s.end), agent: s.agent, team: s.team };
	const who = `${s.agent ? ' AND assignee = {:agent}' : ''}${s.team ? ' AND assignee IN (SELECT id FROM staff WHERE team = {:team})' : ''}`;
	const conversations = rows(
		`SELECT id, topic, channel, status, assignee, created, first_response_at, resolved_at, reopened, rating FROM conversations
		 WHERE created >= {:a} AND created < {:b} AND deleted = FALSE${who}`,
		params,
		{ id: '', topic: '', channel: '', status: '', assignee: '', created: '', first_response_at: '', resolved_at: '', reopened: 0, rating: 0 }
	);
	const cases = rows(
		`SELECT id, kind, category, assignee, created, first_response_due, resolution_due, first_response_at, resolved_at FROM cases
		 WHERE created >= {:a} AND created < {:b} AND deleted = FALSE${who}`,
		params,
		{ id: '', kind: '', category: '', assignee: '', created: '', first_response_due: '', resolution_due: '', first_response_at: '', resolved_at: '' }
	);
	return { conversations, cases };
}

/** Median (mean of the middle two for an even count) and p90 (nearest rank); null when empty. */
function spread(values) {
	if (!values.length) return { count: 0, median: null, p90: null };
	const v = values.slice().sort((a, b) => a - b);
	const n = v.length;
	const median = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return { count: n, median, p90: v[Math.ceil(0.9 * n) - 1] };
}

function seconds(from, to) {
	const a = ms(from);
	const b = ms(to);
	return isNaN(a) || isNaN(b) ? null : (b - a) / 1000;
}

function firstResponse(c) {
	return c.first_response_at ? seconds(c.created, c.first_response_at) : null;
}

function resolution(c) {
	return c.status === 'resolved' && c.resolved_at ? seconds(c.created, c.resolved_at) : null;
}

function csat(list) {
	const rated = list.filter((c) => c.rating > 0);
	return { count: rated.length, average: rated.length ? rated.reduce((s, c) => s + c.rating, 0) / rated.length : null };
}

function late(at, due, now) {
	if (!due) return false;
	return (at ? ms(at) : now) > ms(due);
}

function sla(cases, now) {
	let fr = 0;
	let res = 0;
	let breached = 0;
	for (const c of cases) {
		const a = late(c.first_response_at, c.first_response_due, now);
		const b = late(c.resolved_at, c.resolution_due, now);
		if (a) fr++;
		if (b) res++;
		if (a || b) breached++;
	}
	return { cases: cases.length, breached, first_response_breached: fr, resolution_breached: res, rate: cases.length ? breached / cases.length : null };
}

function countBy(list, key) {
	const out = {};
	for (const x of list) out[x[key] || ''] = (out[x[key] || ''] || 0) + 1;
	return out;
}

function figures(list) {
	return {
		conversations: list.length,
		resolved: list.filter((c) => c.status === 'resolved').length,
		first_response: spread(list.map(firstResponse).filter((x) => x !== null)),
		resolution: spread(list.map(resolution).filter((x) => x !== null)),
		csat: csat(list),
		reopened: list.filter((c) => c.reopened > 0).length,
		reopen_rate: list.length ? list.filter((c) => c.reopened > 0).length / list.length : null
	};
}

/** Every staff member's name and team, read once for the per-agent and per-team figures. */
function staffById() {
	const out = {};
	for (const r of rows('SELECT id, name, team FROM staff', {}, { id: '', name: '', team: '' })) out[r.id] = r;
	return out;
}

/** Conversations (or cases) by a key of theirs, in one pass; rows whose key is null are left out. */
function groupBy(list, key) {
	const out = {};
	for (const x of list) {
		const k = key(x);
		if (k !== null) (out[k] = out[k] || []).push(x);
	}
	return out;
}

function perAgent(conversations, cases, now, staff) {
	const byConv = groupBy(conversations, (c) => c.assignee || null);
	const byCase = groupBy(cases, (c) => c.assignee || null);
	const ids = Array.from(new Set(Object.keys(byConv).concat(Object.keys(byCase)))).sort();
	return ids.map((id) => Object.assign({ agent: id, name: staff[id] ? staff[id].name : '' }, figures(byConv[id] || []), { sla: sla(byCase[id] || [], now) }));
}

/** Figures per team of the assignee ("" for staff without a team); the queue's belong to no team. */
function perTeam(conversations, cases, now, staff) {
	const team = (x) => (x.assignee ? (staff[x.assignee] && staff[x.assignee].team) || '' : null);
	const byConv = groupBy(conversations, team);
	const byCase = groupBy(cases, team);
	const names = Array.from(new Set(Object.keys(byConv).concat(Object.keys(byCase)))).sort();
	return names.map((name) => Object.assign({ team: name }, figures(byConv[name] || []), { sla: sla(byCase[name] || [], now) }));
}

function daily(s, conversations) {
	const byDay = groupBy(conversations, (c) => shopDay(ms(c.created)));
	const out = [];
	for (let i = 0; i < s.days; i++) {
		const day = shopDay(s.start + i * DAY_MS);
		const f = figures(byDay[day] || []);
		out.push({
			day,
			conversations: f.conversations,
			resolved: f.resolved,
			first_response_median: f.first_response.median,
			resolution_median: f.resolution.median,
			csat_average: f.csat.average,
			csat_count: f.csat.count
		});
	}
	return out;
}

/** GET /api/crm/stats/service?from&to&agent&team */
function handleService(e) {
	const s = scope(e);
	const { conversations, cases } = load(s);
	const staff = staffById();
	return e.json(
		200,
		Object.assign({ from: s.from, to: s.to, agent: s.agent || null, team: s.team || null }, figures(conversations), {
			volume: {
				conversations: conversations.length,
				cases: cases.length,
				by_topic: countBy(conversations, 'topic'),
				by_channel: countBy(conversations, 'channel'),
				by_category: countBy(cases, 'category'),
				by_kind: countBy(cases, 'kind')
			},
			sla: sla(cases, s.now),
			agents: perAgent(conversations, cases, s.now, staff),
			teams: perTeam(conversations, cases, s.now, staff),
			daily: daily(s, conversations)
		})
	);
}

module.exports = { handleService };
