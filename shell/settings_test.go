package shell

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/server"
)

// twoServers starts two bundled servers, A holding /onlyA and B holding /onlyB.
func twoServers(t *testing.T) (a, b string) {
	t.Helper()
	a, b = server.RunT(t).Addr(), server.RunT(t).Addr()
	for addr, node := range map[string]string{a: "/onlyA", b: "/onlyB"} {
		c, ev, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogInfo(false), zk.WithLogger(nopLogger{}))
		if err != nil {
			t.Fatal(err)
		}
		for e := range ev {
			if e.State == zk.StateHasSession {
				break
			}
		}
		_, err = c.Create(node, nil, 0, zk.WorldACL(zk.PermAll))
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return a, b
}

// runScript pipes script to the zksh binary started with args; it returns stdout, stderr and the
// exit code.
func runScript(t *testing.T, script string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(zkshBinary(t), args...)
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+t.TempDir(), "ZKSH_SERVER=", "ZKSH_AUTH=")
	cmd.Stdin = strings.NewReader(script)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// TestScriptPerLineSettings: a script line's --server or --auth applies to that line only, on a session
// of its own; the lines around it use the shell's session and settings. (A --server once went
// unheard after the first session, and given on the first line it stuck for the rest of the script.)
func TestScriptPerLineSettings(t *testing.T) {
	a, b := twoServers(t)
	for _, c := range []struct{ script, want string }{
		{"ls /\nls --server " + b + " /\n", "[onlyA, zookeeper]\n[onlyB, zookeeper]\n"},
		{"ls --server " + b + " /\nls /\n", "[onlyB, zookeeper]\n[onlyA, zookeeper]\n"},
		{"ls /\nls --server " + b + " --timeout 5s /\nls /\n", "[onlyA, zookeeper]\n[onlyB, zookeeper]\n[onlyA, zookeeper]\n"},
		{"cd /onlyA\nls --server " + b + " --connect-timeout 5s /\npwd\nls\n", "[onlyB, zookeeper]\n/onlyA\n[]\n"},
		{"whoami\nwhoami --auth digest:bob:pw\nwhoami\n", "Auth scheme: User\nip: 127.0.0.1\n" +
			"Auth scheme: User\ndigest: bob\nip: 127.0.0.1\n" + "Auth scheme: User\nip: 127.0.0.1\n"},
	} {
		out, errOut, code := runScript(t, c.script, "-s", a)
		if code != 0 || sortIdentities(out) != c.want || errOut != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want stdout %q", c.script, code, out, errOut, c.want)
		}
	}
	// A line that would change the shell's own session or current znode cannot have a session of
	// its own: a usage error, and nothing changed.
	out, errOut, code := runScript(t, "cd --server "+b+" /onlyB\n", "-s", a)
	if code != 2 || out != "" || !strings.Contains(errOut, "cd: --server on a shell line apply to that line only") {
		t.Errorf("cd --server: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// --local belongs to the whole shell.
	if _, errOut, code := runScript(t, "ls --local /\n", "-s", a); code != 2 || !strings.Contains(errOut, "give them when starting zksh") {
		t.Errorf("ls --local: exit %d, stderr %q", code, errOut)
	}
}

// sortIdentities sorts the identity lines under each "Auth scheme: User" heading of whoami's output:
// the server lists them in no particular order.
func sortIdentities(out string) string {
	var b strings.Builder
	for i, part := range strings.Split(out, "Auth scheme: User\n") {
		if i > 0 {
			b.WriteString("Auth scheme: User\n")
		}
		lines := strings.SplitAfter(part, "\n")
		if i > 0 {
			sort.Strings(lines)
		}
		b.WriteString(strings.Join(lines, ""))
	}
	return b.String()
}
