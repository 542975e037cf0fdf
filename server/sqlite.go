// SQLite through mattn/go-sqlite3 (the C library via cgo) instead of PocketBase's default pure-Go
// modernc.org/sqlite, as PocketBase's documentation describes for heavier write loads: the event
// ingestion benchmark (bench/ingest.bench.ts) spent most of its time inside SQLite, which runs a few
// times faster compiled from C. Built with the no_default_driver tag (scripts/build-server.mjs), so
// the modernc driver is not linked in.
package main

import (
	"database/sql"

	"github.com/mattn/go-sqlite3"
	"github.com/pocketbase/dbx"
)

const sqliteDriver = "crm_sqlite3"

func init() {
	// Every new connection gets PocketBase's pragmas, with synchronous=FULL (see durableDBConnect).
	sql.Register(sqliteDriver, &sqlite3.SQLiteDriver{
		ConnectHook: func(conn *sqlite3.SQLiteConn) error {
			_, err := conn.Exec(`
				PRAGMA busy_timeout       = 10000;
				PRAGMA journal_mode       = WAL;
				PRAGMA journal_size_limit = 200000000;
				PRAGMA synchronous        = FULL;
				PRAGMA foreign_keys       = ON;
				PRAGMA temp_store         = MEMORY;
				PRAGMA cache_size         = -32000;
			`, nil)
			return err
		},
	})
	dbx.BuilderFuncMap[sqliteDriver] = dbx.BuilderFuncMap["sqlite3"]
}
