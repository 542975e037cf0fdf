// The audit log (issue 13, PIPL Art. 54): who read, changed, merged, deleted or exported customer data,
// changed a consent or a role, made or revoked a key, signed in or failed to: when, what and from where.
//
//   - Append-only: audit_log (pb_migrations/1764155000_audit_log.js) is a plain table on no API, and
//     SQLite triggers refuse every UPDATE and every DELETE but the retention purge's.
//   - Tamper-evident: each entry carries the previous entry's hash, and its own hash is an HMAC-SHA256
//     over its fields and that previous hash, keyed with the audit key (CRM_AUDIT_KEY, or the key file
//     CRM_AUDIT_KEY_FILE, by default beside the data directory: "pb_data" -> "pb_data-audit.key", made
//     at the first start). Without the key, entries cannot be rewritten so that they verify. Entry
//     numbers run without gaps, and the newest entry's number and hash are kept apart
//     (_crm_meta audit_head), so a removed entry, in the middle or at the end, is found as well.
//   - Key rotation: a new key goes on the key file's first line; older lines still verify older entries
//     (each entry names its key).
//   - Kept CRM_AUDIT_RETAIN_DAYS days (by default 1095, three years), purged daily from the oldest; the
//     last purged entry's hash becomes the anchor the remaining chain starts from.
//   - Entries name records and fields, never their values (no phone numbers or addresses in the log);
//     role changes and consent decisions say the new value.
//
// Entries are written by one goroutine in batches (every 100 ms), outside the request's transaction:
// an entry is written only for what succeeded, and an audited request never waits for the log.
//
//	GET /api/crm/audit?actor=&action=&target=&from=&to=&page=&perPage=   admins: search
//	GET /api/crm/audit/export.csv?(same filters)                           admins: CSV (itself audited)
//	GET /api/crm/audit/verify                                              admins: check the chain
//	crm-server audit-verify --dir pb_data                                  the same from a shell
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// auditEntry is one row of audit_log.
type auditEntry struct {
	Seq        int64  `db:"seq" json:"seq"`
	At         string `db:"at" json:"at"`
	Actor      string `db:"actor" json:"actor"`           // the staff (or superuser) id; empty: nobody signed in
	ActorName  string `db:"actor_name" json:"actor_name"` // their name (or e-mail) then, kept if they are removed
	Role       string `db:"role" json:"role"`             // sales, manager, admin, superuser; empty: nobody signed in
	Action     string `db:"action" json:"action"`         // e.g. customers.view, customers.update, auth.login_failed
	Collection string `db:"collection" json:"collection"`
	Target     string `db:"target" json:"target"` // the record id (or the identity typed, for sign-in)
	IP         string `db:"ip" json:"ip"`
	UA         string `db:"ua" json:"ua"`
	Detail     string `db:"detail" json:"detail"` // JSON: field names, counts, ids; never personal values
	KeyID      string `db:"key_id" json:"key_id"`
	Prev       string `db:"prev" json:"prev"`
	Hash       string `db:"hash" json:"hash"`
}

// auditMAC is the entry's hash: HMAC-SHA256 under the key over its fields and the previous hash.
func auditMAC(key []byte, a auditEntry) string {
	fields, _ := json.Marshal([]any{a.Seq, a.At, a.Actor, a.ActorName, a.Role, a.Action, a.Collection, a.Target, a.IP, a.UA, a.Detail, a.KeyID, a.Prev})
	m := hmac.New(sha256.New, key)
	m.Write(fields)
	return hex.EncodeToString(m.Sum(nil))
}

// auditKeys: the first key signs new entries, every one verifies (key rotation).
func loadAuditKeys(dataDir string) (*backupKeys, string, error) {
	return loadAuditKeysFrom(auditKeyFile(dataDir))
}

// loadAuditKeysFrom takes CRM_AUDIT_KEY, or else the key file at path.
func loadAuditKeysFrom(path string) (*backupKeys, string, error) {
	return loadKeys("CRM_AUDIT_KEY", path)
}

func auditKeyFile(dataDir string) string {
	return keyFileBeside(dataDir, "CRM_AUDIT_KEY_FILE", "-audit.key")
}

