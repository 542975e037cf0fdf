/// <reference path="../../pb_data/types.d.ts" />
const { badRequest } = require(`${__hooks}/lib/errors.js`);

function createOwner(e) {
	const body = e.requestInfo().body || {};
	const errors = [];
	const email = typeof body.email === 'string' ? body.email.trim().toLowerCase() : '';
	if (!/^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/.test(email)) errors.push({ field: 'email', code: 'invalid_email', message: 'a valid email is required' });
	if (typeof body.password !== 'string' || body.password.length < 10) errors.push({ field: 'password', code: 'too_short', message: 'the password needs at least 10 characters' });
	const name = typeof body.name === 'string' ? body.name.trim() : '';
	if (!name) errors.push({ field: 'name', code: 'required', message: 'name is required' });
	if (errors.length) throw badRequest(errors);
	let created = false;
	$app.runInTransaction((tx) => {
		if (tx.countRecords('staff') > 0) return;
		const owner = new Record(tx.findCollectionByNameOrId('staff'));
		owner.set('email', email);
		owner.setPassword(body.password);
		owner.set('name', name);
		owner.set('role', 'admin');
		owner.setVerified(true);
		tx.save(owner);
		created = true;
	});
	if (!created) throw new ApiError(409, 'The owner account exists already: sign in instead.', {});
	return e.json(200, { created: true });
}

module.exports = { createOwner };
