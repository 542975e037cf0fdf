/// <reference path="../pb_data/types.d.ts" />
// The consent ledger (pb_migrations/1764154300_consents.js): a staff edit of a customer's marketing
// consent (the customer form, a push or the records API) is recorded as a decision for every
// marketing channel, in the same transaction as the edit. Unsubscribes and SMS keywords are recorded
// by the campaign pipeline (server/unsubscribe.go).

onRecordCreate((e) => {
	const granted = e.record.getBool('marketing_consent');
	e.next();
	if (granted) require(`${__hooks}/lib/consents.js`).recordCustomerConsent(e.app, e.record);
}, 'customers');

onRecordUpdate((e) => {
	const before = e.record.original().getBool('marketing_consent');
	const after = e.record.getBool('marketing_consent');
	e.next();
	if (before !== after) require(`${__hooks}/lib/consents.js`).recordCustomerConsent(e.app, e.record);
}, 'customers');
