package main

import (
	"context"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// auditTestSchema is pb_migrations/1764155000_audit_log.js's table and triggers.
var auditTestSchema = []string{
	`CREATE TABLE audit_log (seq INTEGER PRIMARY KEY NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL DEFAULT '', actor_name TEXT NOT NULL DEFAULT '',
		role TEXT NOT NULL DEFAULT '', action TEXT NOT NULL, collection TEXT NOT NULL DEFAULT '', target TEXT NOT NULL DEFAULT '', ip TEXT NOT NULL DEFAULT '',
		ua TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '', key_id TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL)`,
	`CREATE TABLE audit_purge_gate (open INTEGER NOT NULL)`,
	`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
	`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log WHEN NOT EXISTS (SELECT 1 FROM audit_purge_gate)
		BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
}

func auditTestApp(t *testing.T) (*tests.TestApp, *backupKeys) {
	t.Helper()
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: t.TempDir(), DBConnect: durableDBConnect})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	for _, q := range auditTestSchema {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := parseBackupKeys(newBackupKeyText())
	if err != nil {
		t.Fatal(err)
	}
	return app, keys
}

func sqlDB(t *testing.T, app core.App) *sql.DB {
	return app.ConcurrentDB().(*dbx.DB).DB()
}

func verify(t *testing.T, app core.App, keys *backupKeys) auditVerdict {
	t.Helper()
	v, err := verifyAuditChain(context.Background(), sqlDB(t, app), keys)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func fill(l *auditLog, n int) {
	for i := 0; i < n; i++ {
		l.add(auditEntry{Actor: "rep000000000001", ActorName: "王小明", Role: "sales", Action: "customers.view", Collection: "customers", Target: "cust00000000001", IP: "10.0.0.7"})
	}
	l.sync()
}

// tamper runs SQL as someone with write access to the database file would: past the triggers.
func tamper(t *testing.T, app core.App, q string) {
	t.Helper()
	for _, s := range []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete", q, auditTestSchema[2], auditTestSchema[3]} {
		if _, err := app.DB().NewQuery(s).Execute(); err != nil {
			t.Fatal(s, err)
		}
	}
}

func TestAuditChainVerifiesAndRefusesChanges(t *testing.T) {
	app, keys := auditTestApp(t)
	l, err := startAuditLog(app, keys)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	fill(l, 5)
	if v := verify(t, app, keys); !v.OK || v.Entries != 5 || v.First != 1 || v.Last != 5 {
		t.Fatalf("fresh chain: %+v", v)
	}
	for _, q := range []string{"UPDATE audit_log SET actor = 'x' WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 2"} {
		if _, err := app.DB().NewQuery(q).Execute(); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("%s: want the append-only refusal, got %v", q, err)
		}
	}
	// A restart continues the same chain.
	l.close()
	l2, err := startAuditLog(app, keys)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.close()
	fill(l2, 2)
	if v := verify(t, app, keys); !v.OK || v.Entries != 7 {
		t.Fatalf("after a restart: %+v", v)
	}
}

func TestAuditChainFindsTampering(t *testing.T) {
	cases := []struct {
		name, sql string
		broken    int64
		problem   string
	}{
		{"altered actor", "UPDATE audit_log SET actor = 'someone_else000' WHERE seq = 3", 3, "altered"},
		{"altered detail", `UPDATE audit_log SET detail = '{"count":1}' WHERE seq = 2`, 2, "altered"},
		{"removed in the middle", "DELETE FROM audit_log WHERE seq = 3", 3, "missing"},
		{"removed at the end", "DELETE FROM audit_log WHERE seq = 5", 5, "missing at the end"},
		{"renumbered", "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 4", 4, "missing"},
		{"rehashed without the key", "UPDATE audit_log SET hash = '00' WHERE seq = 4", 4, "altered"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			app, keys := auditTestApp(t)
			l, err := startAuditLog(app, keys)
			if err != nil {
				t.Fatal(err)
			}
			fill(l, 5)
			l.close()
			tamper(t, app, c.sql)
			v := verify(t, app, keys)
			if v.OK || v.Broken != c.broken || !strings.Contains(v.Problem, c.problem) {
				t.Fatalf("want broken at %d (%s), got %+v", c.broken, c.problem, v)
			}
		})
	}
}

func TestAuditRetentionAndKeyRotation(t *testing.T) {
	app, keys := auditTestApp(t)
	l, err := startAuditLog(app, keys)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().UTC().Add(-4 * 365 * 24 * time.Hour).Format("2006-01-02 15:04:05.000Z")
	for i := 0; i < 3; i++ {
		l.add(auditEntry{At: old, Action: "auth.login", Target: "a"})
	}
	fill(l, 2)
	n, err := l.purge(auditRetention())
	if err != nil || n != 3 {
		t.Fatalf("purge: %d %v", n, err)
	}
	if v := verify(t, app, keys); !v.OK || v.Entries != 2 || v.First != 4 {
		t.Fatalf("after the purge the rest verifies from the anchor: %+v", v)
	}
	l.close()

	// A new key on the first line signs from now on; the old one still verifies what it signed.
	rotated, err := parseBackupKeys(newBackupKeyText() + "\n" + keysText(keys))
	if err != nil {
		t.Fatal(err)
	}
	l2, err := startAuditLog(app, rotated)
	if err != nil {
		t.Fatal(err)
	}
	fill(l2, 2)
	l2.close()
	if v := verify(t, app, rotated); !v.OK || v.Entries != 4 {
		t.Fatalf("rotated keys: %+v", v)
	}
	onlyNew := &backupKeys{keys: rotated.keys[:1]}
	if v := verify(t, app, onlyNew); v.OK || !strings.Contains(v.Problem, "not among the audit keys") {
		t.Fatalf("without the old key the old entries cannot verify: %+v", v)
	}
}

func keysText(k *backupKeys) string {
	var b strings.Builder
	for _, key := range k.keys {
		b.WriteString(hex.EncodeToString(key) + "\n")
	}
	return b.String()
}

func TestAuditVerifyCommand(t *testing.T) {
	app, _ := auditTestApp(t)
	keyFile := filepath.Join(t.TempDir(), "audit.key")
	text := newBackupKeyText()
	if err := os.WriteFile(keyFile, []byte(text+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CRM_AUDIT_KEY_FILE", keyFile)
	keys, _, err := loadAuditKeys(app.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	l, err := startAuditLog(app, keys)
	if err != nil {
		t.Fatal(err)
	}
	fill(l, 3)
	l.close()
	if code := runAuditVerify([]string{"--dir", app.DataDir()}); code != 0 {
		t.Fatalf("a sound chain: exit %d", code)
	}
	tamper(t, app, "UPDATE audit_log SET target = 'x' WHERE seq = 2")
	if code := runAuditVerify([]string{"--dir", app.DataDir()}); code != 1 {
		t.Fatalf("a broken chain: exit %d", code)
	}
}
