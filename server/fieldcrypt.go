// Encryption at rest of customers' personal fields (issue 13). Names, phone numbers, e-mail and postal
// addresses, notes, field histories, chat messages, service notes and campaign addresses are stored
// sealed with AES-256-GCM; everything else (ids, sequence numbers, dates, figures, events) stays plain,
// so the ingestion, the statistics and the sync read and write as before.
//
// Why fields and not the whole file (SQLCipher): the continuous backup (Litestream, backup.go) opens the
// database with its own pure-Go SQLite and reads its header and WAL, which an encrypted file would not
// allow without a patched copy of Litestream, and the one SQLCipher Go module served here bundles
// SQLite 3.33, older than PocketBase's schema changes need (ALTER TABLE DROP COLUMN is 3.35).
//
// How a value is stored: "enc1:" + key id (8 hex digits) + ":" + base64(nonce || ciphertext || tag),
// sealed under a key derived from the data key (HKDF-SHA256), with the field's name
// ("customers.phones") as additional data, so that a sealed value copied into another field does not
// open. Empty values ("", and JSON null, [] and {}) are left as they are: they hold nothing personal, and
// "has an e-mail address" stays a cheap SQL test.
//
// Where it happens: the fields are of the types secretText and secretJSON (PocketBase's text and JSON
// fields whose database value is sealed, and opened when a record is loaded), so every record read or
// written through PocketBase, from Go or from the JS hooks, sees plain values. SQL written by hand
// reads and writes these columns through the SQLite functions crm_open(field, value) and
// crm_seal(field, value) (sqlite.go). Records cannot be filtered or sorted by these fields on the
// server (filterguard.go answers 400); the apps search on the device.
//
// The data key: CRM_DATA_KEY, or the key file CRM_DATA_KEY_FILE, by default beside the data directory
// ("pb_data" -> "pb_data-data.key"), written at the first start. Several keys, one per line: the first
// seals, every one opens. At start the server reseals every value sealed with another key, and seals
// values written before encryption was on; docs/encryption.md describes a rotation.
package main

import (
	"crypto/cipher"
	"crypto/rand"
	"database/sql/driver"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// secretFields are the personal fields stored sealed, by collection.
var secretFields = map[string][]string{
	"customers":           {"name", "phones", "emails", "addresses", "notes", "birthday", "history"},
	"visitors":            {"name"},
	"conversations":       {"last_message_preview", "rating_comment", "contact"},
	"messages":            {"body"},
	"service_records":     {"summary", "outcome", "history"},
	"cases":               {"summary", "history"},
	"campaign_recipients": {"address"},
	"proposals":           {"changes", "base"},
}

const sealedPrefix = "enc1:"

// fieldSealer seals and opens field values with the data keys: keys[0] seals, every one opens.
type fieldSealer struct {
	ids   []string // hex key ids, in the order of the keys
	aeads []cipher.AEAD
}

func newFieldSealer(keys *backupKeys) (*fieldSealer, error) {
	s := &fieldSealer{}
	for _, master := range keys.keys {
		aead, err := derivedAEAD(master, nil, "crm-field-v1")
		if err != nil {
			return nil, err
		}
		id := backupKeyID(master)
		s.ids = append(s.ids, hex.EncodeToString(id[:]))
		s.aeads = append(s.aeads, aead)
	}
	return s, nil
}

// sealer is the server's field sealer, set before the database opens (initFieldCrypt).
var sealer atomic.Pointer[fieldSealer]

var errNoDataKey = errors.New("the data key is not loaded")

// plainEmpty: values stored as they are.
func plainEmpty(v string) bool {
	return v == "" || v == "null" || v == "[]" || v == "{}"
}

func isSealed(v string) bool {
	return strings.HasPrefix(v, sealedPrefix)
}

func (s *fieldSealer) seal(field, plain string) (string, error) {
	if plainEmpty(plain) {
		return plain, nil
	}
	aead := s.aeads[0]
	buf := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	buf = aead.Seal(buf, buf, []byte(plain), []byte(field))
	return sealedPrefix + s.ids[0] + ":" + base64.RawStdEncoding.EncodeToString(buf), nil
}

// open returns a sealed value's plain text; other values are returned as they are (written before
// encryption was on, or empty).
func (s *fieldSealer) open(field, v string) (string, error) {
	if !isSealed(v) {
		return v, nil
	}
	rest := v[len(sealedPrefix):]
	id, body, ok := strings.Cut(rest, ":")
	if !ok {
		return "", fmt.Errorf("%s: a sealed value without its key id", field)
	}
	for i, kid := range s.ids {
		if kid != id {
			continue
		}
		raw, err := base64.RawStdEncoding.DecodeString(body)
		aead := s.aeads[i]
		if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
			return "", fmt.Errorf("%s: a damaged sealed value", field)
		}
		out, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(field))
		if err != nil {
			return "", fmt.Errorf("%s: a sealed value that does not open with key %s (damaged, or moved from another field)", field, id)
		}
		return string(out), nil
	}
	return "", fmt.Errorf("%s: sealed with data key %s, which is not among the data keys (CRM_DATA_KEY / CRM_DATA_KEY_FILE)", field, id)
}

