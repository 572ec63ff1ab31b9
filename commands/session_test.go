package commands

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

// proxy forwards TCP connections to a ZooKeeper server and can cut them, so a test can make the
// server expire a session.
type proxy struct {
	ln     net.Listener
	target string
	cut    atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.disconnect() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if p.cut.Load() {
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

func (p *proxy) disconnect() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func TestSessionExpiry(t *testing.T) {
	root := testRoot(t)
	p := newProxy(t, zktest.Server(t))
	streams, _, _ := fakeIO("", false)
	s, _ := DefaultSettings(func(string) string { return "" })
	s.Server = p.ln.Addr().String()
	s.SessionTimeout = time.Second // the test server's minimum
	env := NewEnv(streams, s)
	env.Interactive = true
	defer env.Close()
	var notes []string
	var mu sync.Mutex
	env.Notify = func(line string) { mu.Lock(); notes = append(notes, line); mu.Unlock() }
	line := func(words ...string) error {
		root := NewRootCmd(env)
		root.SetArgs(words)
		return root.ExecuteContext(context.Background())
	}
	if err := line("create", "-e", root+"/eph"); err != nil {
		t.Fatal(err)
	}
	// Cut the connection for longer than the session timeout: the server expires the session.
	p.cut.Store(true)
	p.disconnect()
	time.Sleep(2500 * time.Millisecond)
	p.cut.Store(false) // let the client reconnect and learn that the session is gone
	start := time.Now()
	for env.State() != "EXPIRED" {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("state %s, never EXPIRED", env.State())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("EXPIRED after %v", time.Since(start))
	// The next command gets a new session, and the user is told once.
	if err := line("ls", root); err != nil {
		t.Fatal(err)
	}
	if err := line("ls", root); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(notes) != 1 || !strings.Contains(notes[0], "session expired; opened a new session") {
		t.Fatalf("notes %q", notes)
	}
	if env.State() != "CONNECTED" {
		t.Fatalf("state %s", env.State())
	}
}

// TestConnConcurrent: callers racing to open the session share one, and none uses it before the
// credentials are on it.
func TestConnConcurrent(t *testing.T) {
	root := testRoot(t)
	zksh(t, "--auth", "digest:bob:pw", "create", root+"/mine", "x", "auth::cdrwa").must(t)
	streams, _, _ := fakeIO("", false)
	s, _ := DefaultSettings(func(string) string { return "" })
	s.Server = zktest.Server(t)
	s.Auth = []string{"digest:bob:pw"}
	env := NewEnv(streams, s)
	defer env.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := env.Client(context.Background())
			if err == nil {
				_, _, err = c.Get(root + "/mine")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestConnectTimeoutHonoured: --connect-timeout bounds the wait for a server that accepts the
// connection and never answers (it used to take a second more, closing the half-open session).
func TestConnectTimeoutHonoured(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	}()
	for _, timeout := range []time.Duration{time.Second, 2 * time.Second} {
		start := time.Now()
		r := mainRun("--server", ln.Addr().String(), "--connect-timeout", timeout.String(), "ls", "/")
		elapsed := time.Since(start)
		if r.code != ExitUnavailable || !strings.Contains(r.err, "within "+timeout.String()) {
			t.Fatalf("%v: %+v", timeout, r)
		}
		if elapsed < timeout || elapsed > timeout+500*time.Millisecond {
			t.Errorf("--connect-timeout %v took %v", timeout, elapsed)
		}
	}
}

// TestConnectDropsCredentials: connect to other servers does not send them the credentials added
// for this one (addauth or --auth) unless --keep-auth says so; a new session on the same server
// after expiry still has them.
func TestConnectDropsCredentials(t *testing.T) {
	a, b := server.RunT(t), server.RunT(t)
	streams, out, _ := fakeIO("", false)
	s, _ := DefaultSettings(func(string) string { return "" })
	s.Server = a.Addr()
	env := NewEnv(streams, s)
	env.Interactive = true
	env.Notify = func(string) {}
	defer env.Close()
	line := func(words ...string) string {
		t.Helper()
		out.Reset()
		root := NewRootCmd(env)
		root.SetArgs(words)
		if err := root.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("%q: %v", words, err)
		}
		return out.String()
	}
	line("addauth", "digest", "bob:pw")
	if ids := line("whoami"); !strings.Contains(ids, "digest: bob") {
		t.Fatalf("whoami after addauth: %q", ids)
	}
	line("connect", b.Addr())
	if ids := line("whoami"); strings.Contains(ids, "digest") {
		t.Fatalf("whoami on the other server: %q", ids)
	}
	line("addauth", "digest", "carol:pw")
	line("connect", "--keep-auth", a.Addr())
	if ids := line("whoami"); !strings.Contains(ids, "digest: carol") || strings.Contains(ids, "bob") {
		t.Fatalf("whoami after connect --keep-auth: %q", ids)
	}
	// The session expires; the new one on the same server has the credentials again.
	line("create", "/mine", "x", "auth::cdrwa")
	a.FastForward(time.Hour)
	start := time.Now()
	for env.State() != "EXPIRED" {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("state %s, never EXPIRED", env.State())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := line("get", "/mine"); got != "x\n" {
		t.Fatalf("get after expiry: %q", got)
	}
}

// TestWatchSessionExpiredOneShot: a one-shot -w whose session expires prints no event on stdout (a
// script reading events would take NotWatching for one): the error goes to stderr, exit 3. Against
// the bundled server (FastForward) and Apache (a proxy cut for longer than the session timeout).
func TestWatchSessionExpiredOneShot(t *testing.T) {
	type target struct {
		addr   string
		expire func()
	}
	srv := server.RunT(t)
	apache := newProxy(t, zktest.Server(t))
	targets := map[string]target{
		"bundled": {srv.Addr(), func() { srv.FastForward(time.Hour) }},
		"apache": {apache.ln.Addr().String(), func() {
			apache.cut.Store(true)
			apache.disconnect()
			time.Sleep(2500 * time.Millisecond)
			apache.cut.Store(false)
		}},
	}
	c := dial(t, srv.Addr())
	mustCreate(t, c, "/w", []byte("v"))
	ca := dial(t, zktest.Server(t))
	if _, err := ca.Create("/TestWatchSessionExpiredOneShot", []byte("v"), 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
		t.Fatal(err)
	}
	t.Cleanup(func() { ca.Delete("/TestWatchSessionExpiredOneShot", -1) })
	for name, tg := range targets {
		path := "/w"
		if name == "apache" {
			path = "/TestWatchSessionExpiredOneShot"
		}
		for _, args := range [][]string{{"get", "-w", path}, {"-o", "json", "ls", "-w", path}, {"stat", "-w", path}} {
			streams, _, _ := fakeIO("", false)
			out, errOut := &syncBuffer{}, &syncBuffer{}
			streams.Out, streams.ErrOut = out, errOut
			done := make(chan int, 1)
			go func() {
				done <- Main(append([]string{"--server", tg.addr, "--timeout", "1s"}, args...), streams, nil)
			}()
			start := time.Now()
			for out.String() == "" { // the command has printed its result: the watch is set
				if time.Since(start) > 10*time.Second {
					t.Fatalf("%s %q: no output", name, args)
				}
				time.Sleep(10 * time.Millisecond)
			}
			before := out.String()
			tg.expire()
			var code int
			select {
			case code = <-done:
			case <-time.After(15 * time.Second):
				t.Fatalf("%s %q: still waiting", name, args)
			}
			if code != ExitUnavailable || out.String() != before || !strings.Contains(errOut.String(), "session expired") {
				t.Errorf("%s %q: exit %d, stdout %q after %q, stderr %q", name, args, code, out.String(), before, errOut.String())
			}
		}
	}
}
