package commands

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/zksh/zksh/internal/zktest"
)

// configLines is config's output as its lines.
func configLines(t *testing.T, server string) []string {
	t.Helper()
	return strings.Split(strings.TrimSpace(zkshAt(server, "-o", "plain", "config").must(t).out), "\n")
}

func lineWith(lines []string, prefix string) string {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// TestReconfigEnsemble: on a real 3-member Apache ensemble (reconfigEnabled, super digest), the
// super user removes a member and adds it back; config shows each change; without credentials or
// with a stale -v nothing changes (exit 1).
func TestReconfigEnsemble(t *testing.T) {
	e := zktest.StartEnsemble(t, 3, zktest.EnsembleOptions{})
	// The member removed is a follower: removing the leader makes the ensemble elect another,
	// and the reply can be lost with the connection (exit 3, outcome unknown).
	leader := e.Leader()
	var victim *zktest.Member
	var others []string
	for _, m := range e.Members {
		if m != leader && victim == nil {
			victim = m
		} else {
			others = append(others, m.Addr)
		}
	}
	id := strconv.Itoa(victim.ID)
	two := strings.Join(others, ",")
	super := "digest:" + zktest.SuperUser + ":" + zktest.SuperPassword
	before := configLines(t, two)
	three := lineWith(before, "server."+id+"=")
	if three == "" {
		t.Fatalf("config: %q", before)
	}

	r := zkshAt(two, "reconfig", "-remove", id)
	if r.code != ExitRefused || r.out != "" || lineWith(configLines(t, two), "server."+id+"=") != three {
		t.Fatalf("reconfig without credentials: exit %d, stdout %q, stderr %q", r.code, r.out, r.err)
	}

	r = zkshAt(two, "--auth", super, "-o", "plain", "reconfig", "-remove", id)
	if r.code != 0 || r.err != "Committed new configuration:\n" || strings.Contains(r.out, "server."+id+"=") || strings.Count(r.out, "server.") != 2 {
		t.Fatalf("reconfig -remove %s: exit %d, stdout %q, stderr %q", id, r.code, r.out, r.err)
	}
	after := configLines(t, two)
	if lineWith(after, "server."+id+"=") != "" || len(after) != len(before)-1 {
		t.Fatalf("config after removing %s: %q", id, after)
	}
	version := strings.TrimPrefix(lineWith(after, "version="), "version=")

	// A stale version is refused and changes nothing.
	r = zkshAt(two, "--auth", super, "reconfig", "-v", "1", "-add", three)
	if r.code != ExitRefused || lineWith(configLines(t, two), "server."+id+"=") != "" {
		t.Fatalf("reconfig with a stale -v: exit %d, stdout %q, stderr %q", r.code, r.out, r.err)
	}

	r = zkshAt(two, "--auth", super, "-o", "plain", "reconfig", "-s", "-v", version, "-add", three)
	if r.code != 0 || !strings.Contains(r.out, three+"\n") || !strings.Contains(r.out, "dataVersion = ") {
		t.Fatalf("reconfig -add: exit %d, stdout %q, stderr %q", r.code, r.out, r.err)
	}
	if got := lineWith(configLines(t, two), "server."+id+"="); got != three {
		t.Fatalf("config after adding %s back: %q, want %q", id, got, three)
	}
}

// TestReconfigStandalone: a standalone server (Apache, the bundled one) refuses reconfig: exit 1.
func TestReconfigStandalone(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			r := zkshAt(addr, "reconfig", "-remove", "3")
			if r.code != ExitRefused || r.out != "" || !strings.Contains(r.err, "zksh: reconfig /zookeeper/config: ") {
				t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.out, r.err)
			}
		})
	}
}

func TestReconfigUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.cfg")
	if err := os.WriteFile(bad, []byte("server.1=127.0.0.1:1:2;3\ntickTime=2000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"reconfig"}, "nothing to change"},
		{[]string{"reconfig", "-members", "server.1=a:1:2;3", "-add", "server.2=b:1:2;3"}, "cannot be combined with -add or -remove"},
		{[]string{"reconfig", "-file", bad, "-members", "server.1=a:1:2;3"}, "-file and -members cannot be combined"},
		{[]string{"reconfig", "-v", "zz", "-remove", "3"}, `-v "zz": want the configuration's version in hex`},
		{[]string{"reconfig", "-file", bad}, `line 2: "tickTime" is not a membership line`},
		{[]string{"reconfig", "-members", " "}, "the new membership is empty"},
	} {
		mainRun(c.args...).fails(t, ExitUsage, c.want)
	}
	if got, want := membersFileOK(t, dir), "server.1=127.0.0.1:1:2:participant;3\nserver.2=127.0.0.1:4:5:participant;6"; got != want {
		t.Fatalf("membersFile: %q, want %q", got, want)
	}
	in := []string{"--server", "h:1", "reconfig", "-s", "-v", "-add", "-members", "x", "--", "-remove"}
	want := []string{"--server", "h:1", "reconfig", "-s", "-v", "-add", "--members", "x", "--", "-remove"}
	if got := reconfigArgs(in); !reflect.DeepEqual(got, want) {
		t.Fatalf("reconfigArgs: %q", got)
	}
}

func membersFileOK(t *testing.T, dir string) string {
	t.Helper()
	f := filepath.Join(dir, "ok.cfg")
	if err := os.WriteFile(f, []byte("# members\nserver.1=127.0.0.1:1:2:participant;3\n\nserver.2=127.0.0.1:4:5:participant;6\nversion=100000000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := membersFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
