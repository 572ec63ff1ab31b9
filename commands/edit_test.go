package commands

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// editorScript writes an executable shell script and returns its path.
func editorScript(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "editor.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

// keptFile is the file an error says the edited text is kept in.
func keptFile(t *testing.T, stderr string) string {
	t.Helper()
	m := regexp.MustCompile(`the edited text is kept in (\S+)\n`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no kept file named in %q", stderr)
	}
	return m[1]
}

// TestEdit: edit writes the edited text back with the version it read, only when it changed; an
// editor that fails or cannot start writes nothing; data that is not text needs --force. On Apache
// ZooKeeper and the bundled server.
func TestEdit(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the temporary files, to check none is left behind
	t.Setenv("VISUAL", "")
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			root := "/TestEdit"
			zkshAt(addr, "deleteall", root)
			t.Cleanup(func() { zkshAt(addr, "deleteall", root) })
			node := root + "/conf"
			for _, p := range []string{root, node} {
				if _, err := c.Create(p, []byte("old text"), 0, zk.WorldACL(zk.PermAll)); err != nil {
					t.Fatal(err)
				}
			}
			version := func() int32 {
				_, st, err := c.Get(node)
				if err != nil {
					t.Fatal(err)
				}
				return st.Version
			}
			data := func() string { b, _, _ := c.Get(node); return string(b) }

			// Changed: written back.
			t.Setenv("EDITOR", editorScript(t, `grep -q '^old text$' "$1" && printf 'new text' > "$1"`))
			r := zkshAt(addr, "edit", node).must(t)
			if data() != "new text" || version() != 1 || r.out != "" {
				t.Fatalf("edit: %q v%d, out %q", data(), version(), r.out)
			}
			// Unchanged, or only a final newline added (vi): nothing written, and it says so.
			for _, ed := range []string{"true", editorScript(t, `printf '\n' >> "$1"`)} {
				t.Setenv("EDITOR", ed)
				r = zkshAt(addr, "edit", node)
				if r.code != 0 || r.err != "zksh: edit "+node+": no change; nothing written\n" || version() != 1 {
					t.Fatalf("no change with %s: %+v v%d", ed, r, version())
				}
			}
			// $VISUAL before $EDITOR, and an editor command with arguments (the file comes last).
			t.Setenv("VISUAL", editorScript(t, `for f; do :; done; [ "$1" = --wait ] && printf 'visual' > "$f"`)+" --wait")
			zkshAt(addr, "edit", node).must(t)
			t.Setenv("VISUAL", "")
			if data() != "visual" || version() != 2 {
				t.Fatalf("visual: %q v%d", data(), version())
			}
			// An editor that fails: nothing written, what it left kept.
			t.Setenv("EDITOR", editorScript(t, `printf 'half done' > "$1"; exit 3`))
			r = zkshAt(addr, "edit", node)
			r.fails(t, ExitRefused, "zksh: edit "+node+": the editor \""+os.Getenv("EDITOR")+"\" exited with status 3: nothing written; the edited text is kept in ")
			if b, err := os.ReadFile(keptFile(t, r.err)); err != nil || string(b) != "half done" {
				t.Fatalf("kept %q %v", b, err)
			}
			os.Remove(keptFile(t, r.err))
			if data() != "visual" || version() != 2 {
				t.Fatalf("failed editor wrote: %q v%d", data(), version())
			}
			t.Setenv("EDITOR", "/nonexistent/editor")
			zkshAt(addr, "edit", node).fails(t, ExitUsage, `could not run the editor "/nonexistent/editor" (set $VISUAL or $EDITOR): nothing written`)
			// Not text: refused unless --force.
			if _, err := c.Set(node, []byte{0xff, 0, 1}, -1); err != nil {
				t.Fatal(err)
			}
			t.Setenv("EDITOR", editorScript(t, `printf 'text now' > "$1"`))
			zkshAt(addr, "edit", node).fails(t, ExitUsage, "edit "+node+": the data (3 bytes) is not text")
			if version() != 3 {
				t.Fatal("refused binary edit wrote")
			}
			zkshAt(addr, "--force", "edit", node).must(t)
			if data() != "text now" {
				t.Fatalf("--force: %q", data())
			}
			zkshAt(addr, "edit", root+"/none").fails(t, ExitRefused, "edit "+root+"/none: node does not exist")
			if left, _ := filepath.Glob(filepath.Join(tmp, "zksh-edit-*")); len(left) != 0 {
				t.Errorf("temporary files left behind: %v", left)
			}
		})
	}
}

