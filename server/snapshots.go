// Daily snapshots: once a day the backup agent writes the whole database, consistent (VACUUM INTO) and
// encrypted (backupcrypt.go), to <backup dir>/snapshots, and keeps the newest of each of the last
// 7 days, 4 weeks and 12 months. They reach further back than the replica's point-in-time window (a
// week) and survive a replica that was lost or damaged.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the agent's own SQLite, as Litestream's (see backup.go)
)

const snapshotSuffix = ".sqlite.crmbk"

type snapshotter struct {
	cfg     backupConfig
	dataDir string
	epoch   string
	keys    *backupKeys
	every   time.Duration

	mu      sync.Mutex
	running bool
	checked time.Time
	doneAt  time.Time
	doneAs  string
	err     error
}

func newSnapshotter(cfg backupConfig, dataDir, epoch string, keys *backupKeys) *snapshotter {
	every := 24 * time.Hour
	if v, err := time.ParseDuration(os.Getenv("CRM_SNAPSHOT_EVERY")); err == nil && v > 0 {
		every = v // tests
	}
	return &snapshotter{cfg: cfg, dataDir: dataDir, epoch: epoch, keys: keys, every: every}
}

func (s *snapshotter) dir() string { return filepath.Join(s.cfg.Dir, "snapshots") }

// maybe starts a snapshot in the background when the newest is older than a day, and returns the last
// one finished since the previous call (time and file name), if any.
func (s *snapshotter) maybe(ctx context.Context, now time.Time) (time.Time, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, name, err := s.doneAt, s.doneAs, s.err
	s.doneAt, s.doneAs, s.err = time.Time{}, "", nil
	if s.running || now.Sub(s.checked) < time.Minute && s.every >= time.Minute {
		return at, name, err
	}
	s.checked = now
	if newest, _ := newestSnapshot(s.dir()); !newest.IsZero() && now.Sub(newest) < s.every {
		return at, name, err
	}
	s.running = true
	go func() {
		name, err := s.take(ctx, now.UTC())
		s.mu.Lock()
		defer s.mu.Unlock()
		s.running = false
		if err != nil {
			s.err = err
			return
		}
		s.doneAt, s.doneAs = now.UTC(), name
	}()
	return at, name, err
}

// take writes one snapshot and prunes the old ones.
func (s *snapshotter) take(ctx context.Context, now time.Time) (string, error) {
	if err := os.MkdirAll(s.dir(), 0o700); err != nil {
		return "", err
	}
	tmp := filepath.Join(s.dataDir, ".snapshot.tmp")
	_ = os.Remove(tmp)
	defer os.Remove(tmp)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.dataDir, "data.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return "", err
	}
	_, err = db.ExecContext(ctx, "VACUUM INTO ?", tmp)
	_ = db.Close()
	if err != nil {
		return "", fmt.Errorf("copy database: %w", err)
	}
	name := fmt.Sprintf("crm-%s-%s%s", now.Format("20060102-150405"), s.epoch, snapshotSuffix)
	if err := encryptFile(s.keys, tmp, filepath.Join(s.dir(), name)); err != nil {
		return "", err
	}
	files, _ := listSnapshots(s.dir())
	for _, f := range pruneSnapshots(files) {
		_ = os.Remove(filepath.Join(s.dir(), f.name))
	}
	return name, nil
}

// encryptFile writes src encrypted to dst (through a temporary file, so dst is whole or absent).
func encryptFile(keys *backupKeys, src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst+".tmp", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := keys.encryptStream(out, in, 0); err != nil {
		out.Close()
		os.Remove(dst + ".tmp")
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(dst+".tmp", dst)
}

type snapshotFile struct {
	name string
	at   time.Time
}

// listSnapshots lists the snapshot files, newest first, by the time in their name.
func listSnapshots(dir string) ([]snapshotFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []snapshotFile
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, "crm-") || !strings.HasSuffix(n, snapshotSuffix) || len(n) < 19 {
			continue
		}
		at, err := time.Parse("20060102-150405", n[4:19])
		if err != nil {
			continue
		}
		out = append(out, snapshotFile{name: n, at: at})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].at.After(out[j].at) })
	return out, nil
}

func newestSnapshot(dir string) (time.Time, error) {
	files, err := listSnapshots(dir)
	if err != nil || len(files) == 0 {
		return time.Time{}, err
	}
	return files[0].at, nil
}

// pruneSnapshots returns the snapshots to delete (given newest first): kept are the newest of each of
// the 7 newest days, the 4 newest ISO weeks and the 12 newest months that have one.
func pruneSnapshots(files []snapshotFile) []snapshotFile {
	days, weeks, months := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var drop []snapshotFile
	for _, f := range files {
		day := f.at.Format("2006-01-02")
		y, w := f.at.ISOWeek()
		week := fmt.Sprintf("%d-%02d", y, w)
		month := f.at.Format("2006-01")
		keep := false
		if !days[day] && len(days) < 7 {
			days[day], keep = true, true
		}
		if !weeks[week] && len(weeks) < 4 {
			weeks[week], keep = true, true
		}
		if !months[month] && len(months) < 12 {
			months[month], keep = true, true
		}
		if !keep {
			drop = append(drop, f)
		}
	}
	return drop
}
