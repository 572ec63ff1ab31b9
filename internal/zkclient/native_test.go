package zkclient

import (
	"context"
	"errors"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/jute"
)

// TestEphemeralsNative: getEphemerals is answered by the server on the user's session: an ephemeral
// under a znode the session may not list is found (a walk would have to skip it), another
// session's is not, and the server's prefix match is kept (zkCli's).
func TestEphemeralsNative(t *testing.T) {
	for name, addr := range servers(t) {
		c, other := open(t, addr), open(t, addr)
		root := testRoot(t, c)
		if _, err := c.Create(root+"/locked", nil, 0, zk.WorldACL(zk.PermCreate|zk.PermDelete|zk.PermAdmin)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.SetACL(root+"/locked", zk.WorldACL(zk.PermAll), -1) })
		for _, e := range []struct {
			c    *Client
			path string
		}{{c, root + "/locked/hidden"}, {c, root + "x"}, {other, root + "/theirs"}} {
			if _, err := e.c.Create(e.path, nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
		}
		owned, unlisted, err := c.Ephemerals(context.Background(), root)
		sort.Strings(owned)
		if err != nil || unlisted != 0 || strings.Join(owned, ",") != root+"/locked/hidden,"+root+"x" {
			t.Errorf("%s: %q %d %v", name, owned, unlisted, err)
		}
	}
}

// olderServer is a proxy in front of a server that answers the given opcodes with Unimplemented
// itself, as a ZooKeeper older than them does.
func olderServer(t *testing.T, target string, unknown ...int32) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			var mu sync.Mutex // one frame at a time to the client
			go func() {
				defer in.Close()
				for {
					b, err := jute.ReadFrame(out, 64<<20, nil)
					if err != nil {
						return
					}
					mu.Lock()
					_, err = in.Write(jute.AppendFrame(nil, rawRecord(b)))
					mu.Unlock()
					if err != nil {
						return
					}
				}
			}()
			go func() {
				defer out.Close()
				for first := true; ; first = false {
					b, err := jute.ReadFrame(in, 64<<20, nil)
					if err != nil {
						return
					}
					var h jute.RequestHeader
					h.Decode(jute.NewDecoder(b))
					refuse := false
					for _, op := range unknown {
						refuse = refuse || (!first && h.Type == op)
					}
					if refuse {
						mu.Lock()
						in.Write(jute.AppendFrame(nil, &jute.ReplyHeader{Xid: h.Xid, Err: jute.ErrUnimplemented}))
						mu.Unlock()
						continue
					}
					if _, err := out.Write(jute.AppendFrame(nil, rawRecord(b))); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// rawRecord is bytes passed on as they are.
type rawRecord []byte

func (r rawRecord) Encode(e *jute.Encoder) { e.Buf = append(e.Buf, r...) }
func (r rawRecord) Decode(*jute.Decoder)   {}

// TestOlderServerFallbacks: on a server without getEphemerals and getAllChildrenNumber, Ephemerals
// walks the subtree (skipping, and counting, what the session may not list) and AllChildrenNumber
// counts by walking.
func TestOlderServerFallbacks(t *testing.T) {
	addr := zktest.Server(t)
	c := open(t, olderServer(t, addr, jute.OpGetEphemerals, jute.OpGetAllChildrenNumber))
	root := testRoot(t, c)
	if _, err := c.Create(root+"/locked", nil, 0, zk.WorldACL(zk.PermCreate|zk.PermDelete|zk.PermAdmin)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.SetACL(root+"/locked", zk.WorldACL(zk.PermAll), -1) })
	for _, p := range []string{root + "/locked/hidden", root + "/mine"} {
		if _, err := c.Create(p, nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	owned, unlisted, err := c.Ephemerals(context.Background(), root)
	if err != nil || unlisted != 1 || len(owned) != 1 || owned[0] != root+"/mine" {
		t.Errorf("Ephemerals: %q %d %v", owned, unlisted, err)
	}
	if _, err := c.SetACL(root+"/locked", zk.WorldACL(zk.PermAll), -1); err != nil {
		t.Fatal(err)
	}
	if n, err := c.AllChildrenNumber(context.Background(), root, nil); n != 3 || err != nil {
		t.Errorf("AllChildrenNumber: %d %v", n, err)
	}
}

// TestOpsErrors: the user's session gives go-zookeeper's errors and results as before, a refused
// multi included (the first refusal as the error, each operation's result).
func TestOpsErrors(t *testing.T) {
	for name, addr := range servers(t) {
		c := open(t, addr)
		root := testRoot(t, c)
		mustCreate(t, c, root+"/a", root+"/a/b")
		check := func(what string, err, want error) {
			t.Helper()
			if !errors.Is(err, want) {
				t.Errorf("%s: %s: %v, want %v", name, what, err, want)
			}
		}
		_, _, err := c.Get(root + "/none")
		check("get", err, zk.ErrNoNode)
		_, err = c.Create(root+"/a", nil, 0, zk.WorldACL(zk.PermAll))
		check("create", err, zk.ErrNodeExists)
		_, err = c.Set(root+"/a", nil, 42)
		check("set", err, zk.ErrBadVersion)
		check("delete", c.Delete(root+"/a", -1), zk.ErrNotEmpty)
		_, err = c.Create(root+"/a/b/c", nil, 0, nil)
		check("create without ACL", err, zk.ErrInvalidACL)
		seq, err := c.Create(root+"/s-", []byte("x"), zk.FlagSequence, zk.WorldACL(zk.PermAll))
		if err != nil || seq != root+"/s-0000000001" {
			t.Errorf("%s: sequential %q %v", name, seq, err)
		}
		st, err := c.Set(root+"/a", []byte("v"), 0)
		if err != nil || st.Version != 1 || st.DataLength != 1 {
			t.Errorf("%s: set %+v %v", name, st, err)
		}
		acl, _, err := c.GetACL(root + "/a")
		if err != nil || len(acl) != 1 || acl[0] != zk.WorldACL(zk.PermAll)[0] {
			t.Errorf("%s: getAcl %v %v", name, acl, err)
		}
		res, failed, err := c.Multi(&zk.CreateRequest{Path: root + "/m", Acl: zk.WorldACL(zk.PermAll)},
			&zk.CheckVersionRequest{Path: root + "/a", Version: 7},
			&zk.DeleteRequest{Path: root + "/a/b", Version: -1})
		check("multi", err, zk.ErrBadVersion)
		if len(res) != 3 || failed != 1 || !errors.Is(res[1].Error, zk.ErrBadVersion) || res[2].Error == nil || res[2].Error.Error() != "unknown error: -2" {
			t.Errorf("%s: multi results %+v", name, res)
		}
		res, _, err = c.Multi(&zk.CreateRequest{Path: root + "/m", Acl: zk.WorldACL(zk.PermAll)},
			&zk.SetDataRequest{Path: root + "/a", Data: []byte("w"), Version: 1})
		if err != nil || len(res) != 2 || res[0].String != root+"/m" || res[1].Stat == nil || res[1].Stat.Version != 2 {
			t.Errorf("%s: multi %+v %v", name, res, err)
		}
	}
}
