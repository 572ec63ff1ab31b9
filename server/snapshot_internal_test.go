package server

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/zksh/zksh/jute"
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
	logRecords(t, dir, 0)
	snapshotThreshold = 1 << 40 // keep the next record in the log
	s.Create("/after", nil)
	s.Close()
	logRecords(t, dir, 1)

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
	logRecords(t, dir, 0)
	s = open()
	defer s.Close()
	if !s.Exists("/last") || !s.Exists("/after") {
		t.Fatal("compaction on Close lost nodes")
	}
}

// logRecords checks that dir's log holds its header, naming the snapshot's zxid and store id
// when there is a snapshot, then want records.
func logRecords(t *testing.T, dir string, want int) {
	t.Helper()
	log, err := os.ReadFile(filepath.Join(dir, logFileName))
	if err != nil {
		t.Fatal(err)
	}
	start := recordsStart(t, log)
	f, err := os.Open(filepath.Join(dir, logFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hdr, _, err := readLogHeader(f, int64(len(log)))
	if err != nil || hdr == nil {
		t.Fatalf("log header: %v %v", hdr, err)
	}
	if _, err := os.Stat(filepath.Join(dir, snapFileName)); err == nil {
		if h := readSnapHeader(t, dir); h.Zxid != hdr.BaseZxid || !bytes.Equal(h.StoreID, hdr.StoreID) {
			t.Fatalf("snapshot %+v, log header %+v", h, hdr)
		}
	}
	n := 0
	for off := start; off < len(log); off += 8 + int(binary.BigEndian.Uint32(log[off:])) {
		n++
	}
	if n != want {
		t.Fatalf("log holds %d records, want %d", n, want)
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

// snapState is everything a snapshot keeps, as text: each node's data (nil or not), stat, ACL,
// sequence fields and children order, each session, and the zxid.
func snapState(s *Server) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	paths := make([]string, 0, len(s.tree.nodes))
	for p := range s.tree.nodes {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	for _, p := range paths {
		n := s.tree.nodes[p]
		fmt.Fprintf(&b, "%s data=%q nil=%v stat=%+v acl=%v seq=%d nextSeq=%d childCap=%d children=%v\n",
			p, n.data, n.data == nil, n.stat(), n.acl, n.seq, n.nextSeq, n.childCap, n.childNames())
	}
	ids := make([]int64, 0, len(s.sessions))
	for id := range s.sessions {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		fmt.Fprintf(&b, "session 0x%x timeout=%d passwd=%x\n", id, s.sessions[id].timeout, s.sessions[id].passwd)
	}
	fmt.Fprintf(&b, "zxid %d containers=%d ttls=%d ephemerals=%d\n", s.zxid, len(s.tree.containers), len(s.tree.ttls), len(s.tree.ephemerals))
	return b.String()
}

// fillSnapshotState makes a tree with every kind of node a snapshot must keep: nil and empty data,
// a digest ACL, sequential children, deleted children (so sequence counters and cversion differ
// from the children present), an ephemeral node, a container, a TTL node, and two sessions.
func fillSnapshotState(t *testing.T, s *Server) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	sessions := []*session{
		{id: 0x100000000000001, timeout: 4000, passwd: []byte("password-one....")},
		{id: 0x100000000000002, timeout: 30000, passwd: []byte("password-two....")},
	}
	for _, sess := range sessions {
		tx := s.beginWrite()
		s.sessions[sess.id] = sess
		tx.effects = append(tx.effects, effect{kind: effCreateSession, session: sess.id, timeout: sess.timeout, data: sess.passwd})
		s.commit()
	}
	c := &conn{auth: []jute.ID{{Scheme: "super"}}, session: sessions[0]}
	digest := []jute.ACL{{Perms: jute.PermRead | jute.PermAdmin, ID: jute.ID{Scheme: "digest", ID: "bob:" + "qEfFKGNRa3hodSZHZzvCXS9TCO0="}}}
	write := func(f func() int32) {
		s.beginWrite()
		if code := f(); code != jute.ErrOK {
			t.Fatalf("write: %s", jute.ErrName(code))
		}
		s.commit()
	}
	create := func(typ int32, path string, data []byte, acl []jute.ACL, flags int32, ttl int64) {
		write(func() int32 { _, code := s.create(c, typ, path, data, acl, flags, ttl); return code })
	}
	create(jute.OpCreate, "/app", []byte("config"), aclOpen, jute.FlagPersistent, -1)
	create(jute.OpCreate, "/app/nil", nil, aclOpen, jute.FlagPersistent, -1)
	create(jute.OpCreate, "/app/empty", []byte{}, aclOpen, jute.FlagPersistent, -1)
	create(jute.OpCreate, "/secret", []byte("s"), digest, jute.FlagPersistent, -1)
	for i := 0; i < 20; i++ {
		create(jute.OpCreate, "/app/seq-", []byte{byte(i)}, aclOpen, jute.FlagPersistentSequential, -1)
	}
	for _, p := range []string{"/app/seq-0000000004", "/app/seq-0000000010", "/app/empty"} {
		write(func() int32 { return s.delete(c, p, -1) })
	}
	create(jute.OpCreate, "/app/eph", []byte("e"), aclOpen, jute.FlagEphemeral, -1)
	create(jute.OpCreateContainer, "/box", nil, aclOpen, jute.FlagContainer, -1)
	create(jute.OpCreate, "/box/item", nil, aclOpen, jute.FlagPersistent, -1)
	create(jute.OpCreateTTL, "/ttl", []byte("t"), aclOpen, jute.FlagPersistentWithTTL, 60000)
	write(func() int32 { _, code := s.setData(c, "/app", []byte("config-2"), -1); return code })
	write(func() int32 { _, code := s.setACL(c, "/app/nil", aclReadOnly, -1); return code })
}

// TestSnapshotFormatRoundTrip: every field the tree keeps survives the snapshot records.
func TestSnapshotFormatRoundTrip(t *testing.T) {
	old := snapshotThreshold
	snapshotThreshold = 1
	defer func() { snapshotThreshold = old }()
	dir := t.TempDir()
	s, err := New(Config{DataDir: dir, ExtendedTypesEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	fillSnapshotState(t, s)
	want := snapState(s)
	s.Close() // the log is over the threshold: compacted into a snapshot
	logRecords(t, dir, 0)
	h := readSnapHeader(t, dir)
	if h.Magic != snapMagic || h.Version != snapVersion {
		t.Fatalf("snapshot header %+v", h)
	}
	s, err = New(Config{DataDir: dir, ExtendedTypesEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := snapState(s); got != want {
		t.Fatalf("after the snapshot\n got %s\nwant %s", got, want)
	}
}

// TestSnapshotV1Read: a snapshot in the first format (testdata/snapshot-v1, written by the code
// before the format had records and a version) is read, and rewritten in the current format.
func TestSnapshotV1Read(t *testing.T) {
	v1, err := os.ReadFile("testdata/snapshot-v1")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/snapshot-v1.state")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, snapFileName), v1, 0o644); err != nil {
		t.Fatal(err)
	}
	// The code of the first format left an empty log beside its snapshot.
	if err := os.WriteFile(filepath.Join(dir, logFileName), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, round := range []string{"from the first format", "from the rewritten snapshot"} {
		s, err := New(Config{DataDir: dir, ExtendedTypesEnabled: true})
		if err != nil {
			t.Fatalf("%s: %v", round, err)
		}
		got := snapState(s)
		s.Close()
		if got != string(want) {
			t.Fatalf("%s\n got %s\nwant %s", round, got, want)
		}
		if h := readSnapHeader(t, dir); h.Magic != snapMagic || h.Version != snapVersion {
			t.Fatalf("%s: snapshot not rewritten in the current format: %+v", round, h)
		}
		logRecords(t, dir, 0)
	}
}

// TestSnapshotUnknownFormatRefused: an intact snapshot of a format version this code does not
// know, or without the magic, is refused naming the file and why; nothing is changed.
func TestSnapshotUnknownFormatRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		hdr  snapHeader
		want string
	}{
		{"newer version", snapHeader{Magic: snapMagic, Version: snapVersion + 1, Zxid: 7}, "format version 4 is not one this zksh reads (3)"},
		{"other magic", snapHeader{Magic: "something-else", Version: snapVersion}, "not a zksh snapshot"},
	} {
		e := &jute.Encoder{Buf: make([]byte, 4)}
		tc.hdr.Encode(e)
		e.Int(0)
		e.Int(0)
		binary.BigEndian.PutUint32(e.Buf[:4], crc32.Checksum(e.Buf[4:], crcTable()))
		dir := t.TempDir()
		path := filepath.Join(dir, snapFileName)
		if err := os.WriteFile(path, e.Buf, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, logFileName), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := New(Config{DataDir: dir})
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: %v; want an error naming %s and saying %q", tc.name, err, path, tc.want)
		}
		if b, _ := os.ReadFile(path); !bytes.Equal(b, e.Buf) {
			t.Fatalf("%s: the refused snapshot was changed", tc.name)
		}
	}
}

func readSnapHeader(t *testing.T, dir string) snapHeader {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, snapFileName))
	if err != nil || len(b) < 4 {
		t.Fatalf("snapshot: %v (%d bytes)", err, len(b))
	}
	var h snapHeader
	d := jute.NewDecoder(b[4:])
	h.Decode(d)
	return h
}
