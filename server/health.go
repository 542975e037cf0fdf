// The deep health answer (README "Health and metrics"):
//
//	GET /api/health?deep=1   superusers, staff admins, or Authorization: Bearer <CRM_METRICS_TOKEN>
//
// PocketBase's own GET /api/health stays as it is (a load balancer's cheap probe); with deep=1 it says
// whether the database takes a write, how much disk is left, where the continuous backup stands
// (backupstatus.go), how many campaign messages wait to go (sendqueue.go) and how many realtime
// connections are open. The admin screen (Settings → Backups) reads it every 10 s.
package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"math"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// healthWriteTimeout: a database that cannot take one tiny write in this time is reported not writable
// rather than keeping the caller (a monitor) waiting.
const healthWriteTimeout = 3 * time.Second

// registerHealth binds the deep health answer, and /metrics beside it (metrics.go).
func registerHealth(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		// PocketBase registers /api/health itself: deep=1 is answered before its handler.
		se.Router.BindFunc(func(e *core.RequestEvent) error {
			if e.Request.Method != http.MethodGet || e.Request.URL.Path != "/api/health" || e.Request.URL.Query().Get("deep") != "1" {
				return e.Next()
			}
			if !mayReadHealth(e) {
				return e.ForbiddenError("The detailed health answer is for administrators and monitoring (Authorization: Bearer <CRM_METRICS_TOKEN>).", nil)
			}
			return e.JSON(http.StatusOK, deepHealth(e.App, time.Now()))
		})
		return se.Next()
	})
	registerMetrics(app)
}

// mayReadHealth: a superuser, a staff admin, or a monitor with the metrics token.
func mayReadHealth(e *core.RequestEvent) bool {
	return e.HasSuperuserAuth() || requireAdmin(e) == nil || hasMetricsToken(e.Request)
}

// hasMetricsToken reports whether the request carries CRM_METRICS_TOKEN (false when that is unset).
// Both sides are hashed first, so the comparison takes the same time whatever their lengths.
func hasMetricsToken(r *http.Request) bool {
	token := metricsToken()
	header := r.Header.Get("Authorization")
	if token == "" || len(header) < 7 || !strings.EqualFold(header[:7], "Bearer ") {
		return false
	}
	a, b := sha256.Sum256([]byte(token)), sha256.Sum256([]byte(strings.TrimSpace(header[7:])))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

type healthAnswer struct {
	DB       dbHealth       `json:"db"`
	Disk     diskHealth     `json:"disk"`
	Backup   backupHealth   `json:"backup"`
	Queues   queuesHealth   `json:"queues"`
	Realtime realtimeHealth `json:"realtime"`
	Time     string         `json:"time"`
}

type dbHealth struct {
	Writable bool   `json:"writable"`
	Error    string `json:"error,omitempty"`
}

type diskHealth struct {
	FreeBytes  uint64 `json:"free_bytes"`
	TotalBytes uint64 `json:"total_bytes"`
	Path       string `json:"path"`
	Error      string `json:"error,omitempty"`
}

// backupHealth: the agent's report as seen now. Times are RFC 3339 UTC, null when it never happened;
// lag_s is null until the replica first caught up.
type backupHealth struct {
	Enabled     bool     `json:"enabled"`
	Running     bool     `json:"running"`
	Failing     bool     `json:"failing"`
	Target      string   `json:"target"`
	Epoch       string   `json:"epoch"`
	LagS        *float64 `json:"lag_s"`
	CaughtUpAt  *string  `json:"caught_up_at"`
	LastError   string   `json:"last_error"`
	LastErrorAt *string  `json:"last_error_at"`
	SnapshotAt  *string  `json:"snapshot_at"`
	ReplicaTXID uint64   `json:"replica_txid"`
	DBTXID      uint64   `json:"db_txid"`
	Words       string   `json:"words"`
}

type queuesHealth struct {
	Send sendQueueHealth `json:"send"`
}

// sendQueueHealth: messages (e-mail, SMS, sales tasks) waiting for the send queue, and how long the
// most overdue of them has been due (0 when none is).
type sendQueueHealth struct {
	Pending    int     `json:"pending"`
	OldestAgeS float64 `json:"oldest_age_s"`
	Error      string  `json:"error,omitempty"`
}

type realtimeHealth struct {
	Connections int `json:"connections"`
}

func deepHealth(app core.App, now time.Time) healthAnswer {
	status, err := readBackupStatus(app.DataDir())
	backup := backupHealthOf(status, now)
	if err != nil {
		backup.Failing, backup.Words = true, "The backup report could not be read: "+err.Error()
	}
	return healthAnswer{
		DB:       checkDBWritable(app),
		Disk:     diskOf(app.DataDir()),
		Backup:   backup,
		Queues:   queuesHealth{Send: sendQueueOf(app, now)},
		Realtime: realtimeHealth{Connections: app.SubscriptionsBroker().TotalClients()},
		Time:     now.UTC().Format(time.RFC3339),
	}
}

// checkDBWritable makes a real write, in a one-row table of its own: a full disk, a read-only file or
// a stuck writer all show here.
func checkDBWritable(app core.App) dbHealth {
	ctx, cancel := context.WithTimeout(context.Background(), healthWriteTimeout)
	defer cancel()
	_, err := app.DB().NewQuery("CREATE TABLE IF NOT EXISTS _crm_health (id INTEGER PRIMARY KEY, at TEXT NOT NULL)").WithContext(ctx).Execute()
	if err == nil {
		_, err = app.DB().NewQuery("INSERT INTO _crm_health (id, at) VALUES (1, " + nowSQL + ") ON CONFLICT (id) DO UPDATE SET at = excluded.at").WithContext(ctx).Execute()
	}
	if err != nil {
		return dbHealth{Writable: false, Error: err.Error()}
	}
	return dbHealth{Writable: true}
}

// diskOf: the space left where the database lives (free to the service user, not to root).
func diskOf(dir string) diskHealth {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return diskHealth{Path: dir, Error: err.Error()}
	}
	bsize := uint64(st.Bsize)
	return diskHealth{FreeBytes: st.Bavail * bsize, TotalBytes: st.Blocks * bsize, Path: dir}
}

