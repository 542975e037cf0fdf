/// <reference path="../pb_data/types.d.ts" />
// Predicted value for segment rules and campaign audiences (issue 15, item 2): the nightly fit
// (server/clv.go) writes each customer's 12-month value, rounded to two significant figures so that a
// day's drift does not send every row to every device again, and the churn-risk flag. Devices pull them
// with the other figures (customer_stats, schema version 1 on the device).
migrate((app) => {
	const stats = app.findCollectionByNameOrId('customer_stats');
	stats.fields.add(new NumberField({ name: 'predicted_value', min: 0 }));
	stats.fields.add(new BoolField({ name: 'churn_risk' }));
	app.save(stats);
}, (app) => {
	const stats = app.findCollectionByNameOrId('customer_stats');
	stats.fields.removeByName('predicted_value');
	stats.fields.removeByName('churn_risk');
	app.save(stats);
});
