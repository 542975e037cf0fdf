// The CRM server: PocketBase with the JS hooks (pb_hooks/) and JS migrations (pb_migrations/),
// serving the built PWA (build/) with an SPA fallback to index.html.
package main

import (
	"github.com/dop251/goja"
	"log"
	"net/http"
	"os"
	"runtime/debug"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/plugins/jsvm"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"
	"github.com/pocketbase/pocketbase/tools/hook"
)

func main() {
	// The heap stays small (a few hundred MB under full ingestion) while the collector took a fifth of
	// the CPU at Go's default of 100: collect less often unless GOGC says otherwise.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	app := pocketbase.NewWithConfig(pocketbase.Config{DBConnect: durableDBConnect})

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

	stats := newStatsNotifier(app)
	jsvm.MustRegister(app, jsvm.Config{
		OnInit: func(vm *goja.Runtime) {
			bindListableIDs(app)(vm)
			stats.bind(vm)
		},
		MigrationsDir: migrationsDir,
		HooksDir:      hooksDir,
		HooksWatch:    hooksWatch,
		HooksPoolSize: hooksPool,
	})

	// POST /api/crm/events (ingest.go), its writes grouped into shared transactions (groupcommit.go).
	registerIngestion(app, newGroupCommitter(app), stats, hooksDir)
	registerPush(app) // Web Push alerts of new visitor messages (push.go)

	// Chat events for the agent console on the topic "crm/chat", sent only to the staff they concern
	// (chatrealtime.go).
	registerChatRealtime(app)
	// Chat messages' checks and their conversation's update (chatmessages.go).
	registerChatMessages(app)
	// Conversation updates applied to the row as it is now; a claim race answers 409
	// (chatconversations.go).
	registerChatConversations(app)

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
					allowShopFraming(re)
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
func durableDBConnect(dbPath string) (*dbx.DB, error) {
	return dbx.Open(sqliteDriver, dbPath)
}

// allowShopFraming lets the shop's pages show the chat widget (/chat-widget, loaded by static/chat.js
// in an iframe): PocketBase answers every request with X-Frame-Options: SAMEORIGIN, which would keep
// it off any other site. Only that page may be framed, by the origins in CRM_CHAT_FRAME_ANCESTORS
// (space-separated, default any: the page shows nothing but the visitor's own chat); the staff app
// keeps SAMEORIGIN.
func allowShopFraming(e *core.RequestEvent) {
	path := e.Request.URL.Path
	if path != "/chat-widget" && !strings.HasPrefix(path, "/chat-widget/") {
		return
	}
	ancestors := strings.TrimSpace(os.Getenv("CRM_CHAT_FRAME_ANCESTORS"))
	if ancestors == "" {
		ancestors = "*"
	}
	e.Response.Header().Del("X-Frame-Options")
	e.Response.Header().Set("Content-Security-Policy", "frame-ancestors "+ancestors)
}
