/// <reference path="../pb_data/types.d.ts" />
// Changes a rep made offline to a customer handed to a colleague meanwhile (issue "Offline edges",
// item 4): instead of being refused and lost, the push keeps them as a proposal for whoever holds the
// customer now (pb_hooks/lib/sync.js); the new owner or a manager accepts or dismisses it
// (pb_hooks/proposals.pb.js). Read by its author, the customer's owner, managers and admins; written by
// the server only.
const STAFF = '@request.auth.collectionName = "staff"';
const READ = `${STAFF} && (@request.auth.role = "admin" || @request.auth.role = "manager" || author = @request.auth.id || customer.owner = @request.auth.id)`;

migrate((app) => {
	const customers = app.findCollectionByNameOrId('customers');
	const staff = app.findCollectionByNameOrId('staff');
	const proposals = new Collection({
		type: 'base',
		name: 'proposals',
		listRule: READ,
		viewRule: READ,
		createRule: null,
		updateRule: null,
		deleteRule: null,
		fields: [
			{ name: 'customer', type: 'relation', required: true, collectionId: customers.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'author', type: 'relation', required: true, collectionId: staff.id, maxSelect: 1, cascadeDelete: false },
			// (its name as it was: a sales rep may not list colleagues)
			{ name: 'author_name', type: 'text', max: 200 },
			{ name: 'changes', type: 'json', maxSize: 100000 },
			{ name: 'base', type: 'json', maxSize: 100000 },
			{ name: 'status', type: 'select', required: true, maxSelect: 1, values: ['open', 'accepted', 'dismissed'] },
			{ name: 'decided_by', type: 'relation', collectionId: staff.id, maxSelect: 1, cascadeDelete: false },
			{ name: 'decided_at', type: 'text', max: 40 },
			{ name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
			{ name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }
		],
		indexes: ['CREATE INDEX idx_proposals_customer ON proposals (customer, status)', 'CREATE INDEX idx_proposals_author ON proposals (author)']
	});
	app.save(proposals);
}, (app) => {
	app.delete(app.findCollectionByNameOrId('proposals'));
});
