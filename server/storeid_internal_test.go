package server

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// compactedStore writes a few nodes into a new data directory and stops it with a log over the
// compaction size, so that it holds a snapshot and a log with no records. It returns the state
// the directory holds.
func compactedStore(t *testing.T, dir string, paths ...string) string {
	t.Helper()
	old := snapshotThreshold
	snapshotThreshold = 1
	defer func() { snapshotThreshold = old }()
	s, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if err := s.Create(p, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	want := treeState(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, snapFileName)); err != nil {
		t.Fatalf("not compacted: %v", err)
	}
	return want
}

// readDir returns every file of dir and its contents.
func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

// refusedStore checks that a server does not start on cfg, with an error naming the log and the
// snapshot and saying want, and that the directories are left as they were.
func refusedStore(t *testing.T, cfg Config, want string) {
	t.Helper()
	logDir := cfg.DataLogDir
	if logDir == "" {
		logDir = cfg.DataDir
	}
	before := []map[string]string{readDir(t, cfg.DataDir), readDir(t, logDir)}
	s, err := New(cfg)
	if err == nil {
		got := treeState(s)
		s.Close()
		t.Fatalf("started with\n%s\nwant a refusal saying %q", got, want)
	}
	msg := err.Error()
	for _, name := range []string{filepath.Join(logDir, logFileName), filepath.Join(cfg.DataDir, snapFileName), want} {
		if !strings.Contains(msg, name) {
			t.Fatalf("refusal %q does not say %q", msg, name)
		}
	}
	var mismatch *StoreMismatchError
	if !errors.As(err, &mismatch) {
		t.Fatalf("refusal %v is not a StoreMismatchError", err)
	}
	after := []map[string]string{readDir(t, cfg.DataDir), readDir(t, logDir)}
	for i := range before {
		if len(before[i]) != len(after[i]) {
			t.Fatalf("refused start changed the files: %d then %d", len(before[i]), len(after[i]))
		}
		for name, b := range before[i] {
			if after[i][name] != b {
				t.Fatalf("refused start changed %s", name)
			}
		}
	}
}

