package server

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// What replay found after the last intact record of the log. Only a torn tail, what a crash in
// the middle of an append leaves, may be dropped at start: an incomplete final record, or zeros.
// Anything else (a record that fails its checksum, does not decode, or claims more bytes than the
// file holds while intact records follow it) is damage: dropping it would also drop acknowledged
// writes, so the store refuses to open unless asked to repair.

// minRecordPayload is the smallest payload a record has: zxid, time and a count of effects.
const minRecordPayload = 20

// LogDamageError reports a transaction log damaged before its end. The file is left as it was.
type LogDamageError struct {
	File   string // the log
	Offset int64  // where the first damaged record starts
	Bytes  int64  // from Offset to the end of the file: what a repair drops
	After  int    // intact records found after the damage (dropped too by a repair)
	Reason string // what is wrong with the record at Offset
}

func (e *LogDamageError) Error() string {
	return fmt.Sprintf("%s: damaged record at offset %d (%s); %d bytes follow from there, holding %d intact records: "+
		"not starting with less than was acknowledged", e.File, e.Offset, e.Reason, e.Bytes, e.After)
}

// logTail is what follows the last intact record.
type logTail struct {
	off, size int64
	torn      bool   // an incomplete final record or zeros: safe to drop
	reason    string // why the record at off is not intact
	after     int    // intact records after off (damage only)
}

// tailWindow is the most of the log examineTail holds in memory at once (besides a record whose
// checksum verifies, which is read whole, as replay reads it). A variable for tests.
var tailWindow = 1 << 20

// examineTail classifies the bytes of r from off (the end of the last intact record, whose zxid
// is lastZxid) to size; reason says why replay stopped there. It reads them in windows, never
// all at once.
func examineTail(r io.ReaderAt, off, size, lastZxid int64, reason string) (logTail, error) {
	t := logTail{off: off, size: size, reason: reason}
	zero := true
	if err := scanChunks(r, off, size, func(b []byte) bool { zero = allZero(b); return zero }); err != nil {
		return t, err
	}
	switch {
	case zero:
		t.torn = true // zeros after the last complete record
	case size-off < 8:
		t.torn = true // an incomplete header
	default:
		var hdr [8]byte
		if _, err := r.ReadAt(hdr[:], off); err != nil {
			return t, err
		}
		n := int64(binary.BigEndian.Uint32(hdr[:4]))
		sum := binary.BigEndian.Uint32(hdr[4:8])
		if 8+n <= size-off {
			break // a complete record that is bad: damage, whatever follows it
		}
		// The record claims more bytes than the file holds: a torn append, unless its length
		// field is what was damaged. Then either the bytes present are the whole record (its
		// checksum verifies) or intact records follow it.
		var crc uint32
		if err := scanChunks(r, off+8, size, func(b []byte) bool {
			crc = crc32.Update(crc, crcTable(), b)
			return true
		}); err != nil {
			return t, err
		}
		if crc == sum {
			t.reason = "length field does not match the record"
			break
		}
		after, err := countRecords(r, off+1, size, lastZxid)
		if err != nil {
			return t, err
		}
		if after == 0 {
			t.torn = true
		} else {
			t.reason = "length field runs past the end of the file"
		}
	}
	if !t.torn {
		after, err := countRecords(r, off+1, size, lastZxid)
		if err != nil {
			return t, err
		}
		t.after = after
	}
	return t, nil
}

// scanChunks passes the bytes of r from off to end to f, a window at a time, while f returns true.
func scanChunks(r io.ReaderAt, off, end int64, f func([]byte) bool) error {
	buf := make([]byte, min(int64(tailWindow), max(end-off, 0)))
	for off < end {
		b := buf[:min(int64(len(buf)), end-off)]
		if _, err := r.ReadAt(b, off); err != nil {
			return err
		}
		if !f(b) {
			return nil
		}
		off += int64(len(b))
	}
	return nil
}

// logWindow holds one window of a log, for scanning it without reading it whole.
type logWindow struct {
	r   io.ReaderAt
	end int64
	off int64 // where buf starts in the file
	buf []byte
}

