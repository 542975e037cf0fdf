/// <reference path="../pb_data/types.d.ts" />
// Sync: conditional push for synced collections. Pulls use the standard list API
// (GET /api/collections/{name}/records?filter=seq>N&sort=seq) so they obey the list rule.

routerAdd(
	'POST',
	'/api/crm/sync/{collection}/push',
	(e) => {
		return require(`${__hooks}/lib/sync.js`).handlePush(e);
	},
	$apis.requireAuth('staff')
);

onRecordCreateRequest(
	(e) => {
		require(`${__hooks}/lib/sync.js`).checkRestWrite(e, false);
		e.next();
	},
	'customers',
	'service_records',
	'segments',
	'labels',
	'campaigns',
	'list_views'
);

onRecordUpdateRequest(
	(e) => {
		require(`${__hooks}/lib/sync.js`).checkRestWrite(e, true);
		e.next();
	},
	'customers',
	'service_records',
	'segments',
	'labels',
	'campaigns',
	'list_views'
);

// A patch may change kind without rule or members: the whole segment is checked after it is applied.
onRecordUpdateRequest((e) => {
	require(`${__hooks}/lib/segments.js`).checkWholeSegment(e);
	e.next();
}, 'segments');

routerAdd(
	'POST',
	'/api/crm/sync/{collection}/visible',
	(e) => {
		return require(`${__hooks}/lib/visibility.js`).handleVisible(e);
	},
	$apis.requireAuth('staff')
);
