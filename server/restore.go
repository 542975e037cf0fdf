// `crm-server restore --to DIR [--at TIME] [--epoch E] [--snapshot FILE]` (npm run restore): restores
// the latest replicated state, or the state at a moment, or a daily snapshot, into a new data directory,
// and checks it before anyone uses it: SQLite's integrity check, the PocketBase schema, and the row count
// of every table (printed). It then gives the restored database a new epoch, so that devices which saw
// later writes push them again (backup.go), and says how to switch the server to it.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/benbjohnson/litestream"
)

type restoreReport struct {
	Dir    string
	Epoch  string // the new epoch
	From   string // the epoch (or snapshot) restored from
	Tables map[string]int64
	Audit  string // what the check of the audit log's chain found
	Data   string // what the check of the data key found (fieldcrypt.go)
}

func runRestore(args []string) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	dataDir := fs.String("dir", "./pb_data", "the live data directory (its backup settings are used)")
	to := fs.String("to", "", "the new data directory to restore into (must not hold a database)")
	at := fs.String("at", "", "restore the state at this moment (RFC 3339, or \"2006-01-02 15:04:05\" in local time); default: the latest")
	epoch := fs.String("epoch", "", "the epoch whose replica to restore; default: the newest")
	snapshot := fs.String("snapshot", "", "restore this daily snapshot file instead of the replica")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *to == "" {
		fmt.Fprintln(os.Stderr, "restore: --to DIR is required (a new directory; the live one is never overwritten)")
		return 2
	}
	var when time.Time
	if *at != "" {
		t, err := parseMoment(*at)
		if err != nil {
			fmt.Fprintf(os.Stderr, "restore: --at %q: %v\n", *at, err)
			return 2
		}
		when = t
	}
	cfg := loadBackupConfig(*dataDir)
	keys, from, err := loadBackupKeys(cfg.KeyFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "restore: no backup key (%s): %v\nGive the key the backups were written with: CRM_BACKUP_KEY, or CRM_BACKUP_KEY_FILE (the server wrote one beside its data directory at its first start).\n", from, err)
		return 1
	}
	start := time.Now()
	rep, err := restoreInto(context.Background(), cfg, keys, *to, *epoch, *snapshot, when)
	if err != nil {
		fmt.Fprintf(os.Stderr, "restore failed: %v\n", err)
		return 1
	}
	names := make([]string, 0, len(rep.Tables))
	for n := range rep.Tables {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Printf("Restored from %s into %s in %.1f s; integrity check ok.\n", rep.From, rep.Dir, time.Since(start).Seconds())
	for _, n := range names {
		fmt.Printf("  %-32s %d rows\n", n, rep.Tables[n])
	}
	fmt.Println(rep.Audit)
	fmt.Println(carryDataKey(*dataDir, rep.Dir))
	fmt.Println(rep.Data)
	fmt.Printf("New epoch %s: devices will push again what this copy lacks.\n", rep.Epoch)
	fmt.Printf("To use it: stop the server, then start it on this directory (CRM_DATA_DIR=%s npm start, or --dir %s),\n", rep.Dir, rep.Dir)
	fmt.Println("or move the old data directory aside and this one into its place. Keep the old one until you are sure.")
	return 0
}

func parseMoment(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not a time: write e.g. 2026-12-07T08:30:00+08:00 or \"2026-12-07 08:30:00\"")
}

