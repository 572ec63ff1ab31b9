package shell

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/zksh/zksh/commands"
	"github.com/zksh/zksh/internal/zktest"
)

// splitCases are data words as typed on a line; zkCli stores each exactly as typed, quotes of a
// quoted word removed.
var splitCases = []string{
	`{"a":1}`,
	`C:\path\to`,
	`^\d+$`,
	`foo;bar`,
	`a#b`,
	`#x`,
	`$HOME`,
	`a"b`,
	`x'y'z`,
	`"hello world"`,
	`'it "is"'`,
	`"it's"`,
	`""`,
	`"a\"`,
	`*`,
	`~/x`,
	`a|b>c&d`,
	`(1)`,
}

// The data a script line stores is what zkCli.sh stores for the same line.
func TestScriptSplitsLikeZkCli(t *testing.T) {
	addr := zktest.Server(t)
	zkCli := zktest.ZkCli(t)
	root := testRoot(t)
	var zkLines, ourLines strings.Builder
	fmt.Fprintf(&zkLines, "create %s\n", root)
	for i, data := range splitCases {
		fmt.Fprintf(&zkLines, "create %s/zkcli-%d %s\n", root, i, data)
		fmt.Fprintf(&ourLines, "create %s/zksh-%d %s\n", root, i, data)
		// set, and a line with blanks around, as typed in scripts
		fmt.Fprintf(&ourLines, "create %s/set-%d\n \tset  %s/set-%d  %s \t\n", root, i, root, i, data)
	}
	cmd := exec.Command(zkCli, "-server", addr)
	cmd.Stdin = strings.NewReader(zkLines.String() + "quit\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("zkCli.sh: %v\n%s", err, out)
	}
	env, _, errOut := scriptEnv(t, ourLines.String())
	if err := Run(env); err != nil {
		t.Fatalf("Run: %v\nstderr: %s", err, errOut)
	}
	c := zkConn(t)
	for i, data := range splitCases {
		want, _, err := c.Get(fmt.Sprintf("%s/zkcli-%d", root, i))
		if err != nil {
			t.Fatalf("zkCli did not create the node for %s: %v", data, err)
		}
		for _, name := range []string{"zksh", "set"} {
			got, _, err := c.Get(fmt.Sprintf("%s/%s-%d", root, name, i))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s %s: zksh stored %q, zkCli %q", name, data, got, want)
			}
		}
	}
}

// Where zkCli would store something other than what was typed (it drops a quote never closed, and
// splits a word glued to a closing quote off into the next argument), the line is a usage error and
// nothing is written.
func TestScriptRefusesLinesZkCliWouldAlter(t *testing.T) {
	for _, tt := range []struct {
		data string
		at   int // the quote at fault, from 1 in data
	}{{`"abc`, 1}, {`'a b`, 1}, {`"a b"c`, 5}, {`'a''b'`, 3}} {
		t.Run(tt.data, func(t *testing.T) {
			root := testRoot(t)
			prefix := "create " + root + " "
			env, _, _ := scriptEnv(t, prefix+tt.data+"\n")
			err := Run(env)
			if code := commands.ExitCode(err); code != commands.ExitUsage {
				t.Fatalf("exit code %d (%v), want usage", code, err)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("column %d ", len(prefix)+tt.at)) {
				t.Errorf("error %q does not say where", err)
			}
			if ok, _, _ := zkConn(t).Exists(root); ok {
				t.Fatal("the line ran")
			}
		})
	}
}
