//go:build linux

package shell

import (
	"testing"

	"github.com/zksh/zksh/internal/zktest"
)

// A watch event (or any redraw) arriving while the user cycles through suggestions with Tab must leave
// the selection alone: the next Tab moves on to the next suggestion.
func TestTerminalEventKeepsTabSelection(t *testing.T) {
	addr := zktest.Apache(t)
	c := zkConn(t)
	mustCreate(t, c, "/sel", "")
	mustCreate(t, c, "/sel/a1", "one")
	mustCreate(t, c, "/sel/a2", "two")
	mustCreate(t, c, "/sel/w", "")
	t.Cleanup(func() { deleteTree(t, "/sel") })

	s := startSession(t, addr, t.TempDir())
	s.waitFor("(CONNECTED) /] 1> ")
	s.typeText("get -w /sel/w")
	s.press(keyEnter)
	s.waitFor("] 2> ")
	s.typeText("get /sel/")
	s.waitFor("/sel/w") // the suggestions arrived
	s.tab("get /sel/a1")
	if _, err := c.Set("/sel/w", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	s.waitFor("NodeDataChanged /sel/w")
	s.waitFor("] 2> get /sel/a1") // drawn again below the event
	s.tab("get /sel/a2")
	s.press(keyEnter)
	s.waitFor("two")
	s.waitFor("] 3> ")
	s.press(keyCtrlD)
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}
