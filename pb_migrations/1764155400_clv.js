/// <reference path="../pb_data/types.d.ts" />
// Predictive customer value (server/clv.go, issue 15 item 2): the fitted BG/NBD and Gamma-Gamma model
// (one row) and each customer's predicted figures, rewritten at every fit. Plain tables like the
// statistics: nobody reads them through the records API.
migrate((app) => {
	app.db().newQuery(
		`CREATE TABLE IF NOT EXISTS crm_clv_model (
			id INTEGER PRIMARY KEY CHECK (id = 1), fitted_at TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT '',
			customers INTEGER NOT NULL DEFAULT 0, repeat_buyers INTEGER NOT NULL DEFAULT 0, params TEXT NOT NULL DEFAULT '{}',
			annual_discount REAL NOT NULL DEFAULT 0.1, as_of TEXT NOT NULL DEFAULT '', seconds REAL NOT NULL DEFAULT 0
		)`
	).execute();
	app.db().newQuery(
		`CREATE TABLE IF NOT EXISTS crm_clv (
			customer TEXT PRIMARY KEY NOT NULL, x INTEGER NOT NULL DEFAULT 0, tx REAL NOT NULL DEFAULT 0, t REAL NOT NULL DEFAULT 0,
			p_alive REAL NOT NULL DEFAULT 0, expected_30 REAL NOT NULL DEFAULT 0, expected_90 REAL NOT NULL DEFAULT 0,
			expected_365 REAL NOT NULL DEFAULT 0, spend REAL NOT NULL DEFAULT 0, value_12m REAL NOT NULL DEFAULT 0,
			lifetime REAL NOT NULL DEFAULT 0, churn_risk INTEGER NOT NULL DEFAULT 0
		) WITHOUT ROWID`
	).execute();
}, (app) => {
	app.db().newQuery('DROP TABLE IF EXISTS crm_clv').execute();
	app.db().newQuery('DROP TABLE IF EXISTS crm_clv_model').execute();
});
