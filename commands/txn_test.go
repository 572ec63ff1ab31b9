package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"
)

// zkshStdin runs Main against addr with stdin.
func zkshStdin(addr, stdin string, args ...string) result {
	streams, out, errOut := fakeIO(stdin, false)
	code := Main(append([]string{"--server", addr, "--timeout", "4s", "--connect-timeout", "5s"}, args...), streams, nil)
	return result{out.String(), errOut.String(), code}
}

// txnRoot makes root with /a (data "x") and /old, removed after the test.
func txnRoot(t *testing.T, addr, root string) *zk.Conn {
	t.Helper()
	c := dial(t, addr)
	zkshAt(addr, "deleteall", root)
	for _, p := range []string{root, root + "/a", root + "/old"} {
		if _, err := c.Create(p, []byte("x"), 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { zkshAt(addr, "deleteall", root) })
	return c
}

// TestTxn: txn runs its lines as one multi request and prints one result per operation, in every
// format; on Apache ZooKeeper and the bundled server.
func TestTxn(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "data")
	if err := os.WriteFile(file, []byte("from a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			root := "/TestTxn"
			c := txnRoot(t, addr, root)
			ops := strings.ReplaceAll(`# a comment, then a blank line

create R/new "hello world"
set -v 0 R/a v2
delete R/old
check -v 1 R/a
create -s R/seq- @`+file+`
create R/acl x world:anyone:r
`, "R", root)
			r := zkshStdin(addr, ops, "txn").must(t)
			want := regexp.MustCompile(`^create R/new\nset R/a 1\ndelete R/old\ncheck R/a 1\ncreate R/seq-(\d{10})\ncreate R/acl\n$`)
			m := want.FindStringSubmatch(strings.ReplaceAll(r.out, root, "R"))
			if m == nil {
				t.Fatalf("plain output %q", r.out)
			}
			for p, data := range map[string]string{"/new": "hello world", "/a": "v2", "/seq-" + m[1]: "from a file", "/acl": "x"} {
				if got, _, err := c.Get(root + p); err != nil || string(got) != data {
					t.Errorf("%s: %q %v", p, got, err)
				}
			}
			if ok, _, _ := c.Exists(root + "/old"); ok {
				t.Error("delete not applied")
			}
			if acl, _, _ := c.GetACL(root + "/acl"); len(acl) != 1 || acl[0].Perms != zk.PermRead {
				t.Errorf("acl %v", acl)
			}

			// JSON: one object, one result per operation.
			r = zkshStdin(addr, "set "+root+"/a v3\ncreate "+root+"/j\ncheck -v 2 "+root+"/a\ndelete -v 0 "+root+"/j\n", "-o", "json", "txn").must(t)
			var got struct {
				Results []struct {
					Op, Path, Created string
					Version           *int32
				}
			}
			if err := json.Unmarshal([]byte(r.out), &got); err != nil || len(got.Results) != 4 {
				t.Fatalf("json %q: %v", r.out, err)
			}
			if g := got.Results; g[0].Op != "set" || *g[0].Version != 2 || g[1].Created != root+"/j" || g[2].Op != "check" || g[3].Op != "delete" || g[3].Version != nil {
				t.Errorf("json %q", r.out)
			}
			// Table: aligned, with a header.
			r = zkshStdin(addr, "set "+root+"/a v4\n", "-o", "table", "txn").must(t)
			if !strings.HasPrefix(r.out, "OP ") || !strings.HasSuffix(r.out, "\nset  "+root+"/a  3\n") {
				t.Errorf("table %q", r.out)
			}
			// -f FILE.
			ops = filepath.Join(dir, "ops-"+name)
			if err := os.WriteFile(ops, []byte("set "+root+"/a v5\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if r := zkshStdin(addr, "", "txn", "-f", ops).must(t); r.out != "set "+root+"/a 4\n" {
				t.Errorf("-f: %q", r.out)
			}
			// Under a chroot: paths as the user sees them, in and out.
			r = zkshStdin(addr+root, "create -s /in-chroot-\nset /a v6\n", "txn").must(t)
			if !regexp.MustCompile(`^create /in-chroot-\d{10}\nset /a 5\n$`).MatchString(r.out) {
				t.Errorf("chroot: %q", r.out)
			}
			if kids, _, _ := c.Children(root); !strings.Contains(strings.Join(kids, " "), "in-chroot-") {
				t.Errorf("chroot: created outside it: %v", kids)
			}
		})
	}
}

