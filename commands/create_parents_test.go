package commands

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/go-zookeeper/zk"
)

// TestCreateParents: create -p creates the missing parents (empty, world:anyone:cdrwa) and then the
// znode with its data, flags and ACL; existing parents are fine; the znode itself existing is still
// "node already exists" (exit 1); a parent that cannot be created is named and nothing is created.
// On Apache ZooKeeper and the bundled server.
func TestCreateParents(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			root := "/TestCreateParents"
			zkshAt(addr, "deleteall", root)
			t.Cleanup(func() { zkshAt(addr, "deleteall", root) })

			r := zkshAt(addr, "create", "-p", root+"/a/b/c", "v", "world:anyone:r").must(t)
			if r.out != root+"/a/b/c\n" {
				t.Fatalf("create -p prints the znode: %q", r.out)
			}
			for _, p := range []string{root, root + "/a", root + "/a/b"} {
				data, st, err := c.Get(p)
				acl, _, _ := c.GetACL(p)
				if err != nil || len(data) != 0 || st.EphemeralOwner != 0 || fmt.Sprint(acl) != fmt.Sprint(zk.WorldACL(zk.PermAll)) {
					t.Errorf("parent %s: %q %+v %v %v", p, data, st, acl, err)
				}
			}
			if data, _, err := c.Get(root + "/a/b/c"); err != nil || string(data) != "v" {
				t.Fatalf("znode: %q %v", data, err)
			}
			if acl, _, _ := c.GetACL(root + "/a/b/c"); len(acl) != 1 || acl[0].Perms != zk.PermRead {
				t.Fatalf("the znode's ACL: %v", acl)
			}
			// The znode itself must not exist, as create without -p.
			zkshAt(addr, "create", "-p", root+"/a/b/c", "w").fails(t, ExitRefused, "create "+root+"/a/b/c: node already exists")
			if data, _, _ := c.Get(root + "/a/b/c"); string(data) != "v" {
				t.Fatalf("data overwritten: %q", data)
			}
			// Every parent there already: a plain create.
			zkshAt(addr, "create", "-p", root+"/a/x").must(t)
			// The flags apply to the znode only.
			r = zkshAt(addr, "create", "-p", "-s", root+"/q/r/item-", "d").must(t)
			if !regexp.MustCompile(`^` + regexp.QuoteMeta(root) + `/q/r/item-\d{10}\n$`).MatchString(r.out) {
				t.Fatalf("sequential: %q", r.out)
			}
			zkshAt(addr, "create", "-p", "-e", root+"/e/f/eph").must(t)
			if ok, _, _ := c.Exists(root + "/e/f/eph"); ok {
				t.Error("the ephemeral znode outlived its one-shot session")
			}
			if _, st, err := c.Get(root + "/e/f"); err != nil || st.EphemeralOwner != 0 {
				t.Errorf("the parents of an ephemeral znode are persistent: %+v %v", st, err)
			}
			made := []string{"/box/in/c"}
			zkshAt(addr, "create", "-p", "-c", root+"/box/in/c").must(t)
			if name == "apache" { // the bundled server started here has no TTL znodes (extendedTypesEnabled)
				zkshAt(addr, "create", "-p", "-t", "60000", root+"/ttl/in/t").must(t)
				made = append(made, "/ttl/in/t")
			}
			for _, p := range made {
				if ok, _, err := c.Exists(root + p); err != nil || !ok {
					t.Errorf("%s: %v %v", p, ok, err)
				}
				if _, st, err := c.Get(root + p[:strings.LastIndexByte(p, '/')]); err != nil || st.EphemeralOwner != 0 {
					t.Errorf("parent of %s: %+v %v", p, st, err)
				}
			}
			// A parent that cannot have children: named, and nothing below it created.
			if _, err := c.Create(root+"/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
			zkshAt(addr, "create", "-p", root+"/eph/x/y").fails(t, ExitRefused, "create "+root+"/eph/x/y: parent "+root+"/eph/x: ephemeral nodes cannot have children")
			// A parent that may not be created under: named, and nothing created.
			if _, err := c.Create(root+"/locked", nil, 0, zk.WorldACL(zk.PermRead)); err != nil {
				t.Fatal(err)
			}
			zkshAt(addr, "create", "-p", root+"/locked/x/y/z").fails(t, ExitRefused, "parent "+root+"/locked/x: not authorized")
			if ok, _, _ := c.Exists(root + "/locked/x"); ok {
				t.Error("a parent was created although the multi failed")
			}
			// The znode refused after its parents were created: the error says they were and are left.
			zkshAt(addr, "create", "-p", root+"/left/a/x", "d", "auth::cdrwa").fails(t, ExitRefused,
				"create "+root+"/left/a/x: invalid ACL: auth:: grants the session's authenticated users, and this session has none (use --auth or addauth first); the missing parents "+root+"/left, "+root+"/left/a were created and are left")
			if ok, _, _ := c.Exists(root + "/left/a"); !ok {
				t.Error("the parents are not there")
			}
			// Under a chroot: the parents are found and created inside it.
			if r := zkshAt(addr+root, "create", "-p", "/c1/c2/c3").must(t); r.out != "/c1/c2/c3\n" {
				t.Errorf("chroot: %q", r.out)
			}
			if ok, _, _ := c.Exists(root + "/c1/c2/c3"); !ok {
				t.Error("chroot: not created inside it")
			}
			// Without -p, as before.
			zkshAt(addr, "create", root+"/none/x").fails(t, ExitRefused, "node does not exist")
		})
	}
}

// TestCreateParentsConcurrent: creators racing for the same missing parents all succeed: a parent
// created by another between the check and the multi is taken as it is.
func TestCreateParentsConcurrent(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			root := "/TestCreateParentsConcurrent"
			zkshAt(addr, "deleteall", root)
			t.Cleanup(func() { zkshAt(addr, "deleteall", root) })
			const n = 8
			var wg sync.WaitGroup
			results := make([]result, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = zkshAt(addr, "create", "-p", fmt.Sprintf("%s/a/b/c/leaf%d", root, i))
				}()
			}
			wg.Wait()
			for i, r := range results {
				if r.code != 0 || r.err != "" {
					t.Errorf("creator %d: %+v", i, r)
				}
			}
			if kids, _, err := c.Children(root + "/a/b/c"); err != nil || len(kids) != n {
				t.Fatalf("children %v %v", kids, err)
			}
		})
	}
}

// TestCreateParentsLostConnection: a connection lost while the parents are being created leaves
// their creation unknown (exit 3), says so, and the znode is not created.
func TestCreateParentsLostConnection(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			root := "/TestCreateParentsLost"
			zkshAt(addr, "deleteall", root)
			t.Cleanup(func() { zkshAt(addr, "deleteall", root) })
			p := newCuttingProxy(t, addr)
			p.arm(true, opcodeMulti)
			zkshAt(p.addr(), "create", "-p", root+"/a/b", "v").fails(t, ExitUnavailable,
				"create "+root+"/a/b: creating the missing parents (from "+root+"): "+unknownOutcome)
			if ok, _, _ := c.Exists(root + "/a"); !ok {
				t.Error("the multi was forwarded, yet the parents are missing")
			}
			if ok, _, _ := c.Exists(root + "/a/b"); ok {
				t.Error("the znode was created after the parents' outcome was lost")
			}
		})
	}
}
