package server

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/zksh/zksh/jute"
)

// logFileName is the append-only transaction log inside DataLogDir.
const logFileName = "zksh-txn.log"

// crcTable is built on first use: every zksh command links this package, and building the table at
// init would cost each one-shot command a quarter of a millisecond.
var crcTable = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// store is the append-only, checksummed log of committed writes. It opens with a header naming
// the store and the zxid it continues from (logheader.go), then each record is
// [length uint32][crc32c uint32][payload]; the payload holds the zxid, the time and the effects.
// At start the log is replayed; a torn tail (a crash mid-append) is cut off.
//
// Durability is a group commit. append (under the server mutex) only encodes the record into a
// pending buffer, so the mutex is never held across a system call; a connection's writer calls
// waitSync with the highest record its queued bytes depend on before sending them, and one
// syncer writes every pending record and fsyncs. So no client sees a reply or event (or data
// read) before the writes it reflects are on disk, and many writes share one write and fsync.
type store struct {
	path    string        // the log
	id      []byte        // the store's id, in the log's header and the snapshot's
	buf     []byte        // encoding scratch, under Server.mu
	written atomic.Uint64 // records appended (pending or in the file)

	mu       sync.Mutex
	cond     *sync.Cond
	f        *os.File // written and synced by the one syncer, or under mu when none is; replaced under mu
	pending  []byte   // records appended but not yet written to f
	spare    []byte   // the syncer's buffer, swapped with pending
	synced   uint64   // records known durable
	syncing  bool
	flushing bool // a background sync started by append is under way
	closed   bool
	err      error // sticky: the first write or fsync error
}

// pendingFlushSize is how much the pending buffer may hold before append starts a background sync
// (writes nobody waits for, such as session expiries, would otherwise only grow it).
const pendingFlushSize = 1 << 20

func errReplay(e effect) error {
	return fmt.Errorf("store: cannot replay effect %d on %q", e.kind, e.path)
}

// openStore replays the snapshot and the log into s and opens the log for appending. A torn tail
// is dropped with a warning; other damage is a *LogDamageError and leaves the file untouched,
// unless repair. A snapshot and a log that are not one store's (see StoreMismatchError) are
// refused. A store written before logs had a header is read, then rewritten in the current format.
func openStore(dataDir, logDir string, repair bool, s *Server) (*store, error) {
	for _, d := range []string{dataDir, logDir} {
		if err := checkNotApacheData(d); err != nil {
			return nil, err
		}
	}
	for _, d := range []string{dataDir, logDir} {
		_, statErr := os.Stat(d)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		if errors.Is(statErr, os.ErrNotExist) {
			// A new directory's own entry must be durable too.
			if err := syncDir(filepath.Dir(d)); err != nil {
				return nil, err
			}
		}
	}
	path := filepath.Join(logDir, logFileName)
	snapPath := filepath.Join(dataDir, snapFileName)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		// Checked before the log is created: an empty log beside the snapshot would look like
		// a store with no writes after it.
		if _, err := os.Stat(snapPath); err == nil {
			return nil, &StoreMismatchError{Log: path, Snapshot: snapPath,
				Reason: "there is a snapshot but no log, and the log holds the writes made after the snapshot " +
					"(dataLogDir not the one it was, or the log moved or deleted?)"}
		}
	}
	f, err := openLockedLog(path)
	if err != nil {
		return nil, err
	}
	st, err := s.openLockedStore(f, path, snapPath, repair)
	if err != nil {
		f.Close()
		return nil, err
	}
	return st, nil
}

// openLockedLog opens the log at path, creating it if need be, and locks it. A compaction replaces
// the log by a rename, so the file opened may no longer be the log by the time its lock is taken
// (the server that held it having just compacted and stopped): then the new log is opened.
func openLockedLog(path string) (*os.File, error) {
	for attempt := 0; ; attempt++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, err
		}
		if err := lockFile(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("%s is in use by another server: %w", path, err)
		}
		opened, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		if now, err := os.Stat(path); err == nil && os.SameFile(opened, now) {
			return f, nil
		}
		f.Close()
		if attempt == 2 {
			return nil, fmt.Errorf("%s keeps being replaced: is another server using it?", path)
		}
	}
}

