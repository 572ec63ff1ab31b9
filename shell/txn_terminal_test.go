//go:build linux

package shell

import (
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

// dialAddr opens a session on addr (the shell's tests otherwise talk to zktest.Server only).
func dialAddr(t *testing.T, addr string) *zk.Conn {
	t.Helper()
	c, ev, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogInfo(false), zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(10 * time.Second)
	for c.State() != zk.StateHasSession {
		select {
		case <-ev:
		case <-deadline:
			t.Fatal("no session")
		}
	}
	return c
}

// txnRootAt makes root with root/bnode (data "x", version 0) on addr, removed after the test.
func txnRootAt(t *testing.T, c *zk.Conn, root string) {
	t.Helper()
	for _, p := range []string{root, root + "/bnode"} {
		if _, err := c.Create(p, []byte("x"), 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatalf("create %s: %v", p, err)
		}
	}
	t.Cleanup(func() {
		kids, _, _ := c.Children(root)
		for _, k := range kids {
			_ = c.Delete(root+"/"+k, -1)
		}
		_ = c.Delete(root, -1)
	})
}

func exists(t *testing.T, c *zk.Conn, p string) bool {
	t.Helper()
	ok, _, err := c.Exists(p)
	if err != nil {
		t.Fatalf("exists %s: %v", p, err)
	}
	return ok
}

// TestTerminalTxnBlock: in the shell a bare txn collects operations line by line (the prompt shows the
// block and its count, completion offers znodes, a bad line is reported and not added); commit runs
// them as one multi, and a refused commit, abort, Ctrl-C and Ctrl-D leave nothing applied. Against
// Apache ZooKeeper and the bundled server.
func TestTerminalTxnBlock(t *testing.T) {
	for name, addr := range zktest.Targets(t, server.RunT(t).Addr()) {
		t.Run(name, func(t *testing.T) {
			c := dialAddr(t, addr)
			root := "/TestTerminalTxnBlock"
			txnRootAt(t, c, root)
			s := startSession(t, addr, t.TempDir())
			s.waitFor("(CONNECTED) /] 1> ")
			s.typeText("cd " + root)
			s.press(keyEnter)
			s.waitFor("(CONNECTED) " + root + "] 2> ")

			// A committed block: created and set together, paths relative to the current znode.
			s.typeText("txn")
			s.press(keyEnter)
			s.waitFor("commit runs them as one transaction, abort (or Ctrl-C) drops them")
			s.waitFor(root + " txn(0)] 3> ")
			s.typeText("create a one")
			s.press(keyEnter)
			s.waitFor(root + " txn(1)] 4> ")
			// A line that does not parse is reported at once and not added.
			s.typeText("set a")
			s.press(keyEnter)
			s.waitFor("zksh: txn: set: wants 2 argument(s), got 1; the line was not added (the block holds 1 operation; commit runs them, abort drops them)")
			s.waitFor(root + " txn(1)] 5> ")
			s.typeText("get a")
			s.press(keyEnter)
			s.waitFor(`"get" is not a txn operation`)
			s.waitFor(root + " txn(1)] 6> ")
			// Completion inside the block: set's and check's path operands.
			s.typeText("set -v 0 bn")
			s.waitFor("bnode")
			s.tab("set -v 0 bnode")
			s.typeText(" two")
			s.press(keyEnter)
			s.waitFor(root + " txn(2)] 7> ")
			s.typeText("check -v 1 bn")
			s.waitFor("bnode")
			s.tab("check -v 1 bnode")
			s.press(keyEnter)
			s.waitFor(root + " txn(3)] 8> ")
			if exists(t, c, root+"/a") {
				t.Fatal("an operation was applied before commit")
			}
			s.typeText("commit")
			s.press(keyEnter)
			// As txn -f prints on a terminal: a table.
			s.waitFor("OP      PATH")
			s.waitFor("\r\ncreate  " + root + "/a")
			s.waitFor("\r\nset     " + root + "/bnode  1\r\ncheck   " + root + "/bnode  1\r\n")
			s.waitFor("(CONNECTED) " + root + "] 9> ") // the block is over
			if data, _, err := c.Get(root + "/a"); err != nil || string(data) != "one" {
				t.Errorf("a: %q %v", data, err)
			}
			if data, st, err := c.Get(root + "/bnode"); err != nil || string(data) != "two" || st.Version != 1 {
				t.Errorf("bnode: %q %v", data, err)
			}

			// A refused check: nothing applied, the operation named.
			s.typeText("txn")
			s.press(keyEnter)
			s.waitFor(" txn(0)] 10> ")
			s.typeText("create c")
			s.press(keyEnter)
			s.typeText("check -v 7 bnode")
			s.press(keyEnter)
			s.waitFor(" txn(2)] 12> ")
			// A commit line refused before it took the operations (a bad flag) leaves the block open.
			s.typeText("commit -o xml")
			s.press(keyEnter)
			s.waitFor("the block is still open with its 2 operations: commit again, or abort")
			s.waitFor(" txn(2)] 13> ")
			s.typeText("commit")
			s.press(keyEnter)
			s.waitFor("zksh: txn: operation 2 (check " + root + "/bnode) refused: version does not match (bad version); nothing was applied")
			s.waitFor("(CONNECTED) " + root + "] 14> ")
			if exists(t, c, root+"/c") {
				t.Error("a refused commit created a znode")
			}

			// abort drops the block.
			s.typeText("txn")
			s.press(keyEnter)
			s.typeText("create d")
			s.press(keyEnter)
			s.waitFor(" txn(1)] 16> ")
			s.typeText("abort")
			s.press(keyEnter)
			s.waitFor("zksh: txn: aborted: 1 operation dropped; nothing was applied")
			s.waitFor("(CONNECTED) " + root + "] 17> ")

			// Ctrl-C at the block's prompt drops it, a half-typed line with it.
			s.typeText("txn")
			s.press(keyEnter)
			s.typeText("create e")
			s.press(keyEnter)
			s.waitFor(" txn(1)] 19> ")
			s.typeText("create f")
			s.press(keyCtrlC)
			s.waitFor("zksh: txn: aborted (Ctrl-C): 1 operation dropped; nothing was applied")
			s.waitFor("(CONNECTED) " + root + "] 19> ")

			// Ctrl-D on the block's empty line drops it; the shell stays, a second Ctrl-D leaves.
			s.typeText("txn")
			s.press(keyEnter)
			s.typeText("create g")
			s.press(keyEnter)
			s.waitFor(" txn(1)] 21> ")
			s.press(keyCtrlD)
			s.waitFor("zksh: txn: aborted (Ctrl-D): 1 operation dropped; nothing was applied")
			s.waitFor("(CONNECTED) " + root + "] 21> ")
			for _, p := range []string{"/d", "/e", "/f", "/g"} {
				if exists(t, c, root+p) {
					t.Errorf("%s was created by a dropped block", p)
				}
			}

			// The block's lines went to history: Up recalls them, history lists them.
			s.press(keyUp)
			s.waitFor("> create g")
			s.press(keyCtrlC)
			s.waitFor("(CONNECTED) " + root + "] 21> ")
			s.typeText("history")
			s.press(keyEnter)
			s.waitFor("2 - txn")
			s.waitFor("3 - create a one")
			s.waitFor("4 - set a")
			s.waitFor("6 - set -v 0 bnode two")
			s.waitFor("8 - commit")
			s.waitFor("] 22> ")
			s.press(keyCtrlD)
			if code := s.waitExit(); code != 0 {
				t.Fatalf("exit code %d", code)
			}
			s.checkModesRestored()
		})
	}
}

// TestTerminalTxnReadOnly: a read-only shell refuses txn itself, before any line is collected.
func TestTerminalTxnReadOnly(t *testing.T) {
	s := startSession(t, server.RunT(t).Addr(), t.TempDir(), "--read-only")
	s.waitFor("(CONNECTED) / RO] 1> ")
	s.typeText("txn")
	s.press(keyEnter)
	s.waitFor("zksh: txn: refused by --read-only")
	s.waitFor("(CONNECTED) / RO] 2> ")
	if strings.Contains(s.screen(0), "txn(") {
		t.Errorf("a read-only shell opened a txn block:\n%s", s.screen(0))
	}
	s.press(keyCtrlD)
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}
