package commands

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/render"
	"github.com/zksh/zksh/server"
)

// TestFourLetterNotWhitelistedAndAdminServer: a word the server does not allow is refused with how
// to allow it (exit 1); the AdminServer answers the same command as JSON (Apache with
// admin.enableServer on a free loopback port).
func TestFourLetterNotWhitelistedAndAdminServer(t *testing.T) {
	port, err := zktest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	inst := zktest.StartApache(t, zktest.Options{AdminPort: port, Extra: []string{"4lw.commands.whitelist=srvr,ruok"}})
	zkshAt(inst.Addr, "4lw", "ruok").must(t)
	zkshAt(inst.Addr, "status").must(t) // srvr is allowed
	r := zkshAt(inst.Addr, "4lw", "mntr")
	r.fails(t, 1, "mntr is not allowed by "+inst.Addr+": it is not in the server's 4lw.commands.whitelist")
	if !strings.Contains(r.err, "4lw.commands.whitelist=srvr,mntr, or * for every word") || !strings.Contains(r.err, "--admin-url") {
		t.Fatalf("the refusal does not say how to allow the word: %q", r.err)
	}
	if r.out != "" {
		t.Fatalf("stdout after a refusal: %q", r.out)
	}

	admin := "http://127.0.0.1:" + strconv.Itoa(port)
	var j struct {
		Replies []struct {
			Member string         `json:"member"`
			Reply  map[string]any `json:"reply"`
		} `json:"replies"`
	}
	// The AdminServer starts with the server; give it the time the server took.
	var out result
	deadline := time.Now().Add(30 * time.Second)
	for {
		out = zkshAt(inst.Addr, "-o", "json", "4lw", "mntr", "--admin-url", admin)
		if out.code == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	out.must(t)
	if err := json.Unmarshal([]byte(out.out), &j); err != nil || len(j.Replies) != 1 || j.Replies[0].Reply["server_state"] != "standalone" {
		t.Fatalf("mntr via the AdminServer: %v\n%s", err, out.out)
	}
	table := zkshAt(inst.Addr, "-o", "table", "4lw", "mntr", "--admin-url", admin).must(t)
	if !strings.HasPrefix(table.out, "KEY") || !strings.Contains(table.out, "server_state") {
		t.Fatalf("mntr via the AdminServer as a table:\n%s", table.out)
	}
	plain := zkshAt(inst.Addr, "4lw", "conf", "--admin-url", admin).must(t)
	if !json.Valid([]byte(plain.out)) || !strings.Contains(plain.out, inst.DataDir) {
		t.Fatalf("conf via the AdminServer, plain: %q", plain.out)
	}
	zkshAt(inst.Addr, "4lw", "nosuchcommand", "--admin-url", admin).fails(t, 1, "Unknown command: nosuchcommand")
	free, _ := zktest.FreePort()
	zkshAt(inst.Addr, "4lw", "ruok", "--admin-url", "http://127.0.0.1:"+strconv.Itoa(free)).fails(t, 3, "connection refused")
	zkshAt(inst.Addr, "4lw", "ruok", "--admin-url", "127.0.0.1:8080").fails(t, 2, "want http://HOST:PORT")
}

func TestStatusVerdictAndChanges(t *testing.T) {
	up := func(addr, mode string) render.MemberStatus {
		return render.MemberStatus{Addr: addr, Mode: mode, Zxid: "0x1"}
	}
	for _, tt := range []struct {
		members []render.MemberStatus
		code    int
		want    string
	}{
		{[]render.MemberStatus{up("a", "leader"), up("b", "follower")}, 0, ""},
		{[]render.MemberStatus{up("a", "standalone")}, 0, ""},
		// A follower or an observer serves only while it follows a leader: the leader need not be
		// listed (over TLS status asks the connect string alone; clients often name observers).
		{[]render.MemberStatus{up("a", "follower"), up("b", "observer")}, 0, ""},
		{[]render.MemberStatus{up("a", "observer")}, 0, ""},
		{[]render.MemberStatus{up("a", "read-only"), up("b", "read-only")}, 1, "no member leads"},
		{[]render.MemberStatus{up("a", "leader"), {Addr: "b", Mode: "down"}}, 3, "1 of 2 members down: b"},
		{[]render.MemberStatus{up("a", "leader"), {Addr: "b", Mode: "unknown"}}, 1, "srvr is not allowed by b"},
	} {
		err := statusVerdict(render.EnsembleStatus{Members: tt.members})
		if ExitCode(err) != tt.code || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v (exit %d), want exit %d %q", tt.members, err, ExitCode(err), tt.code, tt.want)
		}
	}
	prev := render.EnsembleStatus{Members: []render.MemberStatus{up("a", "leader"), up("b", "follower")}}
	cur := render.EnsembleStatus{Members: []render.MemberStatus{{Addr: "a", Mode: "down", Error: "connection refused"}, up("b", "leader")}}
	cur.Changed = statusChanges(prev, cur)
	rows := render.StatusRows(cur)
	if rows[0][1] != "down*" || rows[1][1] != "leader*" || rows[1][2] != "0x1" || rows[0][7] != "connection refused" {
		t.Fatalf("rows with changes marked: %q", rows)
	}
}

