package shell

import (
	"errors"
	"strings"
	"testing"

	"github.com/zksh/zksh/commands"
)

// TestReadOnlyPrompt: the prompt says RO when the shell runs with --read-only, and only then.
func TestReadOnlyPrompt(t *testing.T) {
	for _, ro := range []bool{false, true} {
		env := commands.NewEnv(&commands.IOStreams{}, commands.Settings{Server: "127.0.0.1:1", ReadOnly: ro})
		term := &terminal{env: env}
		got := term.prefix()
		if want := "[zksh: 127.0.0.1:1(CLOSED) /] 0> "; ro {
			if want = "[zksh: 127.0.0.1:1(CLOSED) / RO] 0> "; got != want {
				t.Errorf("read-only prompt %q, want %q", got, want)
			}
		} else if got != want {
			t.Errorf("prompt %q, want %q", got, want)
		}
	}
}

// TestReadOnlyScript: a script run with --read-only reads, and its first write stops it with exit 2.
func TestReadOnlyScript(t *testing.T) {
	env, _, _ := scriptEnv(t, "get /zookeeper/quota\ncreate /TestReadOnlyScript\nget /\n")
	env.Settings.ReadOnly = true
	err := Run(env)
	var le *commands.ScriptLineError
	if commands.ExitCode(err) != commands.ExitUsage || !errors.As(err, &le) || le.Line != 2 || !strings.Contains(err.Error(), "create: refused by --read-only") {
		t.Fatalf("err %v", err)
	}
	if c, err := env.Client(t.Context()); err != nil {
		t.Fatal(err)
	} else if ok, _, _ := c.Exists("/TestReadOnlyScript"); ok {
		t.Fatal("a read-only script created a znode")
	}
}
