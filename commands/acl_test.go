package commands

import (
	"net"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
)

// TestSetACLRecursiveNotAuthorized: setAcl -R changes every znode it may, names on stderr each znode
// it may not change or list, and exits 1; on Apache ZooKeeper and the bundled server.
func TestSetACLRecursiveNotAuthorized(t *testing.T) {
	root := testRoot(t)
	local := bundled(t)
	lc := dial(t, local)
	mustCreate(t, lc, root, nil)
	newACL := zk.WorldACL(zk.PermAll &^ zk.PermWrite)
	for _, server := range zktest.Targets(t, local) {
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

func TestAdministers(t *testing.T) {
	alice := digestID("alice", "pw")
	me := sessionIdentities{
		ips:           []netip.Addr{netip.MustParseAddr("::ffff:10.1.2.3")}, // as a mapped address, to check it matches the IPv4 ids
		digests:       map[string]bool{alice: true},
		authenticated: true,
		others:        map[string]bool{"sasl:bob@EXAMPLE.COM": true},
	}
	nobody := sessionIdentities{ips: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}
	tests := []struct {
		acl         string
		me, nobody_ bool
	}{
		{"world:anyone:cdrwa", true, true},
		{"world:anyone:a", true, true},
		{"world:anyone:cdrw", false, false},
		{"auth::cdrwa", true, false},
		{"auth::cdrw,world:anyone:r", false, false},
		{"digest:" + alice + ":a", true, false},
		{"digest:" + digestID("alice", "other") + ":cdrwa", false, false},
		{"digest:alice:AAAAAAAAAAAAAAAAAAAAAAAAAAA=:cdrwa", false, false},
		{"ip:10.1.2.3:cdrwa", true, false},
		{"ip:10.0.0.0/8:a", true, false},
		{"ip:10.1.2.4:cdrwa", false, false},
		{"ip:127.0.0.1:a", false, true},
		{"ip:127.0.0.0/8:cdrwa,world:anyone:r", false, true},
		{"sasl:bob@EXAMPLE.COM:cdrwa", true, false},
		{"sasl:eve@EXAMPLE.COM:cdrwa", false, false},
		{"x509:CN=me:r,digest:" + alice + ":r", false, false},
	}
	for _, tt := range tests {
		acl, err := parseACL(tt.acl)
		if err != nil {
			t.Fatalf("%s: %v", tt.acl, err)
		}
		if got := me.administers(acl); got != tt.me {
			t.Errorf("%s: administers = %v for alice at 10.1.2.3", tt.acl, got)
		}
		if got := nobody.administers(acl); got != tt.nobody_ {
			t.Errorf("%s: administers = %v for an anonymous session at 127.0.0.1", tt.acl, got)
		}
	}
	if digestID("super", "secret") != zktest.SuperDigest {
		t.Errorf("digestID(super, secret) = %s, want %s", digestID("super", "secret"), zktest.SuperDigest)
	}
}

// TestSetACLKeepsAdmin: setAcl refuses (exit 2, nothing sent) an ACL that leaves the session no admin
// permission, unless --force; on Apache ZooKeeper and the bundled server.
func TestSetACLKeepsAdmin(t *testing.T) {
	root := testRoot(t)
	local := bundled(t)
	lc := dial(t, local)
	mustCreate(t, lc, root, nil)
	alice := digestID("alice", "pw")
	for _, server := range zktest.Targets(t, local) {
		c := client(t)
		if server == local {
			c = lc
		}
		x := root + "/x"
		mustCreateAll(t, c, x, x+"/child")
		run := func(args ...string) (int, string) {
			streams, _, errOut := fakeIO("", false)
			return Main(append([]string{"--server", server}, args...), streams, nil), errOut.String()
		}
		unchanged := func(what string) {
			t.Helper()
			for _, p := range []string{x, x + "/child"} {
				if acl, _, err := c.GetACL(p); err != nil || !reflect.DeepEqual(acl, zk.WorldACL(zk.PermAll)) {
					t.Errorf("%s: %s: %s has ACL %v (%v), want it unchanged", server, what, p, acl, err)
				}
			}
		}
		for _, args := range [][]string{
			{"setAcl", x, "world:anyone:r"},
			{"setAcl", "-R", x, "world:anyone:r"},
			{"setAcl", x, "digest:" + alice + ":cdrwa"},                             // not alice
			{"setAcl", x, "auth::cdrwa"},                                            // no credentials: Apache would refuse it anyway
			{"setAcl", x, "ip:10.0.0.0/8:cdrwa,world:anyone:cdrw"},                  // not from 10/8
			{"--auth", "digest:alice:other", "setAcl", x, "digest:" + alice + ":a"}, // wrong password
		} {
			code, stderr := run(args...)
			if code != 2 || !strings.Contains(stderr, "no admin permission (a)") || !strings.Contains(stderr, "--force") {
				t.Errorf("%s: zksh %q: exit %d, stderr %q; want exit 2 naming the missing admin permission and --force", server, args, code, stderr)
			}
			unchanged(strings.Join(args, " "))
		}
		for _, args := range [][]string{
			{"setAcl", x, "world:anyone:cdrwa"},
			{"setAcl", x, "ip:127.0.0.1:cdrwa"},
			{"setAcl", x, "ip:127.0.0.0/8:a,world:anyone:cdrw"},
			{"--auth", "digest:alice:pw", "setAcl", x, "digest:" + alice + ":a,world:anyone:cdrw"},
			{"--auth", "digest:alice:pw", "setAcl", x, "auth::cdrwa"},
		} {
			if code, stderr := run(args...); code != 0 {
				t.Errorf("%s: zksh %q: exit %d, stderr %q", server, args, code, stderr)
			}
			if _, err := c.SetACL(x, zk.WorldACL(zk.PermAll), -1); err != nil {
				c.AddAuth("digest", []byte("alice:pw"))
				if _, err := c.SetACL(x, zk.WorldACL(zk.PermAll), -1); err != nil {
					t.Fatal(err)
				}
			}
		}
		// --force sets it anyway.
		if code, stderr := run("--force", "setAcl", "-R", x, "world:anyone:cdr"); code != 0 {
			t.Errorf("%s: --force setAcl: exit %d, stderr %q", server, code, stderr)
		}
		for _, p := range []string{x, x + "/child"} {
			if acl, _, err := c.GetACL(p); err != nil || !reflect.DeepEqual(acl, zk.WorldACL(zk.PermCreate|zk.PermDelete|zk.PermRead)) {
				t.Errorf("%s: --force: %s has ACL %v (%v)", server, p, acl, err)
			}
		}
		code, _ := run("setAcl", x, "world:anyone:cdrwa")
		if code != 1 {
			t.Errorf("%s: setAcl after --force locked the ACL: exit %d, want 1 (not authorized)", server, code)
		}
	}
}

// TestValidIPID: the ip scheme's ids are checked as net.ParseIP and net.ParseCIDR checked them
// (commands/ no longer imports net).
func TestValidIPID(t *testing.T) {
	for id, want := range map[string]bool{
		"10.1.2.3": true, "10.0.0.0/8": true, "10.0.0.0/008": true, "10.0.0.0/32": true, "::1": true,
		"fe80::/10": true, "::ffff:10.0.0.0/104": true, "::/128": true,
		"1.2.3": false, "10.0.0.0/33": false, "10.0.0.0/": false, "10.0.0.0/-1": false, "/8": false,
		"fe80::1%eth0": false, "::/129": false, "10.0.0.0/8/8": false, "host": false, "": false,
	} {
		got := validIPID(id)
		_, _, cidrErr := net.ParseCIDR(id)
		if old := net.ParseIP(id) != nil || cidrErr == nil; old != want {
			t.Fatalf("test table: net says %q is valid=%v", id, old)
		}
		if got != want {
			t.Errorf("validIPID(%q) = %v, want %v", id, got, want)
		}
	}
}
