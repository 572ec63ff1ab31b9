package server_test

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/zksh/zksh/jute"
	"github.com/zksh/zksh/server"
)

var openACL = []jute.ACL{{Perms: jute.PermAll, ID: jute.ID{Scheme: "world", ID: "anyone"}}}

// rawClient speaks the wire protocol directly with the jute package, one request at a time.
type rawClient struct {
	t      testing.TB
	nc     net.Conn
	br     *bufio.Reader
	xid    int32
	conn   jute.ConnectResponse
	events []jute.WatcherEvent // events received since the last take
}

func dialRaw(t testing.TB, addr string, req jute.ConnectRequest) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := &rawClient{t: t, nc: nc, br: bufio.NewReader(nc)}
	if req.Passwd == nil {
		req.Passwd = make([]byte, 16)
	}
	if req.TimeOut == 0 {
		req.TimeOut = 10000
	}
	if _, err := nc.Write(jute.AppendFrame(nil, &req)); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	f, err := jute.ReadFrame(c.br, 1<<20, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if err := jute.Unmarshal(f, &c.conn); err != nil {
		t.Fatalf("connect response: %v", err)
	}
	return c
}

func newRaw(t testing.TB, srv *server.Server) *rawClient {
	t.Helper()
	c := dialRaw(t, srv.Addr(), jute.ConnectRequest{})
	if c.conn.SessionID == 0 {
		t.Fatal("no session")
	}
	return c
}

// send writes a request without waiting.
func (c *rawClient) send(typ int32, req jute.Record) int32 {
	c.xid++
	if _, err := c.nc.Write(jute.AppendFrame(nil, &jute.RequestHeader{Xid: c.xid, Type: typ}, req)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
	return c.xid
}

// read returns the next reply, collecting watch events that arrive before it.
func (c *rawClient) read(resp jute.Record) jute.ReplyHeader {
	c.t.Helper()
	for {
		c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		f, err := jute.ReadFrame(c.br, 1<<20, nil)
		if err != nil {
			c.t.Fatalf("read reply: %v", err)
		}
		d := jute.NewDecoder(f)
		var h jute.ReplyHeader
		h.Decode(d)
		if h.Xid == jute.XidNotification {
			var ev jute.WatcherEvent
			if err := jute.Unmarshal(f[d.Off:], &ev); err != nil {
				c.t.Fatalf("event: %v", err)
			}
			c.events = append(c.events, ev)
			continue
		}
		if h.Err == 0 && resp != nil {
			if err := jute.Unmarshal(f[d.Off:], resp); err != nil {
				c.t.Fatalf("reply body for xid %d: %v", h.Xid, err)
			}
		}
		return h
	}
}

// call sends a request and returns its reply's error code, decoding the body into resp.
func (c *rawClient) call(typ int32, req, resp jute.Record) int32 {
	c.t.Helper()
	xid := c.send(typ, req)
	h := c.read(resp)
	if h.Xid != xid && typ != jute.OpPing && typ != jute.OpAuth && typ != jute.OpSetWatches && typ != jute.OpSetWatches2 {
		c.t.Fatalf("reply xid %d, want %d", h.Xid, xid)
	}
	return h.Err
}

func (c *rawClient) takeEvents() []jute.WatcherEvent {
	ev := c.events
	c.events = nil
	return ev
}

// waitEvents reads until n events arrived (sending pings to give the server something to answer).
func (c *rawClient) waitEvents(n int) []jute.WatcherEvent {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(c.events) < n && time.Now().Before(deadline) {
		c.call(jute.OpPing, nil, nil)
		if len(c.events) < n {
			time.Sleep(5 * time.Millisecond)
		}
	}
	return c.takeEvents()
}

func (c *rawClient) create(path string, data []byte, flags int32) (string, int32) {
	var r jute.PathRecord
	code := c.call(jute.OpCreate, &jute.CreateRequest{Path: path, Data: data, ACL: openACL, Flags: flags}, &r)
	return r.Path, code
}

func (c *rawClient) mustCreate(path string, data []byte, flags int32) string {
	c.t.Helper()
	p, code := c.create(path, data, flags)
	if code != 0 {
		c.t.Fatalf("create %s: %s", path, jute.ErrName(code))
	}
	return p
}

func (c *rawClient) stat(path string) (jute.Stat, int32) {
	var r jute.StatResponse
	code := c.call(jute.OpExists, &jute.PathWatchRequest{Path: path}, &r)
	return r.Stat, code
}

func (c *rawClient) mustStat(path string) jute.Stat {
	c.t.Helper()
	st, code := c.stat(path)
	if code != 0 {
		c.t.Fatalf("exists %s: %s", path, jute.ErrName(code))
	}
	return st
}

func (c *rawClient) auth(scheme, cred string) int32 {
	c.send(jute.OpAuth, &jute.AuthPacket{Scheme: scheme, Auth: []byte(cred)})
	return c.read(nil).Err
}

func wantCode(t testing.TB, what string, got, want int32) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: got %s (%d), want %s (%d)", what, jute.ErrName(got), got, jute.ErrName(want), want)
	}
}

func dialNoHandshake(t testing.TB, srv *server.Server) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}
