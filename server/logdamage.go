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

// examineTail classifies the bytes of f from off (the end of the last intact record, whose zxid is
// lastZxid) to size; reason says why replay stopped there.
func examineTail(f *os.File, off, size, lastZxid int64, reason string) (logTail, error) {
	t := logTail{off: off, size: size, reason: reason}
	rest := make([]byte, size-off)
	if _, err := f.ReadAt(rest, off); err != nil && err != io.EOF {
		return t, err
	}
	switch {
	case allZero(rest):
		t.torn = true // zeros after the last complete record
	case len(rest) < 8:
		t.torn = true // an incomplete header
	default:
		n := int64(binary.BigEndian.Uint32(rest[:4]))
		sum := binary.BigEndian.Uint32(rest[4:8])
		if 8+n <= int64(len(rest)) {
			break // a complete record that is bad: damage, whatever follows it
		}
		// The record claims more bytes than the file holds: a torn append, unless its length
		// field is what was damaged. Then either the bytes present are the whole record (its
		// checksum verifies) or intact records follow it.
		if crc32.Checksum(rest[8:], crcTable()) == sum {
			t.reason = "length field does not match the record"
			break
		}
		if countRecords(rest, 1, lastZxid) == 0 {
			t.torn = true
		} else {
			t.reason = "length field runs past the end of the file"
		}
	}
	if !t.torn {
		t.after = countRecords(rest, 1, lastZxid)
	}
	return t, nil
}

// countRecords counts the intact records in b from offset from on, resynchronising past damage:
// at each offset it looks for a header whose payload verifies, decodes and carries a zxid above
// lastZxid, then skips to the end of that record.
func countRecords(b []byte, from int, lastZxid int64) int {
	count := 0
	for p := from; p+8+minRecordPayload <= len(b); {
		n := int(binary.BigEndian.Uint32(b[p : p+4]))
		if n < minRecordPayload || n > len(b)-p-8 {
			p++
			continue
		}
		payload := b[p+8 : p+8+n]
		zxid := int64(binary.BigEndian.Uint64(payload))
		if zxid <= lastZxid || crc32.Checksum(payload, crcTable()) != binary.BigEndian.Uint32(b[p+4:p+8]) {
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
	return count
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
