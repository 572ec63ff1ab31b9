package commands

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/internal/zktest"
)

// mainRun runs Main without a server and returns what it printed.
func mainRun(args ...string) result {
	streams, out, errOut := fakeIO("", false)
	code := Main(args, streams, nil)
	return result{out.String(), errOut.String(), code}
}

// TestZKErrorsAreNotUsage: go-zookeeper's ErrBadArguments reads "invalid arguments", which once
// matched cobra's "invalid argument" prefix and made a server refusal exit 2.
func TestZKErrorsAreNotUsage(t *testing.T) {
	for e := range zkclient.Refusals {
		want := ExitRefused
		switch e {
		case zk.ErrSessionExpired, zk.ErrConnectionClosed, zk.ErrClosing, zk.ErrNoServer, zk.ErrSessionMoved:
			want = ExitUnavailable
		}
		if got := ExitCode(pathError("/zookeeper", e)); got != want {
			t.Errorf("%v: exit %d, want %d", e, got, want)
		}
		if got := ExitCode(AsUsage(e)); got != want {
			t.Errorf("AsUsage(%v): exit %d, want %d", e, got, want)
		}
	}
	if ExitCode(AsUsage(errors.New(`invalid argument "x" for "-v, --version" flag: bad`))) != ExitUsage {
		t.Error("cobra's invalid argument is not a usage error")
	}
	if AsUsage(nil) != nil {
		t.Error("AsUsage(nil) is not nil")
	}
}

func TestHelpUnknownTopic(t *testing.T) {
	r := mainRun("help", "bogus")
	if r.code != ExitUsage || !strings.Contains(r.err, `"bogus"`) || r.out != "" {
		t.Fatalf("help bogus: %+v", r)
	}
	for _, ok := range [][]string{{"help"}, {"help", "get"}, {"help", "exit-codes"}, {"help", "rmr"}} {
		if r := mainRun(ok...); r.code != 0 || r.out == "" || r.err != "" {
			t.Errorf("%q: %+v", ok, r)
		}
	}
	if r := mainRun("help", "get"); !strings.Contains(r.out, "get [-s] [-w] [-b|-x] path") {
		t.Errorf("help get shows %q", r.out)
	}
}

// TestExecuteLine is the shell's entry point: typed errors, and REPL hints in the REPL's words.
func TestExecuteLine(t *testing.T) {
	streams, _, _ := fakeIO("", false)
	env := NewEnv(streams, Settings{Server: "127.0.0.1:1"})
	cases := []struct {
		words      []string
		repl, shot string
	}{
		{[]string{"get"}, "Run 'help get' for usage.", "Run 'zksh get --help' for usage."},
		{[]string{"get", "--bogus", "/a"}, "Run 'help get' for usage.", "Run 'zksh get --help' for usage."},
		{[]string{"bogus"}, "Run 'help' for usage.", "Run 'zksh --help' for usage."},
		{[]string{"get", "a//b"}, "Run 'help get' for usage.", "Run 'zksh get --help' for usage."},
	}
	for _, c := range cases {
		for _, interactive := range []bool{true, false} {
			env.Interactive = interactive
			err := ExecuteLine(context.Background(), env, c.words)
			var ue *UsageError
			if !errors.As(err, &ue) || ExitCode(err) != ExitUsage {
				t.Fatalf("%q: %T %v", c.words, err, err)
			}
			var b bytes.Buffer
			PrintError(&b, err)
			want := c.shot
			if interactive {
				want = c.repl
			}
			if !strings.HasSuffix(b.String(), want+"\n") {
				t.Errorf("%q interactive=%v: %q, want hint %q", c.words, interactive, b.String(), want)
			}
		}
	}
}

