// The CRM server: PocketBase with the JS hooks (pb_hooks/) and JS migrations (pb_migrations/),
// serving the built PWA (build/) with an SPA fallback to index.html.
package main

import (
	"github.com/dop251/goja"
	"log"
	"mime"
	"net/http"
	"os"
	"runtime/debug"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/plugins/jsvm"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/ui"
)

func init() {
	// The PWA's manifest (build/manifest.webmanifest): Go's MIME table does not know the extension, so
	// it went out as text/plain, which browsers and store checkers warn about.
	_ = mime.AddExtensionType(".webmanifest", "application/manifest+json")
}

func main() {
	// The backup agent and the restore run without PocketBase's start-up (which would open the database
	// with the server's SQLite; see backup.go).
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "backup-agent":
			os.Exit(runBackupAgent(os.Args[2:]))
		case "restore":
			os.Exit(runRestore(os.Args[2:]))
		case "audit-verify":
			os.Exit(runAuditVerify(os.Args[2:]))
		}
	}
	// The heap stays small (a few hundred MB under full ingestion) while the collector took a fifth of
	// the CPU at Go's default of 100: collect less often unless GOGC says otherwise.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	// As many idle connections as open ones: with PocketBase's default (15 idle of 120) a burst of
	// requests (500 shoppers' tracker.js asking for on-site messages at once) opened and closed a
	// SQLite connection, pragmas and all, for most requests; a quarter of the server's time went there.
	// Idle connections are still closed after 3 minutes (PocketBase's ConnMaxIdleTime).
	app := pocketbase.NewWithConfig(pocketbase.Config{DBConnect: durableDBConnect, DataMaxOpenConns: 64, DataMaxIdleConns: 64})

	var hooksDir, migrationsDir, publicDir string
	var hooksWatch bool
	var hooksPool int
	flags := app.RootCmd.PersistentFlags()
	flags.StringVar(&hooksDir, "hooksDir", "./pb_hooks", "the directory with the JS app hooks")
	flags.StringVar(&migrationsDir, "migrationsDir", "./pb_migrations", "the directory with the JS migrations")
	flags.StringVar(&publicDir, "publicDir", "./build", "the directory with the built PWA")
	flags.BoolVar(&hooksWatch, "hooksWatch", false, "restart the app when a pb_hooks file changes")
	flags.IntVar(&hooksPool, "hooksPool", 25, "prewarmed JS runtimes for the hooks")
	app.RootCmd.ParseFlags(os.Args[1:])

	// Personal fields sealed in the database (fieldcrypt.go): the data key is loaded before the
	// database opens, the fields sealed once the migrations have run.
	registerFieldCrypt(app)
	registerLogRedaction(app) // request logs keep no query values (logredact.go)

	stats := newStatsNotifier(app)
	jsvm.MustRegister(app, jsvm.Config{
		OnInit: func(vm *goja.Runtime) {
			bindListableIDs(app)(vm)
			stats.bind(vm)
			bindAudit(vm)
			_ = vm.Set("crmSecretFields", secretFields) // the sealed columns, for SQL in the hooks (fieldcrypt.go)
		},
		MigrationsDir: migrationsDir,
		HooksDir:      hooksDir,
		HooksWatch:    hooksWatch,
		HooksPoolSize: hooksPool,
	})

	// POST /api/crm/events (ingest.go), its writes grouped into shared transactions (groupcommit.go).
	js := newSharedJS(hooksDir) // the shared TypeScript's rules, run from Go (sharedjs.go)
	ingest := registerIngestion(app, newGroupCommitter(app), stats, js)
	// WAL checkpoints beside the writer, not inside its commits (sqlite.go).
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		startCheckpointer(se.App)
		return se.Next()
	})
	// SIGTERM: refuse new requests, finish those under way, then stop (drain.go).
	registerDrain(app)
	registerSystemd(app) // READY, STOPPING and a watchdog that checks the database (sdnotify.go)
	// Continuous backup beside the server, the epoch on every answer, private files (backup.go).
	registerBackup(app)
	// Campaigns: publishing, the send queue, on-site messages, unsubscribes (campaigns.go and beside it).
	campaigns := registerCampaigns(app, js)
	registerOnsite(app, ingest, campaigns)
	registerPush(app) // Web Push alerts of new visitor messages (push.go)

	// Chat events for the agent console on the topic "crm/chat", sent only to the staff they concern
	// (chatrealtime.go).
	registerChatRealtime(app)
	// Devices told at once which customers their user lost (lostrecords.go).
	registerLostRecords(app)
	// Chat messages' checks and their conversation's update (chatmessages.go).
	registerChatMessages(app)
	// Conversation updates applied to the row as it is now; a claim race answers 409
	// (chatconversations.go).
	registerChatConversations(app)

	// Security (README "Security"): filters only on readable fields (filterguard.go), sign-in throttling,
	// lockout and deactivated accounts (authguard.go), staff accounts (staff.go), browser headers, CORS
	// and the demo shop switch (webguard.go).
	registerFilterGuard(app)
	registerAuthGuard(app)
	registerStaff(app)
	registerWebGuard(app, publicDir)
	registerHealth(app)
	registerAudit(app)               // who read or changed what, hash-chained (audit.go, auditroutes.go)
	registerPersonalData(app)        // a customer's data exported or erased at their request (personaldata.go)
	registerCustomerExport(app)      // the customer CSV export, by role and audited (customerexport.go)
	registerOrderImport(app, ingest) // a shop's order history from a file (orderimport.go)
	registerCLV(app)                 // predicted customer value: BG/NBD and Gamma-Gamma (clv.go, clvmodel.go)
	ensureDemoIdentitySecret()
	if !adminUIEnabled() {
		ui.DistDirFS = nil // PocketBase's dashboard (/_/) only with CRM_ADMIN_UI=on
	}

	// `crm-server migrate up|down`; schema changes are written by hand as code, never auto-generated.
	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{
		TemplateLang: migratecmd.TemplateLangJS,
		Automigrate:  false,
		Dir:          migrationsDir,
	})

	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(e *core.ServeEvent) error {
			if !e.Router.HasRoute(http.MethodGet, "/{path...}") {
				// indexFallback: client-side routes survive a reload.
				static := apis.Static(os.DirFS(publicDir), true)
				e.Router.GET("/{path...}", func(re *core.RequestEvent) error {
					if !staticHeaders(re) {
						return re.NotFoundError("", nil)
					}
					return static(re)
				}).Bind(apis.Gzip())
			}
			return e.Next()
		},
		Priority: 999,
	})

	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}

// durableDBConnect opens SQLite with PocketBase's pragmas except synchronous=FULL: a commit (an event
// batch answered with 200, a customer edit) is on disk before the answer, also across a power loss, not
// only across a killed process. With WAL this costs one fsync per transaction. The driver is
// mattn/go-sqlite3 (cgo, see sqlite.go).
//
// Transactions begin IMMEDIATE (they take the write lock at BEGIN, waiting for it under busy_timeout):
// the backup agent, a separate process (backup.go), writes its own bookkeeping rows and locks the
// database briefly for its checkpoints, and a deferred transaction that had read before another
// process wrote fails at once with "database is locked" instead of waiting. PocketBase runs every
// transaction on its one-connection writer pool, so readers are not serialised by this.
func durableDBConnect(dbPath string) (*dbx.DB, error) {
	return dbx.Open(sqliteDriver, dbPath+"?_txlock=immediate")
}
