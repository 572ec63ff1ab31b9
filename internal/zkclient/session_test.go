package zkclient

import (
	"context"
	"errors"
	"io"
	"net"
	"sort"
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

// TestWatchFiresOnce: a one-shot data watch gets one event and closes; a second change sends nothing.
func TestWatchFiresOnce(t *testing.T) {
	for name, addr := range servers(t) {
		c, other := open(t, addr), open(t, addr)
		root := testRoot(t, c)
		_, _, ch, err := c.GetW(root)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.Set(root, []byte("1"), -1); err != nil {
			t.Fatal(err)
		}
		if ev := next(t, ch); ev.Type != zk.EventNodeDataChanged || ev.Path != root {
			t.Errorf("%s: event %+v", name, ev)
		}
		if _, ok := <-ch; ok {
			t.Errorf("%s: a second event on a one-shot watch", name)
		}
		_, _, cch, err := c.ChildrenW(root)
		if err != nil {
			t.Fatal(err)
		}
		mustCreate(t, other, root+"/kid")
		if ev := next(t, cch); ev.Type != zk.EventNodeChildrenChanged || ev.Path != root {
			t.Errorf("%s: child event %+v", name, ev)
		}
		ok, _, ech, err := c.ExistsW(root + "/later")
		if err != nil || ok {
			t.Fatal(ok, err)
		}
		mustCreate(t, other, root+"/later")
		if ev := next(t, ech); ev.Type != zk.EventNodeCreated || ev.Path != root+"/later" {
			t.Errorf("%s: exists event %+v", name, ev)
		}
	}
}

// TestPersistentRecursiveWatch: a persistent recursive watch delivers each change below it once,
// keeps delivering, and stops after RemoveWatches (whose removal event closes the stream).
func TestPersistentRecursiveWatch(t *testing.T) {
	for name, addr := range servers(t) {
		c, other := open(t, addr), open(t, addr)
		root := testRoot(t, c)
		ch, err := c.AddWatch(context.Background(), root, PersistentRecursive)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		mustCreate(t, other, root+"/a", root+"/a/b")
		if _, err := other.Set(root+"/a/b", []byte("x"), -1); err != nil {
			t.Fatal(err)
		}
		if err := other.Delete(root+"/a/b", -1); err != nil {
			t.Fatal(err)
		}
		want := []struct {
			typ  zk.EventType
			path string
		}{{zk.EventNodeCreated, root + "/a"}, {zk.EventNodeCreated, root + "/a/b"},
			{zk.EventNodeDataChanged, root + "/a/b"}, {zk.EventNodeDeleted, root + "/a/b"}}
		for _, w := range want {
			if ev := next(t, ch); ev.Type != w.typ || ev.Path != w.path {
				t.Errorf("%s: got %v %s, want %v %s", name, ev.Type, ev.Path, w.typ, w.path)
			}
		}
		err = c.RemoveWatches(context.Background(), root, WatchPersistentRecursive, false)
		if errors.Is(err, ErrUnsupported) {
			// ZooKeeper 3.8 (and the bundled server) remove persistent watches with "any" only:
			// types 4 and 5 (zkCli 3.9's -p and -r) came with 3.9.
			t.Logf("%s: %v; removing with WatchAny", name, err)
			err = c.RemoveWatches(context.Background(), root, WatchAny, false)
		}
		if err != nil {
			t.Fatalf("%s: RemoveWatches: %v", name, err)
		}
		if ev := next(t, ch); ev.Type != EventPersistentWatchRemoved || ev.Path != root {
			t.Errorf("%s: removal event %+v", name, ev)
		}
		if ev, ok := <-ch; ok {
			t.Errorf("%s: event after removal: %+v", name, ev)
		}
		if err := c.CheckWatches(context.Background(), root, WatchAny); !errors.Is(err, ErrNoWatcher) {
			t.Errorf("%s: the server still has a watch: %v", name, err)
		}
		if err := c.RemoveWatches(context.Background(), root, WatchAny, false); !errors.Is(err, ErrNoWatcher) || Classify(err) != KindRefused {
			t.Errorf("%s: removing a watch not set: %v", name, err)
		}
	}
}

// TestRemoveWatchesKinds: removewatches -d removes the data watch and not the child watch; -l
// removes here only.
func TestRemoveWatchesKinds(t *testing.T) {
	for name, addr := range servers(t) {
		c, other := open(t, addr), open(t, addr)
		root := testRoot(t, c)
		_, _, dch, _ := c.GetW(root)
		_, _, cch, _ := c.ChildrenW(root)
		if err := c.RemoveWatches(context.Background(), root, WatchData, false); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if ev := next(t, dch); ev.Type != EventDataWatchRemoved {
			t.Errorf("%s: data watch ended with %+v", name, ev)
		}
		if _, err := other.Set(root, []byte("x"), -1); err != nil {
			t.Fatal(err)
		}
		mustCreate(t, other, root+"/k")
		if ev := next(t, cch); ev.Type != zk.EventNodeChildrenChanged {
			t.Errorf("%s: child watch got %+v", name, ev)
		}
		pch, err := c.AddWatch(context.Background(), root, Persistent)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.RemoveWatches(context.Background(), root, WatchPersistent, true); err != nil {
			t.Fatalf("%s: local: %v", name, err)
		}
		if ev := next(t, pch); ev.Type != EventPersistentWatchRemoved {
			t.Errorf("%s: persistent watch ended with %+v", name, ev)
		}
		if err := c.CheckWatches(context.Background(), root, WatchAny); err != nil {
			t.Errorf("%s: -l removed the server's watch too: %v", name, err)
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

// TestEphemeralsNative: getEphemerals is answered by the server on the user's session: an ephemeral
// under a znode the session may not list is found (a walk would have to skip it), another
// session's is not, and the server's prefix match is kept (zkCli's).
func TestEphemeralsNative(t *testing.T) {
	for name, addr := range servers(t) {
		c, other := open(t, addr), open(t, addr)
		root := testRoot(t, c)
		if _, err := c.Create(root+"/locked", nil, 0, zk.WorldACL(zk.PermCreate|zk.PermDelete|zk.PermAdmin)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.SetACL(root+"/locked", zk.WorldACL(zk.PermAll), -1) })
		for _, e := range []struct {
			c    *Client
			path string
		}{{c, root + "/locked/hidden"}, {c, root + "x"}, {other, root + "/theirs"}} {
			if _, err := e.c.Create(e.path, nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
		}
		owned, unlisted, err := c.Ephemerals(context.Background(), root)
		sort.Strings(owned)
		if err != nil || unlisted != 0 || strings.Join(owned, ",") != root+"/locked/hidden,"+root+"x" {
			t.Errorf("%s: %q %d %v", name, owned, unlisted, err)
		}
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

// olderServer is a proxy in front of a server that answers the given opcodes with Unimplemented
// itself, as a ZooKeeper older than them does.
func olderServer(t *testing.T, target string, unknown ...int32) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			var mu sync.Mutex // one frame at a time to the client
			go func() {
				defer in.Close()
				for {
					b, err := jute.ReadFrame(out, 64<<20, nil)
					if err != nil {
						return
					}
					mu.Lock()
					_, err = in.Write(jute.AppendFrame(nil, rawRecord(b)))
					mu.Unlock()
					if err != nil {
						return
					}
				}
			}()
			go func() {
				defer out.Close()
				for first := true; ; first = false {
					b, err := jute.ReadFrame(in, 64<<20, nil)
					if err != nil {
						return
					}
					var h jute.RequestHeader
					h.Decode(jute.NewDecoder(b))
					refuse := false
					for _, op := range unknown {
						refuse = refuse || (!first && h.Type == op)
					}
					if refuse {
						mu.Lock()
						in.Write(jute.AppendFrame(nil, &jute.ReplyHeader{Xid: h.Xid, Err: jute.ErrUnimplemented}))
						mu.Unlock()
						continue
					}
					if _, err := out.Write(jute.AppendFrame(nil, rawRecord(b))); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// rawRecord is bytes passed on as they are.
type rawRecord []byte

func (r rawRecord) Encode(e *jute.Encoder) { e.Buf = append(e.Buf, r...) }
func (r rawRecord) Decode(*jute.Decoder)   {}

// TestOlderServerFallbacks: on a server without getEphemerals and getAllChildrenNumber, Ephemerals
// walks the subtree (skipping, and counting, what the session may not list) and AllChildrenNumber
// counts by walking.
func TestOlderServerFallbacks(t *testing.T) {
	addr := zktest.Server(t)
	c := open(t, olderServer(t, addr, jute.OpGetEphemerals, jute.OpGetAllChildrenNumber))
	root := testRoot(t, c)
	if _, err := c.Create(root+"/locked", nil, 0, zk.WorldACL(zk.PermCreate|zk.PermDelete|zk.PermAdmin)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.SetACL(root+"/locked", zk.WorldACL(zk.PermAll), -1) })
	for _, p := range []string{root + "/locked/hidden", root + "/mine"} {
		if _, err := c.Create(p, nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	owned, unlisted, err := c.Ephemerals(context.Background(), root)
	if err != nil || unlisted != 1 || len(owned) != 1 || owned[0] != root+"/mine" {
		t.Errorf("Ephemerals: %q %d %v", owned, unlisted, err)
	}
	if _, err := c.SetACL(root+"/locked", zk.WorldACL(zk.PermAll), -1); err != nil {
		t.Fatal(err)
	}
	if n, err := c.AllChildrenNumber(context.Background(), root, nil); n != 3 || err != nil {
		t.Errorf("AllChildrenNumber: %d %v", n, err)
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

// TestOpsErrors: the user's session gives go-zookeeper's errors and results as before, a refused
// multi included (the first refusal as the error, each operation's result).
func TestOpsErrors(t *testing.T) {
	for name, addr := range servers(t) {
		c := open(t, addr)
		root := testRoot(t, c)
		mustCreate(t, c, root+"/a", root+"/a/b")
		check := func(what string, err, want error) {
			t.Helper()
			if !errors.Is(err, want) {
				t.Errorf("%s: %s: %v, want %v", name, what, err, want)
			}
		}
		_, _, err := c.Get(root + "/none")
		check("get", err, zk.ErrNoNode)
		_, err = c.Create(root+"/a", nil, 0, zk.WorldACL(zk.PermAll))
		check("create", err, zk.ErrNodeExists)
		_, err = c.Set(root+"/a", nil, 42)
		check("set", err, zk.ErrBadVersion)
		check("delete", c.Delete(root+"/a", -1), zk.ErrNotEmpty)
		_, err = c.Create(root+"/a/b/c", nil, 0, nil)
		check("create without ACL", err, zk.ErrInvalidACL)
		seq, err := c.Create(root+"/s-", []byte("x"), zk.FlagSequence, zk.WorldACL(zk.PermAll))
		if err != nil || seq != root+"/s-0000000001" {
			t.Errorf("%s: sequential %q %v", name, seq, err)
		}
		st, err := c.Set(root+"/a", []byte("v"), 0)
		if err != nil || st.Version != 1 || st.DataLength != 1 {
			t.Errorf("%s: set %+v %v", name, st, err)
		}
		acl, _, err := c.GetACL(root + "/a")
		if err != nil || len(acl) != 1 || acl[0] != zk.WorldACL(zk.PermAll)[0] {
			t.Errorf("%s: getAcl %v %v", name, acl, err)
		}
		res, err := c.Multi(&zk.CreateRequest{Path: root + "/m", Acl: zk.WorldACL(zk.PermAll)},
			&zk.CheckVersionRequest{Path: root + "/a", Version: 7},
			&zk.DeleteRequest{Path: root + "/a/b", Version: -1})
		check("multi", err, zk.ErrBadVersion)
		if len(res) != 3 || !errors.Is(res[1].Error, zk.ErrBadVersion) || res[2].Error == nil || res[2].Error.Error() != "unknown error: -2" {
			t.Errorf("%s: multi results %+v", name, res)
		}
		res, err = c.Multi(&zk.CreateRequest{Path: root + "/m", Acl: zk.WorldACL(zk.PermAll)},
			&zk.SetDataRequest{Path: root + "/a", Data: []byte("w"), Version: 1})
		if err != nil || len(res) != 2 || res[0].String != root+"/m" || res[1].Stat == nil || res[1].Stat.Version != 2 {
			t.Errorf("%s: multi %+v %v", name, res, err)
		}
	}
}
