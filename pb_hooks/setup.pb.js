/// <reference path="../pb_data/types.d.ts" />
// First run: while no staff exists, the first visitor creates the owner (admin) account.

routerAdd('GET', '/api/crm/setup', (e) => {
	// tour: whether the app shows its first-login tour (CRM_TOUR=off turns it off: the test servers).
	// tzOffsetMinutes: the shop's time zone (CRM_TZ_OFFSET_MINUTES), so devices count the shop's days
	// as the server does.
	return e.json(200, { needsOwner: $app.countRecords('staff') === 0, tour: $os.getenv('CRM_TOUR') !== 'off', tzOffsetMinutes: require(`${__hooks}/lib/tz.js`).TZ_OFFSET });
});

routerAdd('POST', '/api/crm/setup', (e) => {
	return require(`${__hooks}/lib/setup.js`).createOwner(e);
});
