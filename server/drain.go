// Graceful stop (issue 14): on SIGTERM the server stops taking new requests (503 with Retry-After,
// so a shop's back end, tracker.js and the apps send them again later, as they do offline), lets the
// requests under way finish and be answered (an event batch waiting for its group commit, a push),
// then lets PocketBase close. PocketBase alone gives requests one second before it closes the
// database under them; a request cut off is never acknowledged, so nothing acknowledged is lost
// either way, but a drained request is not lost work for its sender. The send queue finishes its
// messages in flight (sendqueue.go) and the backup agent copies the last writes (backup.go) after this.
package main

import (
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// drainTimeout bounds the wait for requests under way; with the send queue's and the backup's own
// short waits after it, the server is gone within 10 s of SIGTERM (deploy/crm.service allows 15).
const drainTimeout = 6 * time.Second

type drainer struct {
	draining atomic.Bool
	inFlight atomic.Int64
}

func registerDrain(app core.App) *drainer {
	d := &drainer{}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:       "crmDrain",
			Priority: -10000, // before every other middleware
			Func: func(e *core.RequestEvent) error {
				// The realtime stream stays open until the server closes it; it writes nothing.
				if strings.HasPrefix(e.Request.URL.Path, "/api/realtime") {
					return e.Next()
				}
				if d.draining.Load() {
					e.Response.Header().Set("Retry-After", "5")
					e.Response.Header().Set("Connection", "close")
					return e.JSON(http.StatusServiceUnavailable, map[string]any{
						"status":  http.StatusServiceUnavailable,
						"message": "The server is restarting: please send this again in a few seconds.",
						"data":    map[string]any{},
					})
				}
				d.inFlight.Add(1)
				defer d.inFlight.Add(-1)
				return e.Next()
			},
		})
		return se.Next()
	})
	app.OnTerminate().Bind(&hook.Handler[*core.TerminateEvent]{
		Id:       "crmDrain",
		Priority: -10000, // before PocketBase closes the HTTP server (-9999)
		Func: func(e *core.TerminateEvent) error {
			d.drain(drainTimeout)
			return e.Next()
		},
	})
	return d
}

// drain refuses new requests and waits for those under way, at most `timeout`.
func (d *drainer) drain(timeout time.Duration) bool {
	d.draining.Store(true)
	for end := time.Now().Add(timeout); d.inFlight.Load() > 0; {
		if time.Now().After(end) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}
