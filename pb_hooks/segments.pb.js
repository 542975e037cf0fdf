/// <reference path="../pb_data/types.d.ts" />
// Segments evaluated on the server (campaigns use the same members the device counts).

// GET /api/crm/segments/{id}/members[?now=<ms>] -> { count, ids }: the segment's members among the
// customers the caller may list (ids: at most 50,000).
routerAdd(
	'GET',
	'/api/crm/segments/{id}/members',
	(e) => {
		return require(`${__hooks}/lib/segments.js`).handleMembers(e);
	},
	$apis.requireAuth('staff')
);
