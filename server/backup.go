// Continuous backup, on by default (issue 14): the server starts a backup agent beside itself (the same
// binary, `crm-server backup-agent`, backupagent.go) that replicates every committed write of the
// database to an encrypted replica with Litestream, within a second, and writes a daily snapshot. It
// runs as a separate process because Litestream reads the database through its own SQLite (the pure-Go
// modernc one) while the server uses the C one (sqlite.go): two SQLite libraries in one process do not
// see each other's POSIX locks, and Litestream's read lock is what keeps a checkpoint from recycling WAL
// frames it has not copied yet. Between processes the locks work as SQLite intends.
//
// The server also has an epoch, kept in the database: a new one is written by every restore
// (restore.go). Every API answer carries it in the X-Crm-Epoch header, so a device sees at its next
// request that the server went back in time and pushes again what the server lacks
// (src/lib/sync/engine.ts). Each epoch replicates into its own directory of the backup target, so a
// restored database never mixes its history with the one it was restored from.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// backupConfig says where backups go; read from the environment (README "Backups").
type backupConfig struct {
	Enabled bool
	// Dir holds the replica (one subdirectory per epoch) and the daily snapshots: CRM_BACKUP_DIR, by
	// default beside the data directory ("pb_data" -> "pb_data-backup"). In production a separate disk.
	Dir string
	// URL is an S3-compatible (or other Litestream) target for the replica instead of Dir:
	// CRM_BACKUP_URL, e.g. s3://bucket/crm?endpoint=…; snapshots still go to Dir.
	URL string
	// KeyFile is read when CRM_BACKUP_KEY is not set: CRM_BACKUP_KEY_FILE, by default beside the data
	// directory ("pb_data" -> "pb_data-backup.key"), never inside it.
	KeyFile string
	// AuditKeyFile verifies the restored copy's audit log (audit.go).
	AuditKeyFile string
	// DataKeyFile opens the restored copy's personal fields (fieldcrypt.go).
	DataKeyFile string
}

func loadBackupConfig(dataDir string) backupConfig {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		abs = dataDir
	}
	abs = strings.TrimRight(abs, string(filepath.Separator))
	c := backupConfig{
		Enabled: !strings.EqualFold(os.Getenv("CRM_BACKUP"), "off"),
		Dir:     os.Getenv("CRM_BACKUP_DIR"),
		URL:     os.Getenv("CRM_BACKUP_URL"),
		KeyFile: os.Getenv("CRM_BACKUP_KEY_FILE"),
		// The live server's audit key verifies the restored copy's audit log.
		AuditKeyFile: auditKeyFile(dataDir),
		DataKeyFile:  dataKeyFile(dataDir),
	}
	if c.Dir == "" {
		c.Dir = abs + "-backup"
	}
	if c.KeyFile == "" {
		c.KeyFile = abs + "-backup.key"
	}
	return c
}

// replicaTarget is where an epoch's replica goes.
func (c backupConfig) replicaTarget(epoch string) string {
	if c.URL != "" {
		return strings.TrimRight(c.URL, "/") + "/" + epoch
	}
	return filepath.Join(c.Dir, "replica", epoch)
}

// ensureBackupKey makes a key file when there is no key at all, so that backups are encrypted from the
// first start; the log says to keep a copy elsewhere (without it the backups cannot be read).
func (c backupConfig) ensureBackupKey(app core.App) error {
	if os.Getenv("CRM_BACKUP_KEY") != "" {
		return nil
	}
	return ensureKeyFile(app, c.KeyFile, "# CRM backup key: the first line encrypts, every line decrypts (docs/backup.md)",
		"A new backup key was written; keep a copy away from this machine: without it the backups cannot be read")
}

// ensureKeyFile writes a new key (after a comment line) to path when no file is there, readable by the
// service user only, and logs `warning` with the path. The backup and the audit keys are made so.
func ensureKeyFile(app core.App, path, comment, warning string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	} else if !os.IsNotExist(err) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(comment+"\n"+newBackupKeyText()+"\n"), 0o600); err != nil {
		return err
	}
	app.Logger().Warn(warning, "file", path)
	return nil
}

// --- the epoch ---