// openLockedStore does openStore's work once the log f is open and locked. On success the store
// owns f, or the log that replaced it (f then closed); on error the caller closes f.
func (s *Server) openLockedStore(f *os.File, path, snapPath string, repair bool) (*store, error) {
	snap, err := s.loadSnapshot(filepath.Dir(snapPath))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", snapPath, err)
	}
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	hdr, start, err := readLogHeader(f, info.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w (not starting with less than was acknowledged)", path, err)
	}
	if err := checkStorePair(path, snapPath, snap, hdr); err != nil {
		return nil, err
	}
	good, last, err := s.replayLog(f, path, start, hdr, repair)
	if err != nil {
		return nil, err
	}
	if hdr != nil && snap.found && last < snap.zxid {
		return nil, &StoreMismatchError{Log: path, Snapshot: snapPath, Reason: fmt.Sprintf(
			"the snapshot is as of zxid 0x%x but the log ends at 0x%x, before it (an older log put back?)", snap.zxid, last)}
	}
	id := snap.id
	if hdr != nil {
		id = hdr.StoreID
	}
	if hdr == nil || snap.legacy || good-start > snapshotThreshold {
		// Compact, or rewrite a store of an earlier format: everything replayed goes into a
		// snapshot and the log starts again from its zxid.
		if id == nil {
			id = make([]byte, storeIDLen)
			if _, err := rand.Read(id); err != nil {
				return nil, err
			}
		}
		nf, err := s.compact(f, filepath.Dir(snapPath), path, id, snap.found)
		if err != nil {
			return nil, err
		}
		f.Close()
		f = nf
		if snap.legacy {
			s.log.Info("snapshot rewritten in the current format", "file", snapPath,
				"from_version", snap.version, "to_version", snapVersion)
		}
	} else {
		if info, err := f.Stat(); err != nil || info.Size() != good {
			if err := f.Truncate(good); err != nil {
				return nil, err
			}
			if err := f.Sync(); err != nil { // what was dropped stays dropped before anything is appended
				return nil, err
			}
		}
		if _, err := f.Seek(good, io.SeekStart); err != nil {
			return nil, err
		}
	}
	os.Remove(path + ".tmp") // a new log a crash left unfinished; the log in place is whole
	for _, sess := range s.sessions {
		s.touch(sess)
	}
	st := &store{f: f, path: path, id: id}
	st.cond = sync.NewCond(&st.mu)
	return st, nil
}