// restoreInto does the restore and its checks; on any failure the new directory's database is removed.
func restoreInto(ctx context.Context, cfg backupConfig, keys *backupKeys, to, epoch, snapshot string, at time.Time) (rep restoreReport, err error) {
	out := filepath.Join(to, "data.db")
	if _, err := os.Stat(out); err == nil {
		return rep, fmt.Errorf("%s already holds a database: restore into a new directory", to)
	}
	if err := os.MkdirAll(to, 0o700); err != nil {
		return rep, err
	}
	defer func() {
		if err != nil {
			for _, f := range []string{out, out + "-wal", out + "-shm"} {
				_ = os.Remove(f)
			}
		}
	}()
	if snapshot != "" {
		rep.From = "snapshot " + filepath.Base(snapshot)
		if err = decryptFile(keys, snapshot, out); err != nil {
			return rep, err
		}
	} else {
		if epoch == "" {
			if epoch, err = newestEpoch(cfg); err != nil {
				return rep, err
			}
		}
		rep.From = "replica " + targetName(cfg, epoch)
		if !at.IsZero() {
			rep.From += " at " + at.Format(time.RFC3339)
		}
		client, err := replicaClient(cfg, epoch, keys)
		if err != nil {
			return rep, err
		}
		r := litestream.NewReplicaWithClient(nil, client)
		opt := litestream.NewRestoreOptions()
		opt.OutputPath = out
		opt.Timestamp = at
		if err = r.Restore(ctx, opt); err != nil {
			if errors.Is(err, litestream.ErrTxNotAvailable) || errors.Is(err, litestream.ErrNoSnapshots) {
				return rep, fmt.Errorf("%w in %s for that moment: %v", errNoBackup, targetName(cfg, epoch), err)
			}
			return rep, err
		}
	}
	_ = os.Chmod(out, 0o600)
	rep.Dir = to
	db, err := sql.Open("sqlite", "file:"+out+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return rep, err
	}
	defer db.Close()
	if rep.Tables, err = checkRestored(ctx, db); err != nil {
		return rep, err
	}
	rep.Audit = checkRestoredAudit(ctx, db, cfg.AuditKeyFile)
	rep.Data = checkRestoredDataKey(ctx, db, cfg.DataKeyFile)
	rep.Epoch = newEpoch()
	err = setRestoredEpoch(ctx, db, rep.Epoch, rep.From)
	return rep, err
}

// newestEpoch is the replica directory written last (each epoch replicates into its own).
func newestEpoch(cfg backupConfig) (string, error) {
	if cfg.URL != "" {
		return "", errors.New("with CRM_BACKUP_URL give --epoch (shown on the admin screen and in /api/health?deep=1)")
	}
	root := filepath.Join(cfg.Dir, "replica")
	entries, err := os.ReadDir(root)
	if err != nil {
		return "", fmt.Errorf("%w: %v", errNoBackup, err)
	}
	var best string
	var bestAt time.Time
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		_ = filepath.Walk(filepath.Join(root, e.Name()), func(_ string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() && fi.ModTime().After(bestAt) {
				best, bestAt = e.Name(), fi.ModTime()
			}
			return nil
		})
	}
	if best == "" {
		return "", fmt.Errorf("%w in %s", errNoBackup, root)
	}
	return best, nil
}

