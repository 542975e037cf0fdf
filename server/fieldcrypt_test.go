package main

import (
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

func testSealer(t *testing.T, keyText string) *fieldSealer {
	t.Helper()
	keys, err := parseBackupKeys(keyText)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newFieldSealer(keys)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpen(t *testing.T) {
	a := testSealer(t, newBackupKeyText())
	sealed, err := a.seal("customers.name", "张三")
	if err != nil {
		t.Fatal(err)
	}
	if !isSealed(sealed) || strings.Contains(sealed, "张三") {
		t.Fatalf("not sealed: %q", sealed)
	}
	again, _ := a.seal("customers.name", "张三")
	if again == sealed {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	if plain, err := a.open("customers.name", sealed); err != nil || plain != "张三" {
		t.Fatalf("open: %q %v", plain, err)
	}
	// A sealed value moved into another field does not open.
	if _, err := a.open("customers.notes", sealed); err == nil {
		t.Fatal("a value sealed for customers.name opened as customers.notes")
	}
	// One flipped character is detected.
	broken := sealed[:len(sealed)-2] + map[bool]string{true: "A", false: "B"}[sealed[len(sealed)-2] != 'A'] + sealed[len(sealed)-1:]
	if _, err := a.open("customers.name", broken); err == nil {
		t.Fatal("a damaged value opened")
	}
	// Empty values and values written before encryption pass through.
	for _, v := range []string{"", "[]", "{}", "null"} {
		if s, _ := a.seal("customers.phones", v); s != v {
			t.Fatalf("empty %q sealed as %q", v, s)
		}
	}
	if p, err := a.open("customers.name", "plain"); err != nil || p != "plain" {
		t.Fatalf("a plain value: %q %v", p, err)
	}
	// Another key does not open it, and says which key it needs.
	b := testSealer(t, newBackupKeyText())
	if _, err := b.open("customers.name", sealed); err == nil || !strings.Contains(err.Error(), a.ids[0]) {
		t.Fatalf("another key: %v", err)
	}
}

// fieldCryptApp: a test app with a "customers" collection whose name and phones hold values written
// before encryption.
func fieldCryptApp(t *testing.T) core.App {
	t.Helper()
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: t.TempDir(), DBConnect: durableDBConnect})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	c := core.NewBaseCollection("customers")
	c.Fields.Add(&core.TextField{Name: "name", Max: 200}, &core.JSONField{Name: "phones", MaxSize: 4000}, &core.TextField{Name: "region"})
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"张三", "李四", "王五"} {
		r := core.NewRecord(c)
		r.Set("name", name)
		r.Set("phones", []string{"+8613800000" + string(rune('0'+i))})
		r.Set("region", "华东")
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	empty := core.NewRecord(c)
	empty.Set("name", "")
	if err := app.Save(empty); err != nil {
		t.Fatal(err)
	}
	return app
}

func rawColumn(t *testing.T, app core.App, col string) []string {
	t.Helper()
	var out []string
	if err := app.DB().NewQuery("SELECT coalesce(" + col + ", '') FROM customers ORDER BY rowid").Column(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEnsureSecretFieldsAndRotation(t *testing.T) {
	keyA, keyB := newBackupKeyText(), newBackupKeyText()
	sealer.Store(testSealer(t, keyA))
	t.Cleanup(func() { sealer.Store(nil) })
	app := fieldCryptApp(t)

	// Before: plain in the database.
	if got := rawColumn(t, app, "name"); got[0] != "张三" {
		t.Fatalf("setup: %v", got)
	}
	if err := ensureSecretFields(app); err != nil {
		t.Fatal(err)
	}
	c, _ := app.FindCollectionByNameOrId("customers")
	if c.Fields.GetByName("name").Type() != fieldTypeSecretText || c.Fields.GetByName("phones").Type() != fieldTypeSecretJSON || c.Fields.GetByName("region").Type() != core.FieldTypeText {
		t.Fatalf("field types: %s", c.Fields.String())
	}
	a := testSealer(t, keyA)
	for _, col := range []string{"name", "phones"} {
		vals := rawColumn(t, app, col)
		for i, v := range vals[:3] {
			if !strings.HasPrefix(v, "enc1:"+a.ids[0]+":") {
				t.Fatalf("%s row %d not sealed with key A: %q", col, i, v)
			}
		}
		if vals[3] != "" && vals[3] != "null" && vals[3] != "[]" {
			t.Fatalf("the empty %s was sealed: %q", col, vals[3])
		}
	}
	if got := rawColumn(t, app, "region"); got[0] != "华东" {
		t.Fatalf("a field not personal was sealed: %q", got[0])
	}
	// Records read and written through PocketBase see plain values; what they write is sealed.
	recs, err := app.FindAllRecords("customers", dbx.NewExp("region = '华东'"))
	if err != nil || len(recs) != 3 {
		t.Fatalf("records: %v %v", len(recs), err)
	}
	byName := map[string]*core.Record{}
	for _, r := range recs {
		byName[r.GetString("name")] = r
	}
	if byName["张三"] == nil || !strings.Contains(byName["张三"].GetString("phones"), "+86138000000") {
		t.Fatalf("opened: %v", recs[0].PublicExport())
	}
	r := byName["李四"]
	r.Set("name", "李四改")
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	if got := rawColumn(t, app, "name"); strings.Contains(strings.Join(got, ","), "李四改") {
		t.Fatalf("an edit was written plain: %v", got)
	}
	if again, _ := app.FindRecordById("customers", r.Id); again.GetString("name") != "李四改" {
		t.Fatalf("the edit reads back as %q", again.GetString("name"))
	}
	// SQL written by hand opens and seals with crm_open / crm_seal.
	var name string
	if err := app.DB().NewQuery("SELECT crm_open('customers.name', name) FROM customers WHERE id = {:id}").Bind(dbx.Params{"id": r.Id}).Row(&name); err != nil || name != "李四改" {
		t.Fatalf("crm_open: %q %v", name, err)
	}

	// Rotation: B first, A still opens; the start reseals everything with B.
	sealer.Store(testSealer(t, keyB+"\n"+keyA))
	if err := ensureSecretFields(app); err != nil {
		t.Fatal(err)
	}
	b := testSealer(t, keyB)
	for _, v := range rawColumn(t, app, "name")[:3] {
		if !strings.HasPrefix(v, "enc1:"+b.ids[0]+":") {
			t.Fatalf("not resealed with key B: %q", v)
		}
	}
	// A can now be dropped.
	sealer.Store(b)
	if again, err := app.FindRecordById("customers", r.Id); err != nil || again.GetString("name") != "李四改" {
		t.Fatalf("after rotation: %v", err)
	}
	// Started with a key that does not open the data: the start stops and says why.
	sealer.Store(testSealer(t, newBackupKeyText()))
	err = ensureSecretFields(app)
	if err == nil || !strings.Contains(err.Error(), "customers.name") || !strings.Contains(err.Error(), "not among the data keys") {
		t.Fatalf("a wrong key: %v", err)
	}
}

func TestRedactQuery(t *testing.T) {
	for in, want := range map[string]string{
		"/api/collections/customers/records?page=2&filter=name~%22%E5%BC%A0%22&sort=-created": "/api/collections/customers/records?page=2&filter=(removed)&sort=-created",
		"/api/health":          "/api/health",
		"/api/x?q=13800138000": "/api/x?q=(removed)",
	} {
		if got := redactQuery(in); got != want {
			t.Errorf("%s: %s", in, got)
		}
	}
}

func TestScrubContacts(t *testing.T) {
	for in, want := range map[string]string{
		"smtp: 550 5.1.1 <li.lei@example.com>: Recipient address rejected": "smtp: 550 5.1.1 <(e-mail)>: Recipient address rejected",
		"sms gateway refused (400): invalid mobile +8613912345678":         "sms gateway refused (400): invalid mobile (phone)",
		"sms gateway refused (400)":                                        "sms gateway refused (400)",
		"dial tcp 127.0.0.1:2525: connection refused":                      "dial tcp 127.0.0.1:2525: connection refused",
		"no_email": "no_email",
	} {
		if got := scrubContacts(in); got != want {
			t.Errorf("%q: %q", in, got)
		}
	}
}

// The hand-written SQL over sealed columns (birthday campaigns, the SMS opt-out by phone) finds the
// right customers once the fields are sealed.
func TestSQLOverSealedColumns(t *testing.T) {
	sealer.Store(testSealer(t, newBackupKeyText()))
	t.Cleanup(func() { sealer.Store(nil) })
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: t.TempDir(), DBConnect: durableDBConnect})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	c := core.NewBaseCollection("customers")
	c.Fields.Add(&core.TextField{Name: "birthday"}, &core.JSONField{Name: "phones"}, &core.BoolField{Name: "deleted"})
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, p := range []struct {
		key, birthday, phone string
		deleted              bool
	}{{"a", "1990-12-07", "+8613900000001", false}, {"b", "1985-12-08", "+8613900000002", false}, {"gone", "1990-12-07", "+8613900000001", true}} {
		r := core.NewRecord(c)
		r.Set("birthday", p.birthday)
		r.Set("phones", []string{p.phone})
		r.Set("deleted", p.deleted)
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
		ids[p.key] = r.Id
	}
	if err := ensureSecretFields(app); err != nil {
		t.Fatal(err)
	}
	var born, byPhone []string
	if err := app.DB().NewQuery(birthdaySQL).Bind(dbx.Params{"md": "12-07"}).Column(&born); err != nil {
		t.Fatal(err)
	}
	if err := app.DB().NewQuery(customersByPhoneSQL).Bind(dbx.Params{"p": "+8613900000001"}).Column(&byPhone); err != nil {
		t.Fatal(err)
	}
	if len(born) != 1 || born[0] != ids["a"] || len(byPhone) != 1 || byPhone[0] != ids["a"] {
		t.Fatalf("birthday %v, by phone %v; want only %s", born, byPhone, ids["a"])
	}
}
