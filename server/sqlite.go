// SQLite through mattn/go-sqlite3 (the C library via cgo) instead of PocketBase's default pure-Go
// modernc.org/sqlite, as PocketBase's documentation describes for heavier write loads: the event
// ingestion benchmark (bench/ingest.bench.ts) spent most of its time inside SQLite, which runs a few
// times faster compiled from C. Built with the no_default_driver tag (scripts/build-server.mjs), so
// the modernc driver is not linked in.
package main

import (
	"database/sql"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

const sqliteDriver = "crm_sqlite3"

func init() {
	// Every new connection gets PocketBase's pragmas, with synchronous=FULL (see durableDBConnect), and
	// checkpoints left to startCheckpointer (the connection that commits checkpoints only when the WAL
	// reaches 50,000 pages, ~200 MB, should that ever fall behind).
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
				PRAGMA wal_autocheckpoint = 50000;
			`, nil)
			if err != nil {
				return err
			}
			// The personal fields' sealing for SQL written by hand (fieldcrypt.go).
			if err := conn.RegisterFunc("crm_open", sqlOpen, true); err != nil {
				return err
			}
			if err := conn.RegisterFunc("crm_money", sqlMoney, true); err != nil {
				return err
			}
			return conn.RegisterFunc("crm_seal", sqlSeal, false)
		},
	})
	dbx.BuilderFuncMap[sqliteDriver] = dbx.BuilderFuncMap["sqlite3"]
}

// startCheckpointer copies the WAL back into the database files every second, beside the writer.
// SQLite's default (the committing connection checkpoints every 1,000 pages, ~4 MB) put that copy, and
// the database file's fsync, inside an event batch's commit several times a second; with the ingestion
// writing a few MB of index pages per batch, it took a quarter of the writer's time (17,100 → 21,600
// events/s in bench/ingest.bench.ts). PASSIVE never waits for readers or the writer.
func startCheckpointer(app core.App) {
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				for _, db := range []dbx.Builder{app.DB(), app.AuxDB()} {
					if _, err := db.NewQuery("PRAGMA wal_checkpoint(PASSIVE)").Execute(); err != nil && profile {
						app.Logger().Warn("checkpoint failed", "error", err)
					}
				}
			}
		}
	}()
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		close(stop)
		return e.Next()
	})
}