// TestConnectRace: connect changes the connect string while the prompt reads it (run with -race).
func TestConnectRace(t *testing.T) {
	streams, _, _ := fakeIO("", false)
	env := NewEnv(streams, Settings{Server: "127.0.0.1:1", ConnectTimeout: 50e6})
	env.Interactive = true
	defer env.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				_, _ = env.Host(), env.Server()
				_ = env.State()
			}
		}
	}()
	// The window between connect's write and its next lock is short: try many times.
	for i := range 60 {
		s := []string{"127.0.0.1:2/x", "127.0.0.1:3"}[i%2]
		_ = ExecuteLine(context.Background(), env, []string{"connect", s})
	}
	close(stop)
	wg.Wait()
	if env.Server() != "127.0.0.1:3" {
		t.Fatalf("server %q", env.Server())
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestConnectRefusedFast: a closed port fails at once with the reason, not after --connect-timeout.
func TestConnectRefusedFast(t *testing.T) {
	addr := closedPort(t)
	for _, server := range []string{addr, addr + "," + addr + "/chroot"} {
		start := time.Now()
		r := mainRun("--server", server, "--connect-timeout", "20s", "get", "/a")
		if r.code != ExitUnavailable || !strings.Contains(r.err, "could not connect to "+server+": connection refused") || r.out != "" {
			t.Fatalf("%s: %+v", server, r)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("%s: took %v", server, d)
		}
	}
	// One good server among refused ones is enough.
	good := zktest.Server(t)
	if r := mainRun("--server", addr+","+good, "ls", "/zookeeper"); r.code != 0 {
		t.Fatalf("refused + good: %+v", r)
	}
}

func TestBadGlobalSettings(t *testing.T) {
	for _, args := range [][]string{
		{"--server", "127.0.0.1:abc", "ls", "/"},
		{"--server", "127.0.0.1:0", "ls", "/"},
		{"--server", "127.0.0.1:70000", "ls", "/"},
		{"--server", ":2181", "ls", "/"},
		{"--server", "h:2181/a//b", "ls", "/"},
		{"--timeout", "0", "ls", "/"},
		{"--timeout", "-1s", "ls", "/"},
		{"--timeout", "garbage", "ls", "/"},
		{"-timeout", "0", "ls", "/"},
		{"--connect-timeout", "0s", "ls", "/"},
		{"--wait-timeout", "-1s", "get", "-w", "/"},
		{"--local", "--server", "127.0.0.1:2181", "ls", "/"},
		{"--local", "-s", "127.0.0.1:2181", "ls", "/"},
		{"--data-dir", "/tmp/nowhere", "ls", "/"},
		{"--local", "server", "--port", "0"},
		{"-client-configuration", "/etc/zk/client.cfg", "ls", "/"},
		{"-o", "yaml", "ls", "/"},
		{"--auth", "digest:nocolon", "ls", "/"},
		{"--auth", "digest::pw", "ls", "/"},
		{"--auth", "nocolon", "ls", "/"},
		{"addauth", "digest", "nocolon"},
	} {
		start := time.Now()
		r := mainRun(args...)
		if r.code != ExitUsage || r.out != "" || !strings.Contains(r.err, "Run 'zksh") {
			t.Errorf("%q: %+v", args, r)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%q: took %v (nothing should be dialled)", args, d)
		}
	}
}

// TestBadInputMessages: what a user sees for bad input — one clear line naming the problem, the
// usage hint, exit 2, and nothing on stdout.
func TestBadInputMessages(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"set", "-v", "abc", "/a", "x"}, `zksh: set: invalid -v, --version "abc": not a number`},
		{[]string{"set", "-v", "99999999999", "/a", "x"}, `zksh: set: invalid -v, --version "99999999999": out of range`},
		{[]string{"--timeout", "soon", "ls", "/"}, `zksh: ls: invalid --timeout "soon": not a duration`},
		{[]string{"ls", "-R=2", "/"}, `zksh: ls: invalid -R, --recursive "2": want true or false`},
		{[]string{"--timeout", "5000", "ls", "/"}, `zksh: ls: invalid --timeout "5000": needs a unit (e.g. 5000ms or 5s)`},
		{[]string{"get", "-b", "-x", "/a"}, `zksh: get: -b (base64) and -x (hex dump) cannot be combined`},
		{[]string{"get", "/a\x1b[31m"}, `zksh: get "/a\x1b[31m": invalid character in path`},
		// Outside the BMP: a surrogate pair to Apache, which refuses it; refused here before sending.
		{[]string{"create", "/a😀", "x"}, `zksh: create /a😀: invalid character in path (U+1F600)`},
		{[]string{"create", "/a", "x", "world:anyone:"}, `no permissions`},
		{[]string{"create", "/a", "x", "digest:bob:secret:cdrwa"}, `"secret" is not a password hash`},
		{[]string{"get", ""}, `zksh: get "": empty path`},
		{[]string{"setAcl", "/a", ""}, `no ACL given`},
	}
	for _, c := range cases {
		r := mainRun(append([]string{"--server", "127.0.0.1:1"}, c.args...)...)
		if r.code != ExitUsage || r.out != "" || !strings.Contains(r.err, c.want) || strings.Count(r.err, "\n") != 2 ||
			!strings.Contains(r.err, "Run 'zksh "+c.args[0]+" --help'") && c.args[0] != "--timeout" {
			t.Errorf("%q: %+v, want %q", c.args, r, c.want)
		}
	}
}

