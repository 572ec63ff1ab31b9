//go:build linux

package shell

import (
	"strings"
	"testing"

	"github.com/zksh/zksh/server"
)

// TestSASLPasswordPrompt: --sasl-user without a password file asks for the password on the
// terminal without echoing it, and logs in with it.
func TestSASLPasswordPrompt(t *testing.T) {
	s := startSession(t, saslServer(t, "bob", "pw-typed-7"), t.TempDir(), "--sasl-user", "bob", "whoami")
	s.waitFor("SASL password for bob: ")
	s.press("pw-typed-7\r")
	s.waitFor("sasl: bob")
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(s.screen(0), "pw-typed-7") {
		t.Fatalf("the password was echoed:\n%s", s.screen(0))
	}
}

// TestSASLPasswordAskedOncePerLine: a line that opens several sessions with --sasl-user (diff
// between two clusters, each a zk:// URL) asks for the password once, not once per session.
func TestSASLPasswordAskedOncePerLine(t *testing.T) {
	addrs := []string{saslServer(t, "bob", "pw-typed-8"), saslServer(t, "bob", "pw-typed-8")}
	s := startSession(t, addrs[0], t.TempDir(), "--sasl-user", "bob", "diff", "zk://"+addrs[0]+"/zookeeper/config", "zk://"+addrs[1]+"/zookeeper/config")
	s.waitFor("SASL password for bob: ")
	s.press("pw-typed-8\r")
	if code := s.waitExit(); code != 0 {
		t.Fatalf("exit %d; screen:\n%s", code, s.screen(0))
	}
	if n := strings.Count(s.screen(0), "SASL password for bob: "); n != 1 {
		t.Fatalf("asked %d times for the password; screen:\n%s", n, s.screen(0))
	}
}

// TestSASLPasswordPromptCtrlC: Ctrl-C at the --sasl-user password prompt stops zksh at once with
// exit 130 (the prompt waited for Enter).
func TestSASLPasswordPromptCtrlC(t *testing.T) {
	s := startSession(t, saslServer(t, "bob", "pw-typed-9"), t.TempDir(), "--sasl-user", "bob", "whoami")
	s.waitFor("SASL password for bob: ")
	s.press("\x03")
	if code := s.waitExit(); code != 130 {
		t.Fatalf("exit %d; screen:\n%s", code, s.screen(0))
	}
}

// saslServer starts a bundled server whose one SASL DIGEST-MD5 user is user, stopped when the test
// ends, and returns its address.
func saslServer(t *testing.T, user, password string) string {
	t.Helper()
	srv, err := server.New(server.Config{SASLACL: true, SASLUsers: map[string]string{user: password}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.Addr()
}