// TestEditConflict: a znode changed or deleted while the editor runs is not overwritten: edit exits
// 1, names the file that keeps the edited text, and the other writer's data stays.
func TestEditConflict(t *testing.T) {
	t.Setenv("VISUAL", "")
	dir := t.TempDir()
	t.Setenv("ZKSH_TEST_DIR", dir)
	// The editor writes its text, says so, and waits until the test has changed the znode.
	t.Setenv("EDITOR", editorScript(t, `printf 'mine' > "$1"; : > "$ZKSH_TEST_DIR/edited"
while [ ! -e "$ZKSH_TEST_DIR/go" ]; do sleep 0.02; done; rm "$ZKSH_TEST_DIR/go"`))
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			node := "/TestEditConflict"
			zkshAt(addr, "deleteall", node)
			t.Cleanup(func() { zkshAt(addr, "deleteall", node) })
			for _, meanwhile := range []struct {
				change func() error
				want   string
			}{
				{func() error { _, err := c.Set(node, []byte("theirs"), -1); return err }, "changed by someone else since it was read (data version 0): nothing written"},
				{func() error { return c.Delete(node, -1) }, "deleted since it was read: nothing written"},
			} {
				if _, err := c.Create(node, []byte("base"), 0, zk.WorldACL(zk.PermAll)); err != nil {
					t.Fatal(err)
				}
				done := make(chan result, 1)
				go func() { done <- zkshAt(addr, "edit", node) }()
				edited := filepath.Join(dir, "edited")
				for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
					if _, err := os.Stat(edited); err == nil {
						break
					}
					if time.Now().After(deadline) {
						t.Fatal("the editor never ran")
					}
				}
				os.Remove(edited)
				if err := meanwhile.change(); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o600); err != nil {
					t.Fatal(err)
				}
				r := <-done
				r.fails(t, ExitRefused, "zksh: edit "+node+": "+meanwhile.want+"; the edited text is kept in ")
				kept := keptFile(t, r.err)
				if b, err := os.ReadFile(kept); err != nil || string(b) != "mine" {
					t.Fatalf("kept %q %v", b, err)
				}
				os.Remove(kept)
				if b, _, err := c.Get(node); err == nil && string(b) != "theirs" || err != nil && err != zk.ErrNoNode {
					t.Fatalf("the other writer's change was overwritten: %q %v", b, err)
				}
				c.Delete(node, -1)
			}
		})
	}
}

// TestEditLostConnection: a write whose reply is lost leaves the outcome unknown (exit 3), reports
// what a read after reconnecting finds, and keeps the edited text.
func TestEditLostConnection(t *testing.T) {
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", editorScript(t, `printf 'mine' > "$1"`))
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			node := "/TestEditLost"
			zkshAt(addr, "deleteall", node)
			t.Cleanup(func() { zkshAt(addr, "deleteall", node) })
			if _, err := c.Create(node, []byte("base"), 0, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
			p := newCuttingProxy(t, addr)
			p.arm(true, opcodeSetData)
			r := zkshAt(p.addr(), "edit", node)
			r.fails(t, ExitUnavailable, "edit "+node+": "+unknownOutcome+"; a read after reconnecting finds "+node+" with the data sent (data version 1); the edited text is kept in ")
			os.Remove(keptFile(t, r.err))
		})
	}
}

// TestEditInScript: in a script, whose commands come from stdin, the editor does not read stdin: the
// script's next lines stay for the script.
func TestEditInScript(t *testing.T) {
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", editorScript(t, `if read line; then printf 'stole %s' "$line" > "$1"; else printf 'ok' > "$1"; fi`))
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			node := "/TestEditInScript"
			zkshAt(addr, "deleteall", node)
			t.Cleanup(func() { zkshAt(addr, "deleteall", node) })
			if _, err := c.Create(node, []byte("base"), 0, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
			streams, _, errOut := fakeIO("get /next-line\n", false)
			code := Main([]string{"--server", addr}, streams, func(env *Env) error {
				return ExecuteLine(context.Background(), env, []string{"edit", node})
			})
			if b, _, _ := c.Get(node); code != 0 || string(b) != "ok" {
				t.Fatalf("exit %d, data %q, %q", code, b, errOut)
			}
			if rest, _ := io.ReadAll(streams.In); string(rest) != "get /next-line\n" {
				t.Fatalf("the editor read the script's stdin: %q left", rest)
			}
		})
	}
}
