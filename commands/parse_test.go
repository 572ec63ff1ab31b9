package commands

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/internal/znodepath"
)

// parse runs a command built with a capturing runF; it never contacts a server.
func parse(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.ExecuteContext(context.Background())
}

func testEnv(stdin string) *Env {
	streams, _, _ := fakeIO(stdin, false)
	env := NewEnv(streams, Settings{Server: "127.0.0.1:1", ConnectTimeout: time.Second})
	return env
}

func TestParseCreate(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "data.bin")
	if err := os.WriteFile(file, []byte{0, 1, 2}, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cwd  string
		args []string
		want CreateOptions
		code int // expected exit code of the parse error, 0 = none
	}{
		{name: "plain", args: []string{"/a"}, want: CreateOptions{Path: "/a"}},
		{name: "flags after operands", args: []string{"/a", "x", "-s", "-e"}, want: CreateOptions{Path: "/a", Data: []byte("x"), Sequential: true, Ephemeral: true}},
		{name: "flags before", args: []string{"-e", "-s", "/q/item-", "data"}, want: CreateOptions{Path: "/q/item-", Data: []byte("data"), Sequential: true, Ephemeral: true}},
		{name: "sequential trailing slash", args: []string{"-s", "/q/"}, want: CreateOptions{Path: "/q/", Sequential: true}},
		{name: "relative", cwd: "/app", args: []string{"conf"}, want: CreateOptions{Path: "/app/conf"}},
		{name: "dotdot", cwd: "/app/x", args: []string{"../y"}, want: CreateOptions{Path: "/app/y"}},
		{name: "ttl ms", args: []string{"-t", "5000", "/t"}, want: CreateOptions{Path: "/t", TTL: 5 * time.Second}},
		{name: "ttl duration", args: []string{"/t", "-t", "2m"}, want: CreateOptions{Path: "/t", TTL: 2 * time.Minute}},
		{name: "container", args: []string{"-c", "/c"}, want: CreateOptions{Path: "/c", Container: true}},
		{name: "acl", args: []string{"/a", "d", "world:anyone:r,digest:u:+Ir5sN1lGJEEs8xBZhZXKvjLJ7c=:cdrwa,ip:10.0.0.0/8:r"}, want: CreateOptions{Path: "/a", Data: []byte("d"),
			ACL: []zk.ACL{{Scheme: "world", ID: "anyone", Perms: zk.PermRead}, {Scheme: "digest", ID: "u:+Ir5sN1lGJEEs8xBZhZXKvjLJ7c=", Perms: zk.PermAll},
				{Scheme: "ip", ID: "10.0.0.0/8", Perms: zk.PermRead}}}},
		{name: "acl of other schemes", args: []string{"/a", "", "auth::cdrwa,x509:CN=a:r"}, want: CreateOptions{Path: "/a", Data: []byte{},
			ACL: []zk.ACL{{Scheme: "auth", ID: "", Perms: zk.PermAll}, {Scheme: "x509", ID: "CN=a", Perms: zk.PermRead}}}},
		{name: "data from file", args: []string{"/a", "@" + file}, want: CreateOptions{Path: "/a", Data: []byte{0, 1, 2}}},
		{name: "literal at", args: []string{"/a", "@@home"}, want: CreateOptions{Path: "/a", Data: []byte("@home")}},
		{name: "missing file", args: []string{"/a", "@" + filepath.Join(dir, "nope")}, code: 2},
		{name: "c with s", args: []string{"-c", "-s", "/a"}, code: 2},
		{name: "c with e", args: []string{"-c", "-e", "/a"}, code: 2},
		{name: "t with e", args: []string{"-t", "10", "-e", "/a"}, code: 2},
		{name: "t with c", args: []string{"-t", "10", "-c", "/a"}, code: 2},
		{name: "bad ttl", args: []string{"-t", "soon", "/a"}, code: 2},
		{name: "bad acl", args: []string{"/a", "x", "world:anyone"}, code: 2},
		{name: "bad perm", args: []string{"/a", "x", "world:anyone:rx"}, code: 2},
		{name: "no perms", args: []string{"/a", "x", "world:anyone:"}, code: 2},
		{name: "world not anyone", args: []string{"/a", "x", "world:bob:r"}, code: 2},
		{name: "digest without hash", args: []string{"/a", "x", "digest:u:cdrwa"}, code: 2},
		{name: "digest with password", args: []string{"/a", "x", "digest:u:secret:cdrwa"}, code: 2},
		{name: "bad ip", args: []string{"/a", "x", "ip:1.2.3:r"}, code: 2},
		{name: "no scheme", args: []string{"/a", "x", ":x:r"}, code: 2},
		{name: "trailing comma", args: []string{"/a", "x", "world:anyone:r,"}, code: 2},
		{name: "data over the request limit", args: []string{"/a", "@" + big}, code: 2},
		{name: "trailing slash", args: []string{"/a/"}, code: 2},
		{name: "empty component", args: []string{"/a//b"}, code: 2},
		{name: "dot", args: []string{"/a/./b"}, code: 2},
		{name: "nul", args: []string{"/a\x00b"}, code: 2},
		{name: "no path", args: nil, code: 2},
		{name: "too many", args: []string{"/a", "b", "world:anyone:r", "x"}, code: 2},
		{name: "unknown flag", args: []string{"-z", "/a"}, code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv("")
			if tt.cwd != "" {
				env.Cwd = tt.cwd
			}
			var got *CreateOptions
			cmd := NewCmdCreate(env, func(_ context.Context, o *CreateOptions) error { got = o; return nil })
			cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &UsageError{Err: err} })
			err := parse(t, cmd, tt.args...)
			if tt.code != 0 {
				if err == nil || ExitCode(AsUsage(err)) != tt.code {
					t.Fatalf("want exit %d, got %v (code %d)", tt.code, err, ExitCode(AsUsage(err)))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Env = nil
			if !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestParseGetLsStat(t *testing.T) {
	env := testEnv("")
	env.Cwd = "/app"
	var get *GetOptions
	err := parse(t, NewCmdGet(env, func(_ context.Context, o *GetOptions) error { get = o; return nil }), "conf", "-s", "-w", "-x")
	if err != nil || get.Path != "/app/conf" || !get.Stat || !get.Watch || !get.Hex || get.Base64 {
		t.Fatalf("get: %v %+v", err, get)
	}
	err = parse(t, NewCmdGet(env, func(context.Context, *GetOptions) error { return nil }), "-b", "-x", "/a")
	if ExitCode(AsUsage(err)) != ExitUsage {
		t.Fatalf("get -b -x: %v", err)
	}

	var ls *LsOptions
	capture := func(_ context.Context, o *LsOptions) error { ls = o; return nil }
	if err := parse(t, NewCmdLs(env, capture)); err != nil || ls.Path != "/app" {
		t.Fatalf("ls (cwd): %v %+v", err, ls)
	}
	if err := parse(t, NewCmdLs(env, capture), "/", "-R"); err != nil || ls.Path != "/" || !ls.Recursive {
		t.Fatalf("ls -R: %v %+v", err, ls)
	}
	if err := parse(t, NewCmdLs(env, capture), "-l", ".."); err != nil || ls.Path != "/" || !ls.Long {
		t.Fatalf("ls -l ..: %v %+v", err, ls)
	}
	for _, bad := range [][]string{{"-R", "-w", "/"}, {"-l", "-s", "/"}, {"/a", "/b"}, {"/a/"}} {
		if err := parse(t, NewCmdLs(env, capture), bad...); ExitCode(AsUsage(err)) != ExitUsage {
			t.Errorf("ls %q: want usage error, got %v", bad, err)
		}
	}

	var st *StatOptions
	if err := parse(t, NewCmdStat(env, func(_ context.Context, o *StatOptions) error { st = o; return nil }), "-w", "/x"); err != nil || st.Path != "/x" || !st.Watch {
		t.Fatalf("stat: %v %+v", err, st)
	}
}

func TestParseSetDelete(t *testing.T) {
	env := testEnv("from stdin")
	var set *SetOptions
	if err := parse(t, NewCmdSet(env, func(_ context.Context, o *SetOptions) error { set = o; return nil }), "/a", "-", "-v", "3", "-s"); err != nil {
		t.Fatal(err)
	}
	if set.Path != "/a" || string(set.Data) != "from stdin" || set.Version != 3 || !set.Stat {
		t.Fatalf("set: %+v", set)
	}
	var del *DeleteOptions
	if err := parse(t, NewCmdDelete(env, func(_ context.Context, o *DeleteOptions) error { del = o; return nil }), "-v", "7", "/a"); err != nil || del.Version != 7 {
		t.Fatalf("delete: %v %+v", err, del)
	}
	var da *DeleteAllOptions
	capture := func(_ context.Context, o *DeleteAllOptions) error { da = o; return nil }
	if err := parse(t, NewCmdDeleteAll(env, capture), "/a", "-b", "10"); err != nil || da.Batch != 10 || da.Path != "/a" {
		t.Fatalf("deleteall: %v %+v", err, da)
	}
	if err := parse(t, NewCmdDeleteAll(env, capture), "/a"); err != nil || da.Batch != DefaultBatch {
		t.Fatalf("deleteall default batch: %v %+v", err, da)
	}
	for _, p := range []string{"/", "/zookeeper"} {
		err := parse(t, NewCmdDeleteAll(env, capture), p)
		if ExitCode(err) != ExitUsage {
			t.Fatalf("deleteall %s without --force: %v", p, err)
		}
	}
	if err := parse(t, NewCmdDeleteAll(env, capture), "-b", "0", "/a"); ExitCode(err) != ExitUsage {
		t.Fatalf("deleteall -b 0: %v", err)
	}
	env.Settings.Force = true
	if err := parse(t, NewCmdDeleteAll(env, capture), "/"); err != nil || !da.Force {
		t.Fatalf("deleteall / --force: %v", err)
	}
}

func TestParseSetACL(t *testing.T) {
	env := testEnv("")
	var o *SetACLOptions
	capture := func(_ context.Context, got *SetACLOptions) error { o = got; return nil }
	if err := parse(t, NewCmdSetACL(env, capture), "-R", "/a", "ip:10.0.0.0/8:r,auth::cdrwa"); err != nil {
		t.Fatal(err)
	}
	want := []zk.ACL{{Scheme: "ip", ID: "10.0.0.0/8", Perms: zk.PermRead}, {Scheme: "auth", ID: "", Perms: zk.PermAll}}
	if !o.Recursive || !reflect.DeepEqual(o.ACL, want) {
		t.Fatalf("%+v", o)
	}
	if err := parse(t, NewCmdSetACL(env, capture), "-R", "-v", "1", "/a", "world:anyone:r"); ExitCode(err) != ExitUsage {
		t.Fatalf("-R -v: %v", err)
	}
}

func TestResolvePath(t *testing.T) {
	tests := []struct{ cwd, in, want string }{
		{"/", "a", "/a"},
		{"/a/b", "c", "/a/b/c"},
		{"/a/b", "..", "/a"},
		{"/a/b", "../..", "/"},
		{"/a/b", "../../..", "/"},
		{"/a", "./b", "/a/b"},
		{"/a", ".", "/a"},
		{"/", "/x/y", "/x/y"},
	}
	for _, tt := range tests {
		got, err := znodepath.Resolve(tt.cwd, tt.in)
		if err != nil || got != tt.want {
			t.Errorf("znodepath.Resolve(%q, %q) = %q, %v; want %q", tt.cwd, tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "/a/", "a/", "/a//b", "/a/../b", "/./a", "/a\x00", "/a\x01b", "//"} {
		if got, err := znodepath.Resolve("/", bad); err == nil {
			t.Errorf("znodepath.Resolve(/, %q) = %q, want error", bad, got)
		}
	}
}

func TestRewriteArgs(t *testing.T) {
	tests := []struct{ in, want []string }{
		{[]string{"-server", "h:1", "get", "/a"}, []string{"--server=h:1", "get", "/a"}},
		{[]string{"-timeout", "5000", "ls", "/"}, []string{"--timeout=5s", "ls", "/"}},
		{[]string{"-s", "h:2", "get", "-s", "/a"}, []string{"--server=h:2", "get", "-s", "/a"}},
		{[]string{"-o", "json", "-s", "h", "ls"}, []string{"-o", "json", "--server=h", "ls"}},
		{[]string{"get", "/a", "-server"}, []string{"get", "/a", "-server"}},
		{[]string{"-waitforconnection", "-r", "-server", "h", "ls", "-r"}, []string{"--server=h", "ls", "-r"}},
	}
	for _, tt := range tests {
		got, err := rewriteArgs(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("rewriteArgs(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range [][]string{{"-timeout", "x"}, {"-server"}} {
		if _, err := rewriteArgs(bad); ExitCode(err) != ExitUsage {
			t.Errorf("rewriteArgs(%q): %v", bad, err)
		}
	}
}

func TestDefaultSettings(t *testing.T) {
	env := map[string]string{"ZKSH_SERVER": "zk1:2181/app", "ZKSH_TIMEOUT": "5s", "ZKSH_OUTPUT": "json",
		"ZKSH_AUTH": "digest:a:b", "ZKSH_LOCAL": "1", "ZKSH_WAIT_TIMEOUT": "1m"}
	s, err := DefaultSettings(func(k string) string { return env[k] })
	if err != nil || s.Server != "zk1:2181/app" || s.SessionTimeout != 5*time.Second || s.Output != "json" ||
		len(s.Auth) != 1 || !s.Local || s.WaitTimeout != time.Minute || s.ConnectTimeout != DefaultConnectTimeout {
		t.Fatalf("%+v %v", s, err)
	}
	if _, err := DefaultSettings(func(k string) string { return map[string]string{"ZKSH_TIMEOUT": "soon"}[k] }); ExitCode(err) != ExitUsage {
		t.Fatalf("bad duration: %v", err)
	}
	s, _ = DefaultSettings(func(string) string { return "" })
	if s.Server != DefaultServer || s.SessionTimeout != DefaultSessionTimeout {
		t.Fatalf("defaults %+v", s)
	}
	// A wrong value is refused with the variable's name, not silently read as a default.
	for name, value := range map[string]string{"ZKSH_LOCAL": "banana", "ZKSH_VERBOSE": "2", "ZKSH_OUTPUT": "xml"} {
		_, err := DefaultSettings(func(k string) string { return map[string]string{name: value}[k] })
		if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: %v, want a usage error naming %s", name, value, err, name)
		}
	}
}

func TestServerFlagWinsOverLocalEnvironment(t *testing.T) {
	s, err := DefaultSettings(func(k string) string { return map[string]string{"ZKSH_LOCAL": "1"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	env := NewEnv(&IOStreams{Out: io.Discard, ErrOut: io.Discard}, s)
	root := NewRootCmd(env)
	root.SetArgs([]string{"--server", "127.0.0.1:1", "version"})
	if err := root.Execute(); err != nil {
		t.Fatalf("--server with ZKSH_LOCAL set: %v", err)
	}
	if env.Settings.Local || env.Settings.Server != "127.0.0.1:1" {
		t.Fatalf("settings %+v: --server should win over ZKSH_LOCAL", env.Settings)
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		code int
	}{
		{nil, 0},
		{pathError("/a", zk.ErrNoNode), 1},
		{pathError("/a", zk.ErrNodeExists), 1},
		{pathError("/a", zk.ErrBadVersion), 1},
		{pathError("/a", zk.ErrNotEmpty), 1},
		{pathError("/a", zk.ErrNoAuth), 1},
		{pathError("/a", zk.ErrSessionExpired), 3},
		{pathError("/a", zk.ErrConnectionClosed), 3},
		{pathError("/a", context.DeadlineExceeded), 3},
		{pathError("/a", context.Canceled), 130},
		{&zkclient.UnavailableError{Msg: "x"}, 3},
		{usageErrorf("", "bad"), 2},
		{errors.New(`unknown command "foo" for "zksh"`), 2},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.code {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.code)
		}
	}
}

func TestSortDepthFirst(t *testing.T) {
	paths := []string{"/a-c", "/a/x/deep", "/", "/b", "/a", "/a/x", "/a/x-y", "/a/x/a", "/ab"}
	sortDepthFirst(paths)
	want := []string{"/", "/a", "/a/x", "/a/x/a", "/a/x/deep", "/a/x-y", "/a-c", "/ab", "/b"}
	if !reflect.DeepEqual(paths, want) {
		t.Fatalf("%q", paths)
	}
}
