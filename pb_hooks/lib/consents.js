/// <reference path="../../pb_data/types.d.ts" />
// Writing the consent ledger (pb_migrations/1764154300_consents.js).

const HOW = ['web_form', 'checkout', 'in_person', 'phone', 'import'];

/** The customer's marketing consent as a staff member set it, for every channel. */
function recordCustomerConsent(app, customer) {
	const row = new Record(app.findCollectionByNameOrId('consents'));
	const how = customer.getString('consent_how');
	const at = customer.getString('consent_at');
	row.set('customer', customer.id);
	row.set('purpose', 'marketing');
	const granted = customer.getBool('marketing_consent');
	row.set('granted', granted);
	// A grant is dated as the form says; a withdrawal is now.
	row.set('at', granted && at && !isNaN(Date.parse(at)) ? new Date(Date.parse(at)).toISOString() : new Date().toISOString());
	row.set('how', HOW.includes(how) ? how : 'staff_edit');
	row.set('wording', '');
	app.save(row);
}

/**
 * The latest decision for the purpose or for all marketing, else the customer's own flag (the Go
 * campaign pipeline reads it the same way: server/audience.go consentSQL).
 */
function hasConsent(app, customerId, purpose) {
	const out = arrayOf(new DynamicModel({ granted: false }));
	app
		.db()
		.newQuery(
			`SELECT coalesce((SELECT k.granted FROM consents k WHERE k.customer = c.id AND k.purpose IN ({:p}, 'marketing') AND k.deleted = 0
		   ORDER BY k.at DESC, k.created DESC LIMIT 1), c.marketing_consent) AS granted FROM customers c WHERE c.id = {:id}`
		)
		.bind({ id: customerId, p: purpose })
		.all(out);
	return out.length > 0 && !!out[0].granted;
}

module.exports = { recordCustomerConsent, hasConsent };
