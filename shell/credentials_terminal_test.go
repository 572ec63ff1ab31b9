//go:build linux

package shell

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/commands"
	"github.com/zksh/zksh/internal/zktest"
)

// credNode creates p readable only with digest carol:password, removed after the test.
func credNode(t *testing.T, p, password string) {
	t.Helper()
	c := zkConn(t)
	if _, err := c.Create(p, []byte("only-carol"), 0, zk.DigestACL(zk.PermAll, "carol", password)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(p, -1) })
}

// TestAddAuthPasswordPrompt: in the interactive shell, addauth digest USER asks for the password
// without echo, the session uses it (a znode only that password may read is read), the terminal is
// restored, and neither the line's password nor the prompt's answer reaches the screen or the history.
func TestAddAuthPasswordPrompt(t *testing.T) {
	addr := zktest.Server(t)
	const password = "pw-hidden-5"
	credNode(t, "/t11carol", password)
	stateDir := t.TempDir()
	s := startSession(t, addr, stateDir)
	s.waitFor("(CONNECTED) /] 1> ")
	s.typeText("addauth digest carol")
	s.press(keyEnter)
	s.waitFor("Password for digest user carol: ")
	s.press(password + "\r")
	s.waitFor("] 1> ") // an addauth line is not in the history: the number stays
	s.typeText("get /t11carol")
	s.press(keyEnter)
	s.waitFor("only-carol")
	s.waitFor("] 2> ")
	s.press(keyCtrlD)
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	s.checkModesRestored()
	if strings.Contains(s.screen(0), password) {
		t.Fatalf("the password was echoed:\n%s", s.screen(0))
	}
	var hist strings.Builder
	_ = filepath.WalkDir(stateDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			hist.Write(b)
		}
		return nil
	})
	if h := hist.String(); strings.Contains(h, password) || strings.Contains(h, "addauth") || !strings.Contains(h, "get /t11carol") {
		t.Fatalf("state files hold %q", h)
	}
}

// TestAuthFlagPasswordPrompt: --auth digest:USER asks for the password without echo on a terminal
// and uses it; an inline password works with a warning (it is visible in ps) that does not repeat it.
func TestAuthFlagPasswordPrompt(t *testing.T) {
	addr := zktest.Server(t)
	const password = "pw-hidden-6"
	credNode(t, "/t11authflag", password)
	s := startSession(t, addr, t.TempDir(), "--auth", "digest:carol", "get", "/t11authflag")
	s.waitFor("Password for digest user carol: ")
	s.press(password + "\r")
	s.waitFor("only-carol")
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	s.checkModesRestored()
	if strings.Contains(s.screen(0), password) {
		t.Fatalf("the password was echoed:\n%s", s.screen(0))
	}

	s = startSession(t, addr, t.TempDir(), "--auth", "digest:carol:"+password, "get", "/t11authflag")
	s.waitFor("only-carol")
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if out := s.screen(0); !strings.Contains(out, "visible to other users") || strings.Count(out, password) != 0 {
		t.Fatalf("want the ps warning without the password:\n%s", out)
	}
}

// TestScriptAddAuthWithoutPassword: in a script, addauth digest USER cannot ask (stdin holds the
// script): it is a usage error (exit 2) naming the ways to give the password, and the script stops.
func TestScriptAddAuthWithoutPassword(t *testing.T) {
	root := testRoot(t)
	env, _, _ := scriptEnv(t, "addauth digest carol\ncreate "+root+"\n")
	err := Run(env)
	if code := commands.ExitCode(err); code != commands.ExitUsage || !strings.Contains(err.Error(), "only in the interactive shell") {
		t.Fatalf("exit %d: %v", code, err)
	}
	if ok, _, _ := zkConn(t).Exists(root); ok {
		t.Fatal("the script ran on after the usage error")
	}
}

// TestAddAuthPromptCtrlC: Ctrl-C at addauth's password prompt gives up at once (no Enter needed),
// adds no credentials, and leaves the shell working with its terminal restored.
func TestAddAuthPromptCtrlC(t *testing.T) {
	addr := zktest.Server(t)
	s := startSession(t, addr, t.TempDir())
	s.waitFor("(CONNECTED) /] 1> ")
	s.typeText("addauth digest carol")
	s.press(keyEnter)
	s.waitFor("Password for digest user carol: ")
	s.press("typed-then-")
	s.press(keyCtrlC)
	s.waitFor("interrupted")
	s.waitFor("] 1> ")
	s.typeText("whoami")
	s.press(keyEnter)
	s.waitFor("ip: 127.0.0.1")
	s.waitFor("] 2> ")
	s.press(keyCtrlD)
	s.waitExit()
	s.checkModesRestored()
	if out := s.screen(0); strings.Contains(out, "digest: carol") || strings.Contains(out, "typed-then-") {
		t.Fatalf("the cancelled password was used or echoed:\n%s", out)
	}
}

// TestAuthFlagPromptCtrlC: Ctrl-C at --auth digest:USER's password prompt exits 130 at once.
func TestAuthFlagPromptCtrlC(t *testing.T) {
	addr := zktest.Server(t)
	s := startSession(t, addr, t.TempDir(), "--auth", "digest:carol", "ls", "/")
	s.waitFor("Password for digest user carol: ")
	s.press(keyCtrlC)
	if code := s.waitExit(); code != 130 {
		t.Fatalf("exit %d, want 130", code)
	}
	s.checkModesRestored()
}

// TestLineAuthFile: --auth-file on a shell line adds its credentials to that line's own session,
// as --auth does, and not to the shell's.
func TestLineAuthFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "auth")
	if err := os.WriteFile(f, []byte("digest:dave:pw-file-8\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env, out, _ := scriptEnv(t, "whoami --auth-file "+f+"\nwhoami\n")
	if err := Run(env); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); strings.Count(got, "digest: dave") != 1 || strings.Contains(got, "pw-file-8") {
		t.Fatalf("stdout %q: want dave on the first whoami only", got)
	}
}
