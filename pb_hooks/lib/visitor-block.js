/// <reference path="../../pb_data/types.d.ts" />
// POST /api/crm/chat/visitors/{id}/block { blocked } (docs/api/chat.md): managers and admins block or
// unblock a shopper from the console. Visitors stay read-only in the records API (updateRule null), so
// this route is the one way to change `blocked`, and it changes nothing else on the visitor.
const { badRequest } = require(`${__hooks}/lib/errors.js`);

function handleBlock(e) {
	const role = require(`${__hooks}/lib/chat.js`).roleOf(e.auth);
	if (role !== 'admin' && role !== 'manager') {
		const data = { blocked: new ValidationError('forbidden', 'Only managers and admins block or unblock visitors.') };
		throw new ForbiddenError('Only managers and admins block or unblock visitors.', data);
	}
	const body = e.requestInfo().body || {};
	if (typeof body.blocked !== 'boolean') throw badRequest([{ field: 'blocked', code: 'invalid', message: 'blocked must be true or false' }]);
	let visitor = null;
	try {
		visitor = $app.findRecordById('visitors', e.request.pathValue('id'));
	} catch (_notFound) {
		throw new NotFoundError('No such visitor.', {});
	}
	visitor.set('blocked', body.blocked);
	$app.save(visitor);
	return e.json(200, { id: visitor.id, name: visitor.getString('name'), blocked: visitor.getBool('blocked') });
}

module.exports = { handleBlock };
