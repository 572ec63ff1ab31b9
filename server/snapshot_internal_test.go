package server

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSnapshotCompaction(t *testing.T) {
	old := snapshotThreshold
	snapshotThreshold = 1
	defer func() { snapshotThreshold = old }()
	dir := t.TempDir()
	open := func() *Server {
		s, err := New(Config{DataDir: dir, ExtendedTypesEnabled: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	for _, p := range []string{"/a", "/a/b", "/a/c", "/z", "/a/d"} {
		if err := s.Create(p, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	s.Delete("/a/c")
	s.Set("/z", nil)
	s.mu.Lock()
	s.beginWrite()
	s.sessions[42] = &session{id: 42, timeout: 4000, passwd: []byte("pw")}
	s.txn.effects = append(s.txn.effects, effect{kind: effCreateSession, session: 42, timeout: 4000, data: []byte("pw")})
	s.commit()
	s.mu.Unlock()
	want := dumpTree(s)
	zxid := s.Zxid()
	s.Close()

	s = open() // replays the log, then compacts it into a snapshot
	if got := dumpTree(s); !reflect.DeepEqual(got, want) {
		t.Fatalf("after compaction\n got %v\nwant %v", got, want)
	}
	if info, err := os.Stat(filepath.Join(dir, logFileName)); err != nil || info.Size() != 0 {
		t.Fatalf("log not emptied: %v %v", info, err)
	}
	snapshotThreshold = 1 << 40 // keep the next record in the log
	s.Create("/after", nil)
	s.Close()
	if info, err := os.Stat(filepath.Join(dir, logFileName)); err != nil || info.Size() == 0 {
		t.Fatalf("log should hold the new record: %v %v", info, err)
	}

	s = open() // snapshot plus the new log record
	defer s.Close()
	if !s.Exists("/after") || s.Zxid() != zxid+1 || s.sessions[42] == nil {
		t.Fatalf("snapshot + log: zxid %d (want %d), sessions %v", s.Zxid(), zxid+1, s.sessions)
	}
	if kids, _ := s.Children("/a"); !reflect.DeepEqual(kids, want["/a children"]) {
		t.Fatalf("children order %v", kids)
	}
	// Stopping with a log over the threshold folds it into the snapshot.
	snapshotThreshold = 1
	s.Create("/last", nil)
	s.Close()
	if info, err := os.Stat(filepath.Join(dir, logFileName)); err != nil || info.Size() != 0 {
		t.Fatalf("log not compacted on Close: %v %v", info, err)
	}
	s = open()
	defer s.Close()
	if !s.Exists("/last") || !s.Exists("/after") {
		t.Fatal("compaction on Close lost nodes")
	}
}

func dumpTree(s *Server) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]any{}
	for p, n := range s.tree.nodes {
		out[p] = []any{string(n.data), n.data == nil, n.stat(), n.acl, n.seq, n.nextSeq, n.childCap}
	}
	out["/a children"] = s.tree.nodes["/a"].childNames()
	out["zxid"] = s.zxid
	return out
}
