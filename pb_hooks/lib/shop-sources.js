/// <reference path="../../pb_data/types.d.ts" />
// Shop source keys (docs/api/ingestion.md): admins create, list and revoke them. A new key is shown
// once; only its SHA-256 and its first characters are stored.
const { badRequest } = require(`${__hooks}/lib/errors.js`);
const { EVENT_LIMITS } = require(`${__hooks}/lib/shared.js`);

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function requireAdmin(e) {
	if (!e.auth || e.auth.collection().name !== 'staff' || e.auth.getString('role') !== 'admin') {
		throw new ForbiddenError('Only an admin manages shop connections.');
	}
}

function view(r) {
	return {
		id: r.id,
		name: r.getString('name'),
		kind: r.getString('kind'),
		prefix: r.getString('prefix'),
		revoked: r.getBool('revoked'),
		rate_limit: r.getInt('rate_limit'),
		created: r.getString('created'),
		last_used_at: r.getString('last_used_at')
	};
}

function handleList(e) {
	requireAdmin(e);
	const records = $app.findRecordsByFilter('shop_sources', '', '-created', 0, 0);
	return e.json(200, { items: records.map(view) });
}

function handleCreate(e) {
	requireAdmin(e);
	const body = e.requestInfo().body || {};
	const errors = [];
	const name = typeof body.name === 'string' ? body.name.trim() : '';
	if (!name) errors.push({ field: 'name', code: 'required', message: 'name is required' });
	else if (name.length > 100) errors.push({ field: 'name', code: 'too_long', message: 'name takes at most 100 characters' });
	const kind = body.kind;
	if (kind !== 'server' && kind !== 'browser') errors.push({ field: 'kind', code: 'invalid', message: 'kind must be "server" or "browser"' });
	let rate = EVENT_LIMITS.defaultRatePerMinute;
	if (body.rate_limit !== undefined && body.rate_limit !== null && body.rate_limit !== '') {
		rate = body.rate_limit;
		if (typeof rate !== 'number' || Math.floor(rate) !== rate || rate < 1 || rate > EVENT_LIMITS.maxRatePerMinute) {
			errors.push({ field: 'rate_limit', code: 'invalid', message: `rate_limit must be a whole number of events per minute from 1 to ${EVENT_LIMITS.maxRatePerMinute}` });
		}
	}
	if (errors.length) throw badRequest(errors);
	const key = `${kind === 'server' ? 'crm_sk_' : 'crm_pk_'}${$security.randomStringWithAlphabet(33, ALPHABET)}`;
	const record = new Record($app.findCollectionByNameOrId('shop_sources'));
	record.set('name', name);
	record.set('kind', kind);
	record.set('key_hash', $security.sha256(key));
	record.set('prefix', key.slice(0, 11));
	record.set('revoked', false);
	record.set('rate_limit', rate);
	record.set('created_by', e.auth.id);
	$app.save(record);
	crmAudit(e, 'shop_sources.key_create', 'shop_sources', record.id, { kind, prefix: key.slice(0, 11) });
	const out = view(record);
	out.key = key;
	return e.json(201, out);
}

function handleRevoke(e) {
	requireAdmin(e);
	let record;
	try {
		record = $app.findRecordById('shop_sources', e.request.pathValue('id'));
	} catch (_notFound) {
		throw new NotFoundError('shop connection not found');
	}
	if (!record.getBool('revoked')) {
		record.set('revoked', true);
		record.set('revoked_at', new Date().toISOString().replace('T', ' '));
		$app.save(record);
		crmAudit(e, 'shop_sources.key_revoke', 'shop_sources', record.id, { prefix: record.getString('prefix') });
	}
	return e.json(200, { id: record.id, revoked: true });
}

module.exports = { handleList, handleCreate, handleRevoke };
