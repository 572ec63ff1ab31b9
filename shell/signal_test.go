//go:build linux

package shell

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zktest"
)

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startScript runs the zksh binary on a script written to the returned pipe.
func startScript(t *testing.T, args ...string) (*exec.Cmd, io.WriteCloser, *scriptOutput, *exited) {
	t.Helper()
	cmd := exec.Command(zkshBinary(t), args...)
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+t.TempDir())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	o := &scriptOutput{}
	cmd.Stdout, cmd.Stderr = &o.out, &o.err
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := &exited{ch: make(chan struct{})}
	go func() { done.err = cmd.Wait(); close(done.ch) }()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-done.ch:
		default:
			_ = cmd.Process.Kill()
			<-done.ch
		}
	})
	return cmd, stdin, o, done
}

// scriptOutput is what the script printed so far.
type scriptOutput struct{ out, err syncBuffer }

// exited is closed when the process ended; err is what Wait returned.
type exited struct {
	ch  chan struct{}
	err error
}

// waitStopped waits (generously) for zksh to end after a signal and checks it says "interrupted" (130).
func waitStopped(t *testing.T, done *exited) {
	t.Helper()
	select {
	case <-done.ch:
		var ee *exec.ExitError
		if !errors.As(done.err, &ee) || ee.ExitCode() != 130 {
			t.Fatalf("exit: %v, want code 130", done.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("zksh did not stop on SIGTERM")
	}
}

// A 3 MB line is split and run at once (a 300 KB one took 13 s with the POSIX splitter, 3 MB spun for
// minutes ignoring SIGTERM), and SIGTERM ends zksh while it reads the next huge line.
func TestBinaryScriptHugeLineAndSIGTERM(t *testing.T) {
	addr := zktest.Server(t)
	cmd, stdin, o, done := startScript(t, "--server", addr, "--keep-going")
	huge := "ls /zookeeper " + strings.Repeat(`a "b c" \d; `, (3<<20)/12)
	go func() {
		_, _ = io.WriteString(stdin, huge+"\n")
		_, _ = io.WriteString(stdin, huge) // no line end: zksh is still reading it
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(o.err.String(), "zksh: line 1: ls: wants 0 to 1 argument(s), got ") {
		if time.Now().After(deadline) {
			t.Fatalf("the 3 MB line was not run within a minute; stderr: %.300s", o.err.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, done)
}

// SIGTERM ends a script whose command waits for a server that never answers.
func TestBinaryScriptSIGTERMWhileConnecting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	cmd, stdin, _, done := startScript(t, "--server", ln.Addr().String(), "--connect-timeout", "60s")
	_, _ = io.WriteString(stdin, "ls /\n")
	select {
	case c := <-accepted:
		defer c.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("zksh did not connect")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, done)
}

// In a piped script, -w sets the watch and the script goes on (as in zkCli and the shell); the event is
// printed when it fires. Against Apache and the bundled server.
func TestBinaryScriptWatchGoesOn(t *testing.T) {
	for _, target := range []string{"apache", "bundled"} {
		t.Run(target, func(t *testing.T) {
			args := []string{"--local"}
			root := "/watched"
			if target == "apache" {
				args = []string{"--server", zktest.Server(t)}
				root = testRoot(t)
			}
			_, stdin, o, done := startScript(t, append(args, "--wait-timeout", "5s")...)
			_, _ = io.WriteString(stdin, "create "+root+" a\nget -w "+root+"\nls -w "+root+"\nstat -w "+root+
				"\nset "+root+" b\ncreate "+root+"/c\nget "+root+"\n")
			deadline := time.Now().Add(20 * time.Second)
			for strings.Count(o.err.String(), "WATCHER") < 3 {
				select {
				case <-done.ch:
					t.Fatalf("the script ended (%v) before the events; stderr:\n%s", done.err, o.err.String())
				default:
				}
				if time.Now().After(deadline) {
					t.Fatalf("no events; stderr:\n%s", o.err.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			stdin.Close()
			select {
			case <-done.ch:
				if done.err != nil {
					t.Fatalf("exit: %v; stderr:\n%s", done.err, o.err.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the script did not end")
			}
			got := o.err.String()
			for _, want := range []string{"NodeDataChanged " + root + "\n", "NodeChildrenChanged " + root + "\n"} {
				if !strings.Contains(got, want) {
					t.Errorf("stderr lacks %q:\n%s", want, got)
				}
			}
			if out := o.out.String(); !strings.HasPrefix(out, root+"\na\n") || !strings.HasSuffix(out, "\nb\n") {
				t.Errorf("stdout:\n%s", out)
			}
		})
	}
}
