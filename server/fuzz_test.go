package server

import (
	"net"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/znodepath"
	"github.com/zksh/zksh/jute"
)

// FuzzRequest feeds arbitrary request frames to a session on a live tree. No frame may panic,
// break the tree's invariants or leave a write half applied.
func FuzzRequest(f *testing.F) {
	acl := []jute.ACL{{Perms: jute.PermAll, ID: jute.ID{Scheme: "world", ID: "anyone"}}}
	seeds := []struct {
		op  int32
		req jute.Record
	}{
		{jute.OpCreate, &jute.CreateRequest{Path: "/a", Data: []byte("x"), ACL: acl}},
		{jute.OpCreate2, &jute.CreateRequest{Path: "/a/s-", ACL: acl, Flags: jute.FlagEphemeralSequential}},
		{jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/t", ACL: acl, Flags: jute.FlagPersistentWithTTL, TTL: 5}},
		{jute.OpDelete, &jute.PathVersionRequest{Path: "/a", Version: -1}},
		{jute.OpSetData, &jute.SetDataRequest{Path: "/a", Data: []byte("y"), Version: -1}},
		{jute.OpSetACL, &jute.SetACLRequest{Path: "/a", ACL: acl, Version: -1}},
		{jute.OpGetChildren2, &jute.PathWatchRequest{Path: "/", Watch: true}},
		{jute.OpMulti, &jute.MultiRequest{Ops: []jute.Op{
			{Type: jute.OpCreate, Req: &jute.CreateRequest{Path: "/m", ACL: acl}},
			{Type: jute.OpDelete, Req: &jute.PathVersionRequest{Path: "/m", Version: 3}}}}},
		{jute.OpMultiRead, &jute.MultiRequest{Ops: []jute.Op{{Type: jute.OpGetData, Req: &jute.PathWatchRequest{Path: "/"}}}}},
		{jute.OpSetWatches2, &jute.SetWatches{V2: true, Data: []string{"/a"}, Exist: []string{}, Child: []string{}, Persistent: []string{"/"}, PersistentRecursive: []string{"/"}}},
		{jute.OpAddWatch, &jute.PathIntRequest{Path: "/", Value: 1}},
		{jute.OpRemoveWatches, &jute.PathIntRequest{Path: "/", Value: 3}},
		{jute.OpAuth, &jute.AuthPacket{Scheme: "digest", Auth: []byte("u:p")}},
		{jute.OpWhoAmI, nil},
	}
	for _, sd := range seeds {
		f.Add(jute.Marshal(&jute.RequestHeader{Xid: 1, Type: sd.op}, sd.req))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		s, err := New(Config{ExtendedTypesEnabled: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		client, peer := net.Pipe()
		defer client.Close()
		go func() { // discard whatever the server writes
			buf := make([]byte, 4096)
			for {
				if _, err := client.Read(buf); err != nil {
					return
				}
			}
		}()
		c := newConn(s, peer, "127.0.0.1")
		s.wg.Add(1)
		go c.writeLoop()
		s.mu.Lock()
		sess := &session{id: 1 << 56, passwd: make([]byte, 16), timeout: 30000}
		s.sessions[sess.id] = sess
		s.attach(c, sess)
		s.mu.Unlock()
		s.handle(c, frame, time.Now())
		// Whatever the frame did (it may have closed the session), the server must still write.
		if err := s.Create("/after", nil); err != nil {
			t.Fatalf("server stopped working after the fuzzed frame: %v", err)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.txn != nil {
			t.Fatal("write left open")
		}
		checkTree(t, s.tree)
		c.closeNow()
	})
}

// checkTree verifies the tree's indexes agree with its links.
func checkTree(t *testing.T, tr *tree) {
	t.Helper()
	seen := 0
	var walk func(n *znode)
	walk = func(n *znode) {
		seen++
		if tr.nodes[n.path] != n {
			t.Fatalf("%s not indexed", n.path)
		}
		for name, c := range n.children {
			if c.parent != n || c.name != name || c.path != znodepath.Join(n.path, name) {
				t.Fatalf("bad link %s -> %s", n.path, name)
			}
			walk(c)
		}
	}
	walk(tr.root)
	if seen != len(tr.nodes) {
		t.Fatalf("%d nodes linked, %d indexed", seen, len(tr.nodes))
	}
	for owner, set := range tr.ephemerals {
		for p := range set {
			if n := tr.nodes[p]; n == nil || n.owner != owner {
				t.Fatalf("ephemeral index wrong for %s", p)
			}
		}
	}
}