// keyFileBeside is the key file named by the environment variable env, else the one beside the data
// directory ("pb_data" -> "pb_data" + suffix), never inside it.
func keyFileBeside(dataDir, env, suffix string) string {
	if p := os.Getenv(env); p != "" {
		return p
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		abs = dataDir
	}
	return filepath.Clean(abs) + suffix
}

// ensureAuditKeys loads the audit key, writing a new key file at the first start.
func ensureAuditKeys(app core.App) (*backupKeys, error) {
	if os.Getenv("CRM_AUDIT_KEY") == "" {
		if err := ensureKeyFile(app, auditKeyFile(app.DataDir()), "# CRM audit key: the first line signs new audit entries, every line verifies (docs/audit.md)",
			"A new audit key was written; keep a copy away from this machine: without it the audit log cannot be verified"); err != nil {
			return nil, err
		}
	}
	keys, from, err := loadAuditKeys(app.DataDir())
	if err != nil {
		return nil, fmt.Errorf("audit key (%s): %w", from, err)
	}
	return keys, nil
}

func keyIDText(key []byte) string {
	id := backupKeyID(key)
	return hex.EncodeToString(id[:])
}

func (k *backupKeys) byIDText(id string) []byte {
	b, err := hex.DecodeString(id)
	if err != nil || len(b) != 4 {
		return nil
	}
	var i [4]byte
	copy(i[:], b)
	return k.find(i)
}

type auditHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// auditLog appends entries in order, in batches, from one goroutine.
type auditLog struct {
	app   core.App
	keys  *backupKeys
	queue chan auditEntry
	flush chan chan struct{}
	stop  chan struct{}
	done  chan struct{}
	head  auditHead
	once  sync.Once
}

// audit is the server's log (nil until the server starts: then nothing is recorded, as in unit tests
// of other parts).
var audit *auditLog

func readMeta(db dbx.Builder, key string) string {
	var v string
	_ = db.NewQuery("SELECT value FROM _crm_meta WHERE key = {:k}").Bind(dbx.Params{"k": key}).Row(&v)
	return v
}

func writeMeta(db dbx.Builder, key, value string) error {
	_, err := db.NewQuery("INSERT INTO _crm_meta (key, value) VALUES ({:k}, {:v}) ON CONFLICT(key) DO UPDATE SET value = excluded.value").
		Bind(dbx.Params{"k": key, "v": value}).Execute()
	return err
}

