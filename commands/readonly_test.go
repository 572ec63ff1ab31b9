package commands

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"
)

// allCommands is every command of a fresh tree, the ones cobra adds when it executes included
// (help, completion and its subcommands).
func allCommands(t *testing.T) []*cobra.Command {
	t.Helper()
	root, _ := newRootCmd(testEnv(""), false)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var all []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		all = append(all, c)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return all
}

// TestEveryCommandClassified: every command of the tree says whether it writes; the writing ones are
// exactly those that change znodes, data or ACLs. A command added without a mark fails here (and
// --read-only refuses it, see TestReadOnlyRefusesUnclassified).
func TestEveryCommandClassified(t *testing.T) {
	var writers []string
	for _, c := range allCommands(t) {
		switch accessOf(c) {
		case accessWrite:
			writers = append(writers, c.Name())
		case accessRead:
		default:
			t.Errorf("%q is not classified: mark it with reads() or writes() in root.go", c.CommandPath())
		}
	}
	sort.Strings(writers)
	if got, want := strings.Join(writers, " "), "apply cp create delete deleteall delquota edit import mirror reconfig set setAcl setquota txn"; got != want {
		t.Errorf("writing commands: %s, want %s", got, want)
	}
}

// TestReadOnlyRefusesUnclassified: --read-only refuses a command that carries no mark.
func TestReadOnlyRefusesUnclassified(t *testing.T) {
	env := testEnv("")
	root, _ := newRootCmd(env, false)
	ran := false
	root.AddCommand(&cobra.Command{Use: "newcmd", RunE: func(*cobra.Command, []string) error { ran = true; return nil }})
	root.SetArgs([]string{"--read-only", "newcmd"})
	err := root.ExecuteContext(context.Background())
	if ran || ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "newcmd: refused by --read-only") {
		t.Fatalf("ran %v, err %v", ran, err)
	}
}

// writeArgs returns operands that pass c's argument check, for a command refused before it looks
// at them.
func writeArgs(t *testing.T, c *cobra.Command, path string) []string {
	t.Helper()
	for _, args := range [][]string{{}, {path}, {path, "v"}, {path, "v", "world:anyone:r"}} {
		if c.ValidateArgs(args) == nil {
			return args
		}
	}
	t.Fatalf("%s: no operands found that pass its argument check", c.Name())
	return nil
}

// TestReadOnlyRefusesWrites: with --read-only (or ZKSH_READ_ONLY) every writing command of the tree
// exits 2 naming itself and the flag, and nothing reaches the server: the znodes are as they were,
// on Apache ZooKeeper and the bundled server, and with a server address nothing listens on the exit
// is still 2 (no connection was tried). Reads work.
func TestReadOnlyRefusesWrites(t *testing.T) {
	var writers []*cobra.Command
	for _, c := range allCommands(t) {
		if accessOf(c) == accessWrite {
			writers = append(writers, c)
		}
	}
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			root := "/TestReadOnlyRefusesWrites"
			zkshAt(addr, "deleteall", root)
			for _, p := range []string{root, root + "/a"} {
				if _, err := c.Create(p, []byte("x"), 0, zk.WorldACL(zk.PermAll)); err != nil {
					t.Fatal(err)
				}
			}
			t.Cleanup(func() { zkshAt(addr, "deleteall", root) })
			state := func() string {
				kids, st, err := c.Children(root)
				if err != nil {
					t.Fatal(err)
				}
				data, st2, _ := c.Get(root + "/a")
				acl, _, _ := c.GetACL(root + "/a")
				return fmt.Sprint(kids, st.Cversion, st.Version, string(data), st2.Version, st2.Aversion, acl)
			}
			before := state()
			for _, w := range writers {
				for _, server := range []string{addr, "127.0.0.1:1"} {
					args := append([]string{"--read-only", w.Name()}, writeArgs(t, w, root+"/a")...)
					streams, out, errOut := fakeIO("create "+root+"/b\n", false)
					code := Main(append([]string{"--server", server, "--connect-timeout", "2s"}, args...), streams, nil)
					if code != ExitUsage || out.Len() != 0 || !strings.Contains(errOut.String(), "zksh: "+w.Name()+": refused by --read-only") {
						t.Errorf("%q on %s: exit %d, stdout %q, stderr %q", args, server, code, out, errOut)
					}
				}
			}
			// The environment twin, as a boolean like ZKSH_VERBOSE.
			t.Setenv("ZKSH_READ_ONLY", "yes")
			zkshAt(addr, "set", root+"/a", "y").fails(t, ExitUsage, "set: refused by --read-only")
			zkshAt(addr, "--read-only=false", "set", root+"/a", "y").must(t) // the flag wins over its twin
			c.Set(root+"/a", []byte("x"), -1)
			before = state()
			t.Setenv("ZKSH_READ_ONLY", "maybe")
			zkshAt(addr, "get", root+"/a").fails(t, ExitUsage, "invalid ZKSH_READ_ONLY \"maybe\"")
			t.Setenv("ZKSH_READ_ONLY", "")
			if after := state(); after != before {
				t.Fatalf("read-only commands changed the tree:\n%s\n%s", before, after)
			}
			// Reads work.
			if r := zkshAt(addr, "--read-only", "get", root+"/a").must(t); r.out != "x\n" {
				t.Errorf("get: %q", r.out)
			}
			zkshAt(addr, "--read-only", "ls", root).must(t)
			zkshAt(addr, "--read-only", "sync", root).must(t)
		})
	}
}

