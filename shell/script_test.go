package shell

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/commands"
	"github.com/zksh/zksh/internal/zktest"
)

func TestMain(m *testing.M) { zktest.Main(cleanupRun{m}) }

// The zksh binary the end-to-end tests build once.
var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
	buildDir  string
)

// zkshPackage is the binary the end-to-end tests drive.
const zkshPackage = "github.com/zksh/zksh/cmd/zksh"

// zkshBinary builds the zksh binary once per test binary (TestMain removes it).
func zkshBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "zksh-e2e-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "zksh")
		out, err := exec.Command("go", "build", "-o", buildBin, zkshPackage).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build %s: %v\n%s", zkshPackage, err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// cleanupRun removes what the tests built once the tests ran (zktest.Main exits the process).
type cleanupRun struct{ m *testing.M }

func (c cleanupRun) Run() int {
	code := c.m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	return code
}

// scriptEnv returns an Env reading script from a pipe-like reader, against the shared Apache ZooKeeper.
func scriptEnv(t *testing.T, script string) (*commands.Env, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	addr := zktest.Server(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	var out, errOut bytes.Buffer
	s, err := commands.DefaultSettings(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	s.Server = addr
	s.ConnectTimeout = 5 * time.Second
	env := commands.NewEnv(&commands.IOStreams{In: strings.NewReader(script), Out: &out, ErrOut: &errOut}, s)
	t.Cleanup(env.Close)
	return env, &out, &errOut
}

// testRoot returns a unique znode path for a test and removes it afterwards.
func testRoot(t *testing.T) string {
	t.Helper()
	root := fmt.Sprintf("/shelltest-%s-%d", strings.ReplaceAll(t.Name(), "/", "_"), time.Now().UnixNano())
	t.Cleanup(func() { deleteTree(t, root) })
	return root
}

func zkConn(t *testing.T) *zk.Conn {
	t.Helper()
	c, ev, err := zk.Connect([]string{zktest.Server(t)}, 10*time.Second, zk.WithLogInfo(false), zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for c.State() != zk.StateHasSession {
		select {
		case <-ev:
		case <-deadline:
			t.Fatal("no session")
		}
	}
	t.Cleanup(c.Close)
	return c
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

func deleteTree(t *testing.T, p string) {
	c, ev, err := zk.Connect([]string{zktest.Server(t)}, 10*time.Second, zk.WithLogInfo(false), zk.WithLogger(nopLogger{}))
	if err != nil {
		return
	}
	defer c.Close()
	for c.State() != zk.StateHasSession {
		select {
		case <-ev:
		case <-time.After(5 * time.Second):
			return
		}
	}
	var del func(string)
	del = func(p string) {
		kids, _, _ := c.Children(p)
		for _, k := range kids {
			del(p + "/" + k)
		}
		_ = c.Delete(p, -1)
	}
	del(p)
}

func TestScriptRunsLines(t *testing.T) {
	root := testRoot(t)
	script := fmt.Sprintf(`# a comment
create %[1]s one

create %[1]s/a "hello world"
cd %[1]s
get a
set a 'two words'
get a
ls %[1]s
pwd
`, root)
	env, out, errOut := scriptEnv(t, script)
	if err := Run(env); err != nil {
		t.Fatalf("Run: %v\nstderr: %s", err, errOut)
	}
	got := out.String()
	for _, want := range []string{root + "\n", root + "/a\n", "hello world\n", "two words\n", "a\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("stdout lacks %q:\n%s", want, got)
		}
	}
	if !strings.HasSuffix(got, root+"\n") {
		t.Errorf("pwd did not print the current znode last:\n%s", got)
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr: %s", errOut)
	}
}

func TestScriptStopsAtFirstFailure(t *testing.T) {
	root := testRoot(t)
	script := fmt.Sprintf("create %[1]s\nget %[1]s/missing\ncreate %[1]s/after\n", root)
	env, _, errOut := scriptEnv(t, script)
	err := Run(env)
	if err == nil {
		t.Fatal("Run succeeded after a failing command")
	}
	var le *commands.ScriptLineError
	if !errors.As(err, &le) || le.Line != 2 {
		t.Errorf("error %v does not name line 2", err)
	}
	if code := commands.ExitCode(err); code != commands.ExitRefused {
		t.Fatalf("exit code %d (%v), want %d", code, err, commands.ExitRefused)
	}
	// The loop leaves printing the returned error to the caller (commands.Main).
	if errOut.Len() != 0 {
		t.Errorf("stderr: %q", errOut)
	}
	if ok, _, _ := zkConn(t).Exists(root + "/after"); ok {
		t.Fatal("the script ran on after the failure")
	}
}

func TestScriptKeepGoing(t *testing.T) {
	root := testRoot(t)
	script := fmt.Sprintf("create %[1]s\nget %[1]s/missing\nnosuchcommand\ncreate %[1]s/after\n", root)
	env, _, errOut := scriptEnv(t, script)
	env.Settings.KeepGoing = true
	err := Run(env)
	if err == nil {
		t.Fatal("Run succeeded although commands failed")
	}
	// The last failure (an unknown command) decides the exit code.
	if code := commands.ExitCode(err); code != commands.ExitUsage {
		t.Fatalf("exit code %d (%v), want %d", code, err, commands.ExitUsage)
	}
	if !strings.Contains(err.Error(), "2 of 4 commands failed") {
		t.Errorf("error %q", err)
	}
	for _, want := range []string{"zksh: line 2: get " + root + "/missing: node does not exist\n", "zksh: line 3: unknown command \"nosuchcommand\"\n"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q: %s", want, errOut)
		}
	}
	if ok, _, _ := zkConn(t).Exists(root + "/after"); !ok {
		t.Fatal("--keep-going did not run the last command")
	}
}

func TestScriptExitEndsScript(t *testing.T) {
	root := testRoot(t)
	env, _, _ := scriptEnv(t, fmt.Sprintf("create %[1]s\nquit\ncreate %[1]s/after\n", root))
	if err := Run(env); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := zkConn(t).Exists(root + "/after"); ok {
		t.Fatal("ran on after quit")
	}
}

func TestScriptUsageErrors(t *testing.T) {
	for _, line := range []string{`get "/unbalanced`, `set /a "x"y`, "get /a | cat", "redo 1 2", "history extra"} {
		t.Run(line, func(t *testing.T) {
			env, _, _ := scriptEnv(t, line+"\n")
			err := Run(env)
			if code := commands.ExitCode(err); code != commands.ExitUsage {
				t.Fatalf("exit code %d (%v), want usage", code, err)
			}
		})
	}
}

// TestScriptKeepsTrailingSlash: a script's words are run as written. A path ending in "/" is a usage
// error there, as in zkCli and one-shot zksh: stripping it would run deleteall /keep// as deleteall
// /keep. Only at the prompt does the shell take back the one slash completion adds.
func TestScriptKeepsTrailingSlash(t *testing.T) {
	root := testRoot(t)
	for _, line := range []string{"get %[1]s/", "deleteall %[1]s//", "set %[1]s/ y"} {
		env, _, errOut := scriptEnv(t, fmt.Sprintf("create %[1]s x\n"+line+"\n", root))
		err := Run(env)
		if commands.ExitCode(err) != commands.ExitUsage || err == nil || !strings.Contains(err.Error(), "must not end with /") {
			t.Fatalf("%q: %v, stderr %q", line, err, errOut)
		}
		c := zkConn(t)
		if data, _, err := c.Get(root); err != nil || string(data) != "x" {
			t.Fatalf("%q changed %s: %q %v", line, root, data, err)
		}
		if err := c.Delete(root, -1); err != nil {
			t.Fatal(err)
		}
	}
}

// TestScriptSessionFlagValuesKept: the value of a line's --auth is not a path operand, whatever it
// ends with.
func TestScriptSessionFlagValuesKept(t *testing.T) {
	root := testRoot(t)
	c := zkConn(t)
	acl := zk.DigestACL(zk.PermAll, "u", "p/")
	if _, err := c.Create(root, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(root+"/sec", []byte("s"), 0, acl); err != nil {
		t.Fatal(err)
	}
	env, out, errOut := scriptEnv(t, fmt.Sprintf("get --auth digest:u:p/ %s/sec\n", root))
	if err := Run(env); err != nil || out.String() != "s\n" {
		t.Fatalf("%v: stdout %q stderr %q", err, out, errOut)
	}
}

func TestScriptSequentialCreateKeepsTrailingSlash(t *testing.T) {
	root := testRoot(t)
	env, out, errOut := scriptEnv(t, fmt.Sprintf("create %[1]s x\ncreate -s %[1]s/\n", root))
	if err := Run(env); err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	if want := root + "/0000000000\n"; !strings.HasSuffix(out.String(), want) {
		t.Fatalf("stdout %q, want it to end with %q", out, want)
	}
}

func TestScriptNoHistory(t *testing.T) {
	env, _, _ := scriptEnv(t, "ls /\n")
	if err := Run(env); err != nil {
		t.Fatal(err)
	}
	p := historyPath(os.Getenv)
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a script wrote history %s: %v", p, err)
	}
	if filepath.Base(p) != "history" {
		t.Fatalf("history path %s", p)
	}
}