func moveFile(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotMissingRefused: a compacted store whose snapshot is gone (moved, or dataDir not the
// one it was) is refused, naming both files; with the snapshot back it starts with everything.
func TestSnapshotMissingRefused(t *testing.T) {
	dir := t.TempDir()
	want := compactedStore(t, dir, "/a", "/a/b", "/c")
	aside := filepath.Join(t.TempDir(), "saved")
	moveFile(t, filepath.Join(dir, snapFileName), aside)
	refusedStore(t, Config{DataDir: dir}, "missing")
	// zoo.cfg's dataDir mistyped, dataLogDir right.
	refusedStore(t, Config{DataDir: t.TempDir(), DataLogDir: dir}, "missing")
	moveFile(t, aside, filepath.Join(dir, snapFileName))
	s, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := treeState(s); got != want {
		t.Fatalf("started with\n%s\nwant\n%s", got, want)
	}
}

// TestSnapshotOfAnotherStoreRefused: a snapshot and a log of two different stores are never
// combined, even where their zxids would fit.
func TestSnapshotOfAnotherStoreRefused(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	compactedStore(t, a, "/a1", "/a2", "/a3")
	compactedStore(t, b, "/b1", "/b2", "/b3")
	moveFile(t, filepath.Join(a, snapFileName), filepath.Join(b, snapFileName))
	refusedStore(t, Config{DataDir: b}, "different stores")
}

// TestOlderSnapshotRefused: a snapshot older than the one the log continues from (put back from
// a backup) is refused: the writes between would be missing.
func TestOlderSnapshotRefused(t *testing.T) {
	dir := t.TempDir()
	compactedStore(t, dir, "/a")
	old, err := os.ReadFile(filepath.Join(dir, snapFileName))
	if err != nil {
		t.Fatal(err)
	}
	compactedStore(t, dir, "/b", "/c")
	if err := os.WriteFile(filepath.Join(dir, snapFileName), old, 0o644); err != nil {
		t.Fatal(err)
	}
	refusedStore(t, Config{DataDir: dir}, "older")
}

// TestSnapshotWithoutLogRefused: a snapshot without its log (zoo.cfg's dataLogDir mistyped) is
// refused, and no log is created: the log holds the writes made after the snapshot.
func TestSnapshotWithoutLogRefused(t *testing.T) {
	dir := t.TempDir()
	compactedStore(t, dir, "/a")
	refusedStore(t, Config{DataDir: dir, DataLogDir: t.TempDir()}, "no log")
}

// TestReplayAllocationBounded: a record header claiming a length the file does not hold (up to
// the 1 GB a record may have) is a torn tail, not an allocation of that length.
func TestReplayAllocationBounded(t *testing.T) {
	log, states, _ := ackedLog(t)
	torn := append(bytes.Clone(log), 0x3f, 0xff, 0xff, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	state, err, warned, _ := openLog(t, torn, false)
	runtime.ReadMemStats(&after)
	if err != nil || state != states[len(states)-1] || !strings.Contains(warned, "torn") {
		t.Fatalf("torn tail: %v %q", err, warned)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
		t.Fatalf("opening a %d-byte log allocated %d bytes", len(torn), n)
	}
}

// readAtRecorder is a log that records the largest read made of it.
type readAtRecorder struct {
	r       io.ReaderAt
	largest int
}

func (r *readAtRecorder) ReadAt(b []byte, off int64) (int, error) {
	r.largest = max(r.largest, len(b))
	return r.r.ReadAt(b, off)
}

// TestExamineTailBoundedReads: classifying what follows damage reads the log a window at a time
// (a record whose checksum verifies aside), with the same findings whatever the window: a record
// damaged in its payload, or in its length field, is damage with the intact records after it
// counted; a record cut short at the end is a torn tail.
func TestExamineTailBoundedReads(t *testing.T) {
	log, states, bounds := ackedLog(t)
	largest := 0
	for k := 0; k+1 < len(bounds); k++ {
		largest = max(largest, bounds[k+1]-bounds[k])
	}
	defer func(w int) { tailWindow = w }(tailWindow)
	for _, window := range []int{largest / 2, largest, 1 << 20} {
		tailWindow = window
		check := func(what string, b []byte, k int, wantTorn bool, wantAfter int) {
			t.Helper()
			r := &readAtRecorder{r: bytes.NewReader(b)}
			tail, err := examineTail(r, int64(bounds[k]), int64(len(b)), int64(k), "test")
			if err != nil || tail.torn != wantTorn || tail.after != wantAfter {
				t.Fatalf("window %d, %s (record %d): %+v %v; want torn %v, %d after", window, what, k, tail, err, wantTorn, wantAfter)
			}
			if r.largest > max(window, largest) {
				t.Fatalf("window %d, %s (record %d): read %d bytes at once", window, what, k, r.largest)
			}
		}
		for k := 0; k+1 < len(bounds); k++ {
			records := len(states) - 1
			bad := bytes.Clone(log)
			bad[bounds[k]+12] ^= 0x10 // the payload
			check("payload", bad, k, false, records-k-1)
			bad = bytes.Clone(log)
			bad[bounds[k]+1] ^= 0x40 // the length field, now past the end of the file
			check("length", bad, k, false, records-k-1)
			check("cut", log[:bounds[k+1]-1], k, true, 0)
		}
	}
}

// TestSnapshotNotDurableKeepsLog: when the snapshot cannot be made durable (here the fsync of its
// directory fails), neither a stop nor a start cuts the log: it says so, and the next start has
// every acknowledged write.
func TestSnapshotNotDurableKeepsLog(t *testing.T) {
	old := snapshotThreshold
	defer func() { snapshotThreshold = old }()
	dataDir, logDir := t.TempDir(), t.TempDir()
	cfg := Config{DataDir: dataDir, DataLogDir: logDir}
	logPath := filepath.Join(logDir, logFileName)
	failing := errors.New("injected fsync failure")
	defer func(f func(string) error) { syncDir = f }(syncDir)
	realSync := syncDir
	breakSync := func(broken bool) {
		syncDir = func(dir string) error {
			if broken && dir == dataDir {
				return failing
			}
			return realSync(dir)
		}
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/a", "/a/b", "/c"} {
		if err := s.Create(p, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	want := treeState(s)
	before, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	snapshotThreshold = 1
	breakSync(true)
	if err := s.Close(); !errors.Is(err, failing) {
		t.Fatalf("Close: %v, want the fsync failure", err)
	}
	if after, _ := os.ReadFile(logPath); !bytes.Equal(after, before) {
		t.Fatalf("the log was changed (%d bytes, was %d) though the snapshot is not durable", len(after), len(before))
	}
	// A start compacts the log too: the same.
	if s, err := New(cfg); !errors.Is(err, failing) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("New: %v, want the fsync failure", err)
	}
	if after, _ := os.ReadFile(logPath); !bytes.Equal(after, before) {
		t.Fatal("the log was changed by a start whose snapshot is not durable")
	}
	breakSync(false)
	s, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := treeState(s); got != want {
		t.Fatalf("started with\n%s\nwant\n%s", got, want)
	}
}

// storeFiles is a data directory's content: file name to bytes.
type storeFiles map[string][]byte

func (fs storeFiles) writeTo(t *testing.T, dir string) {
	t.Helper()
	for name, b := range fs {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readStoreFiles(t *testing.T, dir string) storeFiles {
	t.Helper()
	fs := storeFiles{}
	for name, b := range readDir(t, dir) {
		fs[name] = []byte(b)
	}
	return fs
}

// startsWith starts a server on dir, checks its state, makes one more write, and checks that two
// more starts show the state and the write (the log goes on correctly from where it started).
func startsWith(t *testing.T, what, dir, want string) {
	t.Helper()
	s, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got := treeState(s); got != want {
		s.Close()
		t.Fatalf("%s: started with\n%s\nwant\n%s", what, got, want)
	}
	if err := s.Create("/next", []byte("n")); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	next := treeState(s)
	if err := s.Close(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for i := 0; i < 2; i++ {
		s, err := New(Config{DataDir: dir})
		if err != nil {
			t.Fatalf("%s: restart %d: %v", what, i, err)
		}
		got := treeState(s)
		s.Close()
		if got != next {
			t.Fatalf("%s: restart %d: started with\n%s\nwant\n%s", what, i, got, next)
		}
	}
}

// TestCompactionCrashPoints builds on disk what a crash at each point of a compaction leaves, and
// checks that each starts with exactly the acknowledged state, and goes on from it.
func TestCompactionCrashPoints(t *testing.T) {
	old := snapshotThreshold
	defer func() { snapshotThreshold = old }()
	dir := t.TempDir()
	s, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/a", "/a/b", "/c"} {
		if err := s.Create(p, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	want := treeState(s)
	s.Close()
	before := readStoreFiles(t, dir) // the log, its records not yet in a snapshot
	snapshotThreshold = 1
	s, err = New(Config{DataDir: dir}) // compacts
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	snapshotThreshold = old
	after := readStoreFiles(t, dir) // the snapshot, and a log of only its header
	if len(before) != 1 || len(after) != 2 || len(after[logFileName]) >= len(before[logFileName]) {
		t.Fatalf("not compacted: %d files before, %d after", len(before), len(after))
	}
	oldLog, snap, newLog := before[logFileName], after[snapFileName], after[logFileName]
	for _, tc := range []struct {
		what  string
		files storeFiles
	}{
		{"crash while writing the snapshot", storeFiles{logFileName: oldLog, snapFileName + ".tmp": snap[:len(snap)/2]}},
		{"crash before the snapshot's rename", storeFiles{logFileName: oldLog, snapFileName + ".tmp": snap}},
		{"crash after the snapshot's rename", storeFiles{logFileName: oldLog, snapFileName: snap}},
		{"crash while writing the new log", storeFiles{logFileName: oldLog, snapFileName: snap, logFileName + ".tmp": newLog[:len(newLog)/2]}},
		{"crash before the new log's rename", storeFiles{logFileName: oldLog, snapFileName: snap, logFileName + ".tmp": newLog}},
		{"compaction done", storeFiles{logFileName: newLog, snapFileName: snap}},
	} {
		d := t.TempDir()
		tc.files.writeTo(t, d)
		startsWith(t, tc.what, d, want)
	}
	// A log that ends before its snapshot's zxid (put back from an older copy) is refused.
	d := t.TempDir()
	storeFiles{logFileName: oldLog[:len(oldLog)-1], snapFileName: snap}.writeTo(t, d)
	refusedStore(t, Config{DataDir: d}, "before it")
}

// TestLegacyStoresRead: data directories written by the code before logs had a header
// (testdata/legacy-v2: a compacted store, a log alone, a snapshot and a log) start with the
// state they held, are rewritten in the current format, and go on from there.
func TestLegacyStoresRead(t *testing.T) {
	for _, name := range []string{"legacy-compacted", "legacy-log", "legacy-snapshot-log"} {
		want, err := os.ReadFile(filepath.Join("testdata/legacy-v2", name+".state"))
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		files := storeFiles{}
		for _, f := range []string{logFileName, snapFileName} {
			if b, err := os.ReadFile(filepath.Join("testdata/legacy-v2", name, f)); err == nil {
				files[f] = b
			}
		}
		files.writeTo(t, dir)
		for round := 0; round < 2; round++ {
			s, err := New(Config{DataDir: dir, ExtendedTypesEnabled: true})
			if err != nil {
				t.Fatalf("%s, start %d: %v", name, round, err)
			}
			got := snapState(s)
			s.Close()
			if got != string(want) {
				t.Fatalf("%s, start %d:\n got %s\nwant %s", name, round, got, want)
			}
			logRecords(t, dir, 0) // rewritten: a snapshot, and a log of its header
			if h := readSnapHeader(t, dir); h.Version != snapVersion {
				t.Fatalf("%s: snapshot version %d", name, h.Version)
			}
		}
		s, err := New(Config{DataDir: dir, ExtendedTypesEnabled: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Create("/new", nil); err != nil {
			t.Fatal(err)
		}
		s.Close()
		logRecords(t, dir, 1)
		// Now a store of the current format: losing its snapshot is noticed.
		os.Remove(filepath.Join(dir, snapFileName))
		refusedStore(t, Config{DataDir: dir}, "missing")
	}
}