// TestReadOnlyShell: --read-only given when the shell starts holds for every line, a line cannot
// turn it off, and a line of a writable shell can make itself read-only.
func TestReadOnlyShell(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			root := "/TestReadOnlyShell"
			zkshAt(addr, "deleteall", root)
			zkshAt(addr, "create", root, "x").must(t)
			t.Cleanup(func() { zkshAt(addr, "deleteall", root) })
			line := func(env *Env, words ...string) error {
				return ExecuteLine(context.Background(), env, words)
			}
			streams, out, errOut := fakeIO("", false)
			code := Main([]string{"--server", addr, "--read-only"}, streams, func(env *Env) error {
				if !env.Settings.ReadOnly {
					t.Error("the shell's settings are not read-only")
				}
				for _, words := range [][]string{{"create", root + "/b"}, {"--read-only=false", "set", root, "y"}, {"delete", root},
					{"--server", addr, "--read-only=false", "create", root + "/c"}, {"--auth", "digest:u:p", "delete", root}} {
					if err := line(env, words...); ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "refused by --read-only") {
						t.Errorf("%q: %v", words, err)
					}
				}
				return line(env, "get", root)
			})
			if code != 0 || out.String() != "x\n" {
				t.Fatalf("read-only shell: exit %d, %q, %q", code, out, errOut)
			}
			streams, _, _ = fakeIO("", false)
			Main([]string{"--server", addr}, streams, func(env *Env) error {
				if err := line(env, "--read-only", "set", root, "y"); ExitCode(err) != ExitUsage {
					t.Errorf("--read-only on a line: %v", err)
				}
				if err := line(env, "set", root, "z"); err != nil {
					t.Errorf("the next line is not read-only: %v", err)
				}
				return nil
			})
			if r := zkshAt(addr, "get", root).must(t); r.out != "z\n" {
				t.Fatalf("data %q", r.out)
			}
		})
	}
}

// TestReadOnlyCopiesToAFile: cp and mirror to an export file change nothing in ZooKeeper, so a
// read-only session may back a subtree up with them; to a znode they stay refused.
func TestReadOnlyCopiesToAFile(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			root := "/TestReadOnlyCopiesToAFile"
			zkshAt(addr, "deleteall", root)
			for _, p := range []string{root, root + "/a"} {
				if _, err := c.Create(p, []byte("x"), 0, zk.WorldACL(zk.PermAll)); err != nil {
					t.Fatal(err)
				}
			}
			t.Cleanup(func() { zkshAt(addr, "deleteall", root) })
			dir := t.TempDir()
			zkshAt(addr, "--read-only", "cp", "-R", root, dir+"/a.jsonl").must(t)
			zkshAt(addr, "--read-only", "mirror", root, "file:"+dir+"/b").must(t)
			for _, f := range []string{dir + "/a.jsonl", dir + "/b"} {
				if b, err := os.ReadFile(f); err != nil || !strings.Contains(string(b), `"path":"/a"`) {
					t.Errorf("%s: %v %q", f, err, b)
				}
			}
			zkshAt(addr, "--read-only", "cp", "-R", root+"/a", root+"/copy").fails(t, ExitUsage, "cp: refused by --read-only")
			zkshAt(addr, "--read-only", "mirror", dir+"/a.jsonl", root+"/m").fails(t, ExitUsage, "mirror: refused by --read-only")
			// A cluster's URL is a znode however its path ends: no way past --read-only.
			zkshAt(addr, "--read-only", "cp", "-R", root+"/a", "zk://"+addr+root+"/c.jsonl").fails(t, ExitUsage, "cp: refused by --read-only")
			zkshAt(addr, "--read-only", "mirror", root+"/a", "zk+plain://"+addr+root+"/m.jsonl").fails(t, ExitUsage, "mirror: refused by --read-only")
			if kids, _, err := c.Children(root); err != nil || len(kids) != 1 {
				t.Errorf("children of %s: %v %v, want [a]", root, kids, err)
			}
		})
	}
}