const epochHeader = "X-Crm-Epoch"

func newEpoch() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// crmMetaTable holds the server's own facts (its epoch; after a restore, where from and when).
const crmMetaTable = `CREATE TABLE IF NOT EXISTS _crm_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)`

// ensureEpoch reads the server's epoch, making the first one on a new database.
func ensureEpoch(db dbx.Builder) (string, error) {
	if _, err := db.NewQuery(crmMetaTable).Execute(); err != nil {
		return "", err
	}
	if _, err := db.NewQuery(`INSERT OR IGNORE INTO _crm_meta (key, value) VALUES ('epoch', {:e})`).Bind(dbx.Params{"e": newEpoch()}).Execute(); err != nil {
		return "", err
	}
	var epoch string
	err := db.NewQuery(`SELECT value FROM _crm_meta WHERE key = 'epoch'`).Row(&epoch)
	return epoch, err
}

// registerBackup sets the epoch header on every answer and runs the backup agent while the server
// serves. It also makes every file the server creates readable by its user only.
func registerBackup(app core.App) {
	syscall.Umask(0o077)
	var epoch string
	var agent *backupSupervisor
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		_ = os.Chmod(app.DataDir(), 0o700)
		var err error
		if epoch, err = ensureEpoch(app.DB()); err != nil {
			return fmt.Errorf("server epoch: %w", err)
		}
		se.Router.BindFunc(func(e *core.RequestEvent) error {
			e.Response.Header().Set(epochHeader, epoch)
			return e.Next()
		})
		cfg := loadBackupConfig(app.DataDir())
		if !cfg.Enabled {
			_ = writeBackupStatus(app.DataDir(), BackupStatus{Enabled: false, Epoch: epoch, UpdatedAt: time.Now().UTC()})
			app.Logger().Warn("Continuous backup is off (CRM_BACKUP=off)")
			return se.Next()
		}
		if err := cfg.ensureBackupKey(app); err != nil {
			return fmt.Errorf("backup key: %w", err)
		}
		if cfg.URL == "" {
			if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
				return fmt.Errorf("backup directory: %w", err)
			}
		}
		agent = startBackupSupervisor(app, epoch)
		return se.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		if agent != nil {
			agent.stop()
		}
		return e.Next()
	})
}

// backupSupervisor keeps one backup agent running, starting it again when it exits.
type backupSupervisor struct {
	mu      sync.Mutex
	cmd     *osexec.Cmd
	stopped bool
	done    chan struct{}
}

func startBackupSupervisor(app core.App, epoch string) *backupSupervisor {
	s := &backupSupervisor{done: make(chan struct{})}
	exe, err := os.Executable()
	if err != nil {
		app.Logger().Error("backup agent: cannot find this program", "error", err)
		close(s.done)
		return s
	}
	go func() {
		defer close(s.done)
		backoff := time.Second
		for {
			s.mu.Lock()
			if s.stopped {
				s.mu.Unlock()
				return
			}
			cmd := osexec.Command(exe, "backup-agent", "--dir", app.DataDir(), "--epoch", epoch)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM} // never outlives the server
			err := cmd.Start()
			if err == nil {
				s.cmd = cmd
			}
			s.mu.Unlock()
			started := time.Now()
			if err == nil {
				err = cmd.Wait()
			}
			s.mu.Lock()
			stopped := s.stopped
			s.mu.Unlock()
			if stopped {
				return
			}
			app.Logger().Error("backup agent stopped; starting it again", "error", err, "in", backoff)
			if time.Since(started) > time.Minute {
				backoff = time.Second
			}
			time.Sleep(backoff)
			if backoff < 30*time.Second {
				backoff *= 2
			}
		}
	}()
	return s
}

// stop asks the agent to replicate what is left and exit (SIGTERM), and kills it after 3 s.
func (s *backupSupervisor) stop() {
	s.mu.Lock()
	s.stopped = true
	cmd := s.cmd
	s.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		_ = cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-s.done:
	case <-time.After(3 * time.Second):
		if cmd != nil && cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
		<-s.done
	}
}

// errNoBackup says a restore found nothing to restore.
var errNoBackup = errors.New("no backup found")
