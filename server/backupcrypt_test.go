package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/benbjohnson/litestream/file"
	"github.com/superfly/ltx"
)

func testKeys(t *testing.T, lines ...string) *backupKeys {
	t.Helper()
	k, err := parseBackupKeys(strings.Join(lines, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// An LTX-like payload: a real LTX header (the storage clients read its timestamp), then `n` bytes.
func ltxPayload(t *testing.T, n int) []byte {
	t.Helper()
	hdr := ltx.Header{Version: ltx.Version, PageSize: 4096, Commit: 1, MinTXID: 1, MaxTXID: 1, Timestamp: 1_700_000_000_000}
	b, err := hdr.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	body := make([]byte, n)
	_, _ = rand.Read(body)
	return append(b, body...)
}

func TestBackupCryptRoundTripsEverySize(t *testing.T) {
	k := testKeys(t, newBackupKeyText())
	for _, n := range []int{0, 1, cryptChunk - ltx.HeaderSize, cryptChunk - ltx.HeaderSize + 1, 3*cryptChunk - ltx.HeaderSize, 3*cryptChunk + 17} {
		plain := ltxPayload(t, n)
		var enc bytes.Buffer
		got, err := k.encryptStream(&enc, bytes.NewReader(plain), ltx.HeaderSize)
		if err != nil || got != int64(len(plain)) {
			t.Fatalf("n=%d: encrypt: %d %v", n, got, err)
		}
		if ps := plainSize(int64(enc.Len()), ltx.HeaderSize); ps != int64(len(plain)) {
			t.Fatalf("n=%d: plainSize %d, want %d", n, ps, len(plain))
		}
		var dec bytes.Buffer
		if _, err := k.decryptStream(&dec, bytes.NewReader(enc.Bytes()), ltx.HeaderSize); err != nil {
			t.Fatalf("n=%d: decrypt: %v", n, err)
		}
		if !bytes.Equal(dec.Bytes(), plain) {
			t.Fatalf("n=%d: round trip differs", n)
		}
	}
}

func TestBackupCryptHidesContentAndDetectsTampering(t *testing.T) {
	k := testKeys(t, newBackupKeyText())
	secret := []byte("13800138000 张三 zhangsan@example.com")
	plain := append(ltxPayload(t, 0), bytes.Repeat(secret, 5000)...)
	var enc bytes.Buffer
	if _, err := k.encryptStream(&enc, bytes.NewReader(plain), ltx.HeaderSize); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(enc.Bytes(), []byte("13800138000")) || bytes.Contains(enc.Bytes(), []byte("张三")) {
		t.Fatal("encrypted file holds the plain text")
	}
	cases := map[string]func([]byte) []byte{
		"flipped body byte":     func(b []byte) []byte { b[len(b)/2] ^= 1; return b },
		"flipped public header": func(b []byte) []byte { b[40] ^= 1; return b },
		"cut at a chunk boundary": func(b []byte) []byte {
			return b[:ltx.HeaderSize+cryptHeaderLen+cryptChunk+cryptTag]
		},
		"cut inside a chunk": func(b []byte) []byte { return b[:len(b)-5] },
	}
	for name, spoil := range cases {
		b := spoil(append([]byte(nil), enc.Bytes()...))
		if _, err := k.decryptStream(io.Discard, bytes.NewReader(b), ltx.HeaderSize); err == nil {
			t.Errorf("%s: decrypted without error", name)
		}
	}
	other := testKeys(t, newBackupKeyText())
	if _, err := other.decryptStream(io.Discard, bytes.NewReader(enc.Bytes()), ltx.HeaderSize); err == nil || !strings.Contains(err.Error(), "another key") {
		t.Errorf("another key: %v", err)
	}
}

// Rotation: files written with the old key stay readable once the new key is first in the list.
func TestBackupKeyRotation(t *testing.T) {
	oldKey, newKey := newBackupKeyText(), newBackupKeyText()
	before := testKeys(t, oldKey)
	plain := ltxPayload(t, 1000)
	var enc bytes.Buffer
	if _, err := before.encryptStream(&enc, bytes.NewReader(plain), ltx.HeaderSize); err != nil {
		t.Fatal(err)
	}
	after := testKeys(t, "# current, the one that encrypts", newKey, "# before 2026-12", oldKey)
	var dec bytes.Buffer
	if _, err := after.decryptStream(&dec, bytes.NewReader(enc.Bytes()), ltx.HeaderSize); err != nil || !bytes.Equal(dec.Bytes(), plain) {
		t.Fatalf("old file with rotated keys: %v", err)
	}
	var enc2 bytes.Buffer
	if _, err := after.encryptStream(&enc2, bytes.NewReader(plain), ltx.HeaderSize); err != nil {
		t.Fatal(err)
	}
	if _, err := before.decryptStream(io.Discard, bytes.NewReader(enc2.Bytes()), ltx.HeaderSize); err == nil {
		t.Fatal("a file written after the rotation opened with the old key alone")
	}
	if _, err := parseBackupKeys("short"); err == nil {
		t.Fatal("a short key was taken")
	}
}

// The replica client over a real directory: written files are encrypted on disk, listed with their
// plain size, and read back in ranges as Litestream reads them (headers, page index at the end).
func TestCryptReplicaClientOverDirectory(t *testing.T) {
	dir := t.TempDir()
	c := &cryptReplicaClient{inner: file.NewReplicaClient(dir), keys: testKeys(t, newBackupKeyText())}
	ctx := context.Background()
	plain := append(ltxPayload(t, 0), bytes.Repeat([]byte("13900139000 李四 "), 30000)...)
	info, err := c.WriteLTXFile(ctx, 0, 1, 1, bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(plain)) {
		t.Fatalf("written size %d, want %d", info.Size, len(plain))
	}
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			b, _ := os.ReadFile(p)
			if bytes.Contains(b, []byte("13900139000")) {
				t.Errorf("%s holds a plain phone number", p)
			}
		}
		return nil
	})
	itr, err := c.LTXFiles(ctx, 0, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for itr.Next() {
		n++
		if itr.Item().Size != int64(len(plain)) {
			t.Fatalf("listed size %d, want %d", itr.Item().Size, len(plain))
		}
	}
	_ = itr.Close()
	if n != 1 {
		t.Fatalf("listed %d files", n)
	}
	for _, r := range [][2]int64{{0, 0}, {0, ltx.HeaderSize}, {5, 10}, {cryptChunk - 3, 7}, {int64(len(plain)) - 40000, 0}, {int64(len(plain)) - 24, 24}, {2*cryptChunk + 11, cryptChunk + 5}} {
		rc, err := c.OpenLTXFile(ctx, 0, 1, 1, r[0], r[1])
		if err != nil {
			t.Fatalf("open %v: %v", r, err)
		}
		got, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatalf("read %v: %v", r, err)
		}
		want := plain[r[0]:]
		if r[1] > 0 {
			want = want[:r[1]]
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("range %v: %d bytes differ from the plain file", r, len(got))
		}
	}
}
