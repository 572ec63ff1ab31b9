package server

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/zksh/zksh/jute"
)

// FuzzRequestSequence feeds a sequence of request frames ([length][frame]...) from two sessions to
// a server with a data directory, then restarts it: whatever state the requests reached, replaying
// the log must rebuild exactly the same tree, sessions and zxid, and the tree's indexes must agree.
//
//	go test -run '^$' -fuzz FuzzRequestSequence -fuzztime 60s ./server
func FuzzRequestSequence(f *testing.F) {
	acl := []jute.ACL{{Perms: jute.PermAll, ID: jute.ID{Scheme: "world", ID: "anyone"}}}
	seq := func(reqs ...[]byte) []byte {
		var b []byte
		for _, r := range reqs {
			b = binary.BigEndian.AppendUint32(b, uint32(len(r)))
			b = append(b, r...)
		}
		return b
	}
	req := func(op int32, r jute.Record) []byte { return jute.Marshal(&jute.RequestHeader{Xid: 1, Type: op}, r) }
	f.Add(seq(
		req(jute.OpCreate, &jute.CreateRequest{Path: "/a", Data: []byte("x"), ACL: acl}),
		req(jute.OpCreate2, &jute.CreateRequest{Path: "/a/s-", ACL: acl, Flags: jute.FlagEphemeralSequential}),
		req(jute.OpSetData, &jute.SetDataRequest{Path: "/a", Data: []byte("y"), Version: -1}),
		req(jute.OpMulti, &jute.MultiRequest{Ops: []jute.Op{
			{Type: jute.OpCreate, Req: &jute.CreateRequest{Path: "/m", ACL: acl}},
			{Type: jute.OpSetData, Req: &jute.SetDataRequest{Path: "/m", Data: []byte("z"), Version: 0}},
			{Type: jute.OpDelete, Req: &jute.PathVersionRequest{Path: "/a", Version: 9}}}}),
	))
	f.Add(seq(
		req(jute.OpCreateContainer, &jute.CreateRequest{Path: "/c", ACL: acl, Flags: jute.FlagContainer}),
		req(jute.OpCreate, &jute.CreateRequest{Path: "/c/k", ACL: acl, Flags: jute.FlagEphemeral}),
		req(jute.OpDelete, &jute.PathVersionRequest{Path: "/c/k", Version: -1}),
		req(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/t", ACL: acl, Flags: jute.FlagPersistentWithTTL, TTL: 5}),
		req(jute.OpSetACL, &jute.SetACLRequest{Path: "/t", ACL: acl, Version: -1}),
		req(jute.OpCloseSession, nil),
	))
	base := f.TempDir()
	f.Fuzz(func(t *testing.T, input []byte) {
		// One directory, emptied for each input: a fresh temporary directory per input
		// costs the fuzzer most of its time in mkdir and rmdir.
		dir := filepath.Join(base, "data")
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		s, err := New(Config{DataDir: dir, ExtendedTypesEnabled: true})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { // Close without its fsync
			s.ln.Close()
			s.store.f.Close()
		}()
		// Two sessions on connections without writers: replies pile up unsent, so nothing
		// waits for an fsync until Close.
		var conns [2]*conn
		for i := range conns {
			client, peer := net.Pipe()
			defer client.Close()
			conns[i] = newConn(s, peer, "127.0.0.1")
			s.mu.Lock()
			s.beginWrite()
			sess := &session{id: int64(i+1) << 56, passwd: make([]byte, 16), timeout: 30000}
			s.sessions[sess.id] = sess
			s.txn.effects = append(s.txn.effects, effect{kind: effCreateSession, session: sess.id, timeout: sess.timeout, data: sess.passwd})
			s.commit()
			s.attach(conns[i], sess)
			s.mu.Unlock()
		}
		for i := 0; len(input) >= 4 && i < 64; i++ {
			n := int(binary.BigEndian.Uint32(input) & 0xffff)
			input = input[4:]
			n = min(n, len(input))
			frame := input[:n]
			input = input[n:]
			s.handle(conns[i%2], frame, time.Now())
		}
		s.mu.Lock()
		s.sweepContainers()
		checkTree(t, s.tree)
		want := dumpState(s)
		s.mu.Unlock()
		// Replay the log as a restart would (once written, the log is complete without the
		// fsync that Close would spend most of the time on).
		if err := s.store.flush(); err != nil {
			t.Fatal(err)
		}
		s2 := &Server{cfg: s.cfg, log: s.log, tree: newTree(), watches: newWatches(), sessions: make(map[int64]*session)}
		lf, err := os.Open(filepath.Join(dir, logFileName))
		if err != nil {
			t.Fatal(err)
		}
		defer lf.Close()
		info, err := lf.Stat()
		if err != nil {
			t.Fatal(err)
		}
		hdr, start, err := readLogHeader(lf, info.Size())
		if err != nil || hdr == nil {
			t.Fatalf("log header: %v %v", hdr, err)
		}
		if _, _, err := s2.replayLog(lf, lf.Name(), start, hdr, false); err != nil {
			t.Fatalf("replay: %v", err)
		}
		checkTree(t, s2.tree)
		if got := dumpState(s2); got != want {
			t.Fatalf("state after replay differs:\n--- live\n%s\n--- replayed\n%s", want, got)
		}
	})
}

// dumpState renders the tree (every stat field, data, ACL, children in client order), the sessions
// and the zxid. s.mu held.
func dumpState(s *Server) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "zxid %d\n", s.zxid)
	var walk func(n *znode)
	walk = func(n *znode) {
		fmt.Fprintf(&b, "%s %q %v %+v %v\n", n.path, n.data, n.acl, n.stat(), n.childNames())
		for _, name := range n.childNames() {
			walk(n.children[name])
		}
	}
	walk(s.tree.root)
	ids := make([]int64, 0, len(s.sessions))
	for id := range s.sessions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		sess := s.sessions[id]
		fmt.Fprintf(&b, "session %x %d %x\n", id, sess.timeout, sess.passwd)
	}
	return b.String()
}
