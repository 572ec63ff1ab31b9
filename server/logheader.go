package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"

	"github.com/zksh/zksh/jute"
)

// A log opens with a header naming the store it belongs to and the zxid it continues from, so that
// an empty log still says what must come before it. Layout: logMagic, then [length uint32][crc32c
// uint32][payload], the payload a jute logHeader. A log of an earlier format has no header: it
// starts with a record, whose length field's first byte is below 0x40 (a record holds at most
// 1 GB), never logMagic's first byte.
const (
	logMagic   = "zksh-txn-log"
	logVersion = 1
	storeIDLen = 16
	// maxLogHeader bounds the header's payload: a damaged length must not be an allocation.
	maxLogHeader = 4096
)

// logHeader opens a log in the current format.
type logHeader struct {
	Version  int32
	StoreID  []byte // random, chosen when the store is created; the snapshot carries it too
	BaseZxid int64  // the zxid of the snapshot the log continues (0: no snapshot); records follow it
}

func (h *logHeader) Encode(e *jute.Encoder) {
	e.Int(h.Version)
	e.Buffer(h.StoreID)
	e.Long(h.BaseZxid)
}
func (h *logHeader) Decode(d *jute.Decoder) {
	h.Version = d.Int()
	h.StoreID = d.Buffer()
	h.BaseZxid = d.Long()
}

func encodeLogHeader(h *logHeader) []byte {
	e := &jute.Encoder{Buf: append([]byte(logMagic), make([]byte, 8)...)}
	h.Encode(e)
	payload := e.Buf[len(logMagic)+8:]
	binary.BigEndian.PutUint32(e.Buf[len(logMagic):], uint32(len(payload)))
	binary.BigEndian.PutUint32(e.Buf[len(logMagic)+4:], crc32.Checksum(payload, crcTable()))
	return e.Buf
}

// readLogHeader reads the header of the log f (size bytes long) and returns it with the offset of
// the first record; a log of the earlier format (or an empty one) has none: nil, 0.
func readLogHeader(f *os.File, size int64) (*logHeader, int64, error) {
	first := make([]byte, min(size, int64(len(logMagic)+8)))
	if _, err := f.ReadAt(first, 0); err != nil {
		return nil, 0, err
	}
	if len(first) == 0 || first[0] != logMagic[0] {
		return nil, 0, nil
	}
	if len(first) < len(logMagic)+8 || string(first[:len(logMagic)]) != logMagic {
		return nil, 0, errors.New("log header damaged (not a zksh log header)")
	}
	n := int64(binary.BigEndian.Uint32(first[len(logMagic):]))
	start := int64(len(first)) + n
	if n > maxLogHeader || start > size {
		return nil, 0, fmt.Errorf("log header damaged (length %d)", n)
	}
	payload := make([]byte, n)
	if _, err := f.ReadAt(payload, int64(len(first))); err != nil {
		return nil, 0, err
	}
	if crc32.Checksum(payload, crcTable()) != binary.BigEndian.Uint32(first[len(logMagic)+4:]) {
		return nil, 0, errors.New("log header damaged (checksum mismatch)")
	}
	var h logHeader
	d := jute.NewDecoder(payload)
	h.Decode(d)
	if d.Err == nil && h.Version != logVersion {
		return nil, 0, fmt.Errorf("log format version %d is not one this zksh reads (%d): written by a newer zksh?",
			h.Version, logVersion)
	}
	if d.Err != nil || d.Remaining() != 0 || len(h.StoreID) != storeIDLen || h.BaseZxid < 0 {
		return nil, 0, errors.New("log header damaged (does not decode)")
	}
	return &h, start, nil
}

// newLog makes the log at path one holding only the header h, atomically: it writes a temporary
// file, fsyncs it, renames it over path and fsyncs the directory. The new log is returned open,
// locked (before the rename, so the path is never unlocked) and positioned at its end.
func newLog(path string, h *logHeader) (*os.File, error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*os.File, error) {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	if err := lockFile(f); err != nil {
		return fail(fmt.Errorf("%s is in use by another server: %w", tmp, err))
	}
	if _, err := f.Write(encodeLogHeader(h)); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// StoreMismatchError reports a snapshot and a log that are not one store's history: a snapshot
// missing, older than the one the log continues from, newer than where the log ends, or of another
// store. Combining them would lose acknowledged writes, so the server does not start; the files
// are left as they are.
type StoreMismatchError struct {
	Log, Snapshot string
	Reason        string
}

func (e *StoreMismatchError) Error() string {
	return fmt.Sprintf("log %s and snapshot %s do not go together: %s; not starting with less than was acknowledged",
		e.Log, e.Snapshot, e.Reason)
}

// checkStorePair refuses a snapshot and a log header that cannot be one store's. A log without a
// header (an earlier format) says nothing: only replay's check (the log must not skip past the
// snapshot) applies.
func checkStorePair(logPath, snapPath string, snap snapInfo, hdr *logHeader) error {
	if hdr == nil {
		return nil
	}
	mismatch := func(format string, args ...any) error {
		return &StoreMismatchError{Log: logPath, Snapshot: snapPath, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case !snap.found && hdr.BaseZxid > 0:
		return mismatch("the log continues from the snapshot as of zxid 0x%x, which is missing "+
			"(moved or deleted, or dataDir not the one it was?)", hdr.BaseZxid)
	case snap.found && snap.id != nil && !bytes.Equal(snap.id, hdr.StoreID):
		return mismatch("they belong to different stores (store id %x in the log, %x in the snapshot)",
			hdr.StoreID, snap.id)
	case snap.found && hdr.BaseZxid > snap.zxid:
		return mismatch("the log continues from zxid 0x%x but the snapshot is as of 0x%x, older: "+
			"the writes between are missing (an older snapshot put back?)", hdr.BaseZxid, snap.zxid)
	}
	return nil
}
