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
	srv, err := server.New(server.Config{SASLACL: true, SASLUsers: map[string]string{"bob": "pw-typed-7"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	s := startSession(t, srv.Addr(), t.TempDir(), "--sasl-user", "bob", "whoami")
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
