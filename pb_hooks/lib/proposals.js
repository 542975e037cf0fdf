/// <reference path="../../pb_data/types.d.ts" />
// Accepting or dismissing a proposal (pb_hooks/proposals.pb.js).
const shared = require(`${__hooks}/lib/shared.js`);

function decide(e, status) {
	const info = e.requestInfo();
	const proposals = $app.findCachedCollectionByNameOrId('proposals');
	const customers = $app.findCachedCollectionByNameOrId('customers');
	let proposal;
	try {
		proposal = $app.findRecordById('proposals', e.request.pathValue('id'));
	} catch (_notFound) {
		throw new NotFoundError('No such proposal.');
	}
	if (!$app.canAccessRecord(proposal, info, proposals.viewRule)) throw new NotFoundError('No such proposal.');
	const customer = $app.findRecordById('customers', proposal.getString('customer'));
	// Deciding is editing the customer: its owner or a manager, as for any edit.
	info.body = {};
	if (!$app.canAccessRecord(customer, info, customers.updateRule)) {
		throw new ApiError(403, 'Only whoever holds the customer now, or a manager, decides on a proposal.', { id: { code: 'forbidden', message: 'not allowed' } });
	}
	if (proposal.getString('status') !== 'open') {
		throw new ApiError(409, 'This proposal was decided already.', { status: { code: 'decided', message: proposal.getString('status') } });
	}
	$app.runInTransaction((tx) => {
		const fresh = tx.findRecordById('proposals', proposal.id);
		if (fresh.getString('status') !== 'open') throw new ApiError(409, 'This proposal was decided already.', {});
		if (status === 'accepted') {
			const c = tx.findRecordById('customers', customer.id);
			const changes = JSON.parse(fresh.getString('changes') || '{}');
			const now = Date.now();
			const state = JSON.parse(JSON.stringify(c));
			const times = state.field_times || {};
			const replaced = [];
			for (const [f, v] of Object.entries(changes)) {
				if (JSON.stringify(state[f] ?? null) !== JSON.stringify(v ?? null)) {
					replaced.push({ field: f, value: state[f] ?? null, edited_at: times[f] || now, resolved_at: now, reason: 'merged' });
				}
				c.set(f, v);
				times[f] = now;
			}
			const normalized = shared.normalizeCustomer(JSON.parse(JSON.stringify(c)));
			for (const f of Object.keys(changes)) if (f in normalized) c.set(f, normalized[f]);
			c.set('field_times', times);
			c.set('history', shared.mergeHistory(state.history, [], replaced, shared.LIMITS.historyEntries));
			tx.save(c);
		}
		fresh.set('status', status);
		fresh.set('decided_by', info.auth.id);
		fresh.set('decided_at', new Date().toISOString());
		tx.save(fresh);
	});
	return e.json(200, { status });
}

module.exports = { decide };
