package commands

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

// TestSettingsCheckedWithoutSession: the global flags and their ZKSH_* twins are validated once,
// before the command runs, even by a command that never opens a session (pwd once exited 0 with a
// credential that could never be sent). The variable is refused for the same reason as the flag,
// and a credential is never repeated.
func TestSettingsCheckedWithoutSession(t *testing.T) {
	for _, c := range []struct {
		env, value string
		args       []string
		want       string
	}{
		{"", "", []string{"--auth", "bogus-s3cret", "pwd"}, "invalid --auth: want scheme:credential"},
		{"ZKSH_AUTH", "bogus-s3cret", []string{"pwd"}, "zksh: invalid ZKSH_AUTH: want scheme:credential"},
		{"ZKSH_AUTH", "digest:u:p\nbogus-s3cret", []string{"version"}, "zksh: invalid ZKSH_AUTH: want scheme:credential"},
		{"", "", []string{"--auth", "digest:s3cret", "pwd"}, "--auth digest:USER has no password"}, // the user is not repeated: it may be a password
		{"ZKSH_AUTH", "digest:s3cret", []string{"pwd"}, "--auth digest:USER has no password"},
		{"ZKSH_AUTH", "digest:u:s3cret\r", []string{"pwd"}, "zksh: invalid ZKSH_AUTH: a credential cannot contain a line break"},
		{"", "", []string{"--timeout", "soon", "pwd"}, `invalid --timeout "soon": not a duration (e.g. 500ms, 30s, 1m)`},
		{"ZKSH_TIMEOUT", "soon", []string{"pwd"}, `zksh: invalid ZKSH_TIMEOUT "soon": not a duration (e.g. 500ms, 30s, 1m)`},
		{"ZKSH_CONNECT_TIMEOUT", "0s", []string{"pwd"}, "ZKSH_CONNECT_TIMEOUT 0s: must be positive"},
		{"", "", []string{"-o", "xml", "pwd"}, `invalid -o, --output "xml": want table, plain or json`},
		{"ZKSH_OUTPUT", "xml", []string{"pwd"}, `zksh: invalid ZKSH_OUTPUT "xml": want table, plain or json`},
		{"", "", []string{"--verbose=maybe", "pwd"}, `invalid --verbose "maybe": want 1/true/yes/on or 0/false/no/off`},
		{"ZKSH_VERBOSE", "maybe", []string{"pwd"}, `zksh: invalid ZKSH_VERBOSE "maybe": want 1/true/yes/on or 0/false/no/off`},
		{"", "", []string{"--server", "h:99999", "pwd"}, `server "h:99999": "h:99999" is not host:port`},
		{"ZKSH_SERVER", "h:99999", []string{"version"}, `ZKSH_SERVER: server "h:99999": "h:99999" is not host:port`},
	} {
		if c.env != "" {
			t.Setenv(c.env, c.value)
		}
		r := mainRun(c.args...)
		if r.code != ExitUsage || !strings.Contains(r.err, c.want) || r.out != "" || strings.Contains(r.err, "s3cret") {
			t.Errorf("%s=%q %q: %+v, want exit 2 and %q", c.env, c.value, c.args, r, c.want)
		}
		if c.env != "" {
			t.Setenv(c.env, "")
		}
	}
	// A flag given wins over its variable, which is then not read at all.
	t.Setenv("ZKSH_TIMEOUT", "soon")
	if r := mainRun("--timeout", "5s", "pwd"); r.code != 0 || r.out != "/\n" {
		t.Errorf("--timeout over a bad ZKSH_TIMEOUT: %+v", r)
	}
	t.Setenv("ZKSH_TIMEOUT", "")
	// yes/on read the same as a flag value as in the variable.
	if r := mainRun("--keep-going=yes", "pwd"); r.code != 0 {
		t.Errorf("--keep-going=yes: %+v", r)
	}
}

// TestAuthEnvSeveralCredentials: ZKSH_AUTH holds one credential per line and the session gets every
// one of them (it once sent the whole value as one digest password); --auth replaces them all.
func TestAuthEnvSeveralCredentials(t *testing.T) {
	targets := zktest.Targets(t, server.RunT(t).Addr())
	for name, addr := range targets {
		t.Setenv("ZKSH_AUTH", "digest:alice:pw\ndigest:bob:p,w x\n")
		r := mainRun("--server", addr, "whoami")
		if want := "Auth scheme: User\ndigest: alice\ndigest: bob\nip: 127.0.0.1\n"; r.code != 0 || sortedLines(r.out) != want {
			t.Errorf("%s: ZKSH_AUTH with two credentials: %+v, want %q", name, r, want)
		}
		r = mainRun("--server", addr, "--auth", "digest:carol:pw", "whoami")
		if want := "Auth scheme: User\ndigest: carol\nip: 127.0.0.1\n"; r.code != 0 || sortedLines(r.out) != want {
			t.Errorf("%s: --auth over ZKSH_AUTH: %+v, want %q", name, r, want)
		}
	}
}

// sortedLines is whoami's output with the identities (every line after the heading) sorted: the
// server lists them in no particular order.
func sortedLines(out string) string {
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	slices.Sort(lines[1:])
	return strings.Join(lines, "\n") + "\n"
}

// TestEveryGlobalFlagNamesItsEnvTwin: `zksh --help` is where a user looks for the ZKSH_* variable of
// a flag, so every flag that has one (all but --force) names it there, as README's table does.
func TestEveryGlobalFlagNamesItsEnvTwin(t *testing.T) {
	fs := pflag.NewFlagSet("zksh", pflag.ContinueOnError)
	s := defaultSettings()
	bindSettings(fs, &s)
	fs.VisitAll(func(f *pflag.Flag) {
		mentions := strings.Contains(f.Usage, "env "+envName(f.Name))
		if noEnvTwin[f.Name] {
			if strings.Contains(f.Usage, "ZKSH_") {
				t.Errorf("--%s has no environment twin, but its help names one: %q", f.Name, f.Usage)
			}
		} else if !mentions {
			t.Errorf("--%s: its help does not name its twin %s: %q", f.Name, envName(f.Name), f.Usage)
		}
	})
}

// TestAuthFileLineWithoutPassword: a digest:USER line of an --auth-file, with no terminal to ask the
// password on, is named by its file and line number (as every refused --auth-file line is), not
// as an --auth flag the user never gave; the user is not repeated.
func TestAuthFileLineWithoutPassword(t *testing.T) {
	file := filepath.Join(t.TempDir(), "auth")
	if err := os.WriteFile(file, []byte("digest:u:p\ndigest:s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := mainRun("--auth-file", file, "pwd")
	want := "--auth-file " + file + ", line 2: digest:USER has no password"
	if r.code != ExitUsage || !strings.Contains(r.err, want) || strings.Contains(r.err, "--auth digest") || strings.Contains(r.err, "s3cret") {
		t.Fatalf("%+v, want exit 2 and %q", r, want)
	}
}
