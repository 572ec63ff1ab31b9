package commands

import (
	"strings"
	"testing"
)

// TestCompletionUsesServerFlags: the system shell's completion (cobra's __complete) talks to the
// server the command line names, however it is given: --server, -s and zkCli's -server before the
// command, or ZKSH_SERVER; here a bundled server on a port that is not the default.
func TestCompletionUsesServerFlags(t *testing.T) {
	addr := bundled(t)
	c := dial(t, addr)
	mustCreateAll(t, c, "/completeme", "/completeme/kid")
	t.Setenv("ZKSH_SERVER", "")
	for _, args := range [][]string{
		{"__complete", "--server", addr, "get", "/comp"},
		{"__complete", "--server=" + addr, "get", "/comp"},
		{"__complete", "-s", addr, "get", "/comp"},
		{"__complete", "-s=" + addr, "get", "/comp"},
		{"__complete", "-server", addr, "get", "/comp"},
		{"__complete", "-server", addr, "-timeout", "5000", "get", "/comp"},
		{"__completeNoDesc", "-s", addr, "get", "/comp"},
	} {
		r := mainRun(args...)
		if r.code != 0 || !strings.HasPrefix(r.out, "/completeme\n") {
			t.Errorf("%q: %+v", args, r)
		}
	}
	t.Setenv("ZKSH_SERVER", addr)
	if r := mainRun("__complete", "get", "/comp"); !strings.HasPrefix(r.out, "/completeme\n") {
		t.Errorf("ZKSH_SERVER: %+v", r)
	}
	// A half-typed -s is left for cobra to complete, not an error.
	if r := mainRun("__complete", "-s"); r.code != 0 {
		t.Errorf("__complete -s: %+v", r)
	}
}
