/// <reference path="../../pb_data/types.d.ts" />
// Conditional push for synced collections: a row is applied only if the state it was based on is
// still the server's; otherwise the server's current state comes back as a conflict.
const shared = require(`${__hooks}/lib/shared.js`);
const { fromSaveError, badRequest } = require(`${__hooks}/lib/errors.js`);

const MAX_ROWS = 200;
const ID_RE = /^[a-z0-9]{15}$/;

/**
 * Synced collections: the fields a device writes, the shared validation and normalisation, the
 * fields whose normalised value a REST write stores, and the field a refusal by the rules names.
 */
const SPECS = {
	customers: {
		fields: shared.CUSTOMER_FIELDS,
		validate: (doc, opts) => shared.validateCustomer(doc, opts),
		normalize: (doc) => shared.normalizeCustomer(doc),
		normalized: ['name', 'phones', 'emails', 'tags'],
		ownerField: 'owner',
		// Unique among the customers the caller may see (1764153400_customers_external_id_seen.js).
		uniqueAmongVisible: ['external_id']
	},
	service_records: {
		fields: shared.SERVICE_RECORD_FIELDS,
		validate: (doc, opts) => shared.validateServiceRecord(doc, opts),
		normalize: (doc) => shared.normalizeServiceRecord(doc),
		normalized: ['summary', 'outcome', 'at'],
		ownerField: 'staff',
		// A visit logged offline for a customer created offline may arrive before that customer.
		relations: { customer: 'customers' }
	},
	labels: {
		fields: shared.LABEL_FIELDS,
		validate: (doc, opts) => shared.validateLabel(doc, opts),
		normalize: (doc) => shared.normalizeLabel(doc),
		normalized: ['name', 'color', 'description'],
		// Labels have no owner: only the role decides (a refusal names the record).
		ownerField: 'id'
	},
	campaigns: {
		fields: shared.CAMPAIGN_FIELDS,
		validate: (doc, opts) => shared.validateCampaign(doc, opts),
		normalize: (doc) => shared.normalizeCampaign(doc),
		normalized: ['name', 'offer'],
		ownerField: 'id'
	},
	segments: {
		fields: shared.SEGMENT_RECORD_FIELDS,
		validate: (doc, opts) => shared.validateSegmentRecord(doc, opts),
		normalize: (doc) => shared.normalizeSegmentRecord(doc),
		normalized: ['name', 'description', 'members'],
		ownerField: 'owner'
	},
	list_views: {
		fields: shared.LIST_VIEW_FIELDS,
		validate: (doc, opts) => shared.validateListView(doc, opts),
		normalize: (doc) => shared.normalizeListView(doc),
		normalized: ['name', 'query', 'filters'],
		ownerField: 'owner'
	}
};

function plain(record) {
	return JSON.parse(JSON.stringify(record));
}

function reject(id, status, field, code, message) {
	return { id, status, field, code, message };
}

/** Applies one pushed row in its own transaction. Returns { conflict } or { rejected } or {}. */
function pushRow(collection, spec, row, info) {
	const doc = row && row.doc;
	const id = doc && doc.id;
	if (!doc || typeof doc !== 'object' || typeof id !== 'string' || !ID_RE.test(id)) {
		return { rejected: reject(String(id || ''), 400, 'id', 'invalid_id', 'each row needs doc.id: 15 characters a-z0-9') };
	}
	const errors = spec.validate(doc);
	if (errors.length) return { rejected: Object.assign(reject(id, 400, errors[0].field, errors[0].code, errors[0].message), { errors }) };
	const data = spec.normalize(pick(doc, spec.fields));
	let outcome = {};
	try {
		$app.runInTransaction((tx) => {
			outcome = applyRow(tx, collection, spec, id, data, row.base || null, info);
		});
	} catch (err) {
		if (outcome.rejected) return outcome;
		const fe = err && err.__crm ? err.__crm : fromSaveError(err);
		return { rejected: reject(id, fe.status, fe.field, fe.code, fe.message) };
	}
	return outcome;
}

/** 424 when a related record is not on the server (yet): the device retries if it still owes it. */
function missingRelation(tx, spec, id, data) {
	for (const [field, target] of Object.entries(spec.relations || {})) {
		if (!data[field]) continue;
		try {
			tx.findRecordById(target, data[field]);
		} catch (_notFound) {
			return { rejected: reject(id, 424, field, 'missing_relation', `${field} "${data[field]}" does not exist (yet)`) };
		}
	}
	return null;
}