// TestTxnRefused: when ZooKeeper refuses one operation nothing is applied, and the error names its
// line, its place in the transaction, the operation, the path and ZooKeeper's reason (exit 1).
func TestTxnRefused(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			root := "/TestTxnRefused"
			c := txnRoot(t, addr, root)
			cases := []struct{ ops, want string }{
				{"create R/n1\n\nset -v 7 R/a y\ndelete R/old\n", "zksh: txn: line 3: operation 2 (set R/a) refused: version does not match (bad version); nothing was applied"},
				{"create R/n1\ncreate R/a\n", "line 2: operation 2 (create R/a) refused: node already exists"},
				{"delete R/old\ncheck -v 3 R/a\n", "line 2: operation 2 (check R/a) refused: version does not match (bad version)"},
				{"set R/none x\n", "line 1: operation 1 (set R/none) refused: node does not exist"},
				{"create R/n1\ndelete R\n", "line 2: operation 2 (delete R) refused: node not empty"},
			}
			for _, tc := range cases {
				r := zkshStdin(addr, strings.ReplaceAll(tc.ops, "R", root), "txn")
				r.fails(t, ExitRefused, strings.ReplaceAll(tc.want, "R", root))
				if r.out != "" {
					t.Errorf("stdout %q", r.out)
				}
			}
			if ok, _, _ := c.Exists(root + "/n1"); ok {
				t.Error("a refused transaction created a znode")
			}
			if ok, _, _ := c.Exists(root + "/old"); !ok {
				t.Error("a refused transaction deleted a znode")
			}
			if data, st, _ := c.Get(root + "/a"); string(data) != "x" || st.Version != 0 {
				t.Errorf("a refused transaction changed data: %q v%d", data, st.Version)
			}
		})
	}
}

// TestTxnUsage: lines that do not parse are usage errors naming the line, and nothing is sent (a
// server nothing listens on would make it exit 3).
func TestTxnUsage(t *testing.T) {
	dead := "127.0.0.1:1"
	cases := []struct{ ops, want string }{
		{"", "txn: no operations given"},
		{"# only a comment\n\n", "txn: no operations given"},
		{"get /a\n", `txn: line 1: "get" is not a txn operation (want create, set, delete or check)`},
		{"create /a\nset -q /a x\n", "txn: line 2: set: unknown shorthand flag: 'q'"},
		{"set /a\n", "txn: line 1: set: wants 2 argument(s), got 1"},
		{"check /a\n", "txn: line 1: check: needs -v VERSION"},
		{"check -v x /a\n", `txn: line 1: check: invalid -v, --version "x": not a number`},
		{"create /a " + strings.Repeat("x", 4*clientMaxData) + "\n", "txn: the input is more than"},
		{"check -v 1 /a /b\n", "txn: line 1: check: wants 1 path, got 2"},
		{"create -t 5000 /a\n", "txn: line 1: create -t: TTL znodes cannot be part of a txn"},
		{"create -c /a\n", "txn: line 1: create -c: container znodes cannot be part of a txn"},
		{"create -p /a/b\n", "txn: line 1: create -p cannot be part of a txn"},
		{"set -s /a x\n", "txn: line 1: set -s: not available in a txn"},
		{"set /a -\n", "txn: line 1: set: data - (stdin) cannot be read here"},
		{"create /a \"x\n", "txn: line 1: cannot split the line: the \" at column 11 is never closed"},
		{"create /a/ x\n", "txn: line 1: create /a/: path must not end with /"},
		{"create -c -s /a\n", "txn: line 1: create: -c cannot be combined with -s or -e"},
		{"set /a @/nonexistent/file\n", "txn: line 1: set: reading data: open /nonexistent/file"},
	}
	for _, tc := range cases {
		r := zkshStdin(dead, tc.ops, "txn")
		r.fails(t, ExitUsage, tc.want)
	}
	zkshStdin(dead, "", "txn", "-f", "/nonexistent/ops").fails(t, ExitUsage, "txn: -f: open /nonexistent/ops")
	zkshStdin(dead, "", "txn", "extra").fails(t, ExitUsage, "txn: wants 0 argument(s)")
}

// TestTxnShell: in the shell (and scripts), whose commands come from stdin, txn takes its
// operations from -f FILE, with paths relative to the current znode.
func TestTxnShell(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			root := "/TestTxnShell"
			c := txnRoot(t, addr, root)
			ops := filepath.Join(t.TempDir(), "ops")
			if err := os.WriteFile(ops, []byte("create rel x\nset -v 0 a y\ncheck -v 0 ../TestTxnShell/old\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			streams, out, errOut := fakeIO("", false)
			code := Main([]string{"--server", addr}, streams, func(env *Env) error {
				line := func(words ...string) error { return ExecuteLine(context.Background(), env, words) }
				if err := line("txn"); ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "txn -f FILE") {
					t.Errorf("txn from the shell's stdin: %v", err)
				}
				if err := line("cd", root); err != nil {
					return err
				}
				return line("txn", "-f", ops)
			})
			if code != 0 || out.String() != "create "+root+"/rel\nset "+root+"/a 1\ncheck "+root+"/old 0\n" {
				t.Fatalf("exit %d, %q, %q", code, out, errOut)
			}
			if data, _, _ := c.Get(root + "/rel"); string(data) != "x" {
				t.Errorf("rel: %q", data)
			}
		})
	}
}