// TestRefusalsExplained: the server's terse answers are explained, with exit 1, and change nothing.
func TestRefusalsExplained(t *testing.T) {
	root := testRoot(t)
	c := client(t)
	// Data over the server's jute.maxbuffer (1 MiB): the server drops the connection.
	big := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(big, make([]byte, 1200*1024), 0o600); err != nil {
		t.Fatal(err)
	}
	// (the outcome is not known to zksh: see TestLostLargeWrite)
	zksh(t, "create", root+"/big", "@"+big).fails(t, ExitUnavailable, "jute.maxbuffer")
	zksh(t, "create", root+"/small", "x").must(t)
	zksh(t, "set", root+"/small", "@"+big).fails(t, ExitUnavailable, "jute.maxbuffer")
	if data, _, err := c.Get(root + "/small"); err != nil || string(data) != "x" {
		t.Fatalf("small after a refused set: %q %v", data, err)
	}
	if ok, _, _ := c.Exists(root + "/big"); ok {
		t.Fatal("big was created")
	}
	zksh(t, "delete", "/zookeeper/quota").fails(t, ExitRefused, "system znodes")
	zksh(t, "delete", "/").fails(t, ExitRefused, "the root znode cannot be deleted")
	zksh(t, "--force", "deleteall", "/zookeeper").fails(t, ExitRefused, "system znodes")
	zksh(t, "create", root+"/acl", "x", "auth::cdrwa").fails(t, ExitRefused, "use --auth or addauth")
	if ok, _, _ := c.Exists("/zookeeper/quota"); !ok {
		t.Fatal("/zookeeper/quota is gone")
	}
}

// TestGetAllChildrenNumberServerSide: the server counts, so a znode the user may not list does not
// make the count fail (a walk would stop at it with "not authorized"), and the numbers match zkCli's.
func TestGetAllChildrenNumberServerSide(t *testing.T) {
	root := testRoot(t)
	zksh(t, "create", root+"/locked", "", "world:anyone:cda").must(t)
	t.Cleanup(func() { zksh(t, "setAcl", root+"/locked", "world:anyone:cdrwa").must(t) }) // so deleteall can list it
	zksh(t, "create", root+"/locked/a").must(t)
	zksh(t, "create", root+"/locked/b").must(t)
	zksh(t, "create", root+"/open").must(t)
	if r := zksh(t, "getAllChildrenNumber", root).must(t); r.out != "4\n" {
		t.Fatalf("count %q", r.out)
	}
	if r := zksh(t, "-o", "json", "getAllChildrenNumber", root+"/open").must(t); r.out != `{"path":"`+root+`/open","count":0}`+"\n" {
		t.Fatalf("json %q", r.out)
	}
	zksh(t, "getAllChildrenNumber", root+"/locked").fails(t, ExitRefused, "not authorized")
	zksh(t, "getAllChildrenNumber", root+"/nope").fails(t, ExitRefused, "node does not exist")
	// Under a chroot the count is of the chroot's subtree.
	r := zkshIn(t, "", "--server", zktest.Server(t)+root, "getAllChildrenNumber", "/").must(t)
	if r.out != "4\n" {
		t.Fatalf("chroot count %q", r.out)
	}
}

