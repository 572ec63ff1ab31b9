package zkclient

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/jute"
	"github.com/zksh/zksh/server"
)

// guard bounds a wait in these tests so that a bug fails the test instead of hanging it; no test
// asserts on how long anything takes.
const guard = 30 * time.Second

// next returns the next event of ch, failing the test if none comes (or ch is closed).
func next(t *testing.T, ch <-chan zk.Event) zk.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed without an event")
		}
		return ev
	case <-time.After(guard):
		t.Fatal("no watch event")
	}
	return zk.Event{}
}

// roundTrip makes sure the server has processed everything the session sent before (it answers a
// session's requests in order), so that an event that did not come is not still on its way.
func roundTrip(t *testing.T, c *Client) {
	t.Helper()
	if err := c.Sync("/"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Get("/"); err != nil {
		t.Fatal(err)
	}
}

// waitState waits until cond holds, looking again at each change of the Client's session.
func waitState(t *testing.T, c *Client, cond func() bool) {
	t.Helper()
	timeout := time.After(guard)
	for !cond() {
		select {
		case <-c.stateCh:
		case <-timeout:
			t.Fatal("the session did not get there")
		}
	}
}

// proxy forwards connections to a server and can cut them all, as a network failure would.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	hold   bool // accept and drop new connections
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			hold := p.hold
			p.mu.Unlock()
			if hold {
				in.Close()
				continue
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) setHold(h bool) {
	p.mu.Lock()
	p.hold = h
	p.mu.Unlock()
}

// TestReconnectKeepsSession: when the connection is cut, a request in flight fails as a lost reply
// (ReplyLost), the Client reconnects to the same session, and its watches, one-shot and
// persistent, are re-armed: changes made while it was away fire them.
func TestReconnectKeepsSession(t *testing.T) {
	for name, addr := range servers(t) {
		p := newProxy(t, addr)
		c, other := open(t, p.addr()), open(t, addr)
		root := testRoot(t, other)
		id := c.SessionID()
		_, _, dch, err := c.GetW(root)
		if err != nil {
			t.Fatal(err)
		}
		pch, err := c.AddWatch(context.Background(), root, PersistentRecursive)
		if err != nil {
			t.Fatal(err)
		}
		p.setHold(true)
		p.cut()
		waitState(t, c, func() bool { return !c.Connected() })
		// Made while the Client has no connection: the re-armed watches fire for it.
		if _, err := other.Set(root, []byte("away"), -1); err != nil {
			t.Fatal(err)
		}
		p.setHold(false)
		if err := c.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		roundTrip(t, c)
		if c.SessionID() != id || c.Expired() {
			t.Errorf("%s: session 0x%x after reconnecting, was 0x%x", name, c.SessionID(), id)
		}
		if ev := next(t, dch); ev.Type != zk.EventNodeDataChanged || ev.Path != root {
			t.Errorf("%s: re-armed data watch got %+v", name, ev)
		}
		if ev := next(t, pch); ev.Type != zk.EventNodeDataChanged || ev.Path != root {
			t.Errorf("%s: re-armed persistent watch got %+v", name, ev)
		}
		mustCreate(t, other, root+"/after")
		if ev := next(t, pch); ev.Type != zk.EventNodeCreated || ev.Path != root+"/after" {
			t.Errorf("%s: persistent watch after reconnecting got %+v", name, ev)
		}
	}
}

// TestReplyLost: a request whose reply is lost with the connection fails so that ReplyLost says so
// (for a write: unknown outcome), and the session goes on.
func TestReplyLost(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// A server that shakes hands, reads one request, and drops the connection without answering.
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				if !fakeHandshake(nc) {
					return
				}
				for {
					b, err := jute.ReadFrame(nc, 1<<20, nil)
					var h jute.RequestHeader
					if err != nil {
						return
					}
					d := jute.NewDecoder(b)
					h.Decode(d)
					if h.Type != jute.OpPing {
						return
					}
				}
			}()
		}
	}()
	c := open(t, l.Addr().String())
	_, err = c.Create("/x", nil, 0, zk.WorldACL(zk.PermAll))
	if !ReplyLost(err) || SendFailed(err) || Classify(err) != KindUnavailable {
		t.Fatalf("Create: %v", err)
	}
}

// fakeHandshake reads a connect request and grants a session of 1.2s.
func fakeHandshake(nc net.Conn) bool {
	if _, err := jute.ReadFrame(nc, 1<<20, nil); err != nil {
		return false
	}
	_, err := nc.Write(jute.AppendFrame(nil, &jute.ConnectResponse{TimeOut: 1200, SessionID: 7, Passwd: make([]byte, 16)}))
	return err == nil
}

