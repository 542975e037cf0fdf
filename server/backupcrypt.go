// Encryption of backups. Litestream 0.5 writes its replica in plain LTX files (its age encryption was
// removed in the LTX rewrite and is refused in its configuration), so the backup agent hands Litestream
// a replica client that encrypts every file before the real client (a directory, S3) stores it, and
// decrypts on the way back. The daily snapshots use the same format.
//
// Format of an encrypted file:
//
//	[public prefix]   LTX files only: a copy of the file's 100-byte LTX header, which the storage
//	                  clients read for the file's timestamp (page size, transaction ids, checksums and
//	                  the time; no row data). It is authenticated: it must equal the decrypted header.
//	"CRMBK1\x00\x00"  magic (8 bytes)
//	key id            4 bytes: which key wrote the file (the first bytes of a hash of the key)
//	salt              16 random bytes: the file's own AES-256 key is HKDF-SHA256(master key, salt)
//	nonce prefix      7 random bytes, then 1 reserved byte
//	chunks            the whole plain file in 64 KiB pieces, each sealed with AES-256-GCM under the
//	                  nonce prefix || chunk number (4 bytes) || last-chunk flag (1 byte), so that chunks
//	                  cannot be reordered, dropped or cut off at the end unnoticed (the STREAM
//	                  construction of Hoang, Reyhanitabar, Rogaway and Vizár).
//
// The master key is kept outside the data directory (CRM_BACKUP_KEY, or the file CRM_BACKUP_KEY_FILE).
// A key file may hold several keys, one per line: the first encrypts, all of them decrypt, which is how
// a key is rotated (docs/backup.md).
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/benbjohnson/litestream"
	"github.com/superfly/ltx"
	"golang.org/x/crypto/hkdf"
)

const (
	cryptMagic     = "CRMBK1\x00\x00"
	cryptHeaderLen = 8 + 4 + 16 + 8
	cryptChunk     = 64 << 10
	cryptTag       = 16
)

// backupKeys holds the master keys: keys[0] encrypts, every one decrypts.
type backupKeys struct {
	keys [][]byte
}

func backupKeyID(key []byte) [4]byte {
	h := sha256.Sum256(append([]byte("crm-backup-key-id:"), key...))
	var id [4]byte
	copy(id[:], h[:4])
	return id
}

// parseBackupKeys reads keys written as base64 or hex (32 bytes each), one per line or comma-separated;
// blank lines and lines starting with # are ignored.
func parseBackupKeys(text string) (*backupKeys, error) {
	var out backupKeys
	n := 0
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, field := range strings.Split(line, ",") {
			if field = strings.TrimSpace(field); field == "" {
				continue
			}
			n++
			key, err := decodeBackupKey(field)
			if err != nil {
				return nil, fmt.Errorf("backup key %d: %w", n, err)
			}
			out.keys = append(out.keys, key)
		}
	}
	if len(out.keys) == 0 {
		return nil, errors.New("no backup key given")
	}
	return &out, nil
}

func decodeBackupKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, errors.New("a key is 32 random bytes written in base64 or hex (e.g. `openssl rand -base64 32`)")
}

// newBackupKeyText makes a fresh key in the form parseBackupKeys reads.
func newBackupKeyText() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// loadBackupKeys takes CRM_BACKUP_KEY, or else the file CRM_BACKUP_KEY_FILE (or `fallbackFile`).
func loadBackupKeys(fallbackFile string) (*backupKeys, string, error) {
	path := os.Getenv("CRM_BACKUP_KEY_FILE")
	if path == "" {
		path = fallbackFile
	}
	return loadKeys("CRM_BACKUP_KEY", path)
}

// loadKeys reads keys from the environment variable `env` when set, else from the file at path; it
// says which it read.
func loadKeys(env, path string) (*backupKeys, string, error) {
	if v := os.Getenv(env); v != "" {
		k, err := parseBackupKeys(v)
		return k, env, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, path, err
	}
	k, err := parseBackupKeys(string(b))
	return k, path, err
}

func (k *backupKeys) find(id [4]byte) []byte {
	for _, key := range k.keys {
		if backupKeyID(key) == id {
			return key
		}
	}
	return nil
}

func fileAEAD(master, salt []byte) (cipher.AEAD, error) {
	return derivedAEAD(master, salt, "crm-backup-file")
}

// derivedAEAD is AES-256-GCM under a key derived from a master key (HKDF-SHA256 with salt and info):
// a backup file's key (here) and the personal fields' key (fieldcrypt.go).
func derivedAEAD(master, salt []byte, info string) (cipher.AEAD, error) {
	k := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, master, salt, []byte(info)), k); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func chunkNonce(prefix []byte, n uint32, last bool) []byte {
	nonce := make([]byte, 12)
	copy(nonce, prefix[:7])
	binary.BigEndian.PutUint32(nonce[7:11], n)
	if last {
		nonce[11] = 1
	}
	return nonce
}

