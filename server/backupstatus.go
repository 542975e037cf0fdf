// The continuous backup's state as the backup agent (backup.go, a child process running Litestream)
// reports it: a small JSON file in the data directory, rewritten after every replication cycle and at
// least every second. The server reads it for /api/health and /metrics and the admin screen.
package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"
)

// backupStatusFile is the name of the agent's report inside the data directory.
const backupStatusFile = "backup-status.json"

// BackupStatus is what the agent last reported. Times are UTC; zero when it never happened.
type BackupStatus struct {
	// Enabled is false when backups are switched off (CRM_BACKUP=off); nothing else is then set.
	Enabled bool `json:"enabled"`
	// Target names where the replica goes, without secrets: "file:///srv/crm-backup/<epoch>" or "s3://bucket/path".
	Target string `json:"target"`
	// Epoch is the server's epoch the replica belongs to (a new one after every restore).
	Epoch string `json:"epoch"`
	// DBTXID is the newest transaction the agent has read from the live database's WAL.
	DBTXID uint64 `json:"db_txid"`
	// ReplicaTXID is the newest transaction stored in the replica.
	ReplicaTXID uint64 `json:"replica_txid"`
	// CaughtUpAt: every write committed before this moment is in the replica (the start of the last
	// replication cycle that completed). The replica's lag is now minus this.
	CaughtUpAt time.Time `json:"caught_up_at"`
	// LastError is the last replication failure, cleared by the next success.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitempty"`
	// SnapshotAt is when the last daily snapshot was written (SnapshotFile, inside the backup directory).
	SnapshotAt   time.Time `json:"snapshot_at,omitempty"`
	SnapshotFile string    `json:"snapshot_file,omitempty"`
	// UpdatedAt is the agent's heartbeat: older than a few seconds means the agent is not running.
	UpdatedAt time.Time `json:"updated_at"`
	PID       int       `json:"pid"`
}

// backupStaleAfter: a report older than this means the agent stopped (it writes at least every second).
const backupStaleAfter = 5 * time.Second

// Lag is how far the replica is behind the live database at `now` (0 when never caught up: see Running).
func (s BackupStatus) Lag(now time.Time) time.Duration {
	if s.CaughtUpAt.IsZero() {
		return 0
	}
	return now.Sub(s.CaughtUpAt)
}

// Running reports whether the agent's heartbeat is fresh.
func (s BackupStatus) Running(now time.Time) bool {
	return s.Enabled && now.Sub(s.UpdatedAt) < backupStaleAfter
}

// Failing reports whether replication is not keeping up: the agent is down, its last attempt failed,
// or the replica is more than a minute behind.
func (s BackupStatus) Failing(now time.Time) bool {
	if !s.Enabled {
		return false
	}
	if !s.Running(now) || s.CaughtUpAt.IsZero() {
		return true
	}
	if s.LastError != "" && s.LastErrorAt.After(s.CaughtUpAt) {
		return true
	}
	return s.Lag(now) > time.Minute
}

// readBackupStatus reads the agent's report from the data directory; a missing file is a zero status
// with Enabled false.
func readBackupStatus(dataDir string) (BackupStatus, error) {
	var s BackupStatus
	b, err := os.ReadFile(filepath.Join(dataDir, backupStatusFile))
	if os.IsNotExist(err) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	err = json.Unmarshal(b, &s)
	return s, err
}

// writeBackupStatus replaces the report atomically (a reader never sees half a file), readable by the
// service user only.
func writeBackupStatus(dataDir string, s BackupStatus) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dataDir, backupStatusFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dataDir, backupStatusFile))
}
