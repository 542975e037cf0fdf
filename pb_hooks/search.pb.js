/// <reference path="../pb_data/types.d.ts" />
// The global search's server part: orders by their number (the device holds customers, segments and
// campaigns itself, but not every order). Staff only; orders of customers the caller may not view are left out.
routerAdd(
	'GET',
	'/api/crm/search/orders',
	(e) => {
		return require(`${__hooks}/lib/search.js`).handleOrderSearch(e);
	},
	$apis.requireAuth('staff')
);
