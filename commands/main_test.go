package commands

import (
	"bytes"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// nopLogger keeps go-zookeeper quiet in tests.
type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

// result is what one Main call printed and returned.
type result struct {
	out, err string
	code     int
}

// fakeIO returns streams over buffers; stdin reads in.
func fakeIO(in string, tty bool) (*IOStreams, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &IOStreams{In: strings.NewReader(in), Out: &out, ErrOut: &errOut, InTTY: tty, OutTTY: tty, ErrTTY: tty}, &out, &errOut
}

// zksh runs one-shot Main against the shared Apache ZooKeeper.
func zksh(t *testing.T, args ...string) result {
	t.Helper()
	return zkshIn(t, "", args...)
}

func zkshIn(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	addr := zktest.Server(t)
	streams, out, errOut := fakeIO(stdin, false)
	code := Main(append([]string{"--server", addr, "--timeout", "4s"}, args...), streams, nil)
	return result{out.String(), errOut.String(), code}
}

// must fails the test unless the command exited 0 with nothing on stderr.
func (r result) must(t *testing.T) result {
	t.Helper()
	if r.code != 0 || r.err != "" {
		t.Fatalf("exit %d, stderr %q, stdout %q", r.code, r.err, r.out)
	}
	return r
}

// fails checks the exit code and that stderr mentions want.
func (r result) fails(t *testing.T, code int, want string) {
	t.Helper()
	if r.code != code || !strings.Contains(r.err, want) {
		t.Fatalf("want exit %d and stderr containing %q; got exit %d, stderr %q, stdout %q", code, want, r.code, r.err, r.out)
	}
}

// client opens a plain go-zookeeper session to set up and check state independently of zksh.
func client(t *testing.T) *zk.Conn {
	t.Helper()
	addr := zktest.Server(t)
	c, ev, err := zk.Connect([]string{addr}, 4e9, zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	for e := range ev {
		if e.State == zk.StateHasSession {
			break
		}
	}
	t.Cleanup(c.Close)
	return c
}

// testRoot creates a fresh znode for one test and removes it afterwards.
func testRoot(t *testing.T) string {
	t.Helper()
	c := client(t)
	name := "/" + strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	zksh(t, "--force", "deleteall", name)
	if _, err := c.Create(name, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zksh(t, "deleteall", name) })
	return name
}

func TestSmoke(t *testing.T) {
	root := testRoot(t)
	zksh(t, "create", root+"/a", "hello").must(t)
	r := zksh(t, "get", root+"/a").must(t)
	if r.out != "hello\n" {
		t.Fatalf("get: %q", r.out)
	}
	zksh(t, "get", root+"/nope").fails(t, 1, "get "+root+"/nope: node does not exist")
}
