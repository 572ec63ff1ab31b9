package commands

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creack/pty"
	"github.com/go-zookeeper/zk"
)

// manyChildren writes an export file of a root with n empty children and imports it at dest.
func manyChildren(t *testing.T, addr, dest string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"format":"zksh-export","version":1,"source":"gen","root":"/x","time":"2026-01-01T00:00:00Z"}` + "\n")
	acl := `"acl":[{"scheme":"world","id":"anyone","perms":"cdrwa"}]`
	b.WriteString(`{"path":"/","mode":"persistent","encoding":"utf8","data":"",` + acl + "}\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `{"path":"/n%d","mode":"persistent","encoding":"utf8","data":"",%s}`+"\n", i, acl)
	}
	file := filepath.Join(t.TempDir(), "big.jsonl")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	on(t, addr, "", "import", "-f", file, dest).must(t)
	return file
}

// serverRoot creates root afresh on c's server and deletes it when the test ends.
func serverRoot(t *testing.T, c *zk.Conn, root string) string {
	t.Helper()
	addr := c.Server()
	on(t, addr, "", "deleteall", root)
	if _, err := c.Create(root, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { on(t, addr, "", "deleteall", root) })
	return root
}

// onTerminal runs zksh as if stdin, stdout and stderr were a terminal, the answers in stdin.
func onTerminal(addr, stdin string, args ...string) result {
	streams, out, errOut := fakeIO(stdin, true)
	code := Main(append([]string{"--server", addr, "-o", "plain"}, args...), streams, nil)
	return result{out.String(), errOut.String(), code}
}

// TestDeleteAllAsksOnATerminal: deleteall of more than 1000 znodes asks on a terminal; no deletes
// when declined, --yes does not ask, and neither a small subtree nor a stdin that is not a terminal
// is asked about.
func TestDeleteAllAsksOnATerminal(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			root := "/TestDeleteAllAsksOnATerminal"
			on(t, addr, "", "deleteall", root)
			t.Cleanup(func() { on(t, addr, "", "deleteall", root) })
			c := connectTo(t, addr)
			on(t, addr, "", "create", root).must(t)
			manyChildren(t, addr, root+"/big", 1000) // 1001 znodes with /big itself
			r := onTerminal(addr, "n\n", "deleteall", root+"/big")
			if r.code != 1 || !strings.Contains(r.err, "delete 1001 znodes under "+root+"/big? [y/N]") || !strings.Contains(r.err, "nothing was changed") {
				t.Fatalf("declined: exit %d, stderr %q", r.code, r.err)
			}
			if kids, _, err := c.Children(root + "/big"); len(kids) != 1000 || err != nil {
				t.Fatalf("a declined deleteall deleted: %d left, %v", len(kids), err)
			}
			// Run from the shell with a relative path, the question names the absolute one.
			streams, _, errOut := fakeIO("n\n", true)
			code := Main([]string{"--server", addr}, streams, func(env *Env) error {
				if err := ExecuteLine(t.Context(), env, []string{"cd", root}); err != nil {
					return err
				}
				return ExecuteLine(t.Context(), env, []string{"rmr", "big"})
			})
			if code != 1 || !strings.Contains(errOut.String(), "delete 1001 znodes under "+root+"/big? [y/N]") {
				t.Fatalf("rmr in the shell: exit %d, stderr %q", code, errOut)
			}
			onTerminal(addr, "y\n", "deleteall", root+"/big").must0(t)
			if ok, _, _ := c.Exists(root + "/big"); ok {
				t.Fatal("deleteall answered y left the subtree")
			}

			manyChildren(t, addr, root+"/big", 1000)
			if r := onTerminal(addr, "", "deleteall", "--yes", root+"/big"); r.code != 0 || strings.Contains(r.err, "[y/N]") {
				t.Fatalf("--yes: exit %d, stderr %q", r.code, r.err)
			}
			manyChildren(t, addr, root+"/big", 1000)
			on(t, addr, "", "deleteall", root+"/big").must(t) // stdin is not a terminal: no question
			manyChildren(t, addr, root+"/small", 999)         // 1000 znodes: not more than 1000
			if r := onTerminal(addr, "", "deleteall", root+"/small"); r.code != 0 || strings.Contains(r.err, "[y/N]") {
				t.Fatalf("a small deleteall asked: exit %d, stderr %q", r.code, r.err)
			}
			if ok, _, _ := c.Exists(root + "/small"); ok {
				t.Fatal("deleteall left the small subtree")
			}
		})
	}
}

// must0 fails the test unless the command exited 0 (stderr, the question, may be written).
func (r result) must0(t *testing.T) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q, stdout %q", r.code, r.err, r.out)
	}
}

// TestConfirmInterrupted: Ctrl-C at deleteall's or mirror --delete's question (their context is
// cancelled as the question shows on a terminal) stops the command with exit 130 and nothing
// deleted; it was taken as an empty answer, exit 1, once Enter came (an Enter is typed here after
// the Ctrl-C so that the old behaviour ends too).
func TestConfirmInterrupted(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := connectTo(t, addr)
			root := serverRoot(t, c, "/TestConfirmInterrupted")
			manyChildren(t, addr, root+"/big", 1001) // mirror --delete deletes 1001, more than 1000
			on(t, addr, "", "create", root+"/empty").must(t)
			for _, args := range [][]string{
				{"deleteall", root + "/big"},
				{"mirror", "--delete", root + "/empty", root + "/big"},
			} {
				ptm, tty, err := pty.Open()
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(t.Context())
				errOut := &cancelOn{word: "[y/N]", cancel: func() { cancel(); ptm.Write([]byte("\n")) }}
				streams := &IOStreams{In: tty, Out: &syncBuffer{}, ErrOut: errOut, InTTY: true, ErrTTY: true}
				s, _ := DefaultSettings(func(string) string { return "" })
				s.Server = addr
				env := NewEnv(streams, s)
				cmd := NewRootCmd(env)
				cmd.SetArgs(args)
				err = cmd.ExecuteContext(ctx)
				env.Close()
				ptm.Close()
				tty.Close()
				cancel()
				if ExitCode(err) != ExitInterrupted || !strings.Contains(err.Error(), "nothing was changed") {
					t.Errorf("%v: err %v (exit %d), stderr %q", args, err, ExitCode(err), errOut.String())
				}
				if kids, _, err := c.Children(root + "/big"); len(kids) != 1001 || err != nil {
					t.Fatalf("%v: interrupted at the question, it deleted: %d left, %v", args, len(kids), err)
				}
			}
		})
	}
}

// TestDeleteAllOnATerminalUnreadable: a znode the session may delete but not read (its parent
// grants d, it withholds r) is deleted by deleteall on a terminal as it is when piped: not being
// allowed to count its subtree does not stop it (deleteall could not list more than it anyway).
func TestDeleteAllOnATerminalUnreadable(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := connectTo(t, addr)
			root := serverRoot(t, c, "/TestDeleteAllOnATerminalUnreadable")
			if _, err := c.Create(root+"/leaf", []byte("x"), 0, zk.WorldACL(zk.PermAll&^zk.PermRead)); err != nil {
				t.Fatal(err)
			}
			onTerminal(addr, "", "deleteall", root+"/leaf").must0(t)
			if ok, _, _ := c.Exists(root + "/leaf"); ok {
				t.Fatal("deleteall on a terminal left the unreadable leaf")
			}
		})
	}
}
