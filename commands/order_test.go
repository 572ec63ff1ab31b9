package commands

import (
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/internal/zktest"
)

// TestLsRecursiveNotAuthorized: ls -R lists everything it may, names on stderr each znode whose
// children it may not list, and exits 1; in small levels (getChildren) and big ones (multiRead), on
// Apache ZooKeeper and the bundled server.
func TestLsRecursiveNotAuthorized(t *testing.T) {
	root := testRoot(t)
	local := bundled(t)
	lc := dial(t, local)
	mustCreate(t, lc, root, nil)

	var listed []string // what ls -R can list
	add := func(c *zk.Conn, p string, hidden bool) {
		mustCreate(t, c, p, nil)
		if !hidden {
			listed = append(listed, p)
		}
	}
	for _, server := range zktest.Targets(t, local) {
		c := client(t)
		if server == local {
			c = lc
		}
		listed = []string{root}
		add(c, root+"/a", false)
		add(c, root+"/a/hidden", true)
		add(c, root+"/b", false)
		add(c, root+"/b/c", false)
		add(c, root+"/big", false)
		for i := 0; i < zkclient.MultiReadThreshold+10; i++ {
			add(c, fmt.Sprintf("%s/big/n%03d", root, i), false)
		}
		add(c, root+"/big/n007/x", true)
		if _, err := c.SetACL(root+"/a", zk.DigestACL(zk.PermAll, "u", "p"), -1); err != nil {
			t.Fatal(err)
		}
		if _, err := c.SetACL(root+"/big/n007", zk.WorldACL(zk.PermAll&^zk.PermRead), -1); err != nil {
			t.Fatal(err)
		}
		sortZkCli(listed, root)

		streams, out, errOut := fakeIO("", false)
		code := Main([]string{"--server", server, "ls", "-R", root}, streams, nil)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1", server, code)
		}
		if want := strings.Join(listed, "\n") + "\n"; out.String() != want {
			t.Errorf("%s: stdout:\n%s\nwant:\n%s", server, out, want)
		}
		wantErr := "zksh: ls " + root + "/a: not authorized (no auth)\n" +
			"zksh: ls " + root + "/big/n007: not authorized (no auth)\n" +
			"zksh: ls -R " + root + ": the children of 2 znodes are missing from the listing (not authorized: named above)\n"
		if errOut.String() != wantErr {
			t.Errorf("%s: stderr:\n%s\nwant:\n%s", server, errOut, wantErr)
		}

		// A path that may not be listed at all is refused as plain ls refuses it.
		streams, out, errOut = fakeIO("", false)
		code = Main([]string{"--server", server, "ls", "-R", root + "/a"}, streams, nil)
		if code != 1 || out.Len() != 0 || errOut.String() != "zksh: ls "+root+"/a: not authorized (no auth)\n" {
			t.Errorf("%s: ls -R of an unreadable path: exit %d, stdout %q, stderr %q", server, code, out, errOut)
		}
		// With the credentials, /a is listed too.
		streams, out, _ = fakeIO("", false)
		Main([]string{"--server", server, "--auth", "digest:u:p", "ls", "-R", root + "/a"}, streams, nil)
		if out.String() != root+"/a\n"+root+"/a/hidden\n" {
			t.Errorf("%s: ls -R with credentials: %q", server, out)
		}
		// Let the test's cleanup delete everything.
		if err := c.AddAuth("digest", []byte("u:p")); err != nil {
			t.Fatal(err)
		}
		if _, err := c.SetACL(root+"/a", zk.WorldACL(zk.PermAll), -1); err != nil {
			t.Fatal(err)
		}
	}
}

// zkCliLsR runs Apache's zkCli.sh `ls -R root` against server and returns the listing: the lines
// that are paths under root (zkCli also prints its connection banner and watcher events).
func zkCliLsR(t *testing.T, server, root string) string {
	t.Helper()
	cmd := exec.Command(zktest.ZkCli(t), "-server", server, "ls", "-R", root)
	cmd.Env = append(os.Environ(), "CLIENT_JVMFLAGS=-XX:TieredStopAtLevel=1 -Xshare:auto")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("zkCli.sh ls -R %s: %v\n%s", root, err, out)
	}
	var b strings.Builder
	for _, l := range strings.Split(string(out), "\n") {
		if l == root || strings.HasPrefix(l, root+"/") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// TestLsRecursiveIsZkCli: ls -R prints the subtree in zkCli's order (each node's children together,
// by name, nodes visited depth first), in every format, on Apache ZooKeeper and the bundled server.
func TestLsRecursiveIsZkCli(t *testing.T) {
	root := testRoot(t)
	var paths []string
	for _, p := range []string{"/b", "/a", "/c", "/a/y", "/a/x", "/a/x/q", "/a/x/p", "/a/x/q/deep", "/b/z",
		"/c/n", "/c/m", "/c/m/k", "/zz", "/b10", "/b2", "/aa", "/a-c", "/a-c/1", "/A"} {
		paths = append(paths, root+p)
	}
	local := bundled(t)
	lc := dial(t, local)
	mustCreate(t, lc, root, nil)
	mustCreateAll(t, lc, paths...)
	mustCreateAll(t, client(t), paths...)

	for _, server := range zktest.Targets(t, local) {
		want := zkCliLsR(t, server, root)
		if strings.Count(want, "\n") != len(paths)+1 {
			t.Fatalf("%s: zkCli.sh listed %d paths, want %d:\n%s", server, strings.Count(want, "\n"), len(paths)+1, want)
		}
		run := func(args ...string) string {
			streams, out, errOut := fakeIO("", false)
			if code := Main(append([]string{"--server", server}, args...), streams, nil); code != 0 || errOut.Len() > 0 {
				t.Fatalf("%s: zksh %q: exit %d, stderr %q", server, args, code, errOut)
			}
			return out.String()
		}
		if got := run("-o", "plain", "ls", "-R", root); got != want {
			t.Errorf("%s: zksh ls -R:\n%s\nzkCli.sh ls -R:\n%s", server, got, want)
		}
		if got := run("-o", "table", "ls", "-R", root); got != want {
			t.Errorf("%s: zksh -o table ls -R:\n%s\nwant:\n%s", server, got, want)
		}
		var tree struct{ Nodes []string }
		decode(t, run("-o", "json", "ls", "-R", root), &tree)
		if got := strings.Join(tree.Nodes, "\n") + "\n"; got != want {
			t.Errorf("%s: zksh -o json ls -R nodes:\n%s\nwant:\n%s", server, got, want)
		}
	}
}

func TestSortZkCli(t *testing.T) {
	tests := []struct {
		root        string
		paths, want []string
	}{
		{"/", []string{"/zookeeper/quota", "/b", "/", "/a/x", "/zookeeper", "/a", "/a/x/1", "/b/y"},
			[]string{"/", "/a", "/b", "/zookeeper", "/a/x", "/a/x/1", "/b/y", "/zookeeper/quota"}},
		{"/r", []string{"/r/a-c/1", "/r/a/x/deep", "/r/b", "/r/a-c", "/r/a", "/r/a/x", "/r"},
			[]string{"/r", "/r/a", "/r/a-c", "/r/b", "/r/a/x", "/r/a/x/deep", "/r/a-c/1"}},
		{"/r", []string{"/r"}, []string{"/r"}},
	}
	for _, tt := range tests {
		sortZkCli(tt.paths, tt.root)
		if !reflect.DeepEqual(tt.paths, tt.want) {
			t.Errorf("sortZkCli(%s) = %q, want %q", tt.root, tt.paths, tt.want)
		}
	}
}
