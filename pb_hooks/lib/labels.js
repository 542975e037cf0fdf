/// <reference path="../../pb_data/types.d.ts" />
// Managed labels (tags and categories): one name per kind among the labels not removed.
const shared = require(`${__hooks}/lib/shared.js`);

/**
 * Refuses a label whose name another label of its kind (not removed) has, naming `name`: the
 * unique index alone would name both kind and name. Runs on every save path: push, REST, admin UI.
 */
function checkUniqueName(e) {
	const r = e.record;
	if (r.getBool('deleted')) return;
	const kind = r.getString('kind');
	const name = shared.normalizeLabel({ name: r.getString('name') }).name;
	const found = arrayOf(new DynamicModel({ id: '' }));
	e.app.db().newQuery('SELECT id FROM labels WHERE kind = {:kind} AND name = {:name} COLLATE NOCASE AND deleted = FALSE AND id != {:id} LIMIT 1').bind({ kind, name, id: r.id }).all(found);
	if (!found.length) return;
	const message = `a ${kind === 'category' ? 'category' : 'tag'} named "${name}" exists already`;
	throw new BadRequestError(message, { name: new ValidationError('not_unique', message) });
}

module.exports = { checkUniqueName };
