//go:build unix

package shell

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zktest"
)

// The zksh binary in script mode: piped commands, one error message, the failing command's exit code.
func TestBinaryScriptExitCode(t *testing.T) {
	addr := zktest.Server(t)
	root := testRoot(t)
	cmd := exec.Command(zkshBinary(t), "--server", addr)
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+t.TempDir())
	// Line numbers count every input line, blank and comment lines included.
	cmd.Stdin = strings.NewReader(fmt.Sprintf("create %[1]s\n\n# a comment\n  \nget %[1]s/missing\ncreate %[1]s/after\n", root))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v, want code 1; stderr: %s", err, errOut.String())
	}
	if out.String() != root+"\n" {
		t.Errorf("stdout %q", out.String())
	}
	if want := fmt.Sprintf("zksh: line 5: get %s/missing: node does not exist\n", root); errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
}

// Ctrl-C (SIGINT) while a script waits for its next line ends it with 130.
func TestBinaryScriptInterrupted(t *testing.T) {
	addr := zktest.Server(t)
	cmd := exec.Command(zkshBinary(t), "--server", addr)
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+t.TempDir())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(stdin, "pwd\n")
	buf := make([]byte, 2)
	if _, err := io.ReadFull(stdout, buf); err != nil || string(buf) != "/\n" {
		t.Fatalf("pwd printed %q (%v)", buf, err)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 {
			t.Fatalf("exit: %v, want code 130", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("zksh did not stop on SIGINT")
	}
}
