package shell

import (
	"bytes"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zksh/zksh/commands"
	"github.com/zksh/zksh/internal/zktest"
)

// lines is a lineSource over fixed lines.
type lines []string

func (l *lines) Next() (string, bool) {
	if len(*l) == 0 {
		return "", false
	}
	s := (*l)[0]
	*l = (*l)[1:]
	return s, true
}

// newTestShell returns an interactive shell (no terminal) on the shared Apache ZooKeeper.
func newTestShell(t *testing.T) (*shell, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	var out, errOut bytes.Buffer
	s, _ := commands.DefaultSettings(func(string) string { return "" })
	s.Server = zktest.Server(t)
	env := commands.NewEnv(&commands.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, s)
	env.Interactive = true
	sh := newShell(env, true)
	t.Cleanup(func() { sh.close(); env.Close() })
	return sh, &out, &errOut
}

func TestLoopHistoryAndRedo(t *testing.T) {
	sh, out, errOut := newTestShell(t)
	src := lines{"pwd", "cd /zookeeper", "pwd", "history", "redo 1", "redo 99", "history 2", "history x", "pwd", "exit", "pwd"}
	if err := sh.loop(&src); err != nil {
		t.Fatal(err)
	}
	if len(src) != 1 {
		t.Fatalf("exit did not stop the loop: %d lines left", len(src))
	}
	want := "/\n/zookeeper\n1 - pwd\n2 - cd /zookeeper\n3 - pwd\n4 - history\n/zookeeper\n5 - pwd\n6 - history 2\n/zookeeper\n"
	if out.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	// redo 99 failed, printed, and the REPL went on; redo 1 echoed what it ran.
	if !strings.Contains(errOut.String(), "redo 99: no such history entry") || !strings.Contains(errOut.String(), "pwd\n") ||
		!strings.Contains(errOut.String(), "zksh: history takes one optional count") {
		t.Errorf("stderr: %s", errOut)
	}
	got := sh.hist.entries()
	wantHist := []string{"pwd", "cd /zookeeper", "pwd", "history", "pwd", "history 2", "history x", "pwd"}
	if strings.Join(got, "|") != strings.Join(wantHist, "|") {
		t.Errorf("history %q, want %q", got, wantHist)
	}
}

func TestLoopErrorsGoOn(t *testing.T) {
	sh, out, errOut := newTestShell(t)
	src := lines{"nosuch", "cd /bad/", "pwd"}
	if err := sh.loop(&src); err != nil {
		t.Fatalf("the REPL returned %v", err)
	}
	if out.String() != "/\n" {
		t.Errorf("stdout %q", out)
	}
	if !strings.Contains(errOut.String(), `unknown command "nosuch"`) {
		t.Errorf("stderr %q", errOut)
	}
}

// Usage errors inside the REPL point at the shell's help, not at the command line's --help.
func TestLoopUsageHints(t *testing.T) {
	sh, _, errOut := newTestShell(t)
	src := lines{"ls -x /", "nosuch", "get", "rmr", "redo 99", "cd a//b"}
	if err := sh.loop(&src); err != nil {
		t.Fatal(err)
	}
	got := errOut.String()
	for _, want := range []string{
		"zksh: unknown shorthand flag: 'x' in -x\nRun 'help ls' for usage.\n",
		"zksh: unknown command \"nosuch\"\nRun 'help' for usage.\n",
		"Run 'help get' for usage.\n",
		"Run 'help deleteall' for usage.\n",
		"zksh: redo 99: no such history entry (1..4)\nzksh: cd",
		"Run 'help cd' for usage.\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("stderr lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "--help") || strings.Contains(got, "help redo") {
		t.Errorf("hint in command-line words:\n%s", got)
	}
}

// help inside the REPL also lists the shell's own commands, and explains each.
func TestLoopHelpBuiltins(t *testing.T) {
	sh, out, errOut := newTestShell(t)
	src := lines{"help", "help redo", "help quit"}
	if err := sh.loop(&src); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"Usage:", "Shell commands:\n", "  history ", "  redo N ", "Run history entry N again\n",
		"  exit                 Leave the shell (Ctrl-D too) (also quit)\n", "\nKeys:\n", "  Ctrl-R "} {
		if !strings.Contains(got, want) {
			t.Errorf("stdout lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "Run history entry N again") != 2 || errOut.Len() != 0 {
		t.Errorf("help redo: stdout\n%s\nstderr %s", got, errOut)
	}
}

// Ctrl-C that lands while a script's command is finishing still ends the script.
func TestScriptInterruptAsCommandEnds(t *testing.T) {
	var out bytes.Buffer
	env := commands.NewEnv(&commands.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &bytes.Buffer{}}, commands.Settings{})
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	sh := newShell(env, false)
	t.Cleanup(sh.close)
	cancelled := make(chan struct{})
	sh.mu.Lock()
	sh.running = func() { close(cancelled) } // a command is running
	sh.mu.Unlock()
	sh.sigint <- os.Interrupt
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the running command was not cancelled")
	}
	sh.mu.Lock()
	sh.running = nil // it finished anyway
	sh.mu.Unlock()
	src := lines{"pwd", "pwd"}
	err := sh.loop(&src)
	if commands.ExitCode(err) != commands.ExitInterrupted {
		t.Fatalf("loop returned %v, want interrupted", err)
	}
	if out.String() != "" {
		t.Errorf("ran %q after the interrupt", out.String())
	}
}

// signalledSource delivers a signal while it reads its line, as SIGTERM would land while a huge line
// is read or split: the line's command must not start.
type signalledSource struct {
	sh   *shell
	line string
	sig  os.Signal
}

func (s *signalledSource) Next() (string, bool) {
	if s.line == "" {
		return "", false
	}
	s.sh.sigint <- s.sig
	<-s.sh.aborted // the dispatcher took it
	l := s.line
	s.line = ""
	return l, true
}

func TestLoopSIGTERMBeforeCommandStarts(t *testing.T) {
	sh, _, _ := newTestShell(t)
	root := testRoot(t)
	err := sh.loop(&signalledSource{sh: sh, line: "create " + root, sig: syscall.SIGTERM})
	if commands.ExitCode(err) != commands.ExitInterrupted {
		t.Fatalf("loop returned %v, want interrupted", err)
	}
	if ok, _, _ := zkConn(t).Exists(root); ok {
		t.Fatal("the command ran after SIGTERM")
	}
}
