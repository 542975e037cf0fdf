/// <reference path="../../pb_data/types.d.ts" />
// Turns errors into the API's answer shape: { status, field, code, message }.

/** The first field error of a PocketBase validation error text like "name: cannot be blank.; notes: ..." */
function fromSaveError(err) {
	// A BadRequestError thrown by a record hook (e.g. lib/labels.js) names its field and code itself.
	const data = err && err.value && err.value.data;
	const field = data && Object.keys(data)[0];
	// A Go model hook may refuse with its own status (e.g. 403: a published campaign's content is locked).
	const status = err && err.value && typeof err.value.status === 'number' && err.value.status >= 400 && err.value.status < 500 ? err.value.status : 400;
	if (field && data[field] && data[field].code) return { status, field, code: String(data[field].code), message: `${field}: ${data[field].message}` };
	const text = String((err && (err.value && err.value.error ? err.value.error() : err.message)) || err);
	const m = /^\s*([a-z_][a-z0-9_]*):\s*(.+?)(;|$)/i.exec(text.replace(/^.*?Error:\s*/, ''));
	if (m) return { status: 400, field: m[1], code: 'invalid', message: `${m[1]}: ${m[2].replace(/\.$/, '')}` };
	return { status: 400, field: '', code: 'invalid', message: text.slice(0, 300) };
}

/** A BadRequestError naming every failing field, as PocketBase's own API does. */
function badRequest(fieldErrors, message) {
	const data = {};
	for (const fe of fieldErrors) data[fe.field] = new ValidationError(fe.code, fe.message);
	return new BadRequestError(message || fieldErrors.map((fe) => fe.message).join('; '), data);
}

module.exports = { fromSaveError, badRequest };
