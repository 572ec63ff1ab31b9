package shell

import (
	"bytes"
	"strings"
	"testing"

	"github.com/zksh/zksh/commands"
	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

// runScriptAt runs script on addr as `zksh --server addr FLAGS < script` does: its output, its
// stderr and its exit code.
func runScriptAt(t *testing.T, addr, script string, flags ...string) (out, errOut string, code int) {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	var o, e bytes.Buffer
	streams := &commands.IOStreams{In: strings.NewReader(script), Out: &o, ErrOut: &e}
	code = commands.Main(append([]string{"--server", addr, "--connect-timeout", "5s"}, flags...), streams, Run)
	return o.String(), e.String(), code
}

// TestScriptTxnBlock: a script's lines between txn and commit run as one transaction, as in the shell;
// a refused operation, a line that does not parse, or a script ending before commit applies nothing.
// Against Apache ZooKeeper and the bundled server.
func TestScriptTxnBlock(t *testing.T) {
	for name, addr := range zktest.Targets(t, server.RunT(t).Addr()) {
		t.Run(name, func(t *testing.T) {
			c := dialAddr(t, addr)
			root := "/TestScriptTxnBlock"
			txnRootAt(t, c, root)
			R := func(s string) string { return strings.ReplaceAll(s, "R", root) }
			cases := []struct {
				name, script string
				flags        []string
				code         int
				out, err     string
			}{
				{name: "commit", script: "cd R\ntxn\ncreate a 1\n\n# a comment\nset -v 0 R/bnode y\ncheck -v 1 bnode\ncommit\nget bnode\n",
					out: "create R/a\nset R/bnode 1\ncheck R/bnode 1\ny\n"},
				{name: "refused", script: "txn\ncreate R/b\ncheck -v 9 R/bnode\ncommit\ncreate R/after\n", code: commands.ExitRefused,
					err: "zksh: line 4: txn: line 3: operation 2 (check R/bnode) refused: version does not match (bad version); nothing was applied\n"},
				{name: "bad line", script: "txn\ncreate R/c\nset R/bnode\ncommit\n", code: commands.ExitUsage,
					err: "zksh: line 3: txn: set: wants 2 argument(s), got 1\n"},
				{name: "no commit", script: "txn\ncreate R/d\n", code: commands.ExitUsage,
					err: "zksh: line 1: txn: the script ended before commit: the block's 1 operation was not sent; nothing was applied\n"},
				{name: "keep going", script: "txn\ncreate R/e\nbogus\ncommit\ncreate R/f\n", flags: []string{"--keep-going"}, code: commands.ExitUsage,
					out: "R/f\n", err: "zksh: line 4: txn: not committed: line 3 of the block does not parse; nothing was applied\n"},
				{name: "abort", script: "txn\ncreate R/g\nabort\n", err: "zksh: txn: aborted: 1 operation dropped; nothing was applied\n"},
				{name: "empty", script: "txn\ncommit\n", code: commands.ExitUsage, err: "zksh: line 2: txn: no operations given"},
				{name: "nested", script: "txn\ntxn\ncommit\n", code: commands.ExitUsage, err: "zksh: line 2: txn: a txn block is already open"},
			}
			for _, tc := range cases {
				out, errOut, code := runScriptAt(t, addr, R(tc.script), tc.flags...)
				if code != tc.code || out != R(tc.out) || !strings.Contains(errOut, R(tc.err)) || tc.err == "" && errOut != "" {
					t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr with %q", tc.name, code, out, errOut, tc.code, R(tc.out), R(tc.err))
				}
			}
			for _, p := range []string{"/b", "/after", "/c", "/d", "/e", "/g"} {
				if exists(t, c, root+p) {
					t.Errorf("%s was created", p)
				}
			}
			if data, st, err := c.Get(root + "/bnode"); err != nil || string(data) != "y" || st.Version != 1 {
				t.Errorf("bnode: %q %v", data, err)
			}

			// A read-only script refuses txn itself.
			_, errOut, code := runScriptAt(t, addr, R("txn\ncreate R/h\ncommit\n"), "--read-only")
			if code != commands.ExitUsage || !strings.Contains(errOut, "zksh: line 1: txn: refused by --read-only") || exists(t, c, root+"/h") {
				t.Errorf("read-only: exit %d, %q", code, errOut)
			}
		})
	}
}
