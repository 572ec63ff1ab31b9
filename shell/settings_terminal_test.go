//go:build linux

package shell

import "testing"

// TestTerminalPerLineServer: the same in the REPL, where a line's --server was ignored.
func TestTerminalPerLineServer(t *testing.T) {
	a, b := twoServers(t)
	s := startSession(t, a, t.TempDir())
	s.waitFor("(CONNECTED) /] 1> ")
	for i, line := range []struct{ cmd, want string }{
		{"ls --server " + b + " /", "onlyB\r\nzookeeper\r\n"},
		{"ls /", "onlyA\r\nzookeeper\r\n"},
		{"ls --server " + b + " /", "onlyB\r\nzookeeper\r\n"},
		{"ls /", "onlyA\r\nzookeeper\r\n"},
	} {
		if _, err := s.ptm.Write([]byte(line.cmd + keyEnter)); err != nil {
			t.Fatal(err)
		}
		s.waitFor(line.cmd + "\r\n" + line.want)
		s.waitFor("(CONNECTED) /] " + string(rune('2'+i)) + "> ")
	}
	// A watch on a session closed after the line would never fire: refused.
	if _, err := s.ptm.Write([]byte("ls -w --server " + b + " /" + keyEnter)); err != nil {
		t.Fatal(err)
	}
	s.waitFor("which would drop the watch")
	s.press(keyCtrlD)
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}