func backupHealthOf(s BackupStatus, now time.Time) backupHealth {
	b := backupHealth{
		Enabled: s.Enabled, Running: s.Running(now), Failing: s.Failing(now),
		Target: s.Target, Epoch: s.Epoch, LastError: s.LastError,
		CaughtUpAt: rfc3339OrNil(s.CaughtUpAt), LastErrorAt: rfc3339OrNil(s.LastErrorAt), SnapshotAt: rfc3339OrNil(s.SnapshotAt),
		ReplicaTXID: s.ReplicaTXID, DBTXID: s.DBTXID, Words: backupWords(s, now),
	}
	if !s.CaughtUpAt.IsZero() {
		lag := math.Round(s.Lag(now).Seconds()*10) / 10
		b.LagS = &lag
	}
	return b
}

func rfc3339OrNil(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// backupWords says the backup's state in one English sentence, for a monitor's alert text.
func backupWords(s BackupStatus, now time.Time) string {
	lag := s.Lag(now).Round(time.Second)
	switch {
	case !s.Enabled:
		return "Backups are off."
	case !s.Running(now):
		return fmt.Sprintf("The backup agent has not reported for %s: it is not running.", now.Sub(s.UpdatedAt).Round(time.Second))
	case s.LastError != "" && s.LastErrorAt.After(s.CaughtUpAt):
		return "Replication is failing: " + s.LastError
	case s.CaughtUpAt.IsZero():
		return "The replica has not caught up yet."
	case s.Failing(now):
		return fmt.Sprintf("The replica is %s behind.", lag)
	default:
		return fmt.Sprintf("Every write until %s ago is in the replica.", lag)
	}
}

// sendQueueSQL reads the queue through its partial index (status = 'queued', by next_at): the rows
// visited are the queued ones, never the table's sent history.
const sendQueueSQL = `SELECT count(*) AS pending, coalesce(min(CASE WHEN next_at <= {:now} THEN next_at END), 0) AS oldest
	FROM campaign_recipients WHERE status = 'queued' AND channel IN ('email', 'sms', 'task')`

func sendQueueOf(app core.App, now time.Time) sendQueueHealth {
	var row struct {
		Pending int   `db:"pending"`
		Oldest  int64 `db:"oldest"`
	}
	err := app.DB().NewQuery(sendQueueSQL).Bind(dbx.Params{"now": now.UnixMilli()}).One(&row)
	if err != nil {
		return sendQueueHealth{Error: err.Error()}
	}
	q := sendQueueHealth{Pending: row.Pending}
	if row.Oldest > 0 {
		q.OldestAgeS = math.Round(float64(now.UnixMilli()-row.Oldest)/100) / 10
	}
	return q
}
