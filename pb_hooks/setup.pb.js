/// <reference path="../pb_data/types.d.ts" />
// First run: while no staff exists, the first visitor creates the owner (admin) account.

routerAdd('GET', '/api/crm/setup', (e) => {
	// tour: whether the app shows its first-login tour (CRM_TOUR=off turns it off: the test servers).
	return e.json(200, { needsOwner: $app.countRecords('staff') === 0, tour: $os.getenv('CRM_TOUR') !== 'off' });
});

routerAdd('POST', '/api/crm/setup', (e) => {
	return require(`${__hooks}/lib/setup.js`).createOwner(e);
});
