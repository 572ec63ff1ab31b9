package commands

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/render"
)

func TestQuotaValuesFormat(t *testing.T) {
	for _, tt := range []struct{ in, out string }{
		{"count=2,bytes=5", "count=2,bytes=5"},
		{"count=10,bytes=-1=;byteHardLimit=100;countHardLimit=-1", "count=10,bytes=-1=;byteHardLimit=100;countHardLimit=-1"},
		{"count=,bytes=7", "count=-1,bytes=7"},
		{"countHardLimit=3", "count=-1,bytes=-1=;countHardLimit=3"},
		{"", "count=-1,bytes=-1"},
	} {
		q, err := parseQuotaValues(tt.in)
		if err != nil || q.String() != tt.out {
			t.Errorf("parseQuotaValues(%q) = %q, %v; want %q", tt.in, q.String(), err, tt.out)
		}
	}
	if _, err := parseQuotaValues("count=x"); err == nil {
		t.Error("count=x parsed")
	}
}

// zkCliRun runs one zkCli.sh command against server and returns its stdout lines that are not
// zkCli's banner or log, and its stderr.
func zkCliRun(t *testing.T, server string, args ...string) (stdout []string, stderr string) {
	t.Helper()
	cmd := exec.Command(zktest.ZkCli(t), append([]string{"-server", server}, args...)...)
	cmd.Env = append(os.Environ(), "CLIENT_JVMFLAGS=-XX:TieredStopAtLevel=1 -Xshare:auto")
	var errb strings.Builder
	cmd.Stderr = &errb
	out, _ := cmd.Output()
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Output ") || strings.HasPrefix(l, "Quota does not exist") || strings.HasPrefix(l, "[Warning]") {
			stdout = append(stdout, l)
		}
	}
	return stdout, errb.String()
}

// quotaState is what the quota znodes of path hold: limits and stats data, "" when absent.
func quotaState(t *testing.T, c *zk.Conn, path string) (limits, stats string, dirExists bool) {
	t.Helper()
	read := func(p string) string {
		data, _, err := c.Get(p)
		if errors.Is(err, zk.ErrNoNode) {
			return ""
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	ok, _, err := c.Exists(quotaDir(path))
	if err != nil {
		t.Fatal(err)
	}
	return read(limitPath(path)), read(statPath(path)), ok
}

// TestQuotaAsZkCli: setquota, listquota and delquota write the znodes zkCli writes and print what it
// prints, step by step, on Apache ZooKeeper and on the bundled server (zkCli.sh against both).
func TestQuotaAsZkCli(t *testing.T) {
	steps := [][]string{
		{"setquota", "-n", "10"},
		{"listquota"},
		{"setquota", "-B", "100"},
		{"listquota"},
		{"setquota", "-n", "1"}, // below the usage: a warning
		{"delquota", "-n"},
		{"listquota"},
		{"delquota"},
		{"delquota"}, // no quota any more
	}
	results := map[string][]string{} // target → what zksh saw at each step, to compare the servers
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			root := "/quota-as-zkcli-" + name
			zkshAt(addr, "--force", "deleteall", root)
			for _, tool := range []string{"zkcli", "zksh"} {
				for _, p := range []string{root, root + "/" + tool, root + "/" + tool + "/a"} {
					if _, err := c.Create(p, []byte("xy"), 0, zk.WorldACL(zk.PermAll)); err != nil && !errors.Is(err, zk.ErrNodeExists) {
						t.Fatal(err)
					}
				}
			}
			t.Cleanup(func() { zkshAt(addr, "--force", "deleteall", root) })
			for _, step := range steps {
				pa, pb := root+"/zkcli", root+"/zksh"
				want, _ := zkCliRun(t, addr, append(step, pa)...)
				wl, ws, wd := quotaState(t, c, pa)
				r := zkshAt(addr, append(step, pb)...)
				if r.code != 0 {
					t.Fatalf("zksh %v: exit %d, stderr %q", step, r.code, r.err)
				}
				gl, gs, gd := quotaState(t, c, pb)
				if wl != gl || ws != gs || wd != gd {
					t.Fatalf("after %v: zkCli left limits %q stats %q (dir %v), zksh %q %q (dir %v)", step, wl, ws, wd, gl, gs, gd)
				}
				if strings.Join(step, " ") == "setquota -n 1" && (len(want) == 0 || !strings.HasPrefix(want[0], "[Warning]")) {
					t.Fatalf("zkCli gave no warning for a quota below the usage: %q", want)
				}
				got := strings.Split(strings.TrimSuffix(r.out, "\n"), "\n")
				if r.out == "" {
					got = nil
				}
				if step[0] == "setquota" && len(want) > 0 && strings.HasPrefix(want[0], "[Warning]") {
					// zkCli prints its warning on stdout; zksh on stderr.
					if !strings.Contains(r.err, "warning: the count quota you create is less than the existing count") {
						t.Fatalf("zksh %v: no warning on stderr: %q", step, r.err)
					}
					want = nil
				}
				if strings.Join(want, "\n") != strings.ReplaceAll(strings.Join(got, "\n"), pb, pa) {
					t.Fatalf("%v: zkCli printed %q, zksh %q", step, want, got)
				}
				results[name] = append(results[name], strings.Join(step, " ")+": "+gl+" | "+gs+" | "+strings.ReplaceAll(r.out, root, "ROOT"))
			}
			// /zookeeper/quota/ROOT itself is gone once neither has a quota: zkCli trims empty parents.
			if ok, _, _ := c.Exists(quotaDir(root)); ok {
				t.Fatalf("%s still exists after both delquotas", quotaDir(root))
			}
		})
	}
	if a, b := results["apache"], results["bundled"]; a != nil && b != nil && strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("Apache and the bundled server disagree:\napache:\n%s\nbundled:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
}

