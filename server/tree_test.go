package server_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/zksh/zksh/jute"
	"github.com/zksh/zksh/server"
)

func TestSystemNodes(t *testing.T) {
	srv := server.RunT(t)
	c := newRaw(t, srv)
	// Values read off a fresh Apache ZooKeeper 3.8.0.
	root := c.mustStat("/")
	if root.Cversion != -1 || root.NumChildren != 1 || root.Pzxid != 0 || root.Czxid != 0 {
		t.Errorf("/ stat %+v", root)
	}
	zk := c.mustStat("/zookeeper")
	if zk.Cversion != -2 || zk.NumChildren != 2 {
		t.Errorf("/zookeeper stat %+v", zk)
	}
	cfg := c.mustStat("/zookeeper/config")
	if cfg.Aversion != -1 {
		t.Errorf("/zookeeper/config stat %+v", cfg)
	}
	var acl jute.GetACLResponse
	wantCode(t, "getACL", c.call(jute.OpGetACL, &jute.PathRecord{Path: "/zookeeper/config"}, &acl), 0)
	if len(acl.ACL) != 1 || acl.ACL[0].Perms != jute.PermRead {
		t.Errorf("/zookeeper/config acl %+v", acl.ACL)
	}
	for _, p := range []string{"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"} {
		wantCode(t, "delete "+p, c.call(jute.OpDelete, &jute.PathVersionRequest{Path: p, Version: -1}, nil), jute.ErrBadArguments)
	}
	wantCode(t, "setData config", c.call(jute.OpSetData, &jute.SetDataRequest{Path: "/zookeeper/config", Version: -1}, nil), jute.ErrNoAuth)
}

func TestStatFields(t *testing.T) {
	srv := server.RunT(t)
	c := newRaw(t, srv)
	z0 := srv.Zxid()
	before := time.Now().UnixMilli()
	c.mustCreate("/a", []byte("hello"), 0)
	a := c.mustStat("/a")
	if a.Czxid != z0+1 || a.Mzxid != z0+1 || a.Pzxid != z0+1 || a.Version != 0 || a.DataLength != 5 {
		t.Fatalf("/a after create: %+v", a)
	}
	if a.Ctime < before || a.Ctime != a.Mtime {
		t.Fatalf("times: %+v (before %d)", a, before)
	}
	c.mustCreate("/a/x", nil, 0)
	c.mustCreate("/a/y", nil, 0)
	a = c.mustStat("/a")
	if a.Cversion != 2 || a.NumChildren != 2 || a.Pzxid != z0+3 || a.Mzxid != z0+1 {
		t.Fatalf("/a after two children: %+v", a)
	}
	wantCode(t, "delete", c.call(jute.OpDelete, &jute.PathVersionRequest{Path: "/a/x", Version: 0}, nil), 0)
	a = c.mustStat("/a")
	// Apache reports cversion as creates*2 - children: two creates and one delete give 3.
	if a.Cversion != 3 || a.NumChildren != 1 || a.Pzxid != z0+4 {
		t.Fatalf("/a after delete: %+v", a)
	}
	// A failed write still takes a zxid.
	_, code := c.create("/a/y", nil, 0)
	wantCode(t, "create existing", code, jute.ErrNodeExists)
	if srv.Zxid() != z0+5 {
		t.Fatalf("zxid after failed write = %d, want %d", srv.Zxid(), z0+5)
	}
	var set jute.StatResponse
	wantCode(t, "setData", c.call(jute.OpSetData, &jute.SetDataRequest{Path: "/a", Data: []byte("x"), Version: 0}, &set), 0)
	if set.Stat.Version != 1 || set.Stat.Mzxid != z0+6 || set.Stat.Czxid != z0+1 {
		t.Fatalf("after setData: %+v", set.Stat)
	}
	wantCode(t, "bad version", c.call(jute.OpSetData, &jute.SetDataRequest{Path: "/a", Version: 0}, nil), jute.ErrBadVersion)
	wantCode(t, "not empty", c.call(jute.OpDelete, &jute.PathVersionRequest{Path: "/a", Version: -1}, nil), jute.ErrNotEmpty)
	wantCode(t, "no parent", c.call(jute.OpCreate, &jute.CreateRequest{Path: "/nope/x", ACL: openACL}, nil), jute.ErrNoNode)
	wantCode(t, "bad path", c.call(jute.OpCreate, &jute.CreateRequest{Path: "/a/", ACL: openACL}, nil), jute.ErrBadArguments)
	wantCode(t, "relative", c.call(jute.OpCreate, &jute.CreateRequest{Path: "a", ACL: openACL}, nil), jute.ErrBadArguments)
	wantCode(t, "dot", c.call(jute.OpCreate, &jute.CreateRequest{Path: "/a/.", ACL: openACL}, nil), jute.ErrBadArguments)
	wantCode(t, "root", c.call(jute.OpCreate, &jute.CreateRequest{Path: "/", ACL: openACL}, nil), jute.ErrNodeExists)
	wantCode(t, "empty acl", c.call(jute.OpCreate, &jute.CreateRequest{Path: "/b"}, nil), jute.ErrInvalidACL)
	wantCode(t, "bad flags", c.call(jute.OpCreate, &jute.CreateRequest{Path: "/b", ACL: openACL, Flags: 9}, nil), jute.ErrBadArguments)
	// Data written as null reads back as null; empty as empty.
	c.mustCreate("/null", nil, 0)
	c.mustCreate("/empty", []byte{}, 0)
	var gd jute.GetDataResponse
	c.call(jute.OpGetData, &jute.PathWatchRequest{Path: "/null"}, &gd)
	if gd.Data != nil {
		t.Fatalf("null data read back as %v", gd.Data)
	}
	c.call(jute.OpGetData, &jute.PathWatchRequest{Path: "/empty"}, &gd)
	if gd.Data == nil || len(gd.Data) != 0 {
		t.Fatalf("empty data read back as %v", gd.Data)
	}
}