func sealField(field, plain string) (string, error) {
	s := sealer.Load()
	if s == nil {
		return "", errNoDataKey
	}
	return s.seal(field, plain)
}

func openField(field, v string) (string, error) {
	if !isSealed(v) {
		return v, nil
	}
	s := sealer.Load()
	if s == nil {
		return "", errNoDataKey
	}
	return s.open(field, v)
}

// --- the data key ---

func dataKeyFile(dataDir string) string {
	return keyFileBeside(dataDir, "CRM_DATA_KEY_FILE", "-data.key")
}

// initFieldCrypt loads the data key (writing a key file at the first start) before the database opens.
func initFieldCrypt(app core.App) error {
	path := dataKeyFile(app.DataDir())
	if os.Getenv("CRM_DATA_KEY") == "" {
		if err := ensureKeyFile(app, path, "# CRM data key: the first line seals personal fields, every line opens them (docs/encryption.md)",
			"A new data key was written; keep a copy away from this machine: without it customers' names, phone numbers and messages cannot be read, in the database or in its backups"); err != nil {
			return fmt.Errorf("data key (%s): %w", path, err)
		}
	}
	keys, from, err := loadKeys("CRM_DATA_KEY", path)
	if err != nil {
		return fmt.Errorf("data key (%s): %w", from, err)
	}
	s, err := newFieldSealer(keys)
	if err != nil {
		return err
	}
	sealer.Store(s)
	return nil
}

// --- the field types ---

const (
	fieldTypeSecretText = "secretText"
	fieldTypeSecretJSON = "secretJSON"
)

func init() {
	core.Fields[fieldTypeSecretText] = func() core.Field { return &secretTextField{} }
	core.Fields[fieldTypeSecretJSON] = func() core.Field { return &secretJSONField{} }
}

var (
	_ core.DriverValuer = (*secretTextField)(nil)
	_ core.DriverValuer = (*secretJSONField)(nil)
)

// secretTextField is a text field stored sealed.
type secretTextField struct {
	core.TextField
}

func (f *secretTextField) Type() string { return fieldTypeSecretText }

// openRaw opens a value read from the database (a sealed string); anything else is returned as it is.
func openRaw(record *core.Record, name string, raw any) (any, error) {
	if s, ok := raw.(string); ok && isSealed(s) {
		return openField(record.Collection().Name+"."+name, s)
	}
	return raw, nil
}

func (f *secretTextField) PrepareValue(record *core.Record, raw any) (any, error) {
	raw, err := openRaw(record, f.Name, raw)
	if err != nil {
		return nil, err
	}
	return f.TextField.PrepareValue(record, raw)
}

func (f *secretTextField) DriverValue(record *core.Record) (driver.Value, error) {
	return sealField(record.Collection().Name+"."+f.Name, record.GetString(f.Name))
}

// secretJSONField is a JSON field stored sealed.
type secretJSONField struct {
	core.JSONField
}

func (f *secretJSONField) Type() string { return fieldTypeSecretJSON }

func (f *secretJSONField) PrepareValue(record *core.Record, raw any) (any, error) {
	raw, err := openRaw(record, f.Name, raw)
	if err != nil {
		return nil, err
	}
	return f.JSONField.PrepareValue(record, raw)
}

func (f *secretJSONField) DriverValue(record *core.Record) (driver.Value, error) {
	raw, _ := record.GetRaw(f.Name).(types.JSONRaw)
	if len(raw) == 0 {
		return nil, nil
	}
	return sealField(record.Collection().Name+"."+f.Name, raw.String())
}

func isSecretField(f core.Field) bool {
	t := f.Type()
	return t == fieldTypeSecretText || t == fieldTypeSecretJSON
}

// --- turning fields secret, and sealing what is not sealed with the current key ---

