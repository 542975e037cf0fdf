/// <reference path="../../pb_data/types.d.ts" />
// Cases (docs/api/chat.md): the service-level due times follow the priority; the response and
// resolution times are stamped by the server when the status moves.
const { SLA_TARGETS, parseEventTime } = require(`${__hooks}/lib/shared.js`);

function iso(t) {
	return new Date(t).toISOString();
}

/** Create and update of a case through the API: due times, response and resolution stamps. */
function checkCase(e, isUpdate) {
	const r = e.record;
	const before = isUpdate ? e.record.original() : null;
	const now = Date.now();
	const created = before ? parseEventTime(before.getString('created')) : now;
	const priority = r.getString('priority');
	if (!before || before.getString('priority') !== priority) {
		const sla = SLA_TARGETS[priority] || SLA_TARGETS.normal;
		r.set('first_response_due', iso(created + sla.response * 60000));
		r.set('resolution_due', iso(created + sla.resolution * 60000));
	} else if (!e.hasSuperuserAuth()) {
		r.set('first_response_due', before.getString('first_response_due'));
		r.set('resolution_due', before.getString('resolution_due'));
	}
	if (!e.hasSuperuserAuth()) {
		// Stamped by the server only.
		r.set('first_response_at', before ? before.getString('first_response_at') : '');
		r.set('resolved_at', before ? before.getString('resolved_at') : '');
	}
	const status = r.getString('status');
	const was = before ? before.getString('status') : 'open';
	if (status !== 'open' && !r.getString('first_response_at')) r.set('first_response_at', iso(now));
	if ((status === 'resolved' || status === 'closed') && was !== 'resolved' && was !== 'closed') r.set('resolved_at', iso(now));
	if ((status === 'open' || status === 'in_progress') && (was === 'resolved' || was === 'closed')) r.set('resolved_at', '');
}

module.exports = { checkCase };