func TestSequentialAndEphemeral(t *testing.T) {
	srv := server.RunT(t)
	c := newRaw(t, srv)
	c.mustCreate("/q", nil, 0)
	for i := 0; i < 3; i++ {
		if p := c.mustCreate("/q/n-", nil, jute.FlagPersistentSequential); p != fmt.Sprintf("/q/n-%010d", i) {
			t.Fatalf("sequential %d: %s", i, p)
		}
	}
	wantCode(t, "delete", c.call(jute.OpDelete, &jute.PathVersionRequest{Path: "/q/n-0000000001", Version: -1}, nil), 0)
	// The suffix counts creates only (the stored cversion), so a delete does not reuse a number.
	if p := c.mustCreate("/q/", nil, jute.FlagEphemeralSequential); p != "/q/0000000003" {
		t.Fatalf("after delete: %s", p)
	}
	e := c.mustStat("/q/0000000003")
	if e.EphemeralOwner != c.conn.SessionID {
		t.Fatalf("ephemeral owner %x, want %x", e.EphemeralOwner, c.conn.SessionID)
	}
	_, code := c.create("/q/0000000003/child", nil, 0)
	wantCode(t, "child of ephemeral", code, jute.ErrNoChildrenForEphemerals)
	var eph jute.StringsResponse
	wantCode(t, "getEphemerals", c.call(jute.OpGetEphemerals, &jute.PathRecord{Path: "/q"}, &eph), 0)
	if len(eph.Strings) != 1 || eph.Strings[0] != "/q/0000000003" {
		t.Fatalf("ephemerals %v", eph.Strings)
	}
	var n jute.IntRecord
	wantCode(t, "getAllChildrenNumber", c.call(jute.OpGetAllChildrenNumber, &jute.PathRecord{Path: "/q"}, &n), 0)
	if n.Value != 3 {
		t.Fatalf("all children of /q = %d", n.Value)
	}
	wantCode(t, "getAllChildrenNumber /", c.call(jute.OpGetAllChildrenNumber, &jute.PathRecord{Path: "/"}, &n), 0)
	if n.Value != 7 { // zookeeper, quota, config, q and its three children
		t.Fatalf("all children of / = %d", n.Value)
	}
}

