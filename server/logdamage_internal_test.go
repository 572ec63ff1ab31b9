package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// treeState is everything a client could read back: every node's data and stat, and the zxid.
func treeState(s *Server) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	paths := make([]string, 0, len(s.tree.nodes))
	for p := range s.tree.nodes {
		paths = append(paths, p)
	}
	sortStrings(paths)
	var b strings.Builder
	for _, p := range paths {
		n := s.tree.nodes[p]
		fmt.Fprintf(&b, "%s %q %+v\n", p, n.data, n.stat())
	}
	fmt.Fprintf(&b, "zxid %d\n", s.zxid)
	return b.String()
}

func sortStrings(v []string) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

// logWriter collects what the server logs.
type logWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *logWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// ackedLog writes a few acknowledged writes and returns the log, the state after each record
// (states[k] after k records) and where each record starts (plus the end).
func ackedLog(t *testing.T) (log []byte, states []string, bounds []int) {
	t.Helper()
	dir := t.TempDir()
	s, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	states = append(states, treeState(s))
	writes := []func() error{
		func() error { return s.Create("/a", []byte("1")) },
		func() error { return s.Create("/a/b", []byte("22")) },
		func() error { return s.Create("/c", nil) },
		func() error { return s.Set("/a", []byte("333")) },
		func() error { return s.Create("/a/d", []byte("4444")) },
		func() error { return s.Delete("/c") },
		func() error { return s.Create("/e", []byte("five")) },
		func() error { return s.Set("/a/b", nil) },
		func() error { return s.Create("/e/f", []byte("six")) },
		func() error { return s.Create("/g", []byte("seven")) },
		func() error { return s.Delete("/a/d") },
		func() error { return s.Set("/g", []byte("eight")) },
	}
	for _, w := range writes {
		if err := w(); err != nil {
			t.Fatal(err)
		}
		states = append(states, treeState(s))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	log, err = os.ReadFile(filepath.Join(dir, logFileName))
	if err != nil {
		t.Fatal(err)
	}
	for off := recordsStart(t, log); off < len(log); off += 8 + int(binary.BigEndian.Uint32(log[off:])) {
		bounds = append(bounds, off)
	}
	bounds = append(bounds, len(log))
	if len(bounds) != len(states) {
		t.Fatalf("%d records for %d writes", len(bounds)-1, len(writes))
	}
	return log, states, bounds
}

// recordsStart is where the records of a log in the current format start: after its header.
func recordsStart(t *testing.T, log []byte) int {
	t.Helper()
	if !bytes.HasPrefix(log, []byte(logMagic)) {
		t.Fatalf("log without its header: % x", log[:min(len(log), 16)])
	}
	return len(logMagic) + 8 + int(binary.BigEndian.Uint32(log[len(logMagic):]))
}

// openLog starts a server on a data directory holding only log, and returns its state (or the
// error), what it logged, and the log file afterwards.
func openLog(t *testing.T, log []byte, repair bool) (state string, err error, warned string, after []byte) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, logFileName)
	if err := os.WriteFile(path, log, 0o644); err != nil {
		t.Fatal(err)
	}
	var w logWriter
	s, err := New(Config{DataDir: dir, RepairLog: repair, Logger: slog.New(slog.NewTextHandler(&w, nil))})
	if err == nil {
		state = treeState(s)
		s.Close()
	}
	after, rerr := os.ReadFile(path)
	if rerr != nil {
		t.Fatal(rerr)
	}
	return state, err, w.String(), after
}

// TestLogByteFlips damages every byte of a small log in turn (two ways): each start either shows
// exactly the acknowledged state or refuses, naming the damaged record and leaving the file as it
// was. None starts with part of the tree.
func TestLogByteFlips(t *testing.T) {
	log, states, bounds := ackedLog(t)
	full := states[len(states)-1]
	record := func(i int) int { // the record holding byte i
		k := 0
		for bounds[k+1] <= i {
			k++
		}
		return k
	}
	refused := 0
	for i := range log {
		for _, mask := range []byte{0x01, 0xff} {
			bad := bytes.Clone(log)
			bad[i] ^= mask
			state, err, _, after := openLog(t, bad, false)
			if i < bounds[0] {
				// The header: refused, naming the file, which is left as it was.
				if err == nil || !strings.Contains(err.Error(), logFileName) || !bytes.Equal(after, bad) {
					t.Fatalf("header byte %d ^ %#x: %v", i, mask, err)
				}
				continue
			}
			if err == nil {
				if state != full {
					t.Fatalf("byte %d ^ %#x: started with a different tree:\n%s\nwant\n%s", i, mask, state, full)
				}
				continue
			}
			refused++
			var d *LogDamageError
			if !errors.As(err, &d) {
				t.Fatalf("byte %d ^ %#x: %v is not a LogDamageError", i, mask, err)
			}
			k := record(i)
			if d.Offset != int64(bounds[k]) || d.Bytes != int64(len(log)-bounds[k]) || d.After != len(states)-2-k {
				t.Fatalf("byte %d ^ %#x (record %d at %d): %+v", i, mask, k, bounds[k], d)
			}
			if !strings.Contains(err.Error(), logFileName) || !strings.Contains(err.Error(), fmt.Sprintf("offset %d", bounds[k])) {
				t.Fatalf("byte %d: message does not name the file and offset: %v", i, err)
			}
			if !bytes.Equal(after, bad) {
				t.Fatalf("byte %d ^ %#x: the refused log was changed", i, mask)
			}
		}
	}
	if refused == 0 {
		t.Fatal("no damage was refused")
	}
}