// TestQuotaRefusals: zkCli's refusals, with its texts, and nothing written.
func TestQuotaRefusals(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			root := "/quota-refusals-" + name
			zkshAt(addr, "--force", "deleteall", root)
			for _, p := range []string{root, root + "/a", root + "/a/b"} {
				if _, err := c.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
					t.Fatal(err)
				}
			}
			t.Cleanup(func() { zkshAt(addr, "delquota", root+"/a"); zkshAt(addr, "--force", "deleteall", root) })
			zkshAt(addr, "setquota", "-n", "5", root+"/nope").fails(t, 1, root+"/nope does not exist.")
			zkshAt(addr, "listquota", root+"/a").fails(t, 1, "quota for "+root+"/a does not exist.")
			zkshAt(addr, "setquota", "-n", "0", root+"/a").fails(t, 2, "the num quota must be greater than zero")
			zkshAt(addr, "setquota", "-b", "-1", root+"/a").fails(t, 2, "the bytes quota must be greater than or equal to zero")
			zkshAt(addr, "setquota", "-n", "abc", root+"/a").fails(t, 2, `-n "abc": not a number`)
			zkshAt(addr, "setquota", "-n", "1", "-b", "2", root+"/a").fails(t, 2, "exactly one of -n, -b, -N, -B")
			zkshAt(addr, "setquota", root+"/a").fails(t, 2, "exactly one of -n, -b, -N, -B")
			zkshAt(addr, "setquota", "-n", "1", "/zookeeper/quota/x").fails(t, 2, "cannot set a quota under the path: /zookeeper/quota")
			zkshAt(addr, "delquota", "-n", "-b", root+"/a").fails(t, 2, "at most one of")
			if ok, _, _ := c.Exists(quotaDir(root)); ok {
				t.Fatalf("a refused command wrote %s", quotaDir(root))
			}
			zkshAt(addr, "setquota", "-n", "5", root+"/a").must(t)
			zkshAt(addr, "setquota", "-n", "5", root+"/a/b").fails(t, 1, root+"/a/b has a parent "+root+"/a which has a quota")
			zkshAt(addr, "setquota", "-n", "5", root).fails(t, 1, root+" has a child "+root+"/a which has a quota")

			r := zkshAt(addr, "-o", "json", "listquota", root+"/a").must(t)
			var q struct {
				Path  string             `json:"path"`
				Quota render.QuotaValues `json:"quota"`
				Usage render.QuotaValues `json:"usage"`
			}
			if err := json.Unmarshal([]byte(r.out), &q); err != nil || q.Path != root+"/a" || q.Quota.Count != 5 || q.Quota.Bytes != -1 || q.Usage.Count != 2 {
				t.Fatalf("listquota -o json: %v %q", err, r.out)
			}
			table := zkshAt(addr, "-o", "table", "listquota", root+"/a").must(t)
			if !strings.HasPrefix(table.out, "PATH") || !strings.Contains(table.out, "quota  5") || !strings.Contains(table.out, "usage  2") {
				t.Fatalf("listquota table:\n%s", table.out)
			}
		})
	}
}

// TestQuotaUsageTracked: the server keeps zookeeper_stats up to date as the subtree changes, and
// listquota shows it: the same on Apache ZooKeeper and the bundled server.
func TestQuotaUsageTracked(t *testing.T) {
	seen := map[string][]string{}
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			root := "/quota-usage-" + name
			zkshAt(addr, "delquota", root)
			zkshAt(addr, "--force", "deleteall", root)
			if _, err := c.Create(root, []byte("xy"), 0, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { zkshAt(addr, "delquota", root); zkshAt(addr, "--force", "deleteall", root) })
			usage := func() string {
				t.Helper()
				r := zkshAt(addr, "listquota", root).must(t)
				lines := strings.Split(strings.TrimSpace(r.out), "\n")
				if len(lines) != 2 {
					t.Fatalf("listquota: %q", r.out)
				}
				return strings.TrimPrefix(lines[1], "Output stat for "+root+" ")
			}
			step := func(what, want string) {
				t.Helper()
				got := usage()
				seen[name] = append(seen[name], what+": "+got)
				if got != want {
					t.Errorf("after %s: usage %q, want %q", what, got, want)
				}
			}
			zkshAt(addr, "setquota", "-N", "2", root).must(t)
			step("setquota", "count=1,bytes=2")
			if _, err := c.Create(root+"/a", []byte("abc"), 0, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
			step("create /a", "count=2,bytes=5")
			if _, err := c.Set(root+"/a", []byte("abcdef"), -1); err != nil {
				t.Fatal(err)
			}
			step("set /a", "count=2,bytes=8")
			// Past the hard limit: allowed, as the servers run without zookeeper.enforceQuota.
			if _, err := c.Create(root+"/a/b", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatalf("create past the hard limit without enforceQuota: %v", err)
			}
			step("create /a/b", "count=3,bytes=8")
			if err := c.Delete(root+"/a/b", -1); err != nil {
				t.Fatal(err)
			}
			if err := c.Delete(root+"/a", -1); err != nil {
				t.Fatal(err)
			}
			step("delete /a/b, /a", "count=1,bytes=2")
		})
	}
	if a, b := seen["apache"], seen["bundled"]; a != nil && strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("Apache and the bundled server disagree:\napache:  %q\nbundled: %q", a, b)
	}
}