func decryptFile(keys *backupKeys, src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := keys.decryptStream(out, in, 0); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// carryDataKey copies the live server's data key file beside the restored directory, where a server
// started on it looks for it (fieldcrypt.go dataKeyFile), unless the key comes from CRM_DATA_KEY or
// CRM_DATA_KEY_FILE (then both read the same key) or a key file is already there.
func carryDataKey(liveDir, restoredDir string) string {
	if os.Getenv("CRM_DATA_KEY") != "" || os.Getenv("CRM_DATA_KEY_FILE") != "" {
		return "Data key: CRM_DATA_KEY / CRM_DATA_KEY_FILE, as for the live server."
	}
	from, to := dataKeyFile(liveDir), dataKeyFile(restoredDir)
	if _, err := os.Stat(to); err == nil {
		return "Data key: " + to + " (already there)."
	}
	b, err := os.ReadFile(from)
	if err != nil {
		return "Data key: WARNING, " + from + " could not be read (" + err.Error() + "); put the data key the backup was written with at " + to + " before starting on this copy."
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		return "Data key: WARNING, could not be copied to " + to + ": " + err.Error()
	}
	return "Data key: copied to " + to + "."
}

// checkRestoredDataKey says whether the data keys open the restored copy's sealed fields: one sealed
// value of each field is opened, and every value's key must be among the keys.
func checkRestoredDataKey(ctx context.Context, db *sql.DB, keyFile string) string {
	keys, from, err := loadKeys("CRM_DATA_KEY", keyFile)
	if err != nil {
		return fmt.Sprintf("Personal fields: not checked, no data key (%s): %v", from, err)
	}
	s, err := newFieldSealer(keys)
	if err != nil {
		return "Personal fields: not checked: " + err.Error()
	}
	checked := 0
	for table, cols := range secretFields {
		for _, col := range cols {
			var unknown int
			q := `SELECT count(*) FROM "` + table + `" WHERE ` + unknownKeySQL(`"`+col+`"`, s.ids)
			if err := db.QueryRowContext(ctx, q).Scan(&unknown); err != nil {
				continue // a table or column this copy does not have yet
			}
			if unknown > 0 {
				return fmt.Sprintf("Personal fields: WARNING, %d values of %s.%s are sealed with a data key not in %s; start the server with that key.", unknown, table, col, from)
			}
			var v string
			err := db.QueryRowContext(ctx, `SELECT "`+col+`" FROM "`+table+`" WHERE substr("`+col+`", 1, 5) = 'enc1:' LIMIT 1`).Scan(&v)
			if err != nil {
				continue
			}
			if _, err := s.open(table+"."+col, v); err != nil {
				return "Personal fields: WARNING, " + err.Error()
			}
			checked++
		}
	}
	return fmt.Sprintf("Personal fields: the data key opens them (%d fields checked).", checked)
}

// checkRestoredAudit verifies the restored copy's audit log chain (audit.go) and says what it found. A
// broken chain does not stop the restore (the data may still be needed): it is said loudly.
func checkRestoredAudit(ctx context.Context, db *sql.DB, keyFile string) string {
	keys, from, err := loadAuditKeysFrom(keyFile)
	if err != nil {
		return fmt.Sprintf("Audit log: not verified, no audit key (%s): %v", from, err)
	}
	v, err := verifyAuditChain(ctx, db, keys)
	switch {
	case err != nil:
		return "Audit log: WARNING, could not be read: " + err.Error()
	case !v.OK:
		return fmt.Sprintf("Audit log: WARNING, the chain is BROKEN at entry %d: %s", v.Broken, v.Problem)
	}
	return fmt.Sprintf("Audit log: %d entries verify.", v.Entries)
}

// checkRestored runs SQLite's integrity check, checks the PocketBase schema is there, and counts rows.
func checkRestored(ctx context.Context, db *sql.DB) (map[string]int64, error) {
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return nil, fmt.Errorf("integrity check: %w", err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	rows.Close()
	if len(problems) > 0 {
		return nil, fmt.Errorf("integrity check failed: %s", strings.Join(problems, "; "))
	}
	var tables []string
	rows, err = db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, n)
	}
	rows.Close()
	counts := map[string]int64{}
	for _, t := range tables {
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM "`+strings.ReplaceAll(t, `"`, `""`)+`"`).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		counts[t] = n
	}
	if counts["_collections"] == 0 {
		return nil, errors.New("the restored database has no PocketBase collections: not a CRM database")
	}
	return counts, nil
}

func setRestoredEpoch(ctx context.Context, db *sql.DB, epoch, from string) error {
	if _, err := db.ExecContext(ctx, crmMetaTable); err != nil {
		return err
	}
	for k, v := range map[string]string{"epoch": epoch, "restored_from": from, "restored_at": time.Now().UTC().Format(time.RFC3339)} {
		if _, err := db.ExecContext(ctx, `INSERT INTO _crm_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
			return err
		}
	}
	// Litestream's bookkeeping belongs to the replica this copy came from.
	for _, t := range []string{"_litestream_seq", "_litestream_lock"} {
		_, _ = db.ExecContext(ctx, `DROP TABLE IF EXISTS `+t)
	}
	_, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}
