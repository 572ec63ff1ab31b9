package commands

import (
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
)

// TestGetACLRecursive checks getAcl -R on Apache ZooKeeper and the bundled server: every znode's
// ACL as GetACL gives it, in ls -R's order, in setAcl's syntax; a znode the session may not list
// (ADMIN only) still shows its ACL; one it may neither list nor read is left out and named once;
// the exit status is 1 then; the JSON form; a missing path.
func TestGetACLRecursive(t *testing.T) {
	root := testRoot(t)
	local := bundled(t)
	lc := dial(t, local)
	mustCreate(t, lc, root, nil)
	for _, server := range zktest.Targets(t, local) {
		c := client(t)
		if server == local {
			c = lc
		}
		s := root + "/acl"
		mustCreateAll(t, c, s, s+"/a", s+"/a/b", s+"/admin", s+"/admin/x", s+"/hidden", s+"/hidden/y", s+"/z")
		setACL := func(p string, acl []zk.ACL) {
			t.Helper()
			if _, err := c.SetACL(p, acl, -1); err != nil {
				t.Fatal(err)
			}
		}
		setACL(s+"/a", zk.WorldACL(zk.PermRead))
		setACL(s+"/a/b", append(zk.DigestACL(zk.PermAll, "bob", "pw"), zk.WorldACL(zk.PermRead)...))
		setACL(s+"/admin", zk.WorldACL(zk.PermAdmin))                                    // ACL readable, children not
		setACL(s+"/hidden", []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "10.9.9.9"}}) // neither

		res := zksh(t, "--server", server, "getAcl", "-R", s)
		var want strings.Builder
		for _, p := range []string{s, s + "/a", s + "/admin", s + "/z", s + "/a/b"} {
			acl, _, err := c.GetACL(p)
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, e := range acl {
				parts = append(parts, e.Scheme+":"+e.ID+":"+permLetters(e.Perms))
			}
			want.WriteString(p + "\t" + strings.Join(parts, ",") + "\n")
		}
		wantErr := "zksh: getAcl " + s + "/admin: not authorized to list its children\n" +
			"zksh: getAcl " + s + "/hidden: not authorized to read its ACL or to list its children\n" +
			"zksh: getAcl " + s + ": the ACL of 1 znode and the children of 2 znodes are missing from the listing (not authorized: named above)\n"
		if res.code != 1 || res.out != want.String() || res.err != wantErr {
			t.Errorf("%s: exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s\nwant:\n%s", server, res.code, res.out, want.String(), res.err, wantErr)
		}
		if !strings.Contains(res.out, s+"/a/b\tdigest:bob:") {
			t.Errorf("%s: the digest entry is missing: %s", server, res.out)
		}

		js := zksh(t, "--server", server, "-o", "json", "getAcl", "-R", s+"/a")
		wantJSON := `{"path":"` + s + `/a","nodes":[{"path":"` + s + `/a","acl":[{"scheme":"world","id":"anyone","perms":"r"}]},{"path":"` + s + `/a/b","acl":[`
		if js.code != 0 || !strings.HasPrefix(js.out, wantJSON) {
			t.Errorf("%s: json: exit %d %s, want prefix %s", server, js.code, js.out, wantJSON)
		}
		zksh(t, "--server", server, "getAcl", "-R", s+"/nope").fails(t, 1, "node does not exist")
		zksh(t, "--server", server, "getAcl", "-R", "-s", s).fails(t, 2, "-s and -R cannot be combined")
	}
}

func permLetters(p int32) string {
	var b strings.Builder
	for i, l := range "cdrwa" {
		if p&[]int32{zk.PermCreate, zk.PermDelete, zk.PermRead, zk.PermWrite, zk.PermAdmin}[i] != 0 {
			b.WriteRune(l)
		}
	}
	return b.String()
}
