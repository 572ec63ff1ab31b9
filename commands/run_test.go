package commands

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

// TestParseTreeAndSessionCommands: the commands that once ran inline parse into Options and hand
// them to runF, without a server.
func TestParseTreeAndSessionCommands(t *testing.T) {
	env := testEnv("")
	env.Cwd = "/app"
	var sync *SyncOptions
	if err := parse(t, NewCmdSync(env, func(_ context.Context, o *SyncOptions) error { sync = o; return nil }), "conf"); err != nil || sync.Path != "/app/conf" {
		t.Fatalf("sync: %v %+v", err, sync)
	}
	var count *GetAllChildrenNumberOptions
	if err := parse(t, NewCmdGetAllChildrenNumber(env, func(_ context.Context, o *GetAllChildrenNumberOptions) error { count = o; return nil }), ".."); err != nil || count.Path != "/" {
		t.Fatalf("getAllChildrenNumber: %v %+v", err, count)
	}
	var eph *GetEphemeralsOptions
	if err := parse(t, NewCmdGetEphemerals(env, func(_ context.Context, o *GetEphemeralsOptions) error { eph = o; return nil })); err != nil || eph.Path != "/" { // default /, not the current znode
		t.Fatalf("getEphemerals: %v %+v", err, eph)
	}
	ran := 0
	count1 := func(context.Context, *PwdOptions) error { ran++; return nil }
	if err := parse(t, NewCmdPwd(env, count1)); err != nil || ran != 1 {
		t.Fatalf("pwd: %v, ran %d", err, ran)
	}
	if err := parse(t, NewCmdClose(env, func(context.Context, *CloseOptions) error { ran++; return nil })); err != nil || ran != 2 {
		t.Fatalf("close: %v, ran %d", err, ran)
	}
	if err := parse(t, NewCmdVersion(env, func(context.Context, *VersionOptions) error { ran++; return nil })); err != nil || ran != 3 {
		t.Fatalf("version: %v, ran %d", err, ran)
	}
	if err := parse(t, NewCmdWhoAmI(env, func(context.Context, *WhoAmIOptions) error { ran++; return nil })); err != nil || ran != 4 {
		t.Fatalf("whoami: %v, ran %d", err, ran)
	}
	if err := parse(t, NewCmdPwd(env, count1), "extra"); ExitCode(AsUsage(err)) != ExitUsage || ran != 4 {
		t.Fatalf("pwd extra: %v, ran %d", err, ran)
	}
}

// TestRunWithNamesErrors: a run function returns the bare error with its path; the command's name
// (the name, not the alias typed) is added once, by runWith.
func TestRunWithNamesErrors(t *testing.T) {
	env := testEnv("")
	bare := func(context.Context, *DeleteAllOptions) error { return pathError("/a/b", zk.ErrNoNode) }
	for _, alias := range []string{"deleteall", "rmr"} {
		root := &cobra.Command{Use: "zksh"}
		root.AddCommand(NewCmdDeleteAll(env, bare))
		err := parse(t, root, alias, "/a/b")
		if err == nil || err.Error() != "deleteall /a/b: node does not exist" || ExitCode(err) != ExitRefused {
			t.Errorf("%s: %v (exit %d)", alias, err, ExitCode(err))
		}
	}
	// An error that is not an ExitError gets the name and its exit code; a usage error is left alone;
	// an ExitError naming something else (ls -R, --auth) keeps that.
	for _, c := range []struct {
		err  error
		want string
		code int
	}{
		{zk.ErrConnectionClosed, "sync: connection lost", ExitUnavailable},
		{context.Canceled, "sync: interrupted", ExitInterrupted},
		{usageErrorf("zksh sync", "bad"), "bad", ExitUsage},
		{&ExitError{Code: ExitRefused, Op: "--auth", Err: errors.New("refused")}, "--auth: refused", ExitRefused},
	} {
		err := parse(t, NewCmdSync(env, func(context.Context, *SyncOptions) error { return c.err }), "/")
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || ExitCode(err) != c.code {
			t.Errorf("%v: %v (exit %d), want %q and exit %d", c.err, err, ExitCode(err), c.want, c.code)
		}
	}
}

// TestWhoAmIJSON: whoami's JSON goes through the render package: like every other result it does
// not escape <, > and & (it once encoded by hand with HTML escaping on: "a\u003cb\u003e").
func TestWhoAmIJSON(t *testing.T) {
	for name, addr := range zktest.Targets(t, server.RunT(t).Addr()) {
		r := mainRun("--server", addr, "--auth", "digest:a<b>&c:pw", "-o", "json", "whoami")
		if r.code != 0 || !strings.Contains(r.out, `{"scheme":"digest","user":"a<b>&c"}`) || !strings.HasPrefix(r.out, `{"identities":[`) {
			t.Errorf("%s: %+v", name, r)
		}
	}
}

// TestVersionAndDeleteAllOutput: version and deleteall leave every format decision to the printer.
func TestVersionAndDeleteAllOutput(t *testing.T) {
	if r := mainRun("-o", "json", "version"); r.code != 0 || r.out != `{"version":"`+Version+`"}`+"\n" {
		t.Errorf("version -o json: %+v", r)
	}
	if r := mainRun("-o", "table", "version"); r.code != 0 || !strings.HasPrefix(r.out, "zksh version "+Version+" (go") {
		t.Errorf("version -o table: %+v", r)
	}
	addr := server.RunT(t).Addr()
	for _, c := range []struct{ format, want string }{{"plain", ""}, {"table", ""}, {"json", `{"path":"/d","deleted":3}` + "\n"}} {
		mainRun("--server", addr, "create", "/d")
		mainRun("--server", addr, "create", "/d/x")
		mainRun("--server", addr, "create", "/d/y")
		if r := mainRun("--server", addr, "-o", c.format, "deleteall", "/d"); r.code != 0 || r.out != c.want || r.err != "" {
			t.Errorf("deleteall -o %s: %+v, want %q", c.format, r, c.want)
		}
	}
}
