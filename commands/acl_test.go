package commands

import (
	"reflect"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
)

// TestSetACLRecursiveNotAuthorized: setAcl -R changes every znode it may, names on stderr each znode
// it may not change or list, and exits 1; on Apache ZooKeeper and the bundled server.
func TestSetACLRecursiveNotAuthorized(t *testing.T) {
	root := testRoot(t)
	local, stop, err := startLocalServer("")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	lc, _, err := zk.Connect([]string{local}, 4e9, zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Close()
	mustCreate(t, lc, root, nil)
	newACL := zk.WorldACL(zk.PermAll &^ zk.PermWrite)
	for _, server := range []string{zktest.Apache(t), local} {
		c := client(t)
		if server == local {
			c = lc
		}
		s := root + "/s"
		mustCreateAll(t, c, s, s+"/a", s+"/a/k", s+"/b", s+"/b/c", s+"/d", s+"/d/e", s+"/f")
		setACL := func(p string, acl []zk.ACL) {
			t.Helper()
			if _, err := c.SetACL(p, acl, -1); err != nil {
				t.Fatal(err)
			}
		}
		setACL(s+"/a", zk.DigestACL(zk.PermAll, "u", "p"))    // neither listed nor changed
		setACL(s+"/b", zk.WorldACL(zk.PermAll&^zk.PermAdmin)) // listed, not changed
		setACL(s+"/d", zk.WorldACL(zk.PermAll&^zk.PermRead))  // changed, not listed

		streams, out, errOut := fakeIO("", false)
		code := Main([]string{"--server", server, "setAcl", "-R", s, "world:anyone:cdra"}, streams, nil)
		wantErr := "zksh: setAcl " + s + "/a: not authorized (no auth) to change its ACL or to list its children\n" +
			"zksh: setAcl " + s + "/b: not authorized (no auth)\n" +
			"zksh: setAcl " + s + "/d: not authorized (no auth) to list its children, whose ACLs are unchanged\n" +
			"zksh: setAcl -R " + s + ": 3 znodes refused (named above); the ACL is set on every other znode\n"
		if code != 1 || out.Len() != 0 || errOut.String() != wantErr {
			t.Errorf("%s: exit %d, stdout %q, stderr:\n%s\nwant exit 1 and stderr:\n%s", server, code, out, errOut, wantErr)
		}
		for _, p := range []string{s, s + "/b/c", s + "/d", s + "/f"} {
			if acl, _, err := c.GetACL(p); err != nil || !reflect.DeepEqual(acl, newACL) {
				t.Errorf("%s: %s has ACL %v (%v), want %v", server, p, acl, err, newACL)
			}
		}
		for _, p := range []string{s + "/b", s + "/a/k", s + "/d/e"} {
			if acl, _, err := c.GetACL(p); err != nil || reflect.DeepEqual(acl, newACL) {
				t.Errorf("%s: %s has ACL %v (%v), want it unchanged", server, p, acl, err)
			}
		}

		// A leaf refused is refused as without -R.
		mustCreate(t, c, s+"/g", nil)
		setACL(s+"/g", zk.WorldACL(zk.PermAll&^zk.PermAdmin))
		streams, _, errOut = fakeIO("", false)
		code = Main([]string{"--server", server, "setAcl", "-R", s + "/g", "world:anyone:cdra"}, streams, nil)
		if code != 1 || errOut.String() != "zksh: setAcl "+s+"/g: not authorized (no auth)\n" {
			t.Errorf("%s: setAcl -R of an unreadable leaf: exit %d, stderr %q", server, code, errOut)
		}

		// Let the test's cleanup delete everything.
		if err := c.AddAuth("digest", []byte("u:p")); err != nil {
			t.Fatal(err)
		}
		setACL(s+"/a", zk.WorldACL(zk.PermAll))
		setACL(s+"/d", zk.WorldACL(zk.PermAll))
	}
}