// TestStatusWatchOnTerminal: on a terminal --watch clears the screen before each draw and marks what
// changed (here nothing, between two draws of a quiet standalone server).
func TestStatusWatchOnTerminal(t *testing.T) {
	addr := zktest.Server(t)
	streams, out, errOut := fakeIO("", true)
	code := Main([]string{"--server", addr, "status", "--watch", "10ms", "--count", "2"}, streams, nil)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if n := strings.Count(out.String(), "\x1b[H\x1b[2J"); n != 2 {
		t.Fatalf("%d screen clears, want 2:\n%q", n, out.String())
	}
	if !strings.Contains(out.String(), "standalone") || !strings.Contains(out.String(), "ADDRESS") {
		t.Fatalf("no table:\n%s", out.String())
	}
}

// TestStatusInShellWithServer: a shell line's --server gives status a session of its own; --watch
// there is status's redraw interval, not a watch the line's session would drop.
func TestStatusInShellWithServer(t *testing.T) {
	addr := zktest.Server(t)
	streams, out, _ := fakeIO("", false)
	env := NewEnv(streams, Settings{Server: "127.0.0.1:1", ConnectTimeout: 5 * time.Second})
	env.Interactive = true
	if err := ExecuteLine(context.Background(), env, []string{"--server", addr, "status", "--watch", "10ms", "--count", "1"}); err != nil {
		t.Fatalf("status --watch with --server in the shell: %v", err)
	}
	if !strings.Contains(out.String(), addr) {
		t.Fatalf("status printed %q, want a row for %s", out.String(), addr)
	}
}