// compact makes the state replayed from the log f a snapshot (unless the store is empty and has
// none) and returns a new log continuing from it. The order keeps every crash point startable with
// exactly the acknowledged state: the log is fsynced first, so that the snapshot never claims a
// zxid the log beside it may not reach; the snapshot is durable before the log is replaced; the
// new log replaces the old one by a rename. Until then the old log is kept as it is.
func (s *Server) compact(f *os.File, dataDir, path string, id []byte, hadSnapshot bool) (*os.File, error) {
	if err := f.Sync(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	zxid := s.zxid
	var snap []byte
	if hadSnapshot || zxid != 0 {
		snap = s.encodeSnapshot(id)
	}
	s.mu.Unlock()
	if snap != nil {
		if err := writeSnapshot(dataDir, snap); err != nil {
			return nil, fmt.Errorf("%s: %w (the log is kept as it is)", filepath.Join(dataDir, snapFileName), err)
		}
	}
	nf, err := newLog(path, &logHeader{Version: logVersion, StoreID: id, BaseZxid: zxid})
	if err != nil {
		return nil, fmt.Errorf("%s: starting the log again after the snapshot: %w", path, err)
	}
	return nf, nil
}

// replayLog replays the log at path from start (after its header hdr, nil for a log written
// before logs had one) and returns the offset where appending resumes and the zxid of the last
// record (the header's base zxid if none). Bytes after the last intact record are dropped only if
// they are a torn tail, or on repair; either way with a warning that says what goes.
func (s *Server) replayLog(f *os.File, path string, start int64, hdr *logHeader, repair bool) (good, last int64, err error) {
	info, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	good, last, stop, err := s.replay(f, start, info.Size(), hdr)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	if good >= info.Size() {
		return good, last, nil
	}
	tail, err := examineTail(f, good, info.Size(), last, stop)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	dropped := info.Size() - good
	if tail.torn {
		s.log.Warn("transaction log ends in a torn record (an append cut short by a crash); dropping it",
			"file", path, "offset", good, "bytes", dropped)
		return good, last, nil
	}
	damage := &LogDamageError{File: path, Offset: good, Bytes: dropped, After: tail.after, Reason: tail.reason}
	if !repair {
		return 0, 0, damage
	}
	s.log.Warn("repair: cutting the damaged transaction log at its first damaged record",
		"file", path, "offset", good, "bytes", dropped, "records_after", tail.after, "damage", tail.reason)
	return good, last, nil
}

// replay applies every intact record of f from start to size. It returns the offset after the
// last one, that record's zxid (the header's base zxid if none), and why the bytes after it (if
// any) are not a record. No record is read into memory before the file is known to hold it.
func (s *Server) replay(f *os.File, start, size int64, hdr *logHeader) (off, lastZxid int64, stop string, err error) {
	off = start
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return 0, 0, "", err
	}
	// With a header the first record must be the base zxid's successor; without one (a log of
	// an earlier format) where the log starts is unknown, so only the snapshot bounds it.
	follows := hdr != nil
	if hdr != nil {
		lastZxid = hdr.BaseZxid
	}
	br := bufio.NewReaderSize(f, 1<<20)
	var hdrBuf [8]byte
	for {
		if _, err := io.ReadFull(br, hdrBuf[:]); err != nil {
			return off, lastZxid, "incomplete header", nil
		}
		n := binary.BigEndian.Uint32(hdrBuf[:4])
		sum := binary.BigEndian.Uint32(hdrBuf[4:])
		if n > 1<<30 {
			return off, lastZxid, "length out of range", nil
		}
		if int64(n) > size-off-8 {
			return off, lastZxid, "incomplete record", nil
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(br, payload); err != nil {
			return off, lastZxid, "incomplete record", nil
		}
		if crc32.Checksum(payload, crcTable()) != sum {
			return off, lastZxid, "checksum mismatch", nil
		}
		zxid, now, effects, err := decodeRecord(payload)
		if err != nil {
			return off, lastZxid, "record does not decode", nil
		}
		// Every zxid is logged (a failed write as an empty record), so the log counts up by one.
		if follows && zxid != lastZxid+1 {
			return off, lastZxid, fmt.Sprintf("zxid 0x%x does not follow 0x%x", zxid, lastZxid), nil
		}
		follows = true
		if zxid > s.zxid+1 {
			return 0, 0, "", fmt.Errorf("the log goes on from zxid 0x%x but the snapshot (if any) ends at 0x%x: "+
				"the writes between are missing (snapshot %s deleted or replaced?)", zxid, s.zxid, snapFileName)
		}
		off += 8 + int64(n)
		lastZxid = zxid
		if zxid <= s.zxid {
			continue // already in the snapshot
		}
		for _, e := range effects {
			if err := s.applyEffect(zxid, now, e); err != nil {
				return 0, 0, "", err
			}
		}
		s.zxid = zxid
	}
}

func encodeRecord(buf []byte, zxid, now int64, effects []effect) []byte {
	e := &jute.Encoder{Buf: append(buf[:0], make([]byte, 8)...)}
	e.Long(zxid)
	e.Long(now)
	e.Int(int32(len(effects)))
	for _, ef := range effects {
		e.Int(int32(ef.kind))
		switch ef.kind {
		case effCreate:
			e.String(ef.path)
			e.Buffer(ef.data)
			e.ACLs(ef.acl)
			e.Long(ef.owner)
		case effDelete:
			e.String(ef.path)
		case effSetData:
			e.String(ef.path)
			e.Buffer(ef.data)
			e.Int(ef.version)
		case effSetACL:
			e.String(ef.path)
			e.ACLs(ef.acl)
			e.Int(ef.version)
		case effCreateSession:
			e.Long(ef.session)
			e.Int(ef.timeout)
			e.Buffer(ef.data)
		case effCloseSession:
			e.Long(ef.session)
		}
	}
	payload := e.Buf[8:]
	binary.BigEndian.PutUint32(e.Buf[:4], uint32(len(payload)))
	binary.BigEndian.PutUint32(e.Buf[4:8], crc32.Checksum(payload, crcTable()))
	return e.Buf
}

func decodeRecord(payload []byte) (int64, int64, []effect, error) {
	d := jute.NewDecoder(payload)
	zxid := d.Long()
	now := d.Long()
	count := d.Int()
	if d.Err != nil || count < 0 || int(count) > len(payload) {
		return 0, 0, nil, errors.New("store: bad record")
	}
	effects := make([]effect, 0, count)
	for i := int32(0); i < count && d.Err == nil; i++ {
		ef := effect{kind: uint8(d.Int())}
		switch ef.kind {
		case effCreate:
			ef.path, ef.data, ef.acl, ef.owner = d.String(), d.Buffer(), d.ACLs(), d.Long()
		case effDelete:
			ef.path = d.String()
		case effSetData:
			ef.path, ef.data, ef.version = d.String(), d.Buffer(), d.Int()
		case effSetACL:
			ef.path, ef.acl, ef.version = d.String(), d.ACLs(), d.Int()
		case effCreateSession:
			ef.session, ef.timeout, ef.data = d.Long(), d.Int(), d.Buffer()
		case effCloseSession:
			ef.session = d.Long()
		default:
			return 0, 0, nil, errors.New("store: bad effect")
		}
		effects = append(effects, ef)
	}
	if d.Err != nil || d.Remaining() != 0 {
		return 0, 0, nil, errors.New("store: bad record")
	}
	return zxid, now, effects, nil
}

// append adds one committed write to the log (not yet durable; see waitSync). Called under
// Server.mu. An error is sticky: once a write or fsync failed the log may end in a torn record
// that replay would cut, taking any later record with it, so from then on waitSync fails, which
// keeps every later reply, event and read from leaving the server (fail-stop, as Apache exits).
func (st *store) append(zxid, now int64, effects []effect) error {
	st.buf = encodeRecord(st.buf, zxid, now, effects)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.err != nil {
		return st.err
	}
	st.pending = append(st.pending, st.buf...)
	st.written.Add(1)
	if len(st.pending) >= pendingFlushSize && !st.syncing && !st.flushing {
		// Writes nobody waits for would only grow it: have it written and synced now, by a
		// background sync, as the server mutex must not be held across a system call.
		st.flushing = true
		go func(seq uint64) {
			st.waitSync(seq)
			st.mu.Lock()
			st.flushing = false
			st.mu.Unlock()
		}(st.written.Load())
	}
	return nil
}

// writePendingLocked writes the pending records to the file. st.mu held, no syncer running.
func (st *store) writePendingLocked() {
	if len(st.pending) == 0 || st.err != nil {
		return
	}
	if _, err := st.f.Write(st.pending); err != nil {
		st.err = fmt.Errorf("store: append: %w", err)
		st.cond.Broadcast()
	}
	st.pending = st.pending[:0]
}

// waitSync returns once the first seq records are durable, writing and fsyncing if no one else is.
func (st *store) waitSync(seq uint64) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	for st.synced < seq && st.err == nil && !st.closed {
		if st.syncing {
			st.cond.Wait()
			continue
		}
		st.syncing = true
		target := st.written.Load() // every record counted is in pending or the file
		batch := st.pending
		st.pending = st.spare[:0]
		f := st.f
		st.mu.Unlock()
		var err error
		if len(batch) > 0 {
			if _, werr := f.Write(batch); werr != nil {
				err = fmt.Errorf("store: append: %w", werr)
			}
		}
		if err == nil {
			err = f.Sync()
		}
		st.mu.Lock()
		if cap(batch) <= pendingFlushSize {
			st.spare = batch[:0]
		}
		st.syncing = false
		if err != nil {
			if st.err == nil {
				st.err = err
			}
		} else if target > st.synced {
			st.synced = target
		}
		st.cond.Broadcast()
	}
	return st.err
}

// flush writes the pending records without fsyncing (before the log's size is looked at).
func (st *store) flush() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	for st.syncing {
		st.cond.Wait()
	}
	st.writePendingLocked()
	return st.err
}

func (st *store) close() error {
	st.mu.Lock()
	for st.syncing {
		st.cond.Wait()
	}
	st.writePendingLocked()
	st.closed = true
	err := st.err
	st.cond.Broadcast()
	st.mu.Unlock()
	if serr := st.f.Sync(); err == nil {
		err = serr
	}
	if cerr := st.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes dir's entries (a new file, a rename) durable. A variable so that tests can make
// it fail.
var syncDir = func(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fsync of directory %s: %w", dir, err)
	}
	return nil
}
