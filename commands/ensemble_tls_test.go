package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/render"
)

// TestEnsembleOverTLS runs the ensemble commands against a real 3-member Apache ZooKeeper 3.8
// ensemble whose members serve clients on Netty secure client ports requiring a client certificate,
// through the connect string of those ports (as TestEnsemble does on the plain ones). One ensemble,
// shared by the subtests; one member restart in all.
func TestEnsembleOverTLS(t *testing.T) {
	f := zktest.Certs(t)
	e := zktest.StartEnsemble(t, 3, zktest.EnsembleOptions{Secure: []string{
		"ssl.keyStore.location=" + f.ServerBundle, "ssl.trustStore.location=" + f.CA, "ssl.clientAuth=need"}})
	all := e.SecureConnect()
	mtls := []string{"--tls-ca", f.CA, "--tls-cert", f.ClientBundle}
	// run runs one-shot zksh over TLS against server.
	run := func(server string, args ...string) result {
		return tlsRun(server, append(append([]string(nil), mtls...), args...)...)
	}
	statusOf := func(t *testing.T, server string) (render.EnsembleStatus, result) {
		t.Helper()
		r := run(server, "-o", "json", "status")
		var s render.EnsembleStatus
		if err := json.Unmarshal([]byte(r.out), &s); err != nil {
			t.Fatalf("status -o json over TLS: %v\nexit %d, stdout %q, stderr %q", err, r.code, r.out, r.err)
		}
		return s, r
	}

	t.Run("StatusShowsOneLeaderTwoFollowers", func(t *testing.T) {
		s, r := statusOf(t, all)
		if r.code != 0 {
			t.Fatalf("status over TLS: exit %d, stderr %q", r.code, r.err)
		}
		count := map[string]int{}
		for i, m := range s.Members {
			count[m.Mode]++
			// Over TLS the rows are the connect string's secure ports (not /zookeeper/config's plain
			// ones, nor both); each member's conf gives its id.
			if m.Addr != e.Members[i].SecureAddr || m.ID != e.Members[i].ID {
				t.Errorf("row %d: address %q id %d, want %s id %d", i, m.Addr, m.ID, e.Members[i].SecureAddr, e.Members[i].ID)
			}
			if !strings.HasPrefix(m.Version, "3.8") || m.Zxid == "" || m.Latency == "" {
				t.Errorf("row %+v: want version 3.8, zxid and latency", m)
			}
		}
		if len(s.Members) != 3 || count["leader"] != 1 || count["follower"] != 2 {
			t.Fatalf("status rows %+v: want 3 members, one leader and two followers", s.Members)
		}
		table := run(all, "-o", "table", "status").must(t)
		lines := strings.Split(strings.TrimSpace(table.out), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "ADDRESS") || strings.Count(table.out, "leader") != 1 || strings.Count(table.out, "follower") != 2 {
			t.Fatalf("status table over TLS:\n%s", table.out)
		}
	})

	t.Run("StatusOfOneFollower", func(t *testing.T) {
		// Over TLS status asks the connect string's members alone: given only a follower, it shows
		// that follower, and a follower serving means the ensemble has a leader (exit 0).
		var follower *zktest.Member
		for _, m := range e.Members {
			if m.Mode() == "follower" {
				follower = m
			}
		}
		if follower == nil {
			t.Fatal("no follower")
		}
		s, r := statusOf(t, follower.SecureAddr)
		if r.code != 0 || len(s.Members) != 1 || s.Members[0].Mode != "follower" {
			t.Fatalf("status over TLS of follower %s: exit %d, rows %+v, stderr %q", follower.SecureAddr, r.code, s.Members, r.err)
		}
	})

	t.Run("FourLetterWordsFromEachMember", func(t *testing.T) {
		r := run(all, "4lw", "srvr").must(t)
		for _, m := range e.Members {
			if !strings.Contains(r.out, "== "+m.SecureAddr) {
				t.Errorf("srvr over TLS: no reply from %s", m.SecureAddr)
			}
		}
		if strings.Count(r.out, "Mode: leader") != 1 || strings.Count(r.out, "Mode: follower") != 2 {
			t.Fatalf("srvr over TLS to 3 members:\n%s", r.out)
		}
		var mntr struct {
			Replies []struct {
				Member string            `json:"member"`
				Values map[string]string `json:"values"`
			} `json:"replies"`
		}
		r = run(all, "-o", "json", "4lw", "mntr").must(t)
		if err := json.Unmarshal([]byte(r.out), &mntr); err != nil || len(mntr.Replies) != 3 {
			t.Fatalf("mntr json over TLS: %v\n%s", err, r.out)
		}
		states := map[string]int{}
		for i, rep := range mntr.Replies {
			states[rep.Values["zk_server_state"]]++
			if rep.Member != e.Members[i].SecureAddr {
				t.Errorf("mntr reply %d from %q, want %s", i, rep.Member, e.Members[i].SecureAddr)
			}
		}
		if states["leader"] != 1 || states["follower"] != 2 {
			t.Fatalf("mntr zk_server_state over TLS: %v", states)
		}
		if one := run(all, "4lw", "ruok", "--members", e.Members[1].SecureAddr).must(t); one.out != "imok\n" {
			t.Fatalf("ruok over TLS to one member: %q", one.out)
		}
		// Without a client certificate the members refuse the handshake, and zksh says so.
		tlsRun(all, "--tls-ca", f.CA, "4lw", "ruok").fails(t, ExitUnavailable, "TLS with")
	})

	t.Run("WriteAndReadOneShot", func(t *testing.T) {
		run(all, "create", "/ensemble-tls", "over tls").must(t)
		if r := run(all, "get", "/ensemble-tls").must(t); r.out != "over tls\n" {
			t.Fatalf("get over TLS: %q", r.out)
		}
		// zkCli's client configuration file instead of the flags (PKCS12 stores).
		cfgFile := filepath.Join(t.TempDir(), "client.properties")
		os.WriteFile(cfgFile, []byte(strings.Join([]string{
			"zookeeper.client.secure=true",
			"zookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty",
			"zookeeper.ssl.keyStore.location=" + zktest.KeyStore(t, f.ClientBundle, "PKCS12"),
			"zookeeper.ssl.keyStore.password=" + zktest.StorePassword,
			"zookeeper.ssl.trustStore.location=" + zktest.TrustStore(t, f.CA, "PKCS12"),
			"zookeeper.ssl.trustStore.password=" + zktest.StorePassword,
		}, "\n")+"\n"), 0o600)
		cc := func(args ...string) result {
			return mainRun(append([]string{"--server", all, "--timeout", "4s", "--connect-timeout", "8s", "--client-configuration", cfgFile}, args...)...)
		}
		cc("set", "/ensemble-tls", "by client configuration").must(t)
		if r := cc("get", "/ensemble-tls").must(t); r.out != "by client configuration\n" {
			t.Fatalf("get with the client configuration: %q", r.out)
		}
		if r := cc("4lw", "ruok").must(t); strings.Count(r.out, "imok") != 3 {
			t.Fatalf("ruok with the client configuration:\n%s", r.out)
		}
		run(all, "delete", "/ensemble-tls").must(t)
	})

	t.Run("ConfigShowsTheMembers", func(t *testing.T) {
		// The dynamic configuration lists the plain client ports; read over TLS, it is the same.
		r := run(all, "config").must(t)
		for _, m := range e.Members {
			if !strings.Contains(r.out, fmt.Sprintf("server.%d=127.0.0.1:", m.ID)) || !strings.Contains(r.out, ";"+m.Addr) {
				t.Fatalf("config over TLS lacks member %d (%s):\n%s", m.ID, m.Addr, r.out)
			}
		}
		if plain := zkshAt(e.Connect(), "config").must(t); plain.out != r.out || !strings.Contains(r.out, "\nversion=") {
			t.Fatalf("config over TLS:\n%s\nover the plain ports:\n%s", r.out, plain.out)
		}
		c := run(all, "config", "-c").must(t)
		if fields := strings.Fields(c.out); len(fields) != 2 || strings.Count(fields[1], ",") != 2 {
			t.Fatalf("config -c over TLS: %q, want \"VERSION host:port,...\"", c.out)
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
		// A shell's session (one Env across lines, as the REPL keeps it) over TLS on all three.
		shellOut := &strings.Builder{}
		shellEnv := NewEnv(&IOStreams{In: strings.NewReader(""), Out: shellOut, ErrOut: io.Discard},
			Settings{Server: all, TLSCA: f.CA, TLSCert: f.ClientBundle, SessionTimeout: 6 * time.Second, ConnectTimeout: 15 * time.Second})
		shellEnv.InShell = true
		events := make(chan string, 8)
		shellEnv.Notify = func(line string) { events <- line }
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
		// The session on the leader, so that its death makes the session move: connect again
		// (the connect string is tried in a random order) until it is there.
		session := func() *zkclient.Client {
			c, err := shellEnv.Client(context.Background())
			if err != nil {
				t.Fatalf("the shell's session over TLS: %v", err)
			}
			return c
		}
		for i := 0; session().Server() != old.SecureAddr; i++ {
			if i == 30 {
				t.Fatalf("the shell's session is on %s after 30 connects, never on the leader %s", session().Server(), old.SecureAddr)
			}
			if err := line("connect", all); err != nil {
				t.Fatalf("shell connect over TLS: %v", err)
			}
		}
		id := session().SessionID()
		if err := line("create", "/ensemble-tls-shell", "before"); err != nil {
			t.Fatalf("shell create over TLS before the leader's death: %v", err)
		}
		// A watch set before the leader dies, on a znode nothing changes during the election.
		run(all, "create", "/ensemble-tls-watched", "v0").must(t)
		if err := line("get", "-w", "/ensemble-tls-watched"); err != nil {
			t.Fatalf("shell get -w over TLS: %v", err)
		}
		shellOut.Reset()
		old.Kill()

		// During the election: each line succeeds after reconnecting (over TLS), or fails with
		// exit 3 and says why; never hangs.
		for i := 0; i < 3; i++ {
			err := line("set", "/ensemble-tls-shell", fmt.Sprintf("during-%d", i))
			if err != nil && ExitCode(err) != ExitUnavailable {
				t.Fatalf("shell set over TLS during the election: exit %d: %v; want 0 or 3", ExitCode(err), err)
			}
			t.Logf("shell set over TLS during the election: exit %d %v", ExitCode(err), err)
		}
		// A one-shot command over TLS during the election: succeeds after reconnecting, or fails
		// with exit 3 and says why; never hangs.
		done := make(chan result, 1)
		go func() {
			done <- mainRun(append(append([]string{"--server", all, "--connect-timeout", "15s", "--timeout", "4s"}, mtls...),
				"create", "/ensemble-tls-leader-death", "x")...)
		}()
		select {
		case r := <-done:
			if r.code != 0 && (r.code != 3 || !strings.Contains(r.err, "zksh: create /ensemble-tls-leader-death: ")) {
				t.Fatalf("create over TLS during the election: exit %d, stderr %q; want 0, or 3 with a message", r.code, r.err)
			}
			t.Logf("create over TLS during the election: exit %d %s", r.code, strings.TrimSpace(r.err))
		case <-time.After(90 * time.Second):
			t.Fatal("create over TLS during the election hung for 90s")
		}
		if err := e.WaitForLeader(time.Minute); err != nil {
			t.Fatal(err)
		}

		// The dead member is down (exit 3, named by its secure address), the others lead and follow.
		s, r := statusOf(t, all)
		if r.code != 3 || !strings.Contains(r.err, "1 of 3 members down: "+old.SecureAddr) {
			t.Fatalf("status over TLS after the leader's death: exit %d, stderr %q; want 3 naming %s", r.code, r.err, old.SecureAddr)
		}
		m := modes(s)
		count := map[string]int{}
		for _, mode := range m {
			count[mode]++
		}
		if m[old.SecureAddr] != "down" || count["leader"] != 1 || count["follower"] != 1 {
			t.Fatalf("modes over TLS after the leader's death: %v; want %s down, a new leader and a follower", m, old.SecureAddr)
		}

		// The shell's session works on over TLS, on another member, and reads what it wrote.
		shellOut.Reset()
		if err := line("set", "/ensemble-tls-shell", "after"); err != nil {
			t.Fatalf("shell set over TLS after the election: %v", err)
		}
		if err := line("get", "/ensemble-tls-shell"); err != nil || shellOut.String() != "after\n" {
			t.Fatalf("shell get over TLS after the election: %q %v", shellOut.String(), err)
		}
		if err := line("delete", "/ensemble-tls-shell"); err != nil {
			t.Fatalf("shell delete over TLS after the election: %v", err)
		}
		c := session()
		if c.Server() == old.SecureAddr || !strings.HasPrefix(c.Server(), "127.0.0.1:") {
			t.Fatalf("the shell's session is on %q after the election; want another member than %s", c.Server(), old.SecureAddr)
		}
		if c.SessionID() != id {
			// The session expired during the election (a loaded machine): its watch went with it,
			// and the new session works, which is what the lines above checked.
			t.Logf("the shell's session was replaced during the election (0x%x, then 0x%x): its watch is not checked", id, c.SessionID())
			run(all, "delete", "/ensemble-tls-watched").must(t)
			return
		}
		t.Logf("the shell's session 0x%x moved from %s to %s", id, old.SecureAddr, c.Server())
		// The watch was set again on the member the session moved to: a change made by another
		// session fires it.
		run(all, "set", "/ensemble-tls-watched", "v1").must(t)
		select {
		case ev := <-events:
			if !strings.Contains(ev, "NodeDataChanged /ensemble-tls-watched") {
				t.Fatalf("shell watch over TLS after the election: %q", ev)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the shell's watch did not fire within 30s of the change after the election")
		}
		run(all, "delete", "/ensemble-tls-watched").must(t)
		run(all, "4lw", "ruok").fails(t, ExitUnavailable, "no reply to ruok from "+old.SecureAddr)
	})
}