func startAuditLog(app core.App, keys *backupKeys) (*auditLog, error) {
	if _, err := app.DB().NewQuery(crmMetaTable).Execute(); err != nil {
		return nil, err
	}
	l := &auditLog{app: app, keys: keys, queue: make(chan auditEntry, 8192), flush: make(chan chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	var last auditHead
	err := app.DB().NewQuery("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").Row(&last.Seq, &last.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		_ = json.Unmarshal([]byte(readMeta(app.DB(), "audit_anchor")), &last)
	} else if err != nil {
		return nil, err
	}
	l.head = last
	go l.run()
	return l, nil
}

// add queues an entry; it waits only when thousands are queued (never drops one).
func (l *auditLog) add(a auditEntry) {
	if l == nil {
		return
	}
	if a.At == "" {
		a.At = time.Now().UTC().Format("2006-01-02 15:04:05.000Z")
	}
	select {
	case l.queue <- a:
	case <-l.done:
	}
}

// sync waits until everything queued before it is written (tests, the search, shutdown).
func (l *auditLog) sync() {
	if l == nil {
		return
	}
	ok := make(chan struct{})
	select {
	case l.flush <- ok:
		<-ok
	case <-l.done:
	}
}

func (l *auditLog) close() {
	if l == nil {
		return
	}
	l.once.Do(func() { close(l.stop) })
	<-l.done
}

func (l *auditLog) run() {
	defer close(l.done)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var batch []auditEntry
	write := func() {
		for len(batch) > 0 {
			n := min(len(batch), 500)
			if err := l.write(batch[:n]); err != nil {
				l.app.Logger().Error("audit log: write failed; retrying", "error", err)
				time.Sleep(time.Second)
				continue
			}
			batch = batch[n:]
		}
	}
	drain := func() {
		for {
			select {
			case a := <-l.queue:
				batch = append(batch, a)
			default:
				return
			}
		}
	}
	for {
		select {
		case a := <-l.queue:
			batch = append(batch, a)
			if len(batch) >= 500 {
				write()
			}
		case <-tick.C:
			write()
		case ok := <-l.flush:
			drain()
			write()
			close(ok)
		case <-l.stop:
			drain()
			write()
			return
		}
	}
}

func (l *auditLog) write(batch []auditEntry) error {
	key := l.keys.keys[0]
	kid := keyIDText(key)
	head := l.head
	err := l.app.RunInTransaction(func(tx core.App) error {
		for i := range batch {
			a := &batch[i]
			a.Seq = head.Seq + 1
			a.KeyID = kid
			a.Prev = head.Hash
			a.Hash = auditMAC(key, *a)
			if _, err := tx.DB().NewQuery(`INSERT INTO audit_log (seq, at, actor, actor_name, role, action, collection, target, ip, ua, detail, key_id, prev, hash)
				VALUES ({:seq}, {:at}, {:actor}, {:name}, {:role}, {:action}, {:coll}, {:target}, {:ip}, {:ua}, {:detail}, {:kid}, {:prev}, {:hash})`).
				Bind(dbx.Params{"seq": a.Seq, "at": a.At, "actor": a.Actor, "name": a.ActorName, "role": a.Role, "action": a.Action, "coll": a.Collection,
					"target": a.Target, "ip": a.IP, "ua": a.UA, "detail": a.Detail, "kid": a.KeyID, "prev": a.Prev, "hash": a.Hash}).Execute(); err != nil {
				return err
			}
			head = auditHead{a.Seq, a.Hash}
		}
		b, _ := json.Marshal(head)
		return writeMeta(tx.DB(), "audit_head", string(b))
	})
	if err == nil {
		l.head = head
	}
	return err
}

// purge removes entries older than `keep`, moving the anchor to the last one removed.
func (l *auditLog) purge(keep time.Duration) (int64, error) {
	l.sync()
	cut := time.Now().UTC().Add(-keep).Format("2006-01-02 15:04:05.000Z")
	var removed int64
	err := l.app.RunInTransaction(func(tx core.App) error {
		var last auditHead
		err := tx.DB().NewQuery("SELECT seq, hash FROM audit_log WHERE at < {:cut} ORDER BY seq DESC LIMIT 1").Bind(dbx.Params{"cut": cut}).Row(&last.Seq, &last.Hash)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		if _, err := tx.DB().NewQuery("INSERT INTO audit_purge_gate (open) VALUES (1)").Execute(); err != nil {
			return err
		}
		res, err := tx.DB().NewQuery("DELETE FROM audit_log WHERE seq <= {:seq}").Bind(dbx.Params{"seq": last.Seq}).Execute()
		if err != nil {
			return err
		}
		removed, _ = res.RowsAffected()
		if _, err := tx.DB().NewQuery("DELETE FROM audit_purge_gate").Execute(); err != nil {
			return err
		}
		b, _ := json.Marshal(last)
		return writeMeta(tx.DB(), "audit_anchor", string(b))
	})
	return removed, err
}

// auditVerdict is what a verification found.
type auditVerdict struct {
	OK      bool   `json:"ok"`
	Entries int64  `json:"entries"`
	First   int64  `json:"first"`
	Last    int64  `json:"last"`
	Broken  int64  `json:"broken,omitempty"` // the first entry that does not verify (or the first missing)
	Problem string `json:"problem,omitempty"`
}

// verifyAuditChain checks every entry against its key, its predecessor and the kept head.
func verifyAuditChain(ctx context.Context, db *sql.DB, keys *backupKeys) (auditVerdict, error) {
	var v auditVerdict
	var exists int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").Scan(&exists); err != nil {
		return v, err
	}
	if exists == 0 {
		v.OK = true
		return v, nil
	}
	meta := func(k string) auditHead {
		var s string
		var h auditHead
		if err := db.QueryRowContext(ctx, "SELECT value FROM _crm_meta WHERE key = ?", k).Scan(&s); err == nil {
			_ = json.Unmarshal([]byte(s), &h)
		}
		return h
	}
	anchor, head := meta("audit_anchor"), meta("audit_head")
	rows, err := db.QueryContext(ctx, "SELECT seq, at, actor, actor_name, role, action, collection, target, ip, ua, detail, key_id, prev, hash FROM audit_log ORDER BY seq")
	if err != nil {
		return v, err
	}
	defer rows.Close()
	prev := anchor
	fail := func(seq int64, problem string) (auditVerdict, error) {
		v.OK, v.Broken, v.Problem = false, seq, problem
		return v, nil
	}
	for rows.Next() {
		var a auditEntry
		if err := rows.Scan(&a.Seq, &a.At, &a.Actor, &a.ActorName, &a.Role, &a.Action, &a.Collection, &a.Target, &a.IP, &a.UA, &a.Detail, &a.KeyID, &a.Prev, &a.Hash); err != nil {
			return v, err
		}
		if v.Entries == 0 {
			v.First = a.Seq
		}
		if a.Seq != prev.Seq+1 {
			return fail(prev.Seq+1, fmt.Sprintf("entries %d to %d are missing", prev.Seq+1, a.Seq-1))
		}
		if a.Prev != prev.Hash {
			return fail(a.Seq, fmt.Sprintf("entry %d does not follow entry %d (its previous hash differs)", a.Seq, prev.Seq))
		}
		key := keys.byIDText(a.KeyID)
		if key == nil {
			return fail(a.Seq, fmt.Sprintf("entry %d is signed with key %s, which is not among the audit keys", a.Seq, a.KeyID))
		}
		if !hmac.Equal([]byte(auditMAC(key, a)), []byte(a.Hash)) {
			return fail(a.Seq, fmt.Sprintf("entry %d was altered (its hash does not match its content)", a.Seq))
		}
		prev = auditHead{a.Seq, a.Hash}
		v.Entries++
		v.Last = a.Seq
	}
	if err := rows.Err(); err != nil {
		return v, err
	}
	if head.Seq != prev.Seq || head.Hash != prev.Hash {
		if head.Seq > prev.Seq {
			return fail(prev.Seq+1, fmt.Sprintf("entries %d to %d are missing at the end", prev.Seq+1, head.Seq))
		}
		return fail(prev.Seq, fmt.Sprintf("the kept head (entry %d) does not match the last entry %d", head.Seq, prev.Seq))
	}
	v.OK = true
	return v, nil
}

// runAuditVerify is `crm-server audit-verify --dir pb_data`: exit 0 when the chain verifies, 1 when not.
func runAuditVerify(args []string) int {
	dataDir := "./pb_data"
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "--dir" && i+1 < len(args):
			dataDir = args[i+1]
			i++
		case strings.HasPrefix(args[i], "--dir="):
			dataDir = strings.TrimPrefix(args[i], "--dir=")
		default:
			fmt.Fprintf(os.Stderr, "audit-verify: unknown argument %q (usage: crm-server audit-verify --dir DATA_DIR)\n", args[i])
			return 2
		}
	}
	keys, from, err := loadAuditKeys(dataDir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "audit-verify: no audit key (%s): %v\n", from, err)
		return 1
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "data.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		fmt.Fprintln(os.Stderr, "audit-verify:", err)
		return 1
	}
	defer db.Close()
	v, err := verifyAuditChain(context.Background(), db, keys)
	if err != nil {
		fmt.Fprintln(os.Stderr, "audit-verify:", err)
		return 1
	}
	if !v.OK {
		fmt.Printf("audit log BROKEN at entry %d: %s\n", v.Broken, v.Problem)
		return 1
	}
	fmt.Printf("audit log ok: %d entries (%d to %d) verify.\n", v.Entries, v.First, v.Last)
	return 0
}

func auditRetention() time.Duration {
	days, err := strconv.Atoi(strings.TrimSpace(os.Getenv("CRM_AUDIT_RETAIN_DAYS")))
	if err != nil || days <= 0 {
		days = 1095
	}
	return time.Duration(days) * 24 * time.Hour
}