// TestTxnLostConnection: a connection lost during the multi leaves its outcome unknown (exit 3),
// whether the server applied it or never saw it.
func TestTxnLostConnection(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			root := "/TestTxnLost"
			c := txnRoot(t, addr, root)
			p := newCuttingProxy(t, addr)
			for _, forward := range []bool{true, false} {
				p.arm(forward, opcodeMulti)
				n := fmt.Sprintf("%s/n-%v", root, forward)
				r := zkshStdin(p.addr(), "set "+root+"/a y\ncreate "+n+"\n", "txn")
				r.fails(t, ExitUnavailable, "txn: "+unknownOutcome+" (a transaction of 2 operations: all applied or none)")
				if r.out != "" {
					t.Errorf("stdout %q", r.out)
				}
				ok, _, _ := c.Exists(n)
				if ok != forward {
					t.Errorf("forwarded %v, created %v", forward, ok)
				}
			}
		})
	}
}

// TestTxnBlockCommit: the shell's txn block goes through the txn command: a bare txn calls the
// shell's begin (after --read-only's check), ParseTxnOp parses a line as txn's files are parsed
// (relative to the current znode, errors named after txn), and WithTxnOps commits as txn -f does,
// a lost reply included (outcome unknown, exit 3).
func TestTxnBlockCommit(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			root := "/TestTxnBlockCommit"
			c := txnRoot(t, addr, root)
			p := newCuttingProxy(t, addr)
			streams, out, errOut := fakeIO("", false)
			code := Main([]string{"--server", p.addr()}, streams, func(env *Env) error {
				ctx := context.Background()
				began := false
				begin := WithTxnBegin(ctx, func() { began = true })
				if err := ExecuteLine(begin, env, []string{"txn"}); err != nil || !began {
					t.Errorf("txn: %v, began %v", err, began)
				}
				if err := ExecuteLine(ctx, env, []string{"cd", root}); err != nil {
					return err
				}
				if _, err := ParseTxnOp(ctx, env, []string{"set", "a"}); ExitCode(err) != ExitUsage || err.Error() != "txn: set: wants 2 argument(s), got 1" {
					t.Errorf("bad line: %v", err)
				}
				var ops []TxnOp
				for _, line := range [][]string{{"create", "n"}, {"set", "-v", "0", "a", "y"}, {"check", "-v", "1", "a"}} {
					op, err := ParseTxnOp(ctx, env, line)
					if err != nil {
						return err
					}
					ops = append(ops, op)
				}
				if ops[0].Path != root+"/n" || ops[2].Path != root+"/a" {
					t.Errorf("relative paths: %+v", ops)
				}
				taken := false
				if err := ExecuteLine(WithTxnOps(ctx, ops, &taken), env, []string{"txn", "-o", "json"}); err != nil || !taken {
					t.Errorf("commit: %v (taken %v)", err, taken)
				}
				// A lost reply: the outcome is unknown.
				p.arm(true, opcodeMulti)
				lost := []TxnOp{{Op: "create", Path: root + "/lost"}}
				err := ExecuteLine(WithTxnOps(ctx, lost, nil), env, []string{"txn"})
				if ExitCode(err) != ExitUnavailable || !strings.Contains(err.Error(), unknownOutcome+" (a transaction of 1 operation: all applied or none)") {
					t.Errorf("lost reply: %v", err)
				}
				// Refused: the operation named by its number only.
				err = ExecuteLine(WithTxnOps(ctx, []TxnOp{{Op: "check", Path: root + "/a", Version: 7}}, nil), env, []string{"txn"})
				if ExitCode(err) != ExitRefused || err.Error() != "txn: operation 1 (check "+root+"/a) refused: version does not match (bad version); nothing was applied" {
					t.Errorf("refused: %v", err)
				}
				// A commit line refused before it takes the operations leaves them untaken.
				taken = false
				if err := ExecuteLine(WithTxnOps(ctx, ops, &taken), env, []string{"txn", "-o", "xml"}); ExitCode(err) != ExitUsage || taken {
					t.Errorf("commit -o xml: %v (taken %v)", err, taken)
				}
				return nil
			})
			if code != 0 || !strings.HasPrefix(out.String(), `{"results":[{"op":"create","path":"`+root+`/n"`) {
				t.Fatalf("exit %d, %q, %q", code, out, errOut)
			}
			if data, st, _ := c.Get(root + "/a"); string(data) != "y" || st.Version != 1 {
				t.Errorf("a: %q v%d", data, st.Version)
			}
		})
	}
}
