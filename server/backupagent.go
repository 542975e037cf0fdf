// `crm-server backup-agent --dir DATA --epoch E`: the backup agent the server runs beside itself
// (backup.go). Litestream copies every committed transaction from the WAL into the encrypted replica
// (backupcrypt.go); this loop drives it every 200 ms instead of Litestream's own 1 s monitors, so the
// replica is never more than about half a second behind, and reports each cycle in the status file
// (backupstatus.go). Once a day it also writes an encrypted snapshot of the whole database, kept
// 7 days, 4 weeks and 12 months (snapshots.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/benbjohnson/litestream/file"
	_ "github.com/benbjohnson/litestream/s3"
)

// backupCycle is how often the agent copies new transactions to the replica (CRM_BACKUP_CYCLE_MS).
var backupCycle = envDuration("CRM_BACKUP_CYCLE_MS", time.Millisecond, 200*time.Millisecond)

// backupCheckpointPages: Litestream checkpoints the WAL itself once it holds this many pages
// (CRM_BACKUP_CHECKPOINT_PAGES). Its checkpoint takes the write lock while it seals the WAL, so a low
// threshold (its default is 1,000 pages, 4 MB) stalls the ingestion's writer several times a second
// under load; the server's own checkpointer (sqlite.go) copies the WAL back beside the writer
// without a lock, and Litestream's checkpoint then only restarts the WAL.
var backupCheckpointPages = envInt("CRM_BACKUP_CHECKPOINT_PAGES", 50_000)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func envDuration(name string, unit, def time.Duration) time.Duration {
	if v := envInt(name, 0); v > 0 {
		return time.Duration(v) * unit
	}
	return def
}

// replicaClient opens the replica of one epoch, encrypted.
func replicaClient(cfg backupConfig, epoch string, keys *backupKeys) (litestream.ReplicaClient, error) {
	var inner litestream.ReplicaClient
	if cfg.URL != "" {
		c, err := litestream.NewReplicaClientFromURL(cfg.replicaTarget(epoch))
		if err != nil {
			return nil, fmt.Errorf("CRM_BACKUP_URL: %w", err)
		}
		inner = c
	} else {
		inner = file.NewReplicaClient(cfg.replicaTarget(epoch))
	}
	return &cryptReplicaClient{inner: inner, keys: keys}, nil
}

func runBackupAgent(args []string) int {
	fs := flag.NewFlagSet("backup-agent", flag.ContinueOnError)
	dataDir := fs.String("dir", "./pb_data", "the server's data directory")
	epoch := fs.String("epoch", "", "the server's epoch")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	agentGC()
	cfg := loadBackupConfig(*dataDir)
	keys, from, err := loadBackupKeys(cfg.KeyFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "backup agent: no backup key (%s): %v\n", from, err)
		return 1
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	if err := replicate(ctx, cfg, *dataDir, *epoch, keys); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(os.Stderr, "backup agent: %v\n", err)
		return 1
	}
	return 0
}

// agentGC collects garbage less often, as the server does (main.go): the agent allocates a buffer per
// page it copies.
func agentGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

func replicate(ctx context.Context, cfg backupConfig, dataDir, epoch string, keys *backupKeys) error {
	client, err := replicaClient(cfg, epoch, keys)
	if err != nil {
		return err
	}
	db := litestream.NewDB(filepath.Join(dataDir, "data.db"))
	db.MonitorInterval = 0 // the loop below drives it
	db.MinCheckpointPageN = backupCheckpointPages
	replica := litestream.NewReplicaWithClient(db, client)
	replica.MonitorEnabled = false
	db.Replica = replica
	store := litestream.NewStore([]*litestream.DB{db}, litestream.CompactionLevels{
		{Level: 0},
		{Level: 1, Interval: 30 * time.Second},
		{Level: 2, Interval: 5 * time.Minute},
		{Level: 3, Interval: time.Hour},
	})
	// Litestream's own snapshots bound a point-in-time restore's work; kept a week (the daily
	// snapshots below go further back).
	store.SnapshotInterval = 24 * time.Hour
	store.SnapshotRetention = 7 * 24 * time.Hour
	if err := store.Open(ctx); err != nil {
		return fmt.Errorf("open database for replication: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
		defer cancel()
		_ = db.Sync(closeCtx)
		_ = replica.Sync(closeCtx)
		_ = store.Close(closeCtx)
	}()

	status := BackupStatus{Enabled: true, Target: targetName(cfg, epoch), Epoch: epoch, PID: os.Getpid()}
	if prev, err := readBackupStatus(dataDir); err == nil && prev.Epoch == epoch {
		status.SnapshotAt, status.SnapshotFile = prev.SnapshotAt, prev.SnapshotFile
	}
	snaps := newSnapshotter(cfg, dataDir, epoch, keys)
	tick := time.NewTicker(backupCycle)
	defer tick.Stop()
	for {
		start := time.Now().UTC()
		err := db.Sync(ctx)
		if err == nil {
			err = replica.Sync(ctx)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The server asks for the WAL to be emptied after an erasure (personaldata.go): the WAL was
		// just copied, so its frames may go.
		if req := filepath.Join(dataDir, checkpointRequestFile); err == nil {
			if _, statErr := os.Stat(req); statErr == nil {
				if cerr := db.Checkpoint(ctx, litestream.CheckpointModeTruncate); cerr != nil {
					slog.Warn("requested checkpoint failed", "error", cerr)
				}
				_ = os.Remove(req)
			}
		}
		if err != nil {
			status.LastError, status.LastErrorAt = err.Error(), time.Now().UTC()
		} else {
			status.CaughtUpAt, status.LastError, status.LastErrorAt = start, "", time.Time{}
			if pos, err := db.Pos(); err == nil {
				status.DBTXID = uint64(pos.TXID)
			}
			status.ReplicaTXID = uint64(replica.Pos().TXID)
		}
		if at, name, err := snaps.maybe(ctx, time.Now()); err != nil {
			slog.Warn("daily snapshot failed", "error", err)
		} else if name != "" {
			status.SnapshotAt, status.SnapshotFile = at, name
		}
		status.UpdatedAt = time.Now().UTC()
		if err := writeBackupStatus(dataDir, status); err != nil {
			slog.Warn("backup status not written", "error", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// targetName names the replica without credentials (a URL's user and query may carry them).
func targetName(cfg backupConfig, epoch string) string {
	if cfg.URL != "" {
		u, err := url.Parse(cfg.replicaTarget(epoch))
		if err != nil {
			return "(CRM_BACKUP_URL)"
		}
		u.User, u.RawQuery = nil, ""
		return u.String()
	}
	return "file://" + cfg.replicaTarget(epoch)
}
