package commands

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

func TestLocal(t *testing.T) {
	streams, out, errOut := fakeIO("", false)
	if code := Main([]string{"--local", "create", "/a", "x"}, streams, nil); code != 0 || out.String() != "/a\n" || errOut.Len() != 0 {
		t.Fatalf("--local create: %d %q %q", code, out, errOut)
	}
	// In memory: the next run starts from an empty tree.
	streams, _, errOut = fakeIO("", false)
	if code := Main([]string{"--local", "get", "/a"}, streams, nil); code != 1 || !strings.Contains(errOut.String(), "node does not exist") {
		t.Fatalf("--local is not in memory: %d %q", code, errOut)
	}
	dir := t.TempDir()
	streams, _, _ = fakeIO("", false)
	if code := Main([]string{"--local", "--data-dir", dir, "create", "/kept", "yes"}, streams, nil); code != 0 {
		t.Fatalf("--local --data-dir create: %d", code)
	}
	streams, out, _ = fakeIO("", false)
	if code := Main([]string{"--local", "--data-dir", dir, "get", "/kept"}, streams, nil); code != 0 || out.String() != "yes\n" {
		t.Fatalf("--data-dir did not keep the tree: %d %q", code, out)
	}
	// The REPL gets the local server too.
	streams, out, _ = fakeIO("", false)
	code := Main([]string{"--local"}, streams, func(env *Env) error {
		root := NewRootCmd(env)
		root.SetArgs([]string{"ls", "/"})
		return root.Execute()
	})
	if code != 0 || out.String() != "[zookeeper]\n" {
		t.Fatalf("--local repl: %d %q", code, out)
	}
}

func TestServerCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfg, []byte("tickTime=500\nclientPort=2181\ninitLimit=5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	streams, _, _ := fakeIO("", false)
	errOut := &syncBuffer{}
	streams.ErrOut = errOut
	env := NewEnv(streams, Settings{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		root := NewRootCmd(env)
		root.SetArgs([]string{"server", "--config", cfg, "--port", "0"})
		done <- root.ExecuteContext(ctx)
	}()
	re := regexp.MustCompile(`zksh server listening on (127\.0\.0\.1:\d+) \(in memory\)\n`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == ""; {
		if m := re.FindStringSubmatch(errOut.String()); m != nil {
			addr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no listening line: %q", errOut.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !strings.Contains(errOut.String(), "initLimit") {
		t.Errorf("no warning for an unknown key: %q", errOut.String())
	}
	c, _, err := zk.Connect([]string{addr}, 4*time.Second, zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/s", []byte("v"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("server stopped with %v", err)
	}
	// In the REPL the foreground server is refused.
	env.Interactive = true
	root := NewRootCmd(env)
	root.SetArgs([]string{"server"})
	if err := root.Execute(); ExitCode(err) != ExitUsage {
		t.Fatalf("server in REPL: %v", err)
	}
}
