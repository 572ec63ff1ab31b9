package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/render"
)

// statusJSON runs status -o json against server and decodes it.
func statusJSON(t *testing.T, server string) (render.EnsembleStatus, result) {
	t.Helper()
	r := zkshAt(server, "-o", "json", "--connect-timeout", "5s", "status")
	var s render.EnsembleStatus
	if err := json.Unmarshal([]byte(r.out), &s); err != nil {
		t.Fatalf("status -o json: %v\nexit %d, stdout %q, stderr %q", err, r.code, r.out, r.err)
	}
	return s, r
}

func modes(s render.EnsembleStatus) map[string]string {
	m := map[string]string{}
	for _, row := range s.Members {
		m[row.Addr] = row.Mode
	}
	return m
}

// TestEnsemble runs the commands that concern a whole ensemble against a real 3-member Apache
// ZooKeeper 3.8 ensemble, started once and shared by the subtests (each member is a JVM).
func TestEnsemble(t *testing.T) {
	e := zktest.StartEnsemble(t, 3, zktest.EnsembleOptions{})
	all := e.Connect()

	t.Run("StatusShowsOneLeaderTwoFollowers", func(t *testing.T) {
		s, r := statusJSON(t, all)
		if r.code != 0 {
			t.Fatalf("status: exit %d, stderr %q", r.code, r.err)
		}
		count := map[string]int{}
		for _, m := range s.Members {
			count[m.Mode]++
			if m.Version == "" || !strings.HasPrefix(m.Version, "3.8") || m.Zxid == "" || m.Latency == "" || m.ID == 0 {
				t.Errorf("row %+v: want version 3.8, zxid, latency and the id from /zookeeper/config", m)
			}
		}
		if len(s.Members) != 3 || count["leader"] != 1 || count["follower"] != 2 {
			t.Fatalf("status rows %+v: want 3 members, one leader and two followers", s.Members)
		}
		table := zkshAt(all, "-o", "table", "status").must(t)
		lines := strings.Split(strings.TrimSpace(table.out), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "ADDRESS") || strings.Count(table.out, "leader") != 1 || strings.Count(table.out, "follower") != 2 {
			t.Fatalf("status table:\n%s", table.out)
		}
	})

	t.Run("StatusFindsMembersFromConfig", func(t *testing.T) {
		// Only one member in the connect string: the others come from /zookeeper/config.
		s, r := statusJSON(t, e.Members[0].Addr)
		if r.code != 0 || len(s.Members) != 3 {
			t.Fatalf("status with one member given: exit %d, rows %+v, stderr %q", r.code, s.Members, r.err)
		}
	})

	t.Run("StatusWatchPrintsABlockPerDraw", func(t *testing.T) {
		r := zkshAt(all, "-o", "json", "status", "--watch", "10ms", "--count", "2").must(t)
		lines := strings.Split(strings.TrimSpace(r.out), "\n")
		if len(lines) != 2 {
			t.Fatalf("want two JSON objects, got %q", r.out)
		}
		for _, l := range lines {
			var s render.EnsembleStatus
			if err := json.Unmarshal([]byte(l), &s); err != nil || len(s.Members) != 3 {
				t.Fatalf("draw %q: %v", l, err)
			}
		}
		zkshAt(all, "status", "--count", "2").fails(t, 2, "--count needs --watch")
		zkshAt(all, "status", "--watch", "0s").fails(t, 2, "want a positive interval")
	})

	t.Run("FourLetterWords", func(t *testing.T) {
		r := zkshAt(all, "4lw", "ruok").must(t)
		if strings.Count(r.out, "imok") != 3 || strings.Count(r.out, "== 127.0.0.1:") != 3 {
			t.Fatalf("ruok to 3 members:\n%s", r.out)
		}
		one := zkshAt(all, "4lw", "ruok", "--members", e.Members[1].Addr).must(t)
		if one.out != "imok\n" {
			t.Fatalf("ruok to one member: %q", one.out)
		}
		var mntr struct {
			Replies []struct {
				Member string            `json:"member"`
				Values map[string]string `json:"values"`
			} `json:"replies"`
		}
		r = zkshAt(all, "-o", "json", "4lw", "mntr").must(t)
		if err := json.Unmarshal([]byte(r.out), &mntr); err != nil || len(mntr.Replies) != 3 {
			t.Fatalf("mntr json: %v\n%s", err, r.out)
		}
		states := map[string]int{}
		for _, rep := range mntr.Replies {
			states[rep.Values["zk_server_state"]]++
		}
		if states["leader"] != 1 || states["follower"] != 2 {
			t.Fatalf("mntr zk_server_state over the members: %v", states)
		}
		table := zkshAt(e.Members[0].Addr, "-o", "table", "4lw", "conf").must(t)
		if !strings.HasPrefix(table.out, "KEY") || !strings.Contains(table.out, "dataDir") || !strings.Contains(table.out, e.Members[0].DataDir) {
			t.Fatalf("conf table:\n%s", table.out)
		}
		var cons struct {
			Replies []struct {
				Connections []map[string]string `json:"connections"`
			} `json:"replies"`
		}
		r = zkshAt(e.Members[0].Addr, "-o", "json", "4lw", "cons").must(t)
		if err := json.Unmarshal([]byte(r.out), &cons); err != nil || len(cons.Replies) != 1 || len(cons.Replies[0].Connections) == 0 ||
			cons.Replies[0].Connections[0]["address"] == "" || cons.Replies[0].Connections[0]["sent"] == "" {
			t.Fatalf("cons json: %v\n%s", err, r.out)
		}
		zkshAt(all, "4lw", "ruokk").fails(t, 2, "not a four-letter word")
	})

	t.Run("ConfigShowsTheMembers", func(t *testing.T) {
		r := zkshAt(all, "config").must(t)
		for _, m := range e.Members {
			want := fmt.Sprintf("server.%d=127.0.0.1:", m.ID)
			if !strings.Contains(r.out, want) || !strings.Contains(r.out, ";"+m.Addr) {
				t.Fatalf("config lacks member %d (%s):\n%s", m.ID, m.Addr, r.out)
			}
		}
		if !strings.Contains(r.out, "\nversion=") {
			t.Fatalf("config lacks its version:\n%s", r.out)
		}
		c := zkshAt(all, "config", "-c").must(t)
		fields := strings.Fields(c.out)
		if len(fields) != 2 {
			t.Fatalf("config -c: %q, want \"VERSION host:port,...\"", c.out)
		}
		for _, m := range e.Members {
			if !strings.Contains(fields[1], m.Addr) {
				t.Fatalf("config -c %q lacks %s", c.out, m.Addr)
			}
		}
		// As zkCli prints it (its -c lists the members in a hash table's order: compared as sets).
		cmd := exec.Command(zktest.ZkCli(t), "-server", all, "config")
		cmd.Env = append(os.Environ(), "CLIENT_JVMFLAGS=-XX:TieredStopAtLevel=1 -Xshare:auto")
		zkOut, err := cmd.Output()
		if err != nil {
			t.Fatalf("zkCli.sh config: %v\n%s", err, zkOut)
		}
		var want []string
		for _, l := range strings.Split(string(zkOut), "\n") {
			if strings.HasPrefix(l, "server.") || strings.HasPrefix(l, "version=") {
				want = append(want, l)
			}
		}
		if got := strings.TrimSpace(r.out); got != strings.Join(want, "\n") {
			t.Fatalf("config: zksh printed\n%s\nzkCli\n%s", got, strings.Join(want, "\n"))
		}
		cmd = exec.Command(zktest.ZkCli(t), "-server", all, "config", "-c")
		cmd.Env = append(os.Environ(), "CLIENT_JVMFLAGS=-XX:TieredStopAtLevel=1 -Xshare:auto")
		zkOut, _ = cmd.Output()
		var zkC []string
		for _, l := range strings.Split(string(zkOut), "\n") {
			if f := strings.Fields(l); len(f) == 2 && strings.Count(f[1], ":") == 3 {
				zkC = f
			}
		}
		gotC := strings.Fields(zkshAt(all, "config", "-c").must(t).out)
		sortedAddrs := func(s string) string { a := strings.Split(s, ","); sort.Strings(a); return strings.Join(a, ",") }
		if len(zkC) != 2 || len(gotC) != 2 || zkC[0] != gotC[0] || sortedAddrs(zkC[1]) != sortedAddrs(gotC[1]) {
			t.Fatalf("config -c: zkCli %q, zksh %q", zkC, gotC)
		}
		// The configuration is read whatever the chroot, as zkCli's getConfig does.
		if chrooted := zkshAt(all+"/no/such/chroot", "config").must(t); chrooted.out != r.out {
			t.Fatalf("config under a chroot: %q, want %q", chrooted.out, r.out)
		}
		s := zkshAt(all, "config", "-s").must(t)
		if !strings.Contains(s.out, "cZxid = ") {
			t.Fatalf("config -s shows no stat:\n%s", s.out)
		}
	})

	// Last: it kills the leader (and restarts it).
	t.Run("LeaderDeath", func(t *testing.T) {
		old := e.Leader()
		if old == nil {
			t.Fatal("no leader")
		}
		defer func() {
			if err := e.Restart(old); err != nil {
				t.Errorf("restart member %d: %v", old.ID, err)
			}
		}()
		// A shell's session (one Env across lines, as the REPL keeps it) on all three, working
		// before the leader dies.
		shellOut := &strings.Builder{}
		shellEnv := NewEnv(&IOStreams{In: strings.NewReader(""), Out: shellOut, ErrOut: io.Discard},
			Settings{Server: all, SessionTimeout: 6 * time.Second, ConnectTimeout: 15 * time.Second})
		shellEnv.InShell = true
		defer shellEnv.Close()
		line := func(words ...string) error {
			done := make(chan error, 1)
			go func() { done <- ExecuteLine(context.Background(), shellEnv, words) }()
			select {
			case err := <-done:
				return err
			case <-time.After(90 * time.Second):
				t.Fatalf("shell line %q hung for 90s", words)
				return nil
			}
		}
		if err := line("create", "/ensemble-shell", "before"); err != nil {
			t.Fatalf("shell create before the leader's death: %v", err)
		}
		old.Kill()

		// The same shell session during the election: each line succeeds after reconnecting, or
		// fails with exit 3 and says why; never hangs, and the session goes on afterwards.
		for i := 0; i < 3; i++ {
			err := line("set", "/ensemble-shell", fmt.Sprintf("during-%d", i))
			if err != nil && ExitCode(err) != ExitUnavailable {
				t.Fatalf("shell set during the election: exit %d: %v; want 0 or 3", ExitCode(err), err)
			}
			t.Logf("shell set during the election: exit %d %v", ExitCode(err), err)
		}

		// A one-shot command on all three during the election: succeeds after reconnecting, or
		// fails with exit 3 and says why; never hangs.
		done := make(chan result, 1)
		go func() {
			streams, out, errOut := fakeIO("", false)
			code := Main([]string{"--server", all, "--connect-timeout", "15s", "--timeout", "4s", "create", "/ensemble-leader-death", "x"}, streams, nil)
			done <- result{out.String(), errOut.String(), code}
		}()
		select {
		case r := <-done:
			if r.code != 0 && (r.code != 3 || !strings.Contains(r.err, "zksh: create /ensemble-leader-death: ")) {
				t.Fatalf("create during the election: exit %d, stderr %q; want 0, or 3 with a message", r.code, r.err)
			}
			t.Logf("create during the election: exit %d %s", r.code, strings.TrimSpace(r.err))
		case <-time.After(90 * time.Second):
			t.Fatal("create during the election hung for 90s")
		}

		if err := e.WaitForLeader(time.Minute); err != nil {
			t.Fatal(err)
		}
		s, r := statusJSON(t, all)
		if r.code != 3 || !strings.Contains(r.err, "1 of 3 members down: "+old.Addr) {
			t.Fatalf("status after the leader's death: exit %d, stderr %q; want 3 naming %s", r.code, r.err, old.Addr)
		}
		m := modes(s)
		leaders := 0
		for addr, mode := range m {
			if mode == "leader" {
				leaders++
				if addr == old.Addr {
					t.Fatalf("the dead member leads: %v", m)
				}
			}
		}
		if m[old.Addr] != "down" || leaders != 1 {
			t.Fatalf("modes after the leader's death: %v; want %s down and a new leader", m, old.Addr)
		}
		// The shell's session still works after the election (the session survived, or a new one
		// was opened and said so), and reads what it wrote.
		shellOut.Reset()
		if err := line("set", "/ensemble-shell", "after"); err != nil {
			t.Fatalf("shell set after the election: %v", err)
		}
		if err := line("get", "/ensemble-shell"); err != nil || shellOut.String() != "after\n" {
			t.Fatalf("shell get after the election: %q %v", shellOut.String(), err)
		}
		// After the election the same command works on the same connect string.
		zkshAt(all, "--connect-timeout", "15s", "get", "/zookeeper/config").must(t)
		zkshAt(all, "4lw", "ruok").fails(t, 3, "no reply to ruok from "+old.Addr)
	})
}