// TestLogTruncations cuts the log at every length: it starts with the writes whose records are
// whole, warns naming the file, the offset and the bytes dropped when a record was cut, and is
// silent when the cut fell between records. Trailing zeros are a torn tail too.
func TestLogTruncations(t *testing.T) {
	log, states, bounds := ackedLog(t)
	for n := bounds[0]; n <= len(log); n++ {
		k := 0 // records wholly inside the first n bytes
		for k+1 < len(bounds) && bounds[k+1] <= n {
			k++
		}
		state, err, warned, after := openLog(t, log[:n], false)
		if err != nil {
			t.Fatalf("cut at %d: %v", n, err)
		}
		if state != states[k] {
			t.Fatalf("cut at %d: started with\n%s\nwant the first %d writes\n%s", n, state, k, states[k])
		}
		if !bytes.Equal(after, log[:bounds[k]]) {
			t.Fatalf("cut at %d: log is %d bytes, want %d", n, len(after), bounds[k])
		}
		torn := n != bounds[k]
		want := fmt.Sprintf("offset=%d bytes=%d", bounds[k], n-bounds[k])
		if torn != strings.Contains(warned, "torn") || torn && !strings.Contains(warned, want) ||
			torn && !strings.Contains(warned, logFileName) {
			t.Fatalf("cut at %d (records end at %d): warning %q", n, bounds[k], warned)
		}
	}
	zeros := append(bytes.Clone(log), make([]byte, 100)...)
	state, err, warned, after := openLog(t, zeros, false)
	if err != nil || state != states[len(states)-1] || !bytes.Equal(after, log) ||
		!strings.Contains(warned, fmt.Sprintf("offset=%d bytes=100", len(log))) {
		t.Fatalf("trailing zeros: %v %q", err, warned)
	}
	// Zeros that end in something else are not a torn tail.
	zeros[len(zeros)-1] = 1
	if _, err, _, after := openLog(t, zeros, false); !errors.As(err, new(*LogDamageError)) || !bytes.Equal(after, zeros) {
		t.Fatalf("zeros then data: %v", err)
	}
}

// TestLogRepair: on request, a damaged log is cut at the damage, and the warning says what went.
func TestLogRepair(t *testing.T) {
	log, states, bounds := ackedLog(t)
	k := 4
	bad := bytes.Clone(log)
	bad[bounds[k]+12] ^= 0x10 // inside record k's payload
	state, err, warned, after := openLog(t, bad, true)
	if err != nil {
		t.Fatal(err)
	}
	if state != states[k] || !bytes.Equal(after, log[:bounds[k]]) {
		t.Fatalf("repair kept\n%s\nwant\n%s", state, states[k])
	}
	want := fmt.Sprintf("offset=%d bytes=%d records_after=%d", bounds[k], len(log)-bounds[k], len(states)-2-k)
	if !strings.Contains(warned, want) || !strings.Contains(warned, logFileName) {
		t.Fatalf("repair warning %q lacks %q", warned, want)
	}
	// Without damage, repair changes nothing.
	state, err, warned, after = openLog(t, log, true)
	if err != nil || state != states[len(states)-1] || !bytes.Equal(after, log) || warned != "" {
		t.Fatalf("repair of an intact log: %v %q", err, warned)
	}
}

// TestSnapshotDamageRefused: a damaged snapshot (any byte flipped, or cut short) is refused,
// naming the file; the server never starts from the log alone.
func TestSnapshotDamageRefused(t *testing.T) {
	old := snapshotThreshold
	snapshotThreshold = 1
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
	s.Close() // the log is over the threshold: the next open compacts it
	s, err = New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create("/after", nil); err != nil {
		t.Fatal(err)
	}
	want := treeState(s)
	snapshotThreshold = old // keep /after in the log
	s.Close()
	snap, err := os.ReadFile(filepath.Join(dir, snapFileName))
	if err != nil {
		t.Fatal(err)
	}
	logBytes, err := os.ReadFile(filepath.Join(dir, logFileName))
	if err != nil {
		t.Fatal(err)
	}
	try := func(what string, b []byte) {
		d := t.TempDir()
		os.WriteFile(filepath.Join(d, snapFileName), b, 0o644)
		os.WriteFile(filepath.Join(d, logFileName), logBytes, 0o644)
		s, err := New(Config{DataDir: d})
		if err == nil {
			got := treeState(s)
			s.Close()
			if got != want {
				t.Fatalf("%s: started with\n%s\nwant\n%s", what, got, want)
			}
			return
		}
		if !strings.Contains(err.Error(), snapFileName) {
			t.Fatalf("%s: %v does not name the snapshot", what, err)
		}
	}
	try("intact", snap)
	for i := range snap {
		b := bytes.Clone(snap)
		b[i] ^= 0x01
		try(fmt.Sprintf("byte %d flipped", i), b)
	}
	for n := 0; n < len(snap); n++ {
		try(fmt.Sprintf("cut at %d", n), snap[:n])
	}
	// Without its snapshot the log does not start from zxid 1: refused too.
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, logFileName), logBytes, 0o644)
	if _, err := New(Config{DataDir: d}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("log without its snapshot: %v", err)
	}
}