function applyRow(tx, collection, spec, id, data, base, info) {
	const missing = missingRelation(tx, spec, id, data);
	if (missing) return missing;
	let current = null;
	try {
		current = tx.findRecordById(collection.name, id);
	} catch (_notFound) {
		current = null; // a create
	}
	info.body = data; // rules may test @request.body.*
	const taken = takenAmongVisible(tx, collection, spec, id, data, info, current);
	if (taken) return { rejected: taken };
	if (current) {
		if (!tx.canAccessRecord(current, info, collection.viewRule)) {
			// A customer handed to a colleague while this rep edited it offline: the edit is not lost
			// but passed on as a proposal (issue "Offline edges", item 4).
			if (collection.name === 'customers' && keepAsProposal(tx, current, data, base, info)) {
				return { rejected: reject(id, 409, 'owner', 'passed_as_proposal', 'this customer was handed to a colleague: your change was passed to them as a proposal') };
			}
			return { rejected: reject(id, 403, 'id', 'forbidden', 'you may not change this record') };
		}
		const state = plain(current);
		// The same record sent again without a base (a create whose answer was lost, or a device sending
		// everything again after the server was restored from a backup): already there, nothing to do.
		if (!base && shared.sameState(state, data, spec.fields)) return {};
		if (!base || !shared.sameState(state, base, spec.fields)) return { conflict: state };
		if (!tx.canAccessRecord(current, info, collection.updateRule)) {
			return { rejected: reject(id, 403, spec.ownerField, 'forbidden', 'you may not make this change') };
		}
		// History only grows: a client may add entries, never erase the server's.
		if ('history' in data) data.history = shared.mergeHistory(state.history, data.history, [], shared.LIMITS.historyEntries);
		const fields = spec.fields.filter((f) => f in data && !shared.sameValue(state[f], data[f]));
		assign(current, spec.fields, data);
		tx.save(current);
		return { applied: 'update', fields, before: state };
	}
	const record = new Record(collection);
	record.set('id', id);
	assign(record, spec.fields, data);
	tx.save(record);
	if (!tx.canAccessRecord(record, info, collection.createRule)) {
		// Thrown so the transaction rolls the insert back.
		const e = new Error('forbidden');
		e.__crm = { status: 403, field: spec.ownerField, code: 'forbidden', message: 'you may not create this record' };
		throw e;
	}
	return { applied: 'create', fields: Object.keys(data) };
}

/** Customer fields a proposal may carry (not who owns it, its deletion or the sync bookkeeping). */
const PROPOSAL_FIELDS = ['name', 'phones', 'emails', 'addresses', 'gender', 'birthday', 'tags', 'category', 'region', 'notes'];

/**
 * Keeps a staff member's change to a customer they held at `base` (its owner then) and may no longer see
 * as an open proposal for whoever holds it now; the same change pushed again is kept once. Returns
 * whether there was a change to keep.
 */
function keepAsProposal(tx, current, data, base, info) {
	const auth = info.auth;
	if (!auth || auth.collection().name !== 'staff' || !base || base.owner !== auth.id) return false;
	const changes = {};
	const was = {};
	for (const f of PROPOSAL_FIELDS) {
		if (!(f in data)) continue;
		if (JSON.stringify(data[f] ?? null) === JSON.stringify(base[f] ?? null)) continue;
		changes[f] = data[f];
		was[f] = base[f] ?? null;
	}
	if (!Object.keys(changes).length) return false;
	const open = tx.findRecordsByFilter('proposals', 'customer = {:c} && author = {:a} && status = "open"', '', 0, 0, { c: current.id, a: auth.id });
	const canonical = (v) => JSON.stringify(v, Object.keys(v).sort());
	if (open.some((p) => canonical(JSON.parse(p.getString('changes') || '{}')) === canonical(changes))) return true;
	const record = new Record(tx.findCachedCollectionByNameOrId('proposals'));
	record.set('customer', current.id);
	record.set('author', auth.id);
	record.set('author_name', auth.getString('name'));
	record.set('changes', changes);
	record.set('base', was);
	record.set('status', 'open');
	tx.save(record);
	return true;
}

/**
 * The first field whose value another record the caller may see already holds (records they may not
 * see do not count: the answer must not tell them such a record exists), as a rejection, or null.
 */
