/// <reference path="../../pb_data/types.d.ts" />
// Live chat (docs/api/chat.md): visitor sessions, staffed hours, and the checks the API rules cannot
// express: which conversation fields each role may change, status transitions and ratings. Messages:
// server/chatmessages.go.
const { badRequest } = require(`${__hooks}/lib/errors.js`);
const { TZ_OFFSET } = require(`${__hooks}/lib/tz.js`);

const ID_RE = /^[a-z0-9]{15}$/;
const LOCALES = ['zh-CN', 'en'];
const MINUTE = 60000;
const LIMITS = { conversationsPerHour: 5, identityMaxAgeSeconds: 86400 };
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DEFAULT_HOURS = 'Mon-Fri 09:00-18:00';

function envInt(name, fallback) {
	const v = Number($os.getenv(name));
	return $os.getenv(name) !== '' && isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

/** PocketBase's "2026-01-02 03:04:05.678Z" (or an ISO text) as milliseconds. */
function ms(text) {
	return text ? Date.parse(String(text).replace(' ', 'T')) : NaN;
}

function iso(t) {
	return new Date(t).toISOString();
}

/** 'visitor' | 'admin' | 'manager' | 'agent' | 'sales' | '' */
function roleOf(auth) {
	if (!auth) return '';
	const collection = auth.collection().name;
	if (collection === 'visitors') return 'visitor';
	return collection === 'staff' ? auth.getString('role') : '';
}

function forbidden(field, message) {
	const data = {};
	data[field] = new ValidationError('forbidden', message);
	return new ForbiddenError(message, data);
}

function tooMany(e, field, message, retryAfter) {
	// A record request event holds the response one level down.
	const res = e.response || (e.requestEvent && e.requestEvent.response);
	if (res) res.header().set('Retry-After', String(retryAfter));
	const data = {};
	data[field] = new ValidationError('rate_limited', message);
	return new ApiError(429, message, data);
}

// ---------------------------------------------------------------------------------------------
// Staffed hours

/** "Mon-Fri 09:00-18:00; Sat 10:00-16:00" -> [{ days: [1..5], from: 540, to: 1080 }] or null. */
function parseHours(text) {
	const rules = [];
	for (const part of String(text)
		.split(/[;,]/)
		.map((s) => s.trim())
		.filter(Boolean)) {
		const m = /^([A-Za-z]{3})(?:-([A-Za-z]{3}))?\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(part);
		if (!m) return null;
		const a = DAYS.indexOf(m[1][0].toUpperCase() + m[1].slice(1).toLowerCase());
		const b = m[2] ? DAYS.indexOf(m[2][0].toUpperCase() + m[2].slice(1).toLowerCase()) : a;
		const from = Number(m[3]) * 60 + Number(m[4]);
		const to = Number(m[5]) * 60 + Number(m[6]);
		if (a < 0 || b < 0 || from >= to || to > 24 * 60) return null;
		const days = [];
		for (let d = a; ; d = (d + 1) % 7) {
			days.push(d);
			if (d === b) break;
		}
		rules.push({ days, from, to });
	}
	return rules.length ? rules : null;
}

function hoursSetting() {
	const text = $os.getenv('CRM_CHAT_HOURS') || DEFAULT_HOURS;
	const rules = parseHours(text);
	return rules ? { text, rules } : { text: DEFAULT_HOURS, rules: parseHours(DEFAULT_HOURS) };
}

function isOpenAt(t, rules) {
	const local = new Date(t + TZ_OFFSET * MINUTE);
	const day = local.getUTCDay();
	const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
	return rules.some((r) => r.days.includes(day) && minute >= r.from && minute < r.to);
}

function hhmm(m) {
	return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

function timezoneName() {
	const a = Math.abs(TZ_OFFSET);
	return `UTC${TZ_OFFSET < 0 ? '-' : '+'}${hhmm(a)}`;
}

/** GET /api/crm/chat/config */
function handleConfig(e) {
	const { text, rules } = hoursSetting();
	const open = isOpenAt(Date.now(), rules);
	const zhDays = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
	const zh = rules.map((r) => `${zhDays[r.days[0]]}${r.days.length > 1 ? '至' + zhDays[r.days[r.days.length - 1]] : ''} ${hhmm(r.from)}-${hhmm(r.to)}`).join('；');
	return e.json(200, {
		open,
		hours: text,
		schedule: rules.map((r) => ({ days: r.days.map((d) => DAYS[d]), from: hhmm(r.from), to: hhmm(r.to) })),
		timezone: timezoneName(),
		tz_offset_minutes: TZ_OFFSET,
		message_zh: open ? '客服在线，通常几分钟内回复。' : `客服现在不在线（服务时间：${zh}，${timezoneName()}）。请留言，我们上班后尽快回复。`,
		message_en: open ? 'We are online and usually answer within minutes.' : `We are away right now (hours: ${text}, ${timezoneName()}). Leave a message and we will answer when we are back.`
	});
}

// ---------------------------------------------------------------------------------------------
// Sessions

function sessionBody(e) {
	const body = JSON.parse(JSON.stringify(e.requestInfo().body || {}));
	const errors = [];
	const str = (k, max) => {
		if (body[k] === undefined || body[k] === null || body[k] === '') return '';
		if (typeof body[k] !== 'string' || body[k].length > max) errors.push({ field: k, code: 'invalid', message: `${k} must be a text of at most ${max} characters` });
		return typeof body[k] === 'string' ? body[k].trim() : '';
	};
	const out = { visitorId: str('visitor_id', 15), secret: str('secret', 200), name: str('name', 100), locale: str('locale', 10), identity: null };
	if (out.visitorId && !ID_RE.test(out.visitorId)) errors.push({ field: 'visitor_id', code: 'invalid', message: 'visitor_id is 15 characters a-z0-9' });
	if (out.visitorId && !out.secret) errors.push({ field: 'secret', code: 'required', message: 'secret is required with visitor_id' });
	if (out.locale && !LOCALES.includes(out.locale)) errors.push({ field: 'locale', code: 'invalid', message: 'locale is zh-CN or en' });
	if (body.identity !== undefined && body.identity !== null) out.identity = checkIdentity(body.identity, errors);
	if (errors.length) throw badRequest(errors);
	return out;
}

/** { customer_id, ts, sig } signed by the shop: HMAC-SHA256(customer_id + "." + ts), ts in seconds. */
function checkIdentity(id, errors) {
	const fail = (message) => {
		errors.push({ field: 'identity', code: 'invalid', message });
		return null;
	};
	// One secret signs the shop's customer ids for the chat and the tracker (server/identity.go).
	const secret = $os.getenv('CRM_SHOP_IDENTITY_SECRET') || $os.getenv('CRM_CHAT_IDENTITY_SECRET');
	if (!secret) return fail('this server has no CRM_SHOP_IDENTITY_SECRET: shoppers cannot be identified');
	if (!id || typeof id !== 'object') return fail('identity must be { customer_id, ts, sig }');
	const customerId = id.customer_id;
	if (typeof customerId !== 'string' || !customerId || customerId.length > 64) return fail('identity.customer_id must be a text of 1-64 characters');
	const ts = typeof id.ts === 'string' && /^\d+$/.test(id.ts) ? Number(id.ts) : id.ts;
	if (typeof ts !== 'number' || !isFinite(ts) || Math.floor(ts) !== ts) return fail('identity.ts must be a time in seconds since 1970');
	if (Math.abs(Date.now() / 1000 - ts) > LIMITS.identityMaxAgeSeconds) return fail('identity.ts is more than a day away from now');
	const expected = $security.hs256(`${customerId}.${id.ts}`, secret);
	if (typeof id.sig !== 'string' || !$security.equal(expected, id.sig.toLowerCase())) return fail('identity.sig does not match');
	return { customerId };
}

/**
 * The shop's customer with this id: the oldest live one when two customers hold it (reps who cannot
 * see each other's customers), as the event ingestion picks it. Made in one transaction with the
 * look-up: writes are serialised, so the ingestion cannot make the same customer meanwhile.
 */
function shopCustomer(app, externalId) {
	// Plain SQL: "external_id != ''" lets SQLite use the partial index on external_id (a filter's !=
	// becomes a null-safe comparison that does not, and every customer was read).
	const row = new DynamicModel({ id: '' });
	try {
		app.db().newQuery("SELECT id FROM customers WHERE external_id != '' AND external_id = {:x} ORDER BY deleted, created, id LIMIT 1").bind({ x: externalId }).one(row);
	} catch {
		return null; // none
	}
	return app.findRecordById('customers', row.id);
}

function findOrCreateCustomer(externalId, name) {
	let customer = null;
	$app.runInTransaction((tx) => {
		customer = shopCustomer(tx, externalId);
		if (customer) return;
		const c = new Record(tx.findCollectionByNameOrId('customers'));
		c.set('name', name || `Shop customer ${externalId}`);
		c.set('source', 'shop');
		c.set('external_id', externalId);
		for (const f of ['phones', 'emails', 'addresses', 'tags', 'history']) c.set(f, []);
		c.set('field_times', {});
		tx.save(c);
		customer = c;
	});
	return customer;
}

function newVisitor(name, locale) {
	const v = new Record($app.findCollectionByNameOrId('visitors'));
	const secret = $security.randomString(40);
	v.set('name', name);
	v.set('locale', locale || 'zh-CN');
	v.set('secret_hash', $security.sha256(secret));
	v.setPassword($security.randomString(40));
	return { visitor: v, secret };
}

function visitorView(v) {
	return {
		id: v.id,
		name: v.getString('name'),
		locale: v.getString('locale'),
		customer: v.getString('customer'),
		external_id: v.getString('external_id'),
		blocked: v.getBool('blocked'),
		created: v.getString('created')
	};
}

/** POST /api/crm/chat/session */
function handleSession(e) {
	const body = sessionBody(e);
	let visitor = null;
	let secret = '';
	if (body.visitorId) {
		try {
			visitor = $app.findRecordById('visitors', body.visitorId);
		} catch (_notFound) {
			visitor = null;
		}
		if (!visitor || !$security.equal(visitor.getString('secret_hash'), $security.sha256(body.secret))) {
			throw new UnauthorizedError('Unknown visitor or wrong secret: start a new session without visitor_id.', {});
		}
		if (visitor.getBool('blocked')) throw new ForbiddenError('This visitor is blocked.', {});
		// A visitor the shop identified is resumed only with that same identity: without one (the shop
		// signed the shopper out, or another shopper uses the device) or with another customer's, this
		// device gets a visitor of its own, so one shopper never sees another's chats on a shared device.
		const ext = visitor.getString('external_id');
		if (ext && (!body.identity || ext !== body.identity.customerId)) visitor = null;
	}
	if (!visitor) ({ visitor, secret } = newVisitor(body.name, body.locale));
	else {
		if (body.name) visitor.set('name', body.name);
		if (body.locale) visitor.set('locale', body.locale);
	}
	if (body.identity && visitor.getString('external_id') !== body.identity.customerId) {
		const customer = findOrCreateCustomer(body.identity.customerId, body.name || visitor.getString('name'));
		visitor.set('customer', customer.id);
		visitor.set('external_id', body.identity.customerId);
	}
	// Saved with every column: a block set since the visitor was loaded must not be undone.
	$app.runInTransaction((tx) => {
		if (!visitor.isNew() && tx.findRecordById('visitors', visitor.id).getBool('blocked')) {
			throw new ForbiddenError('This visitor is blocked.', {});
		}
		tx.save(visitor);
	});
	if (visitor.getString('customer')) linkConversations(visitor);
	const out = { token: visitor.newAuthToken(), visitor: visitorView(visitor) };
	// A campaign's chat message waiting for this shopper is offered when the widget starts (delivered
	// once the widget says it kept it).
	if (visitor.getString('customer')) out.proactive = require(`${__hooks}/lib/campaign-chat.js`).offerProactive(visitor.getString('customer'));
	if (secret) out.secret = secret;
	return e.json(200, out);
}

/** The visitor's conversations without a customer get the one the shop just named. */
function linkConversations(visitor) {
	const open = $app.findRecordsByFilter('conversations', 'visitor = {:v} && customer = ""', '', 100, 0, { v: visitor.id });
	for (const c of open) {
		c.set('customer', visitor.getString('customer'));
		$app.save(c);
	}
}

// ---------------------------------------------------------------------------------------------
// Conversations

const ALLOWED = {
	visitor: ['visitor_read_at', 'visitor_typing_at', 'rating', 'rating_comment'],
	agent: ['assignee', 'status', 'tags', 'agent_read_at', 'agent_typing_at'],
	manager: ['assignee', 'status', 'tags', 'topic', 'customer', 'agent_read_at', 'agent_typing_at', 'deleted'],
	admin: ['assignee', 'status', 'tags', 'topic', 'customer', 'agent_read_at', 'agent_typing_at', 'deleted']
};
const TRANSITIONS = { open: ['pending', 'resolved'], pending: ['open', 'resolved'], resolved: ['open'] };
const TIME_FIELDS = ['visitor_read_at', 'visitor_typing_at', 'agent_read_at', 'agent_typing_at'];

function plain(record) {
	return JSON.parse(JSON.stringify(record));
}

/**
 * onRecordCreateRequest: a visitor opens a conversation; the server fills in everything else. A
 * conversation sent again with the same `id` (its answer was lost) is returned instead of stored twice.
 */
function checkConversationCreate(e) {
	if (e.hasSuperuserAuth()) return null;
	const visitor = e.auth;
	if (roleOf(visitor) !== 'visitor') throw forbidden('visitor', 'Only a visitor opens a conversation.');
	if (visitor.getBool('blocked')) throw forbidden('visitor', 'This visitor is blocked.');
	const existing = storedConversation(e.record.id, visitor);
	if (existing) return existing;
	const since = require(`${__hooks}/lib/shared.js`).stamp(Date.now() - 60 * MINUTE);
	const recent = $app.countRecords('conversations', $dbx.exp('visitor = {:v} AND created > {:t}', { v: visitor.id, t: since }));
	if (recent >= LIMITS.conversationsPerHour) {
		throw tooMany(e, 'visitor', `At most ${LIMITS.conversationsPerHour} new conversations an hour: please continue in an open one.`, 3600);
	}
	const r = e.record;
	r.set('status', 'open');
	r.set('assignee', '');
	r.set('customer', visitor.getString('customer'));
	r.set('channel', 'web');
	r.set('tags', []);
	r.set('after_hours', !isOpenAt(Date.now(), hoursSetting().rules));
	for (const f of ['last_message_at', 'last_message_preview', 'first_response_at', 'resolved_at', 'rating_comment', 'agent_read_at', 'agent_typing_at']) r.set(f, '');
	for (const f of ['reopened', 'rating']) r.set(f, 0);
	r.set('deleted', false);
	for (const f of ['visitor_read_at', 'visitor_typing_at']) checkTime(r, f);
	r.set('contact', contactOf(e, visitor));
	return null;
}

/** The visitor's own conversation `id` when it is stored already; someone else's is 409. */
function storedConversation(id, visitor) {
	if (!id) return null;
	let found;
	try {
		found = $app.findRecordById('conversations', id);
	} catch (_notFound) {
		return null;
	}
	if (found.getString('visitor') === visitor.id) return found;
	throw new ApiError(409, 'This conversation id is taken.', { id: new ValidationError('taken', 'id is taken') });
}

/**
 * The contact a shopper left with their message (`{ email?, phone? }`), checked with the customers' phone
 * and email rules (lib/shared.js). One of the two is needed unless the shop identified the shopper.
 */
function contactOf(e, visitor) {
	// The submitted JSON as PocketBase read it into the field (JSON or multipart bodies alike).
	const raw = e.record.getString('contact');
	if (!raw || raw === 'null' || raw === '""') return null;
	const sent = JSON.parse(raw);
	const { checkContact } = require(`${__hooks}/lib/shared.js`);
	const { errors, contact } = checkContact(sent, { identified: !!visitor.getString('customer') });
	if (errors.length) throw badRequest(errors);
	return contact.email || contact.phone ? contact : null;
}

function checkTime(record, field) {
	const v = record.getString(field);
	if (v && (isNaN(ms(v)) || ms(v) > Date.now() + 5 * MINUTE)) {
		throw badRequest([{ field, code: 'invalid', message: `${field} must be an ISO time, not in the future` }]);
	}
}

function changedFields(before, after) {
	const out = [];
	for (const k of Object.keys(after)) {
		if (k === 'updated' || k === 'expand' || k === 'collectionId' || k === 'collectionName') continue;
		if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) out.push(k);
	}
	return out;
}

/** onRecordUpdateRequest: each changed field must be the role's to change (the rule let them see it). */
function checkConversationUpdate(e) {
	if (e.hasSuperuserAuth()) return;
	const role = roleOf(e.auth);
	const before = plain(e.record.original());
	const after = plain(e.record);
	const allowed = ALLOWED[role] || [];
	for (const f of changedFields(before, after)) {
		if (!allowed.includes(f)) throw forbidden(f, `${f} cannot be changed by ${role || 'you'}.`);
		if (TIME_FIELDS.includes(f)) checkTime(e.record, f);
	}
	if (before.assignee !== after.assignee) checkAssignee(role, after.assignee);
	if (before.status !== after.status) applyStatus(e.record, before.status, after.status);
	const sent = e.requestInfo().body || {};
	if ('rating' in sent || 'rating_comment' in sent || before.rating !== after.rating || before.rating_comment !== after.rating_comment) {
		if (before.status !== 'resolved') throw badRequest([{ field: 'rating', code: 'not_resolved', message: 'a conversation is rated once it is resolved' }]);
		if (!(after.rating >= 1 && after.rating <= 5)) throw badRequest([{ field: 'rating', code: 'invalid', message: 'rating is a whole number from 1 to 5' }]);
	}
	if (before.tags !== after.tags && JSON.stringify(before.tags) !== JSON.stringify(after.tags)) checkTags(after.tags);
}

function checkAssignee(role, to) {
	// An agent claims from the queue, or hands their own conversation on (the rule let only those through).
	if (role === 'agent' && to === '') throw forbidden('assignee', 'Transfer the conversation to another agent instead.');
	if (to === '') return;
	let target;
	try {
		target = $app.findRecordById('staff', to);
	} catch (_notFound) {
		throw badRequest([{ field: 'assignee', code: 'invalid', message: 'assignee is not a member of staff' }]);
	}
	const ok = role === 'agent' ? ['agent'] : ['agent', 'manager', 'admin'];
	if (!ok.includes(target.getString('role'))) throw badRequest([{ field: 'assignee', code: 'invalid', message: `a conversation goes to ${ok.join(' or ')} staff` }]);
}

function applyStatus(record, from, to) {
	if (!(TRANSITIONS[from] || []).includes(to)) {
		throw badRequest([{ field: 'status', code: 'invalid_transition', message: `status cannot go from ${from} to ${to}` }]);
	}
	if (to === 'resolved') record.set('resolved_at', iso(Date.now()));
	if (from === 'resolved') {
		record.set('resolved_at', '');
		record.set('reopened', record.getInt('reopened') + 1);
	}
}

function checkTags(tags) {
	const ok = tags === null || (Array.isArray(tags) && tags.length <= 20 && tags.every((t) => typeof t === 'string' && t.length >= 1 && t.length <= 50));
	if (!ok) throw badRequest([{ field: 'tags', code: 'invalid', message: 'tags is a list of at most 20 texts of 1-50 characters' }]);
}

module.exports = {
	handleConfig,
	handleSession,
	checkConversationCreate,
	checkConversationUpdate,
	roleOf
};
