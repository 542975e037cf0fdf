/// <reference path="../../pb_data/types.d.ts" />
// POST /api/crm/products  body: { products: [{ product_id, name, category, price, image_url, shop_url }], dry_run? }
// -> { created, updated, unchanged } or 422 { problems: [{ row, field, code, message }] } (nothing written).
// All or nothing: one bad row and nothing of the request is stored, every bad row named.
const shared = require(`${__hooks}/lib/shared.js`);

/** Who sends: a server shop key (not revoked), or a signed-in admin or manager. Returns a label for the audit log. */
function caller(e) {
	const header = String(e.request.header.get('Authorization') || '').trim();
	const bearer = /^Bearer\s+(\S+)$/i.exec(header);
	const key = bearer ? bearer[1] : String(e.request.header.get('X-Shop-Key') || '').trim();
	if (key) {
		let source = null;
		try {
			source = $app.findFirstRecordByData('shop_sources', 'key_hash', $security.sha256(key));
		} catch (_unknown) {
			source = null;
		}
		if (!source) throw new UnauthorizedError('this shop key is not known: check the key in Settings → Shop connections', {});
		if (source.getBool('revoked')) throw new UnauthorizedError('this shop key was revoked: create a new one in Settings → Shop connections', {});
		if (source.getString('kind') !== 'server') throw new ForbiddenError('a browser key may only send events: send the catalogue with a server key', {});
		return { source: source.id };
	}
	const auth = e.auth;
	if (!auth || auth.collection().name !== 'staff') throw new UnauthorizedError('sign in, or send a server shop key', {});
	const role = auth.getString('role');
	if (role !== 'admin' && role !== 'manager') throw new ForbiddenError('only managers and admins import products', {});
	return { staff: auth.id };
}

/** Whether a stored product already holds this row's values. */
function sameProduct(record, row) {
	return shared.PRODUCT_FIELDS.every((f) => (f === 'price' ? (record.get('price') || 0) === (row.price || 0) : record.getString(f) === row[f]));
}

function handleUpsert(e) {
	const who = caller(e);
	const body = JSON.parse(JSON.stringify(e.requestInfo().body || {}));
	const list = body.products;
	if (!Array.isArray(list) || !list.length) {
		throw new BadRequestError('products must be a non-empty list', { products: new ValidationError('invalid', 'products must be a non-empty list of products') });
	}
	if (list.length > shared.PRODUCT_LIMITS.rows) {
		throw new BadRequestError(`at most ${shared.PRODUCT_LIMITS.rows} products per request`, {
			products: new ValidationError('too_many', `at most ${shared.PRODUCT_LIMITS.rows} products per request: send the rest in another`)
		});
	}
	const problems = [];
	const rows = [];
	const seen = {};
	list.forEach((raw, i) => {
		// row: the spreadsheet row the app read it from (named in problems), else its place in the list.
		const at = raw && typeof raw === 'object' && Number.isInteger(raw.row) ? raw.row : i + 1;
		if (raw && typeof raw === 'object') delete raw.row;
		const { row, errors } = shared.validateProduct(raw);
		for (const p of errors) problems.push({ row: at, field: p.field, code: p.code, message: p.message });
		if (!row) return;
		if (seen[row.product_id]) problems.push({ row: at, field: 'product_id', code: 'duplicate', message: `product_id "${row.product_id}" is also in row ${seen[row.product_id]}` });
		seen[row.product_id] = at;
		rows.push(row);
	});
	if (problems.length) return e.json(422, { status: 422, message: `${problems.length} problems: nothing was saved`, problems: problems.slice(0, 200) });
	const out = { created: 0, updated: 0, unchanged: 0, dry_run: body.dry_run === true };
	const collection = $app.findCachedCollectionByNameOrId('products');
	const apply = (tx) => {
		for (const row of rows) {
			let record = null;
			try {
				record = tx.findFirstRecordByData('products', 'product_id', row.product_id);
			} catch (_new) {
				record = null;
			}
			if (record && record.getString('source') === 'api' && sameProduct(record, row)) {
				out.unchanged++;
				continue;
			}
			if (!record) {
				record = new Record(collection);
				out.created++;
			} else out.updated++;
			for (const f of shared.PRODUCT_FIELDS) record.set(f, f === 'price' ? (row.price === null ? 0 : row.price) : row[f]);
			record.set('source', 'api');
			if (!out.dry_run) tx.save(record);
		}
	};
	if (out.dry_run) apply($app);
	else $app.runInTransaction(apply);
	if (!out.dry_run) crmAudit(e, 'products.import', 'products', '', { created: out.created, updated: out.updated, via: who.source ? 'shop_key' : 'app' });
	return e.json(200, out);
}

/**
 * Fills the catalogue from the events' own product fields (issue 18, item 3): a product_view,
 * add_to_cart or remove_from_cart event may carry `properties.product_name`, `properties.image_url` and
 * `properties.product_url` besides its product_id, category and price. Products the catalogue already has
 * from the API are left as they are; those learned from events take the latest event's fields. Reads
 * only the events stored since the last run (by rowid), so each run is cheap. Returns the products written.
 */
function learnFromEvents() {
	const store = $app.store();
	const since = Number(store.get('crm_products_learned_rowid') || 0);
	const top = arrayOf(new DynamicModel({ top: 0 }));
	$app.db().newQuery('SELECT coalesce(max(rowid), 0) AS top FROM events').all(top);
	const upTo = top.length ? top[0].top : 0;
	if (upTo <= since) return 0;
	const found = arrayOf(new DynamicModel({ product_id: '', name: '', image_url: '', shop_url: '', category: '', price: -0 }));
	$app
		.db()
		.newQuery(
			`SELECT product_id, name, image_url, shop_url, category, price FROM (
			SELECT product_id, json_extract(properties, '$.product_name') AS name, coalesce(json_extract(properties, '$.image_url'), '') AS image_url,
			  coalesce(json_extract(properties, '$.product_url'), '') AS shop_url, category, price,
			  row_number() OVER (PARTITION BY product_id ORDER BY rowid DESC) AS n
			FROM events WHERE rowid > {:since} AND rowid <= {:upTo} AND product_id != ''
			  AND type IN ('product_view', 'add_to_cart', 'remove_from_cart') AND json_extract(properties, '$.product_name') IS NOT NULL)
		 WHERE n = 1 LIMIT 20000`
		)
		.bind({ since, upTo })
		.all(found);
	let written = 0;
	if (found.length) {
		const collection = $app.findCachedCollectionByNameOrId('products');
		$app.runInTransaction((tx) => {
			for (const f of found) {
				const { row } = shared.validateProduct({
					product_id: f.product_id,
					name: String(f.name || ''),
					category: f.category,
					price: f.price > 0 ? f.price : null,
					image_url: f.image_url,
					shop_url: f.shop_url
				});
				if (!row) continue; // a name too long, a bad address: the event's fields are not the catalogue's
				let record = null;
				try {
					record = tx.findFirstRecordByData('products', 'product_id', row.product_id);
				} catch (_new) {
					record = null;
				}
				if (record && record.getString('source') !== 'events') continue;
				if (record && sameProduct(record, row)) continue;
				if (!record) record = new Record(collection);
				for (const k of shared.PRODUCT_FIELDS) record.set(k, k === 'price' ? (row.price === null ? 0 : row.price) : row[k]);
				record.set('source', 'events');
				tx.save(record);
				written++;
			}
		});
	}
	store.set('crm_products_learned_rowid', upTo);
	return written;
}

module.exports = { handleUpsert, learnFromEvents };