// ensureSecretFields gives the personal fields their secret types (the column stays as it is; only
// the collection's definition changes) and seals every value that is plain or sealed with an older
// key, in batches. Values sealed with a key that is not among the data keys stop the start.
func ensureSecretFields(app core.App) error {
	s := sealer.Load()
	if s == nil {
		return errNoDataKey
	}
	var sealed int64
	for collName, names := range secretFields {
		collection, err := app.FindCollectionByNameOrId(collName)
		if err != nil {
			continue // not created yet (a migration still to run)
		}
		changed := false
		for i, f := range collection.Fields {
			if !contains(names, f.GetName()) {
				continue
			}
			switch tf := f.(type) {
			case *core.TextField:
				collection.Fields[i] = &secretTextField{TextField: *tf}
				changed = true
			case *core.JSONField:
				collection.Fields[i] = &secretJSONField{JSONField: *tf}
				changed = true
			}
		}
		if changed {
			// SaveNoValidate: PocketBase refuses a field's change of type, which would drop its column;
			// here the column and its values stay (same id, same name, same column type).
			if err := app.SaveNoValidate(collection); err != nil {
				return fmt.Errorf("%s: making personal fields secret: %w", collName, err)
			}
		}
		for _, name := range names {
			if collection.Fields.GetByName(name) == nil {
				continue
			}
			n, err := resealColumn(app, s, collName, name)
			if err != nil {
				return err
			}
			sealed += n
		}
	}
	if sealed > 0 {
		// The plain values' old copies: those replaced now were zeroed (secure_delete), but earlier
		// edits and migrations left theirs in the file's free space, which only VACUUM (a fresh copy
		// of the database) removes; then the WAL is emptied so that its frames keep none
		// (personaldata.go). Once, at the start that seals: later starts have nothing to seal.
		if _, err := app.NonconcurrentDB().NewQuery("VACUUM").Execute(); err != nil {
			return fmt.Errorf("compacting after sealing the personal fields: %w", err)
		}
		app.Logger().Info("personal fields sealed", "values", sealed, "key", s.ids[0])
		checkpointAfterErase(app)
	}
	return nil
}

// unknownKeySQL is the SQL test, on a quoted column, for a value sealed with a key that is not among
// ids (the start refuses them; a restore reports them).
func unknownKeySQL(col string, ids []string) string {
	return `(substr(` + col + `, 1, 5) = 'enc1:' AND substr(` + col + `, 6, 8) NOT IN ('` + strings.Join(ids, "', '") + `'))`
}

// staleSQL is the SQL test for a value to seal now: plain and not empty, or sealed with a key other
// than current.
func staleSQL(col, current string) string {
	return `((substr(` + col + `, 1, 5) = 'enc1:' AND substr(` + col + `, 6, 8) != '` + current + `') OR (` + col + ` IS NOT NULL AND substr(` + col + `, 1, 5) != 'enc1:' AND ` + col + ` NOT IN ('', 'null', '[]', '{}')))`
}

// resealColumn seals the column's plain values and reseals those of older keys, 500 rows at a time, on
// the writer's one connection with secure_delete on (the space of the replaced values is zeroed). One
// scan of the column tells whether there is anything to do (at most starts: nothing).
func resealColumn(app core.App, s *fieldSealer, table, column string) (int64, error) {
	field := table + "." + column
	col := "[[" + column + "]]"
	var unknown, stale int
	err := app.DB().NewQuery(`SELECT coalesce(sum(`+unknownKeySQL(col, s.ids)+`), 0), coalesce(sum(`+staleSQL(col, s.ids[0])+`), 0) FROM {{`+table+`}}`).Row(&unknown, &stale)
	if err != nil {
		return 0, err
	}
	if unknown > 0 {
		return 0, fmt.Errorf("%d values of %s are sealed with a data key that is not among the data keys (CRM_DATA_KEY / CRM_DATA_KEY_FILE): start with the key they were written with (docs/encryption.md)", unknown, field)
	}
	if stale == 0 {
		return 0, nil
	}
	db := app.NonconcurrentDB()
	if _, err := db.NewQuery("PRAGMA secure_delete = ON").Execute(); err != nil {
		return 0, err
	}
	defer db.NewQuery("PRAGMA secure_delete = OFF").Execute()
	var total int64
	for {
		res, err := db.NewQuery(`UPDATE {{` + table + `}} SET ` + col + ` = crm_seal({:field}, crm_open({:field}, ` + col + `))
			WHERE rowid IN (SELECT rowid FROM {{` + table + `}} WHERE ` + staleSQL(col, s.ids[0]) + ` LIMIT 500)`).
			Bind(dbx.Params{"field": field}).Execute()
		if err != nil {
			return total, fmt.Errorf("sealing %s: %w", field, err)
		}
		n, _ := res.RowsAffected()
		if n == 0 {
			return total, nil
		}
		total += n
	}
}

// registerFieldCrypt loads the data key before the database opens, and seals the personal fields once
// the migrations have run.
func registerFieldCrypt(app core.App) {
	app.OnBootstrap().BindFunc(func(e *core.BootstrapEvent) error {
		if err := initFieldCrypt(e.App); err != nil {
			return err
		}
		return e.Next()
	})
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if err := ensureSecretFields(se.App); err != nil {
			return err
		}
		return se.Next()
	})
}

// sqlOpen and sqlSeal are crm_open and crm_seal in SQL: NULL stays NULL, numbers are taken as text.
func sqlOpen(field string, v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return openField(field, x)
	case []byte:
		return openField(field, string(x))
	default:
		return v, nil
	}
}

func sqlSeal(field string, v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return sealField(field, x)
	case []byte:
		return sealField(field, string(x))
	default:
		return sealField(field, fmt.Sprint(x))
	}
}