// encryptStream writes src to dst encrypted; the first `public` bytes of src are also written in
// front in plain (see the format above). It returns the number of plain bytes read.
func (k *backupKeys) encryptStream(dst io.Writer, src io.Reader, public int) (int64, error) {
	br := bufio.NewReaderSize(src, cryptChunk+1)
	if public > 0 {
		head, err := br.Peek(public)
		if err != nil {
			return 0, fmt.Errorf("read header: %w", err)
		}
		if _, err := dst.Write(head); err != nil {
			return 0, err
		}
	}
	master := k.keys[0]
	hdr := make([]byte, cryptHeaderLen)
	copy(hdr, cryptMagic)
	id := backupKeyID(master)
	copy(hdr[8:12], id[:])
	if _, err := rand.Read(hdr[12:35]); err != nil {
		return 0, err
	}
	salt, prefix := hdr[12:28], hdr[28:35]
	aead, err := fileAEAD(master, salt)
	if err != nil {
		return 0, err
	}
	if _, err := dst.Write(hdr); err != nil {
		return 0, err
	}
	buf := make([]byte, cryptChunk)
	out := make([]byte, 0, cryptChunk+cryptTag)
	var total int64
	for n := uint32(0); ; n++ {
		got, err := io.ReadFull(br, buf)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return total, err
		}
		total += int64(got)
		_, peekErr := br.Peek(1)
		last := got < cryptChunk || peekErr == io.EOF
		if peekErr != nil && peekErr != io.EOF {
			return total, peekErr
		}
		out = aead.Seal(out[:0], chunkNonce(prefix, n, last), buf[:got], nil)
		if _, err := dst.Write(out); err != nil {
			return total, err
		}
		if last {
			return total, nil
		}
	}
}

// plainSize is the size of the plain file held in an encrypted file of `size` bytes.
func plainSize(size int64, public int) int64 {
	c := size - int64(public) - cryptHeaderLen
	if c <= 0 {
		return 0
	}
	full := c / (cryptChunk + cryptTag)
	rem := c % (cryptChunk + cryptTag)
	p := full * cryptChunk
	if rem > cryptTag {
		p += rem - cryptTag
	}
	return p
}

// decryptReader reads the plain bytes of an encrypted file from chunk `first` on, given a reader
// placed at that chunk; `toEnd` says the reader runs to the file's end (so the last chunk must carry
// the last-chunk flag: a file cut short at a chunk boundary is an error, not a shorter file).
type decryptReader struct {
	src     io.Reader
	closer  io.Closer
	aead    cipher.AEAD
	prefix  []byte
	n       uint32
	toEnd   bool
	buf     []byte
	plain   []byte
	done    bool
	sawLast bool
}