func TestChildOrderIsJavaHashSetOrder(t *testing.T) {
	srv := server.RunT(t)
	c := newRaw(t, srv)
	c.mustCreate("/o", nil, 0)
	for _, n := range []string{"b", "a", "zz", "c", "aa", "node10", "node2", "x", "y"} {
		c.mustCreate("/o/"+n, nil, 0)
	}
	var r jute.StringsResponse
	wantCode(t, "getChildren", c.call(jute.OpGetChildren, &jute.PathWatchRequest{Path: "/o"}, &r), 0)
	// The order Apache ZooKeeper 3.8.0 returned for the same creates (its children live in a
	// java.util.HashSet, grown to 16 buckets by the seventh child).
	want := []string{"zz", "aa", "a", "node10", "b", "node2", "c", "x", "y"}
	if fmt.Sprint(r.Strings) != fmt.Sprint(want) {
		t.Fatalf("children %v, want %v", r.Strings, want)
	}
}

func TestContainersAndTTL(t *testing.T) {
	srv, err := server.New(server.Config{ExtendedTypesEnabled: true, ContainerCheckInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Close() })
	c := newRaw(t, srv)
	var cr jute.Create2Response
	wantCode(t, "createContainer", c.call(jute.OpCreateContainer, &jute.CreateRequest{Path: "/box", ACL: openACL, Flags: jute.FlagContainer}, &cr), 0)
	if cr.Stat.EphemeralOwner != 0 {
		t.Fatalf("container owner shows %x; Apache shows 0", cr.Stat.EphemeralOwner)
	}
	c.mustCreate("/never-used", nil, 0)
	wantCode(t, "createContainer 2", c.call(jute.OpCreateContainer, &jute.CreateRequest{Path: "/unused", ACL: openACL, Flags: jute.FlagContainer}, nil), 0)
	c.mustCreate("/box/item", nil, 0)
	srv.FastForward(0)
	if !srv.Exists("/box") {
		t.Fatal("container with a child was removed")
	}
	wantCode(t, "delete item", c.call(jute.OpDelete, &jute.PathVersionRequest{Path: "/box/item", Version: -1}, nil), 0)
	srv.FastForward(0)
	if srv.Exists("/box") {
		t.Fatal("emptied container still there")
	}
	if !srv.Exists("/unused") {
		t.Fatal("container that never had a child was removed")
	}

	wantCode(t, "createTTL", c.call(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/ttl", ACL: openACL, Flags: jute.FlagPersistentWithTTL, TTL: 60000}, &cr), 0)
	wantCode(t, "createTTL bad ttl", c.call(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/ttl2", ACL: openACL, Flags: jute.FlagPersistentWithTTL, TTL: 0}, nil), jute.ErrBadArguments)
	wantCode(t, "createTTL bad mode", c.call(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/ttl2", ACL: openACL, Flags: 0, TTL: 10}, nil), jute.ErrBadArguments)
	srv.FastForward(30 * time.Second)
	if !srv.Exists("/ttl") {
		t.Fatal("TTL node removed early")
	}
	// The session must stay alive across the jump: ping first.
	srv.FastForward(31 * time.Second)
	if srv.Exists("/ttl") {
		t.Fatal("TTL node not removed after its TTL")
	}
}

func TestTTLNeedsExtendedTypes(t *testing.T) {
	srv := server.RunT(t)
	c := newRaw(t, srv)
	wantCode(t, "createTTL", c.call(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/t", ACL: openACL, Flags: jute.FlagPersistentWithTTL, TTL: 100}, nil), jute.ErrUnimplemented)
}

func TestDirectHelpers(t *testing.T) {
	srv := server.RunT(t)
	if err := srv.Create("/h", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := srv.Create("/h", nil); err == nil || err.Error() != "KeeperErrorCode = NodeExists" {
		t.Fatalf("create twice: %v", err)
	}
	if err := srv.Set("/h", []byte("w")); err != nil {
		t.Fatal(err)
	}
	data, st, err := srv.Get("/h")
	if err != nil || string(data) != "w" || st.Version != 1 {
		t.Fatalf("get: %q %+v %v", data, st, err)
	}
	kids, err := srv.Children("/")
	if err != nil || len(kids) != 2 {
		t.Fatalf("children: %v %v", kids, err)
	}
	if err := srv.Delete("/h"); err != nil || srv.Exists("/h") {
		t.Fatalf("delete: %v", err)
	}
}
