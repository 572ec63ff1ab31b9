package commands

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zktest"
)

// TestBinary builds the real zksh and runs one-shot commands: stdout carries only data, stderr only
// errors (no go-zookeeper log lines, no banners), and the exit codes are the documented ones.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	root := testRoot(t)
	addr := zktest.Server(t)
	bin := filepath.Join(t.TempDir(), "zksh")
	build := exec.Command("go", "build", "-ldflags", "-X github.com/zksh/zksh/commands.Version=v9.9.9-test", "-o", bin, "../cmd/zksh")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = []string{"ZKSH_SERVER=" + addr, "PATH=/usr/bin:/bin"}
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), code
	}
	tests := []struct {
		args           []string
		out, err       string
		code           int
		errContains    bool
		skipOutCompare bool
	}{
		{args: []string{"create", root + "/b", "bin"}, out: root + "/b\n"},
		{args: []string{"get", root + "/b"}, out: "bin\n"},
		{args: []string{"-server", addr, "-timeout", "5000", "set", root + "/b", "two"}},
		{args: []string{"get", root + "/b"}, out: "two\n"},
		{args: []string{"get", root + "/nope"}, err: "zksh: get " + root + "/nope: node does not exist\n", code: 1},
		{args: []string{"get", "nope/"}, err: "zksh: get nope/: path must not end with /\nRun 'zksh get --help' for usage.\n", code: 2},
		{args: []string{"frobnicate"}, err: "unknown command", code: 2, errContains: true},
		{args: []string{"--server", "127.0.0.1:1", "--connect-timeout", "200ms", "get", "/a"}, err: "zksh: get /a: could not connect to 127.0.0.1:1: connection refused\n", code: 3},
		{args: []string{"version"}, out: "zksh version v9.9.9-test", errContains: true, skipOutCompare: true},
	}
	for _, tt := range tests {
		start := time.Now()
		out, errOut, code := run(tt.args...)
		t.Logf("zksh %q: %v", tt.args, time.Since(start))
		if code != tt.code {
			t.Errorf("zksh %q: exit %d, want %d (stderr %q)", tt.args, code, tt.code, errOut)
		}
		if !tt.skipOutCompare && out != tt.out {
			t.Errorf("zksh %q: stdout %q, want %q", tt.args, out, tt.out)
		}
		if tt.skipOutCompare && !bytes.HasPrefix([]byte(out), []byte(tt.out)) {
			t.Errorf("zksh %q: stdout %q, want prefix %q", tt.args, out, tt.out)
		}
		if tt.errContains && !bytes.Contains([]byte(errOut), []byte(tt.err)) || !tt.errContains && errOut != tt.err {
			t.Errorf("zksh %q: stderr %q, want %q", tt.args, errOut, tt.err)
		}
	}
}
