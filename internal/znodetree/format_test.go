package znodetree

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"
)

func TestModeOf(t *testing.T) {
	for _, c := range []struct {
		owner int64
		mode  Mode
		ttl   int64
	}{
		{0, Persistent, 0},
		{0x100000abc, Ephemeral, 0},
		{math.MinInt64, Container, 0},
		{-0x100000000000000 | 5000, TTL, 5000},                 // 0xFF00000000001388
		{-0x100000000000000 | 0x10000000000 | 5, Ephemeral, 0}, // extended bits that are not TTL's
	} {
		mode, ttl := ModeOf(&zk.Stat{EphemeralOwner: c.owner})
		if mode != c.mode || ttl != c.ttl {
			t.Errorf("owner %#x: %s %d, want %s %d", uint64(c.owner), mode, ttl, c.mode, c.ttl)
		}
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Header{Source: "h:2181", Root: "/app"})
	if err != nil {
		t.Fatal(err)
	}
	acl := zk.WorldACL(zk.PermRead | zk.PermAdmin)
	nodes := []*Node{
		FromZk("/", []byte("héllo"), acl, &zk.Stat{Version: 3}),
		FromZk("/bin", []byte{0xff, 0, 1}, acl, &zk.Stat{EphemeralOwner: -0x100000000000000 | 60000}),
	}
	for _, n := range nodes {
		if err := w.Write(n); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	r, h, err := NewReader(&buf, "f")
	if err != nil || h.Format != FormatName || h.Version != FormatVersion || h.Root != "/app" {
		t.Fatalf("header %+v, %v", h, err)
	}
	tr, err := ReadTree(r)
	if err != nil {
		t.Fatal(err)
	}
	if d := tr.Nodes["/bin"]; d.Encoding != Base64 || d.Mode != TTL || d.TTL != 60000 {
		t.Fatalf("/bin read back as %+v", d)
	}
	if b, _ := tr.Nodes["/"].Bytes(); string(b) != "héllo" || tr.Nodes["/"].ACL[0].Perms != "ra" {
		t.Fatalf("/ read back as %+v", tr.Nodes["/"])
	}
	if got := tr.Nodes["/"].ZkACL(); got[0] != acl[0] {
		t.Fatalf("ACL back: %v", got)
	}
}

func TestReaderRefusals(t *testing.T) {
	const head = `{"format":"zksh-export","version":1,"root":"/a"}` + "\n"
	const acl = `"acl":[{"scheme":"world","id":"anyone","perms":"r"}]`
	for _, c := range []struct{ file, want string }{
		{"", "empty"},
		{`{"path":"/"}`, "not a zksh export header"},
		{`{"format":"zksh-export","version":3}`, "version 3; this zksh reads versions 1 to 2"},
		{head, "no znodes"},
		{head + `{"path":"/x","mode":"persistent","encoding":"utf8","data":"",` + acl + `}`, `first znode must be the root`},
		{head + `{"path":"/","mode":"persistent","encoding":"utf8","data":"",` + acl + `}` + "\n" + `{"path":"/a/b","mode":"persistent","encoding":"utf8","data":"",` + acl + `}`, "comes before its parent /a"},
		{head + `{"path":"/","mode":"odd","encoding":"utf8","data":"",` + acl + `}`, `unknown mode "odd"`},
		{head + `{"path":"/","mode":"ttl","encoding":"utf8","data":"",` + acl + `}`, "needs a ttl"},
		{head + `{"path":"/","mode":"persistent","encoding":"base64","data":"!!",` + acl + `}`, "not base64"},
		{head + `{"path":"/","mode":"persistent","encoding":"utf8","data":""}`, "no ACL"},
		{head + `{"path":"a","mode":"persistent","encoding":"utf8","data":"",` + acl + `}`, `path "a"`},
		{head + `{"path":"/","mode":"persistent","encoding":"utf8","data":"","acl":[{"scheme":"world","id":"anyone","perms":"rx"}]}`, "perms"},
	} {
		r, _, err := NewReader(strings.NewReader(c.file), "f")
		if err == nil {
			_, err = ReadTree(r)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.file, err, c.want)
		}
	}
}

func tree(t *testing.T, nodes ...*Node) *Tree {
	tr := NewTree()
	for _, n := range nodes {
		if err := tr.Add(n); err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

func node(path, data string, mode Mode) *Node {
	n := FromZk(path, []byte(data), zk.WorldACL(zk.PermAll), &zk.Stat{Version: 7, Aversion: 2})
	n.Mode = mode
	return n
}

func TestDiffAndPlan(t *testing.T) {
	want := tree(t, node("/", "", Persistent), node("/a", "1", Persistent), node("/a/b", "2", Persistent),
		node("/c", "3", Persistent), node("/e", "", Ephemeral))
	have := tree(t, node("/", "", Persistent), node("/a", "changed", Persistent), node("/x", "", Persistent),
		node("/x/y", "", Persistent), node("/z", "", Ephemeral))
	changes := Diff(have, want)
	var got []string
	for _, c := range changes {
		got = append(got, c.Kind+c.Path+strings.Join(c.What, ","))
	}
	if s := strings.Join(got, " "); s != "~/adata +/a/b +/c +/e -/x -/x/y -/z" {
		t.Fatalf("diff: %s", s)
	}
	p := MakePlan(want, have, PlanOptions{Update: true, Prune: true})
	c, u, d := p.Counts()
	if c != 2 || u != 1 || d != 2 || p.Creates[0][0].Path != "/c" || p.Creates[1][0].Path != "/a/b" ||
		p.Deletes[0][0] != "/x/y" || p.Deletes[1][0] != "/x" || p.Updates[0].Version != 7 || len(p.Skipped) != 1 {
		t.Fatalf("plan: %d %d %d %+v", c, u, d, p)
	}
	// The ephemeral /z (another session's) is never deleted; without Update nothing is updated.
	p = MakePlan(want, have, PlanOptions{})
	if c, u, d := p.Counts(); c != 2 || u != 0 || d != 0 || strings.Join(p.Exist, " ") != "/ /a" {
		t.Fatalf("plan without update: %d %d %d %v", c, u, d, p.Exist)
	}
}

func TestHiddenDigestsCompareByUser(t *testing.T) {
	a := &Node{ACL: []ACL{{Scheme: "digest", ID: "ops:x", Perms: "r"}}}
	b := &Node{ACL: []ACL{{Scheme: "digest", ID: "ops:abc=", Perms: "r"}}}
	c := &Node{ACL: []ACL{{Scheme: "digest", ID: "dev:abc=", Perms: "r"}}}
	if !sameACL(a.ACL, b.ACL) || sameACL(a.ACL, c.ACL) || sameACL(b.ACL, c.ACL) {
		t.Fatal("hidden digests")
	}
}