// TestSilentServer: a server that grants a session and then never answers does not hang a call:
// without pings answered the connection is dropped, and the call fails as a lost reply.
func TestSilentServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				if fakeHandshake(nc) {
					io.Copy(io.Discard, nc)
				}
			}()
		}
	}()
	c := open(t, l.Addr().String())
	done := make(chan error, 1)
	go func() { _, _, err := c.Get("/"); done <- err }()
	select {
	case err := <-done:
		if !ReplyLost(err) {
			t.Errorf("Get: %v", err)
		}
	case <-time.After(guard):
		t.Fatal("Get hangs on a server that does not answer")
	}
	// A server that accepts and never shakes hands: Wait gives up at the connect timeout.
	mute, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	go func() {
		for {
			nc, err := mute.Accept()
			if err != nil {
				return
			}
			defer nc.Close()
		}
	}()
	m, err := New(Config{Server: mute.Addr().String(), SessionTimeout: time.Second, ConnectTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	var un *UnavailableError
	if err := m.Wait(ctx); !errors.As(err, &un) {
		t.Errorf("Wait on a mute server: %v", err)
	}
}

// TestExpiry: when the server expires the session, its watches end with ErrSessionExpired, a new
// session is opened, and the next Wait reports the expiry (OnExpired).
func TestExpiry(t *testing.T) {
	srv := server.RunT(t)
	expired := make(chan struct{}, 1)
	c, err := New(Config{Server: srv.Addr(), SessionTimeout: 4 * time.Second, ConnectTimeout: 10 * time.Second,
		OnExpired: func() { expired <- struct{}{} }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	id := c.SessionID()
	_, _, ch, err := c.GetW("/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	srv.FastForward(time.Minute)
	if ev := next(t, ch); !errors.Is(ev.Err, zk.ErrSessionExpired) || ev.Type != zk.EventNotWatching {
		t.Errorf("watch ended with %+v", ev)
	}
	waitState(t, c, func() bool { return c.Connected() && c.SessionID() != id && c.SessionID() != 0 })
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := c.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-expired:
	default:
		t.Error("Wait did not report the expiry")
	}
	if ok, _, err := c.Exists("/eph"); ok || err != nil {
		t.Errorf("the expired session's ephemeral: %v %v", ok, err)
	}
}

// TestDialer: every connection goes through Config.Dialer.
func TestDialer(t *testing.T) {
	addr := server.RunT(t).Addr()
	var mu sync.Mutex
	dialed := 0
	c, err := New(Config{Server: addr, SessionTimeout: 4 * time.Second, ConnectTimeout: 10 * time.Second,
		Dialer: func(ctx context.Context, network, a string) (net.Conn, error) {
			mu.Lock()
			dialed++
			mu.Unlock()
			var d net.Dialer
			return d.DialContext(ctx, network, a)
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	rs, err := c.pipelined(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rs.close()
	if h := c.helperSession(context.Background()); h != nil {
		h.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if dialed != 3 {
		t.Errorf("%d connections through the Dialer, want 3", dialed)
	}
}

// TestGarbageHandshake: a server that answers the handshake with something that is not ZooKeeper's
// answer makes Wait fail at the connect timeout, saying so.
func TestGarbageHandshake(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				jute.ReadFrame(nc, 1<<20, nil)
				nc.Write([]byte{0, 0, 0, 3, 'b', 'a', 'd'})
			}()
		}
	}()
	c, err := New(Config{Server: l.Addr().String(), SessionTimeout: time.Second, ConnectTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	err = c.Wait(ctx)
	var un *UnavailableError
	if !errors.As(err, &un) || !strings.Contains(err.Error(), "handshake") {
		t.Errorf("Wait: %v", err)
	}
}

// TestReconnectOtherServer: when the server connected to goes away, the session moves to another
// server of the connect string, the same session.
func TestReconnectOtherServer(t *testing.T) {
	addr := zktest.Server(t)
	p1, p2 := newProxy(t, addr), newProxy(t, addr)
	c := open(t, p1.addr()+","+p2.addr())
	id := c.SessionID()
	p1.setHold(true)
	p2.setHold(true)
	p1.cut()
	p2.cut()
	waitState(t, c, func() bool { return !c.Connected() })
	p2.setHold(false)
	waitState(t, c, c.Connected)
	roundTrip(t, c)
	if c.SessionID() != id || c.Server() != p2.addr() {
		t.Errorf("session 0x%x on %s, want 0x%x on %s", c.SessionID(), c.Server(), id, p2.addr())
	}
}

// TestRequestWithoutServer: a request made while no server can be had (within the session timeout)
// fails as not sent: a write known not to be applied, not a lost reply.
func TestRequestWithoutServer(t *testing.T) {
	p := newProxy(t, zktest.Server(t))
	c := open(t, p.addr())
	p.setHold(true)
	p.cut()
	waitState(t, c, func() bool { return !c.Connected() })
	_, err := c.Create("/never", nil, 0, zk.WorldACL(zk.PermAll))
	if err == nil || ReplyLost(err) || SendFailed(err) || Classify(err) != KindUnavailable {
		t.Errorf("Create without a server: %v", err)
	}
}

// TestCloseEndsSession: Close sends closeSession: the session's ephemerals are gone at once (not
// after the session timeout), and watches end with ErrClosing.
func TestCloseEndsSession(t *testing.T) {
	for name, addr := range servers(t) {
		other := open(t, addr)
		root := testRoot(t, other)
		c, err := New(Config{Server: addr, SessionTimeout: time.Minute, ConnectTimeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Create(root+"/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
		_, _, ch, err := c.GetW(root)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		if ev := next(t, ch); !errors.Is(ev.Err, zk.ErrClosing) {
			t.Errorf("%s: watch ended with %+v", name, ev)
		}
		if ok, _, err := other.Exists(root + "/eph"); ok || err != nil {
			t.Errorf("%s: the closed session's ephemeral is still there (%v)", name, err)
		}
	}
}