// at returns the n bytes at p (n at most tailWindow, p+n at most end), reading a new window
// from p if they are not in the one held.
func (w *logWindow) at(p, n int64) ([]byte, error) {
	if p < w.off || p+n > w.off+int64(len(w.buf)) {
		if w.buf == nil { // p only grows: the first window is the largest needed
			w.buf = make([]byte, min(int64(tailWindow), w.end-p))
		}
		w.off = p
		w.buf = w.buf[:min(int64(cap(w.buf)), w.end-p)]
		if _, err := w.r.ReadAt(w.buf, p); err != nil {
			return nil, err
		}
	}
	return w.buf[p-w.off : p-w.off+n], nil
}

// countRecords counts the intact records in r between from and end, resynchronising past damage:
// at each offset it looks for a header whose payload verifies, decodes and carries a zxid above
// lastZxid, then skips to the end of that record. It holds a window of the log at a time.
func countRecords(r io.ReaderAt, from, end, lastZxid int64) (int, error) {
	w := &logWindow{r: r, end: end}
	count := 0
	for p := from; p+8+minRecordPayload <= end; {
		h, err := w.at(p, 8+minRecordPayload)
		if err != nil {
			return count, err
		}
		n := int64(binary.BigEndian.Uint32(h[:4]))
		sum := binary.BigEndian.Uint32(h[4:8])
		zxid := int64(binary.BigEndian.Uint64(h[8:16]))
		effects := int32(binary.BigEndian.Uint32(h[24:28]))
		// What decodeRecord would refuse anyway, checked before reading the payload.
		if n < minRecordPayload || n > end-p-8 || zxid <= lastZxid || effects < 0 || int64(effects) > n {
			p++
			continue
		}
		payload, err := verifiedPayload(w, p, n, sum)
		if err != nil {
			return count, err
		}
		if payload == nil {
			p++
			continue
		}
		if _, _, _, err := decodeRecord(payload); err != nil {
			p++
			continue
		}
		count++
		lastZxid = zxid
		p += 8 + n
	}
	return count, nil
}

// verifiedPayload returns the payload of the record at p (n bytes after its header) if its
// checksum is sum, else nil. A payload larger than a window is checksummed as it streams by,
// and read whole only once it verifies.
func verifiedPayload(w *logWindow, p, n int64, sum uint32) ([]byte, error) {
	if 8+n <= int64(tailWindow) {
		b, err := w.at(p, 8+n)
		if err != nil || crc32.Checksum(b[8:], crcTable()) != sum {
			return nil, err
		}
		return b[8:], nil
	}
	var crc uint32
	if err := scanChunks(w.r, p+8, p+8+n, func(b []byte) bool {
		crc = crc32.Update(crc, crcTable(), b)
		return true
	}); err != nil || crc != sum {
		return nil, err
	}
	payload := make([]byte, n)
	if _, err := w.r.ReadAt(payload, p+8); err != nil {
		return nil, err
	}
	return payload, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// ApacheDataError reports a data directory that holds Apache ZooKeeper's own files (version-2/
// with snapshot.* or log.*), which the bundled server cannot read: serving an empty tree beside
// them, and writing a log of its own there, would look like the data were lost.
type ApacheDataError struct {
	Dir   string
	Files []string // relative to Dir
}

func (e *ApacheDataError) Error() string {
	return fmt.Sprintf("%s holds Apache ZooKeeper data (%s): the bundled server does not read Apache ZooKeeper's "+
		"snapshots and logs yet; give it a directory of its own", e.Dir, strings.Join(e.Files, ", "))
}

// checkNotApacheData fails if dir, or its version-2 subdirectory, holds Apache ZooKeeper's
// snapshot.* or log.* files. A missing directory is fine.
func checkNotApacheData(dir string) error {
	var found []string
	for _, sub := range []string{"version-2", ""} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if !e.IsDir() && (strings.HasPrefix(name, "snapshot.") || strings.HasPrefix(name, "log.")) {
				found = append(found, filepath.Join(sub, name))
			}
		}
	}
	if len(found) == 0 {
		return nil
	}
	if len(found) > 3 {
		found = append(found[:3], "...")
	}
	return &ApacheDataError{Dir: dir, Files: found}
}
