package commands

import (
	"testing"

	"github.com/spf13/pflag"
)

// TestSessionFlagsCoverEveryConnectionSetting: every global flag that changes how a session is made
// (server, timeouts, credentials, TLS, SASL, Kerberos) makes a shell line run on a session of its
// own; otherwise a line's credentials would be silently dropped, or applied to the shell's session.
// A flag added later must be classified here.
func TestSessionFlagsCoverEveryConnectionSetting(t *testing.T) {
	notSession := map[string]bool{ // flags that do not change how a session is made
		"output": true, "verbose": true, "keep-going": true, "force": true, "read-only": true,
		"wait-timeout": true, "local": true, "data-dir": true, "help": true,
	}
	isSession := map[string]bool{}
	for _, f := range sessionFlags {
		isSession[f] = true
	}
	root, _ := newRootCmd(testEnv(""), true)
	root.PersistentFlags().VisitAll(func(f *pflag.Flag) {
		if !isSession[f.Name] && !notSession[f.Name] {
			t.Errorf("global flag --%s is neither a session flag (sessionFlags in root.go) nor listed here as one that is not", f.Name)
		}
	})
	for _, words := range [][]string{
		{"get", "--sasl-user", "bob", "--sasl-password-file", "/nonexistent", "/a"},
		{"get", "--jaas", "/nonexistent", "/a"},
		{"get", "--kerberos", "/a"},
	} {
		env := testEnv("")
		line, err := sessionForLine(env, words)
		if err != nil || line == env {
			t.Errorf("%q: runs on the shell's session (%v)", words, err)
		}
	}
}
