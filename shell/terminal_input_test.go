//go:build linux

package shell

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"
	"golang.org/x/sys/unix"

	"github.com/zksh/zksh/internal/zktest"
)

// A watch event (or any redraw) arriving while the user cycles through suggestions with Tab must leave
// the selection alone: the next Tab moves on to the next suggestion.
func TestTerminalEventKeepsTabSelection(t *testing.T) {
	addr := zktest.Server(t)
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

// A parent with more children than are counted with the listing still shows "/" after those of its
// children that have children, once they are shown.
func TestTerminalBigParentSlashes(t *testing.T) {
	addr := zktest.Server(t)
	c := zkConn(t)
	mustCreate(t, c, "/many", "")
	t.Cleanup(func() { deleteTree(t, "/many") })
	var ops []any
	for i := range statLimit + 44 {
		ops = append(ops, &zk.CreateRequest{Path: fmt.Sprintf("/many/c%03d", i), Acl: zk.WorldACL(zk.PermAll)})
	}
	if _, err := c.Multi(ops...); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, c, "/many/c001/x", "")

	s := startSession(t, addr, t.TempDir())
	s.waitFor("(CONNECTED) /] 1> ")
	s.typeText("cd /many")
	s.press(keyEnter)
	s.waitFor("/many] 2> ")
	s.typeText("ls c00")
	s.waitFor("c001/")
	s.typeText("1")
	s.tab("ls c001/")
	s.press(keyEnter)
	s.waitFor("x\r\n")
	s.waitFor("] 3> ")
	s.press(keyCtrlD)
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

// Names with blanks complete quoted (inside the quotes the user opened, if any), and accepting
// such a suggestion leaves it whole on the line.
func TestTerminalQuotedNames(t *testing.T) {
	addr := zktest.Server(t)
	c := zkConn(t)
	mustCreate(t, c, "/sp", "")
	mustCreate(t, c, "/sp/a b", "spaced")
	mustCreate(t, c, "/sp/it's", "quoted")
	mustCreate(t, c, "/sp/z", "")
	t.Cleanup(func() { deleteTree(t, "/sp") })

	s := startSession(t, addr, t.TempDir())
	s.waitFor("(CONNECTED) /] 1> ")
	s.typeText("get /sp/")
	s.waitFor(`/sp/it's`)
	s.tab(`get "/sp/a b"`)
	s.press(keyEnter) // accepts the suggestion and runs the line
	s.waitFor("spaced")
	s.waitFor("] 2> ")

	s.typeText(`get "/sp/it`)
	s.waitFor(`"/sp/it's"`)
	s.tab(`get "/sp/it's"`)
	s.typeText(" ")
	s.press(keyEnter)
	s.waitFor("quoted")
	s.waitFor("] 3> ")
	s.press(keyCtrlD)
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

// Keys that arrive together (a fast typist over a slow link, tmux send-keys, a paste) each act as the
// key they are, not as text: Backspace, Ctrl-A, arrows, Ctrl-C.
func TestTerminalKeysInOneRead(t *testing.T) {
	addr := zktest.Server(t)
	s := startSession(t, addr, t.TempDir())
	s.waitFor("(CONNECTED) /] 1> ")
	write := func(b string) {
		t.Helper()
		if _, err := s.ptm.Write([]byte(b)); err != nil {
			t.Fatal(err)
		}
	}
	write("cd /zookeepex\x7fr\r")
	s.waitFor("/zookeeper] 2> ")
	write("w\x1ad\x01p\r") // Ctrl-Z with no job-control shell to stop it is ignored; Ctrl-A: line start
	s.waitFor("/zookeeper\r\n")
	s.waitFor("] 3> ")
	write("ls quoa\x1b[Dt\x1b[C\r") // arrows move the cursor
	s.waitFor("ls quota\r\n")
	s.waitFor("] 4> ")
	write("ls quota\x1bb-s \r") // Alt-B: back a word
	s.waitFor("ls -s quota\r\n")
	s.waitFor("dataVersion")
	s.waitFor("] 5> ")
	write("get /nonsense\x03ls ..\r") // Ctrl-C clears the half-typed line
	s.waitFor("zookeeper\r\n")
	s.waitFor("] 6> ")
	write("close\r") // the prompt shows the session closed; the next command opens one
	s.waitFor("(CLOSED) /zookeeper] 7> ")
	write("ls\r")
	s.waitFor("quota\r\n")
	s.waitFor("(CONNECTED) /zookeeper] 8> ")
	if strings.Contains(s.screen(0), "\nzksh: ") {
		t.Errorf("an error was printed:\n%s", s.screen(0))
	}
	s.press(keyCtrlD)
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

// Ctrl-R finds the most recent history line holding what is typed; again, an older one.
func TestTerminalHistorySearch(t *testing.T) {
	addr := zktest.Server(t)
	s := startSession(t, addr, t.TempDir())
	s.waitFor("(CONNECTED) /] 1> ")
	for i, l := range []string{"ls /zookeeper", "stat /zookeeper/quota", "pwd"} {
		s.typeText(l)
		s.press(keyEnter)
		s.waitFor(fmt.Sprintf("] %d> ", i+2))
	}
	s.typeText("zoo")
	s.press(keyCtrlR)
	s.waitFor("] 4> stat /zookeeper/quota")
	s.press(keyCtrlR)
	s.waitFor("] 4> ls /zookeeper")
	s.press(keyCtrlR) // nothing older: the line stays
	s.press(keyEnter)
	s.waitFor("config\r\nquota\r\n")
	s.waitFor("] 5> ")
	s.press(keyCtrlD)
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

// A Tab typed right after the text, before go-prompt handled it or the children arrived, still
// completes once they are there.
func TestTerminalEarlyTab(t *testing.T) {
	addr := zktest.Server(t)
	c := zkConn(t)
	mustCreate(t, c, "/early", "")
	mustCreate(t, c, "/early/only", "")
	t.Cleanup(func() { deleteTree(t, "/early") })

	s := startSession(t, addr, t.TempDir())
	s.waitFor("(CONNECTED) /] 1> ")
	if _, err := s.ptm.Write([]byte("get /early/\t")); err != nil {
		t.Fatal(err)
	}
	s.waitFor("> get /early/only")
	s.press(keyEnter)
	s.waitFor("] 2> ")
	// The terminal is raw by the time the prompt shows: a Ctrl-D pressed now reaches zksh.
	tio, err := unix.IoctlGetTermios(int(s.tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&unix.ICANON != 0 {
		t.Error("the prompt showed with the terminal in its normal mode")
	}
	if strings.Contains(s.screen(0), "\nzksh: ") {
		t.Errorf("an error was printed:\n%s", s.screen(0))
	}
	s.press(keyCtrlD)
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

// Ctrl-Z stops zksh as a job of an interactive shell, with the terminal in its normal mode; fg brings
// back the half-typed line.
func TestTerminalSuspend(t *testing.T) {
	addr := zktest.Server(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to run zksh as a job")
	}
	stateDir := t.TempDir()
	s := startProgram(t, stateDir, bash, "--norc", "--noprofile", "-i")
	write := func(b string) {
		t.Helper()
		if _, err := s.ptm.Write([]byte(b)); err != nil {
			t.Fatal(err)
		}
	}
	write("PS1='$ '; " + zkshBinary(t) + " --server " + addr + "\r")
	s.waitFor("(CONNECTED) /] 1> ")
	s.typeText("ls /zoo")
	s.press("\x1a") // Ctrl-Z
	s.waitFor("Stopped")
	s.waitFor("$ ")
	write("stty -a | grep -o ' icanon'; fg\r") // the shell's terminal is in its normal mode
	s.waitFor(" icanon\r\n")
	s.waitFor("] 1> ls /zoo") // drawn again, the line intact
	s.typeText("keeper")
	s.press(keyEnter)
	s.waitFor("quota\r\n")
	s.waitFor("] 2> ")
	s.press(keyCtrlD)
	s.waitFor("$ ")
	write("exit\r")
	if code := s.waitExit(); code != 0 {
		t.Fatalf("bash exit code %d", code)
	}
}

// A line holding credentials reaches neither the history file nor the arrow keys, however it is quoted.
func TestTerminalCredentialsLeaveNoHistory(t *testing.T) {
	addr := zktest.Server(t)
	stateDir := t.TempDir()
	s := startSession(t, addr, stateDir)
	s.waitFor("(CONNECTED) /] 1> ")
	s.typeText("pwd")
	s.press(keyEnter)
	s.waitFor("] 2> ")
	for _, l := range []string{`"addauth" digest u:secret1`, `'addauth' digest u:secret2`, `addauth digest "u:secret3"`, "ls /zookeeper"} {
		s.typeText(l)
		s.press(keyEnter)
	}
	s.waitFor("] 3> ") // only ls was numbered
	s.press(keyUp)
	s.waitFor("] 3> ls /zookeeper")
	s.press(keyUp) // the line before ls is pwd: the credentials were never kept
	s.waitFor("] 3> pwd")
	s.press(keyCtrlC)
	s.press(keyCtrlD)
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	data, err := os.ReadFile(filepath.Join(stateDir, "state", "zksh", "history"))
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "pwd\nls /zookeeper\n" {
		t.Errorf("history file %q, want only pwd and ls", data)
	}
}
