//go:build linux

package shell

import (
	"testing"

	"github.com/zksh/zksh/internal/zktest"
)

// TestTerminalAddWatch: the events of addWatch (a persistent recursive watch) print above the
// prompt while a line is half typed, and the line survives; each change of the subtree prints.
func TestTerminalAddWatch(t *testing.T) {
	addr := zktest.Server(t)
	c := zkConn(t)
	mustCreate(t, c, "/twatch", "")
	t.Cleanup(func() { deleteTree(t, "/twatch") })

	s := startSession(t, addr, t.TempDir())
	s.waitFor("(CONNECTED) /] 1> ")
	s.typeText("addWatch /twatch")
	s.press(keyEnter)
	s.waitFor("] 2> ")
	s.typeText("ls /zoo")
	s.waitFor("ls /zoo")
	mustCreate(t, c, "/twatch/a", "")
	s.waitFor("WATCHER: NodeCreated /twatch/a")
	s.waitFor("] 2> ls /zoo") // the half-typed line drawn again below the event
	if _, err := c.Set("/twatch/a", []byte("v2"), -1); err != nil {
		t.Fatal(err)
	}
	s.waitFor("WATCHER: NodeDataChanged /twatch/a") // the watch stays set
	s.waitFor("] 2> ls /zoo")
	s.typeText("keeper")
	s.press(keyEnter)
	s.waitFor("quota")
	s.typeText("removewatches /twatch")
	s.press(keyEnter)
	s.waitFor("WATCHER: PersistentWatchRemoved /twatch")
	s.typeText("exit")
	s.press(keyEnter)
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
