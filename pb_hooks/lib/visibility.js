/// <reference path="../../pb_data/types.d.ts" />
// Which of a device's records its user may no longer see (reassigned to someone else, or gone), so the
// device can drop them: pulls only ever bring what a user may list, this takes away what they lost.
const MAX_IDS = 1000;
const ID_RE = /^[a-z0-9]{15}$/;
const SYNCED = ['customers', 'service_records', 'customer_stats', 'segments', 'labels', 'campaigns', 'consents', 'conversations', 'messages', 'cases', 'canned_replies', 'list_views'];

/** POST /api/crm/sync/{collection}/visible  body: { ids: [...] }  ->  { hidden: [...], missing: [...] } */
function handleVisible(e) {
	const name = e.request.pathValue('collection');
	if (!SYNCED.includes(name)) throw new NotFoundError(`"${name}" is not a synced collection`);
	const collection = $app.findCachedCollectionByNameOrId(name);
	const info = e.requestInfo();
	const ids = JSON.parse(JSON.stringify(info.body || {})).ids;
	if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || !ID_RE.test(id))) {
		throw new BadRequestError('ids must be a list of record ids', { ids: new ValidationError('invalid', 'ids must be a list of record ids') });
	}
	if (ids.length > MAX_IDS) throw new ApiError(413, `at most ${MAX_IDS} ids per request`, {});
	// hidden: every id the user may not see; missing: those of them the server does not hold at all
	// (deleted, or lost by a restore from a backup: a device that is uploading again after a restore
	// keeps those, engine.ts).
	const hidden = [];
	const missing = [];
	for (const id of ids) {
		let record = null;
		try {
			record = $app.findRecordById(name, id);
		} catch (_notFound) {
			record = null;
		}
		if (!record) missing.push(id);
		if (!record || !$app.canAccessRecord(record, info, collection.viewRule)) hidden.push(id);
	}
	return e.json(200, { hidden, missing });
}

module.exports = { handleVisible };