// TestStatusWithNarrowWhitelist: Apache always allows srvr (zkServer.sh status needs it), whatever
// 4lw.commands.whitelist says, so status works against a server that allows nothing else; the
// bundled server does the same.
func TestStatusWithNarrowWhitelist(t *testing.T) {
	bundled, err := server.New(server.Config{FourLetterWords: []string{"ruok"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := bundled.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bundled.Close() })
	targets := map[string]string{"bundled": bundled.Addr()}
	if zktest.Installed() || os.Getenv("CI") == "true" {
		targets["apache"] = zktest.StartApache(t, zktest.Options{Extra: []string{"4lw.commands.whitelist=ruok"}}).Addr
	}
	for name, addr := range targets {
		t.Run(name, func(t *testing.T) {
			r := zkshAt(addr, "-o", "json", "status").must(t)
			if !strings.Contains(r.out, `"mode":"standalone"`) {
				t.Fatalf("status: %s", r.out)
			}
			zkshAt(addr, "4lw", "mntr").fails(t, 1, "mntr is not allowed by "+addr)
		})
	}
}

// TestFourLetterOverTLS: with TLS settings (flags, or CLIENT_JVMFLAGS alone), 4lw and status talk
// to a member's secure client port over TLS with the session's certificates, on Apache (Netty
// answers four-letter words over TLS) and the bundled server; a certificate problem is named.
func TestFourLetterOverTLS(t *testing.T) {
	f := zktest.Certs(t)
	stores := makeJVMStores(t, f)
	targets := secureTargets(t, "ssl.keyStore.location="+f.ServerBundle, "ssl.trustStore.location="+f.CA, "ssl.clientAuth=need",
		"4lw.commands.whitelist=*")
	mtls := []string{"--tls-ca", f.CA, "--tls-cert", f.ClientBundle}
	for name, addr := range targets {
		t.Run(name, func(t *testing.T) {
			if r := tlsRun(addr, append(mtls, "4lw", "ruok")...).must(t); !strings.Contains(r.out, "imok") {
				t.Fatalf("4lw ruok over TLS: %q", r.out)
			}
			if r := tlsRun(addr, append(mtls, "status")...).must(t); !strings.Contains(r.out, "standalone") {
				t.Fatalf("status over TLS: %q", r.out)
			}
			// One member: the secure port asked, not also a plain port /zookeeper/config may list.
			var st struct {
				Members []struct {
					Addr string `json:"address"`
				}
			}
			if r := tlsRun(addr, append(mtls, "-o", "json", "status")...).must(t); json.Unmarshal([]byte(r.out), &st) != nil || len(st.Members) != 1 || st.Members[0].Addr != addr {
				t.Fatalf("status -o json over TLS: %q", r.out)
			}
			tlsRun(addr, "--tls-ca", f.OtherCA, "--tls-cert", f.ClientBundle, "4lw", "ruok").fails(t, ExitUnavailable, "unknown authority")
			tlsRun(addr, "--tls-ca", f.CA, "4lw", "ruok").fails(t, ExitUnavailable, "TLS with")
			// The settings of CLIENT_JVMFLAGS alone.
			t.Setenv("JVMFLAGS", "")
			t.Setenv("CLIENT_JVMFLAGS", stores.flags(stores.trust))
			if r := tlsRun(addr, "4lw", "srvr").must(t); !strings.Contains(r.out, "Mode: standalone") {
				t.Fatalf("4lw srvr with CLIENT_JVMFLAGS: %q", r.out)
			}
			if r := tlsRun(addr, "status").must(t); !strings.Contains(r.out, "standalone") {
				t.Fatalf("status with CLIENT_JVMFLAGS: %q", r.out)
			}
			t.Setenv("CLIENT_JVMFLAGS", "")
		})
	}
}

// TestStatusOverTLSAsksTheConnectString: /zookeeper/config lists members' plain client ports; over
// TLS status does not ask them there (with TLS, where it would find a TLS handshake fail) and shows
// the connect string's members alone.
func TestStatusOverTLSAsksTheConnectString(t *testing.T) {
	f := zktest.Certs(t)
	cfg, _, err := server.ParseConfig(strings.NewReader("clientPort=0\nsecureClientPort=0\nssl.clientAuth=none\n4lw.commands.whitelist=*\nssl.keyStore.location=" + f.ServerBundle))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ClientPortAddress = "127.0.0.1"
	s, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Set("/zookeeper/config", []byte("server.1=127.0.0.1:1:2:participant;"+s.Addr()+"\nversion=100000000\n")); err != nil {
		t.Fatal(err)
	}
	// Without TLS, the listed member is asked: it is the same server, on its plain port.
	if r := on(t, s.Addr(), "", "status").must(t); !strings.Contains(r.out, "standalone") {
		t.Fatalf("plain status: %q", r.out)
	}
	r := tlsRun(s.SecureAddr(), "--tls-ca", f.CA, "-o", "json", "status").must(t)
	if strings.Count(r.out, `"address"`) != 1 || !strings.Contains(r.out, s.SecureAddr()) {
		t.Fatalf("status over TLS: %q", r.out)
	}
}

// TestFourLetterNamesTheMemberWhenOthersAreDown: asked of several members, each reply comes after a
// `== host:port ==` line even when only one answered, so a reader knows whose reply it is; the
// member that did not answer is named on stderr (exit 3) and, in JSON, with its error.
func TestFourLetterNamesTheMemberWhenOthersAreDown(t *testing.T) {
	local := server.RunT(t).Addr()
	free, err := zktest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	down := "127.0.0.1:" + strconv.Itoa(free)
	for name, addr := range zktest.Targets(t, local) {
		t.Run(name, func(t *testing.T) {
			members := addr + "," + down
			r := zkshAt(addr, "4lw", "srvr", "--members", members)
			r.fails(t, 3, "no reply to srvr from "+down)
			if !strings.HasPrefix(r.out, "== "+addr+" ==\n") || !strings.Contains(r.out, "Mode: standalone") {
				t.Fatalf("plain: the one reply of two members is not headed by its member: %q", r.out)
			}
			r = zkshAt(addr, "-o", "table", "4lw", "srvr", "--members", addr+","+addr)
			if r.code != 0 || strings.Count(r.out, "== "+addr+" ==\n") != 2 {
				t.Fatalf("table: srvr's replies of two members are not headed by their member: exit %d %q", r.code, r.out)
			}
			r = zkshAt(addr, "-o", "json", "4lw", "srvr", "--members", members)
			var j struct {
				Replies []struct {
					Member string  `json:"member"`
					Text   *string `json:"text"`
					Error  string  `json:"error"`
				} `json:"replies"`
			}
			if err := json.Unmarshal([]byte(r.out), &j); err != nil || len(j.Replies) != 2 ||
				j.Replies[0].Member != addr || j.Replies[0].Text == nil ||
				j.Replies[1].Member != down || j.Replies[1].Error == "" {
				t.Fatalf("json: %v %q", err, r.out)
			}
		})
	}
}