function takenAmongVisible(tx, collection, spec, id, data, info, current) {
	for (const f of spec.uniqueAmongVisible || []) {
		const value = data[f];
		if (typeof value !== 'string' || !value || (current && current.getString(f) === value)) continue;
		// Plain SQL: "!= ''" lets SQLite use the partial index on the field (a filter's != becomes a
		// null-safe comparison that does not, and every record was read for each row pushed).
		const ids = arrayOf(new DynamicModel({ id: '' }));
		tx.db()
			.newQuery(`SELECT id FROM ${collection.name} WHERE ${f} != '' AND ${f} = {:v} AND id != {:id} LIMIT 50`)
			.bind({ v: value, id: id || '' })
			.all(ids);
		const others = ids.length
			? tx.findRecordsByIds(
					collection.name,
					ids.map((r) => r.id)
				)
			: [];
		const seen = others.find((o) => tx.canAccessRecord(o, info, collection.viewRule));
		if (seen) return reject(id, 400, f, 'validation_not_unique', `${f}: "${value}" is already the shop customer id of ${seen.getString('name')}`);
	}
	return null;
}

function pick(doc, fields) {
	const out = {};
	for (const f of fields) if (f in doc) out[f] = doc[f];
	return out;
}

function assign(record, fields, data) {
	for (const f of fields) if (f in data) record.set(f, data[f] === undefined ? null : data[f]);
}

/**
 * The audit log's entries for an applied row (server/audit.go): field names, never their values; a
 * customer's deletion, merge and consent decision get actions of their own.
 */
function auditPush(e, name, doc, out) {
	let action = `${name}.${out.applied}`;
	const detail = { fields: out.fields, via: 'sync' };
	if (name === 'customers' && out.fields.includes('deleted') && doc.deleted === true) {
		const mergedIn = (history) => Array.isArray(history) && history.some((h) => h && h.field === 'merged_into');
		const merged = mergedIn(doc.history) && !mergedIn(out.before && out.before.history);
		action = merged ? 'customers.merge' : 'customers.delete';
	}
	// A consent decision: a change, or a new customer created with consent given.
	if (name === 'customers' && out.fields.includes('marketing_consent') && (out.applied === 'update' || doc.marketing_consent === true)) {
		crmAudit(e, 'customers.consent', name, doc.id, { granted: doc.marketing_consent === true, how: typeof doc.consent_how === 'string' ? doc.consent_how : '' });
	}
	crmAudit(e, action, name, doc.id, detail);
}

/** POST /api/crm/sync/{collection}/push  body: { rows: [{ doc, base }] } */
function handlePush(e) {
	const name = e.request.pathValue('collection');
	const spec = SPECS[name];
	if (!spec) throw new NotFoundError(`"${name}" is not a synced collection`);
	const info = e.requestInfo();
	// A JSON round trip turns Go maps and slices into plain JS values (Array.isArray works on them).
	const rows = info.body && JSON.parse(JSON.stringify(info.body)).rows;
	if (!Array.isArray(rows)) throw badRequest([{ field: 'rows', code: 'required', message: 'rows must be a list of { doc, base }' }]);
	if (rows.length > MAX_ROWS) throw new ApiError(413, `at most ${MAX_ROWS} rows per push`, {});
	const collection = $app.findCachedCollectionByNameOrId(name);
	const conflicts = [];
	const rejected = [];
	for (const row of rows) {
		const out = pushRow(collection, spec, row, info);
		if (out.conflict) conflicts.push(out.conflict);
		if (out.rejected) rejected.push(out.rejected);
		if (out.applied) auditPush(e, name, row.doc, out);
	}
	return e.json(200, { conflicts, rejected });
}

/**
 * REST create/update of a synced collection: the same validation as push, field by field.
 * Values are read back from the loaded record: in the raw request body PocketBase has already
 * turned JSON field values into raw bytes.
 */
function checkRestWrite(e, partial) {
	const spec = SPECS[e.collection.name];
	const sent = Object.keys(e.requestInfo().body || {});
	const loaded = plain(e.record);
	const body = {};
	for (const k of sent) body[k] = k in loaded ? loaded[k] : true;
	const errors = spec.validate(body, { partial });
	if (errors.length) throw badRequest(errors);
	const current = partial ? e.record.original() : null;
	const taken = takenAmongVisible($app, e.collection, spec, e.record.id, body, e.requestInfo(), current);
	if (taken) throw badRequest([taken]);
	const normalized = spec.normalize(pick(body, spec.fields));
	for (const f of spec.normalized) if (f in normalized) e.record.set(f, normalized[f]);
	if (partial && 'history' in body) {
		const before = plain(e.record.original()).history;
		e.record.set('history', shared.mergeHistory(before, body.history, [], shared.LIMITS.historyEntries));
	}
}

module.exports = { handlePush, checkRestWrite, SPECS };