func (r *decryptReader) Read(p []byte) (int, error) {
	for len(r.plain) == 0 {
		if r.done {
			return 0, io.EOF
		}
		if err := r.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

func (r *decryptReader) next() error {
	got, err := io.ReadFull(r.src, r.buf)
	if err == io.EOF || (got == 0 && err == io.ErrUnexpectedEOF) {
		r.done = true
		if r.toEnd && !r.sawLast {
			return errors.New("backup file is cut short (its last piece is missing)")
		}
		return nil
	}
	if err != nil && err != io.ErrUnexpectedEOF {
		return err
	}
	if r.sawLast {
		return errors.New("backup file has data after its last piece")
	}
	chunk := r.buf[:got]
	plain, err := r.aead.Open(chunk[:0:0], chunkNonce(r.prefix, r.n, false), chunk, nil)
	if err != nil {
		plain, err = r.aead.Open(chunk[:0:0], chunkNonce(r.prefix, r.n, true), chunk, nil)
		if err != nil {
			return fmt.Errorf("backup file piece %d does not decrypt: wrong key, or the file was altered", r.n)
		}
		r.sawLast = true
	}
	r.n++
	r.plain = plain
	return nil
}

func (r *decryptReader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// openCryptHeader parses the crypto header and returns the file's cipher and nonce prefix.
func (k *backupKeys) openCryptHeader(hdr []byte) (cipher.AEAD, []byte, error) {
	if len(hdr) < cryptHeaderLen || string(hdr[:8]) != cryptMagic {
		return nil, nil, errors.New("not an encrypted CRM backup file")
	}
	var id [4]byte
	copy(id[:], hdr[8:12])
	master := k.find(id)
	if master == nil {
		return nil, nil, fmt.Errorf("backup file was written with another key (id %x): give that key (CRM_BACKUP_KEY_FILE may list old keys below the current one)", id)
	}
	aead, err := fileAEAD(master, hdr[12:28])
	if err != nil {
		return nil, nil, err
	}
	return aead, append([]byte(nil), hdr[28:35]...), nil
}

// decryptStream reads a whole encrypted file (with `public` plain bytes in front) into dst.
func (k *backupKeys) decryptStream(dst io.Writer, src io.Reader, public int) (int64, error) {
	head := make([]byte, public+cryptHeaderLen)
	if _, err := io.ReadFull(src, head); err != nil {
		return 0, fmt.Errorf("read backup header: %w", err)
	}
	aead, prefix, err := k.openCryptHeader(head[public:])
	if err != nil {
		return 0, err
	}
	r := &decryptReader{src: src, aead: aead, prefix: prefix, toEnd: true, buf: make([]byte, cryptChunk+cryptTag)}
	var w io.Writer = dst
	var check *headCheck
	if public > 0 {
		check = &headCheck{want: head[:public]}
		w = io.MultiWriter(check, dst)
	}
	n, err := io.Copy(w, r)
	if err == nil && check != nil && !check.ok() {
		err = errors.New("backup file's plain header does not match its encrypted content")
	}
	return n, err
}

// headCheck compares the first bytes written to it with `want`.
type headCheck struct {
	want []byte
	got  []byte
}

func (h *headCheck) Write(p []byte) (int, error) {
	if need := len(h.want) - len(h.got); need > 0 {
		if need > len(p) {
			need = len(p)
		}
		h.got = append(h.got, p[:need]...)
	}
	return len(p), nil
}

func (h *headCheck) ok() bool { return bytes.Equal(h.want, h.got) }

// cryptReplicaClient is a Litestream replica client that encrypts what it stores in `inner`.
type cryptReplicaClient struct {
	inner litestream.ReplicaClient
	keys  *backupKeys
}

var _ litestream.ReplicaClient = (*cryptReplicaClient)(nil)

func (c *cryptReplicaClient) Type() string                        { return c.inner.Type() }
func (c *cryptReplicaClient) Init(ctx context.Context) error      { return c.inner.Init(ctx) }
func (c *cryptReplicaClient) SetLogger(l *slog.Logger)            { c.inner.SetLogger(l) }
func (c *cryptReplicaClient) DeleteAll(ctx context.Context) error { return c.inner.DeleteAll(ctx) }
func (c *cryptReplicaClient) DeleteLTXFiles(ctx context.Context, a []*ltx.FileInfo) error {
	return c.inner.DeleteLTXFiles(ctx, a)
}

func (c *cryptReplicaClient) LTXFiles(ctx context.Context, level int, seek ltx.TXID, useMetadata bool) (ltx.FileIterator, error) {
	itr, err := c.inner.LTXFiles(ctx, level, seek, useMetadata)
	if err != nil {
		return nil, err
	}
	return &plainSizeIterator{FileIterator: itr}, nil
}

// plainSizeIterator reports files with their plain size, which Litestream uses to seek in them.
type plainSizeIterator struct {
	ltx.FileIterator
}

func (it *plainSizeIterator) Item() *ltx.FileInfo {
	in := it.FileIterator.Item()
	if in == nil {
		return nil
	}
	item := *in // a new one each time: callers keep the pointers
	item.Size = plainSize(in.Size, ltx.HeaderSize)
	return &item
}

func (c *cryptReplicaClient) WriteLTXFile(ctx context.Context, level int, minTXID, maxTXID ltx.TXID, r io.Reader) (*ltx.FileInfo, error) {
	pr, pw := io.Pipe()
	var plain int64
	go func() {
		n, err := c.keys.encryptStream(pw, r, ltx.HeaderSize)
		plain = n
		pw.CloseWithError(err)
	}()
	info, err := c.inner.WriteLTXFile(ctx, level, minTXID, maxTXID, pr)
	_ = pr.CloseWithError(io.ErrClosedPipe) // unblocks the writer when the inner client stopped early
	if err != nil {
		return nil, err
	}
	out := *info
	out.Size = plain
	return &out, nil
}

// OpenLTXFile returns the plain bytes [offset, offset+size) of a file (size 0: to its end), reading
// only the chunks that hold them.
func (c *cryptReplicaClient) OpenLTXFile(ctx context.Context, level int, minTXID, maxTXID ltx.TXID, offset, size int64) (io.ReadCloser, error) {
	hdr, err := c.inner.OpenLTXFile(ctx, level, minTXID, maxTXID, ltx.HeaderSize, cryptHeaderLen)
	if err != nil {
		return nil, err
	}
	head, err := io.ReadAll(hdr)
	_ = hdr.Close()
	if err != nil {
		return nil, err
	}
	aead, prefix, err := c.keys.openCryptHeader(head)
	if err != nil {
		return nil, fmt.Errorf("ltx file L%d %s-%s: %w", level, minTXID, maxTXID, err)
	}
	first := offset / cryptChunk
	start := int64(ltx.HeaderSize+cryptHeaderLen) + first*(cryptChunk+cryptTag)
	var length int64
	if size > 0 {
		lastChunk := (offset + size - 1) / cryptChunk
		length = (lastChunk - first + 1) * (cryptChunk + cryptTag)
	}
	src, err := c.inner.OpenLTXFile(ctx, level, minTXID, maxTXID, start, length)
	if err != nil {
		return nil, err
	}
	r := &decryptReader{src: src, closer: src, aead: aead, prefix: prefix, n: uint32(first), toEnd: size == 0, buf: make([]byte, cryptChunk+cryptTag)}
	if skip := offset - first*cryptChunk; skip > 0 {
		if _, err := io.CopyN(io.Discard, r, skip); err != nil {
			_ = r.Close()
			return nil, err
		}
	}
	if size > 0 {
		return struct {
			io.Reader
			io.Closer
		}{io.LimitReader(r, size), r}, nil
	}
	return r, nil
}
