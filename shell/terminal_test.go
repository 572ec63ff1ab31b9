//go:build linux

package shell

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/go-zookeeper/zk"
	"golang.org/x/sys/unix"

	"github.com/zksh/zksh/internal/zktest"
)

// session is zksh running in a pseudo-terminal.
type session struct {
	t     *testing.T
	cmd   *exec.Cmd
	ptm   *os.File // the terminal's master side: what the user types and sees
	tty   *os.File // the slave side, kept open to read its modes after zksh exits
	mu    sync.Mutex
	out   bytes.Buffer // everything zksh wrote, raw
	mark  int          // waitFor searches the screen text from here
	line  string       // what the user typed on the current line
	done  chan struct{}
	state *os.ProcessState
}

// startSession runs zksh against server with HOME and XDG_STATE_HOME in stateDir.
func startSession(t *testing.T, server, stateDir string, flags ...string) *session {
	t.Helper()
	return startProgram(t, stateDir, zkshBinary(t), append([]string{"--server", server}, flags...)...)
}

// startProgram runs a program in a pseudo-terminal with HOME and XDG_STATE_HOME in stateDir.
func startProgram(t *testing.T, stateDir, bin string, args ...string) *session {
	t.Helper()
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := pty.Setsize(ptm, &pty.Winsize{Rows: 40, Cols: 160}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"HOME=" + stateDir, "XDG_STATE_HOME=" + filepath.Join(stateDir, "state"), "TERM=xterm",
		"PATH=" + os.Getenv("PATH")}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &session{t: t, cmd: cmd, ptm: ptm, tty: tty, done: make(chan struct{})}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptm.Read(buf)
			if n > 0 {
				s.mu.Lock()
				s.out.Write(buf[:n])
				s.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		_ = cmd.Wait()
		s.state = cmd.ProcessState
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = cmd.Process.Kill()
			<-s.done
		}
		ptm.Close()
		tty.Close()
		if t.Failed() {
			t.Logf("screen:\n%s", s.screen(0))
		}
	})
	return s
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]|\x1b[=>78DEMc]`)

// screen returns what zksh wrote from byte offset from on, without escape sequences.
func (s *session) screen(from int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.out.Bytes()
	if from > len(b) {
		from = len(b)
	}
	return ansi.ReplaceAllString(string(b[from:]), "")
}

func (s *session) rawLen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Len()
}

// waitFor polls the screen since the last mark for text (up to 10s) and moves the mark past it.
func (s *session) waitFor(text string) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		raw := string(s.out.Bytes()[s.mark:])
		s.mu.Unlock()
		clean := ansi.ReplaceAllString(raw, "")
		if strings.Contains(clean, text) {
			// Move the mark just past the match: later waits look at what came after it.
			n := sort.Search(len(raw), func(k int) bool {
				return strings.Contains(ansi.ReplaceAllString(raw[:k], ""), text)
			})
			s.mark += n
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waited 10s for %q; screen since mark:\n%s", text, clean)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// press sends keys, one per write, as a user types (keys that arrive together are split by the
// reader, so nothing waits between them). Enter and Ctrl-C start a new line.
func (s *session) press(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		if _, err := s.ptm.Write([]byte(k)); err != nil {
			s.t.Fatal(err)
		}
		if k == keyEnter || k == keyCtrlC {
			s.line = ""
		}
	}
}

// typeText types text one character at a time, each after go-prompt drew the line with the previous
// one, so that no two keys arrive in one read however slow the machine is.
func (s *session) typeText(text string) {
	s.t.Helper()
	for _, r := range text {
		base := s.rawLen()
		if _, err := s.ptm.Write([]byte(string(r))); err != nil {
			s.t.Fatal(err)
		}
		s.line += string(r)
		s.waitLine(base)
	}
}

// tab presses Tab and waits for the line to read line.
func (s *session) tab(line string) {
	s.t.Helper()
	base := s.rawLen()
	s.press(keyTab)
	s.line = line
	s.waitLine(base)
}

// waitLine waits until the prompt shows s.line (drawn after offset base).
func (s *session) waitLine(base int) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.screen(base), "> "+s.line) {
		if time.Now().After(deadline) {
			s.t.Fatalf("line %q not drawn; screen:\n%s", s.line, s.screen(base))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

const (
	keyEnter = "\r"
	keyTab   = "\t"
	keyCtrlC = "\x03"
	keyCtrlD = "\x04"
	keyCtrlR = "\x12"
	keyUp    = "\x1b[A"
)

// waitExit waits for zksh to exit and returns its exit code.
func (s *session) waitExit() int {
	s.t.Helper()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.t.Fatalf("zksh did not exit; screen:\n%s", s.screen(0))
	}
	return s.state.ExitCode()
}

// waitCanonical waits until the terminal is in canonical mode: go-prompt handed it back to run a command.
func (s *session) waitCanonical() {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		tio, err := unix.IoctlGetTermios(int(s.tty.Fd()), unix.TCGETS)
		if err != nil {
			s.t.Fatal(err)
		}
		if tio.Lflag&unix.ICANON != 0 {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatal("the terminal stayed in raw mode")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkModesRestored asserts the terminal is back in its normal (echo, canonical) mode.
func (s *session) checkModesRestored() {
	s.t.Helper()
	tio, err := unix.IoctlGetTermios(int(s.tty.Fd()), unix.TCGETS)
	if err != nil {
		s.t.Fatal(err)
	}
	if tio.Lflag&unix.ECHO == 0 || tio.Lflag&unix.ICANON == 0 || tio.Lflag&unix.ISIG == 0 {
		s.t.Fatalf("terminal modes not restored: lflag %#x (ECHO %v ICANON %v ISIG %v)", tio.Lflag,
			tio.Lflag&unix.ECHO != 0, tio.Lflag&unix.ICANON != 0, tio.Lflag&unix.ISIG != 0)
	}
}

// silentServer accepts connections and never answers: a connect to it waits until its timeout.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

func mustCreate(t *testing.T, c *zk.Conn, p, data string) {
	t.Helper()
	if _, err := c.Create(p, []byte(data), 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
		t.Fatalf("create %s: %v", p, err)
	}
}

func TestTerminalSession(t *testing.T) {
	addr := zktest.Server(t)
	c := zkConn(t)
	mustCreate(t, c, "/app", "")
	mustCreate(t, c, "/app/config", "v1")
	mustCreate(t, c, "/app/locks", "")
	mustCreate(t, c, "/app/locks/l1", "")
	t.Cleanup(func() { deleteTree(t, "/app") })
	stateDir := t.TempDir()

	s := startSession(t, addr, stateDir)
	s.waitFor("(CONNECTED) /] 1> ")
	s.press(keyCtrlC) // at an empty prompt: a fresh line, the shell stays
	s.waitFor("(CONNECTED) /] 1> ")

	// Tab completes one level of an absolute path, with "/" after a node that has children.
	s.typeText("get /ap")
	s.waitFor("/app/") // the suggestion, fetched in the background, appears
	s.tab("get /app/")
	s.typeText("con")
	s.tab("get /app/config")
	s.press(keyEnter)
	s.waitFor("v1")
	s.waitFor("] 2> ")

	// Relative paths after cd, in the prompt and in completion.
	s.typeText("cd /app")
	s.press(keyEnter)
	s.waitFor("(CONNECTED) /app] 3> ")
	s.typeText("get con")
	s.tab("get config")
	s.press(keyEnter)
	s.waitFor("v1")

	// Completion sees the shell's own writes at once.
	s.typeText("create newnode")
	s.press(keyEnter)
	s.waitFor("/app/newnode")
	s.typeText("get ne")
	s.waitFor("newnode")
	s.tab("get newnode")
	s.press(keyEnter)
	s.waitFor("] 5> ")

	// A watch event arrives while a line is half typed: it prints above the prompt, the line survives.
	s.typeText("get -w config")
	s.press(keyEnter)
	s.waitFor("] 7> ")
	s.typeText("ls /zoo")
	s.waitFor("ls /zoo")
	if _, err := c.Set("/app/config", []byte("v2"), -1); err != nil {
		t.Fatal(err)
	}
	s.waitFor("NodeDataChanged")
	s.waitFor("] 7> ls /zoo") // the half-typed line drawn again below the event
	s.typeText("keeper")
	s.press(keyEnter)
	s.waitFor("quota")

	// Ctrl-C clears a half-typed line.
	s.typeText("get /x")
	s.press(keyCtrlC)
	s.typeText("pwd")
	s.press(keyEnter)
	s.waitFor("/app\r\n")

	// Ctrl-C cancels a running command (waiting for a server that never answers) and the shell goes on.
	s.typeText("connect " + silentServer(t))
	s.press(keyEnter)
	s.waitCanonical() // the command runs with the terminal in its normal mode, where Ctrl-C is SIGINT
	start := time.Now()
	s.press(keyCtrlC)
	s.waitFor("^C\r\nzksh: connect: interrupted") // the message on a line of its own
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Ctrl-C took %v to cancel", d)
	}
	s.typeText("connect " + addr)
	s.press(keyEnter)
	s.waitFor("(CONNECTED) /] 11> ")

	// Pasted lines run one by one.
	if _, err := s.ptm.Write([]byte("pwd\rls /zookeeper\r")); err != nil {
		t.Fatal(err)
	}
	s.waitFor("pwd\r\n/\r\n")
	s.waitFor("ls /zookeeper\r\nconfig\r\nquota\r\n")
	s.waitFor("] 13> ")

	s.typeText("exit")
	s.press(keyEnter)
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	s.checkModesRestored()

	// A new shell finds the history: Up recalls the last line, history lists them numbered.
	s2 := startSession(t, addr, stateDir)
	s2.waitFor("(CONNECTED) /] 13> ")
	s2.press(keyUp)
	s2.waitFor("> ls /zookeeper")
	s2.press(keyCtrlC)
	s2.typeText("history")
	s2.press(keyEnter)
	s2.waitFor("1 - get /app/config")
	s2.waitFor("2 - cd /app")
	s2.waitFor("13 - history")
	s2.typeText("redo 1")
	s2.press(keyEnter)
	s2.waitFor("get /app/config\r\nv2")
	s2.waitFor("] 15> ")
	s2.press(keyCtrlD)
	if code := s2.waitExit(); code != 0 {
		t.Fatalf("exit code %d after Ctrl-D", code)
	}
	s2.checkModesRestored()
}

func TestTerminalSessionExpiry(t *testing.T) {
	addr := zktest.Server(t)
	s := startSession(t, addr, t.TempDir(), "--timeout", "2s")
	s.waitFor("(CONNECTED) /] 1> ")
	eph := fmt.Sprintf("/eph-%d", time.Now().UnixNano())
	s.typeText("create -e " + eph)
	s.press(keyEnter)
	s.waitFor("] 2> ")

	// Freeze zksh past its session timeout: the server expires the session.
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// The server removes the session's ephemeral node when it expires it.
	c := zkConn(t)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ok, _, err := c.Exists(eph)
		if err == nil && !ok {
			break
		}
		if time.Now().After(deadline) {
			_ = s.cmd.Process.Signal(syscall.SIGCONT)
			t.Fatalf("the session was not expired within 20s (exists %v, %v)", ok, err)
		}
	}
	if err := s.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	s.waitFor("(EXPIRED) /] 2> ") // the prompt follows the session without a key pressed
	s.typeText("stat " + eph)
	s.press(keyEnter)
	s.waitFor("session expired; opened a new session (ephemeral nodes of the old session are gone)")
	s.waitFor("node does not exist")
	s.waitFor("(CONNECTED) /] 3> ")
	s.typeText("ls /")
	s.press(keyEnter)
	s.waitFor("zookeeper")
	s.waitFor("(CONNECTED) /] 4> ") // Ctrl-D before the prompt would meet the terminal's normal mode
	if strings.Count(s.screen(0), "session expired;") != 1 {
		t.Errorf("the expiry was reported %d times", strings.Count(s.screen(0), "session expired;"))
	}
	s.press(keyCtrlD)
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	s.checkModesRestored()
}