// TestDeleteAllRootUnderChroot: under a chroot, "/" is the chroot and its child "zookeeper" is an
// ordinary znode: deleteall / --force deletes it too, and keeps the chroot itself.
func TestDeleteAllRootUnderChroot(t *testing.T) {
	root := testRoot(t)
	c := client(t)
	for _, p := range []string{"/zookeeper", "/zookeeper/x", "/a", "/a/b"} {
		if _, err := c.Create(root+p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	chroot := zktest.Server(t) + root
	zkshIn(t, "", "--server", chroot, "deleteall", "/").fails(t, ExitUsage, "refusing without --force")
	zkshIn(t, "", "--server", chroot, "--force", "deleteall", "/").must(t)
	kids, _, err := c.Children(root)
	if err != nil || len(kids) != 0 {
		t.Fatalf("left under the chroot: %q %v", kids, err)
	}
	if ok, _, _ := c.Exists("/zookeeper/quota"); !ok {
		t.Fatal("the real /zookeeper/quota is gone")
	}
}

// TestAuthRefused: credentials the server refuses are exit 1, and the message names the scheme but
// never repeats the credential.
func TestAuthRefused(t *testing.T) {
	r := zksh(t, "--auth", "nosuchscheme:s3cret", "ls", "/")
	r.fails(t, ExitRefused, "the server refused the nosuchscheme credentials")
	if strings.Contains(r.err, "s3cret") {
		t.Fatalf("the credential is in the message: %q", r.err)
	}
	r = mainRun("--auth", "s3cret", "ls", "/")
	if r.code != ExitUsage || strings.Contains(r.err, "s3cret") {
		t.Fatalf("malformed --auth: %+v", r)
	}
}

// TestGetEphemeralsNative: getEphemerals is the server's answer on the user's session (zkCli's):
// an ephemeral under a znode the session may not list is listed too, and nothing is skipped.
func TestGetEphemeralsNative(t *testing.T) {
	root := testRoot(t)
	streams, out, errOut := fakeIO("", false)
	s, _ := DefaultSettings(func(string) string { return "" })
	s.Server = zktest.Server(t)
	env := NewEnv(streams, s)
	env.Interactive = true
	defer env.Close()
	run := func(words ...string) {
		t.Helper()
		if err := ExecuteLine(context.Background(), env, words); err != nil {
			t.Fatalf("%q: %v", words, err)
		}
	}
	run("create", root+"/locked", "", "world:anyone:cda")
	t.Cleanup(func() { zksh(t, "setAcl", root+"/locked", "world:anyone:cdrwa").must(t) })
	run("create", "-e", root+"/mine")
	run("create", "-e", root+"/locked/hidden")
	out.Reset()
	run("getEphemerals", root)
	// The server lists the session's ephemerals itself (getEphemerals, 3.6+), as zkCli shows
	// them, whatever the ACLs of their parents: nothing is skipped.
	if out.String() != "["+root+"/locked/hidden, "+root+"/mine]\n" || strings.Contains(errOut.String(), "skipped") {
		t.Fatalf("out %q, err %q", out, errOut)
	}
}

// TestDataNotReadForever: @/dev/zero or an endless stdin is refused once past the request limit,
// instead of being read until memory runs out.
func TestDataNotReadForever(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	done := make(chan result, 1)
	go func() { done <- mainRun("--server", "127.0.0.1:1", "set", "/a", "@/dev/zero") }()
	select {
	case r := <-done:
		if r.code != ExitUsage || !strings.Contains(r.err, "data is more than") {
			t.Fatalf("%+v", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("still reading /dev/zero")
	}
	streams, _, errOut := fakeIO("", false)
	streams.In = zeroReader{}
	if code := Main([]string{"--server", "127.0.0.1:1", "create", "/a", "-"}, streams, nil); code != ExitUsage {
		t.Fatalf("endless stdin: %d %q", code, errOut)
	}
}

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

// TestStdinDataInScripts: when zksh reads its commands from stdin (REPL or script), "-" cannot be
// data: it would swallow the following commands (or read nothing and empty the znode).
func TestStdinDataInScripts(t *testing.T) {
	streams, _, errOut := fakeIO("set /a -\nget /a\n", false)
	code := Main([]string{"--server", "127.0.0.1:1"}, streams, func(env *Env) error {
		return ExecuteLine(context.Background(), env, []string{"set", "/a", "-"})
	})
	if code != ExitUsage || !strings.Contains(errOut.String(), "use @FILE") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	// One-shot, "-" reads stdin.
	env := testEnv("from stdin")
	if b, err := env.readData("set", "-"); err != nil || string(b) != "from stdin" {
		t.Fatalf("one-shot -: %q %v", b, err)
	}
}

// TestTTLWithoutExtendedTypes: the bundled server without extendedTypesEnabled answers createTTL
// with Unimplemented, as Apache does; the message says what the server needs.
func TestTTLWithoutExtendedTypes(t *testing.T) {
	r := mainRun("--local", "create", "-t", "5000", "/ttl")
	if r.code != ExitRefused || !strings.Contains(r.err, "extendedTypesEnabled=true") {
		t.Fatalf("%+v", r)
	}
}

// TestZkCliOnlyCommands: zkCli commands zksh lacks are named as such, not as unknown commands.
func TestZkCliOnlyCommands(t *testing.T) {
	if r := mainRun("redo", "1"); r.code != ExitUsage || !strings.Contains(r.err, "zkCli's redo is not supported by zksh outside the shell") {
		t.Fatalf("%+v", r)
	}
	if r := mainRun("frobnicate"); r.code != ExitUsage || !strings.Contains(r.err, `unknown command "frobnicate"`) {
		t.Fatalf("%+v", r)
	}
}

// TestDeleteAllBigBatch: -b larger than a request can carry (1,100 deletes of 1,000-byte names is
// over 1 MiB) is split by size too; it used to make the server drop the connection ("connection lost").
func TestDeleteAllBigBatch(t *testing.T) {
	root := testRoot(t)
	c := client(t)
	name := strings.Repeat("x", 1000)
	var ops []any
	for i := range 1100 {
		ops = append(ops, &zk.CreateRequest{Path: fmt.Sprintf("%s/%s%04d", root, name, i), Acl: zk.WorldACL(zk.PermAll)})
		if len(ops) == 500 || i == 1099 {
			if _, err := c.Multi(ops...); err != nil {
				t.Fatal(err)
			}
			ops = ops[:0]
		}
	}
	zksh(t, "deleteall", "-b", "100000", root).must(t)
	if ok, _, err := c.Exists(root); err != nil || ok {
		t.Fatalf("%s still there (%v)", root, err)
	}
}

// TestDurationRanges: a duration the protocol cannot carry is a usage error naming the largest value
// allowed, before anything is sent (it used to overflow into a connection failure).
func TestDurationRanges(t *testing.T) {
	cases := []struct {
		env  string // ZKSH_TIMEOUT
		args []string
		want string
	}{
		{"", []string{"--timeout", "1000h", "ls", "/"}, "--timeout 1000h0m0s: too large: at most 596h31m23.647s (2147483647 ms"},
		{"", []string{"-timeout", "2147483648", "ls", "/"}, "-timeout 2147483648: too large: at most 2147483647"},
		{"", []string{"-timeout", "99999999999999999999", "ls", "/"}, "too large: at most 2147483647"},
		{"", []string{"--timeout", "500us", "ls", "/"}, "must be at least 1ms"},
		{"900h", []string{"ls", "/"}, "ZKSH_TIMEOUT 900h0m0s: too large: at most 596h31m23.647s"},
		{"", []string{"create", "-t", "1099511627776", "/a"}, "too long: at most 1099511627775 ms"},
		{"", []string{"create", "-t", "99999999999999999999", "/a"}, "too long: at most 1099511627775 ms"},
		{"", []string{"create", "-t", "400000h", "/a"}, "too long: at most 1099511627775 ms"},
	}
	for _, c := range cases {
		t.Setenv("ZKSH_TIMEOUT", c.env)
		r := mainRun(append([]string{"--server", "127.0.0.1:1"}, c.args...)...)
		if r.code != ExitUsage || !strings.Contains(r.err, c.want) || r.out != "" {
			t.Errorf("%q (ZKSH_TIMEOUT=%q): %+v, want exit 2 and %q", c.args, c.env, r, c.want)
		}
	}
	// The largest values are taken (refused only by the closed port: exit 3).
	for _, args := range [][]string{{"-timeout", "2147483647", "ls", "/"}, {"--timeout", "596h31m23.647s", "ls", "/"},
		{"create", "-t", "1099511627775", "/a"}} {
		t.Setenv("ZKSH_TIMEOUT", "")
		if r := mainRun(append([]string{"--server", "127.0.0.1:1"}, args...)...); r.code != ExitUnavailable {
			t.Errorf("%q: %+v, want exit 3 (connection refused)", args, r)
		}
	}
}
