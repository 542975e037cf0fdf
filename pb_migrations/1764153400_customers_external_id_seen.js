/// <reference path="../pb_data/types.d.ts" />
// A shop customer id is unique among the customers a user may see, no longer across all of them
// (security probe: a sales rep creating a customer with a shop id another rep's customer held was
// told "not unique", so learned that this shop customer exists). Now a rep's customer may carry the
// same shop id as one they cannot see (both reps met the same shopper); managers, who see both, are
// shown the pair to merge. The shop's events go to the oldest live customer with the id
// (server/ingest.go). The uniqueness among what the caller sees is checked by pb_hooks/lib/sync.js.
migrate((app) => {
	const customers = app.findCollectionByNameOrId('customers');
	customers.indexes = customers.indexes
		.filter((i) => !i.includes('idx_customers_external_id'))
		.concat(["CREATE INDEX idx_customers_external_id ON customers (external_id, created) WHERE external_id != ''"]);
	app.save(customers);
}, (app) => {
	const customers = app.findCollectionByNameOrId('customers');
	customers.indexes = customers.indexes
		.filter((i) => !i.includes('idx_customers_external_id'))
		.concat(["CREATE UNIQUE INDEX idx_customers_external_id ON customers (external_id) WHERE external_id != ''"]);
	app.save(customers);
});
