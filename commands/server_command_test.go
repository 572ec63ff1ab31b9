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
	"github.com/spf13/cobra"
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

// TestServerDefaults: without --config the server gets Apache ZooKeeper's defaults, not the Go API's
// zero values (MaxClientCnxns 0 would mean unlimited connections).
func TestServerDefaults(t *testing.T) {
	run := func(args ...string) (*ServerOptions, error) {
		streams, _, _ := fakeIO("", false)
		var got *ServerOptions
		root := NewRootCmd(NewEnv(streams, Settings{}))
		root.RemoveCommand(findCmd(root, "server"))
		root.AddCommand(NewCmdServer(NewEnv(streams, Settings{}), func(_ context.Context, o *ServerOptions) error {
			got = o
			return nil
		}))
		root.SetArgs(args)
		return got, AsUsage(root.Execute())
	}
	o, err := run("server", "--port", "0")
	if err != nil {
		t.Fatal(err)
	}
	if c := o.Config; c.MaxClientCnxns != 60 || c.TickTime != 0 && c.TickTime != 2*time.Second || c.MinSessionTimeout != 4*time.Second ||
		c.MaxSessionTimeout != 40*time.Second || c.ClientPortAddress != "127.0.0.1" || c.ClientPort != 0 {
		t.Fatalf("defaults without --config: %+v", c)
	}
	for _, bad := range []string{"-1", "65536", "99999"} {
		if _, err := run("server", "--port", bad); ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "--port") {
			t.Errorf("--port %s: %v", bad, err)
		}
	}
}

// TestServerDebianConfig runs the server with the zoo.cfg Debian ships as an example (dataDir
// /tmp/zookeeper is replaced by a temporary one).
func TestServerDebianConfig(t *testing.T) {
	const example = "/etc/zookeeper/conf_example/zoo.cfg"
	text, err := os.ReadFile(example)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %v (apt-get install zookeeper)", example, err)
		}
		t.Skipf("%s: %v (apt-get install zookeeper)", example, err)
	}
	dir := t.TempDir()
	cfgText := regexp.MustCompile(`(?m)^dataDir=.*$`).ReplaceAllString(string(text), "dataDir="+dir)
	cfg := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfg, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	streams, _, _ := fakeIO("", false)
	var got *ServerOptions
	env := NewEnv(streams, Settings{})
	cmd := NewCmdServer(env, func(_ context.Context, o *ServerOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--config", cfg})
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if c := got.Config; c.ClientPort != 2181 || c.TickTime != 2*time.Second || c.ClientPortAddress != "127.0.0.1" || c.DataDir != dir || c.MaxClientCnxns != 60 {
		t.Fatalf("config from %s: %+v", example, c)
	}
	if got.Storage != "data in "+dir {
		t.Fatalf("storage %q", got.Storage)
	}
}

func findCmd(root interface {
	Find([]string) (*cobra.Command, []string, error)
}, name string) *cobra.Command {
	c, _, _ := root.Find([]string{name})
	return c
}
