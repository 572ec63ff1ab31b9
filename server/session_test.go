package server_test

import (
	"testing"
	"time"

	"github.com/zksh/zksh/jute"
	"github.com/zksh/zksh/server"
)

func TestSessionTimeoutNegotiation(t *testing.T) {
	srv, err := server.New(server.Config{TickTime: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Close() })
	for _, tc := range []struct{ ask, want int32 }{{100, 1000}, {5000, 5000}, {600000, 10000}} {
		c := dialRaw(t, srv.Addr(), jute.ConnectRequest{TimeOut: tc.ask})
		if c.conn.TimeOut != tc.want {
			t.Errorf("asked %d, got %d, want %d", tc.ask, c.conn.TimeOut, tc.want)
		}
		if c.conn.SessionID>>56 != 1 || len(c.conn.Passwd) != 16 {
			t.Errorf("session id %x / password %x not as Apache builds them", c.conn.SessionID, c.conn.Passwd)
		}
	}
}

func TestSessionReattach(t *testing.T) {
	srv := server.RunT(t)
	a := newRaw(t, srv)
	a.mustCreate("/e", nil, jute.FlagEphemeral)
	// Reattach from a new connection with the right password: same session, the old connection
	// is closed, the ephemeral stays.
	b := dialRaw(t, srv.Addr(), jute.ConnectRequest{SessionID: a.conn.SessionID, Passwd: a.conn.Passwd, LastZxidSeen: srv.Zxid()})
	if b.conn.SessionID != a.conn.SessionID || b.conn.TimeOut == 0 {
		t.Fatalf("reattach: %+v", b.conn)
	}
	if st := b.mustStat("/e"); st.EphemeralOwner != a.conn.SessionID {
		t.Fatalf("ephemeral owner %x", st.EphemeralOwner)
	}
	a.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := jute.ReadFrame(a.br, 1<<20, nil); err == nil {
		t.Fatal("old connection still open")
	}
	// A wrong password or an unknown session: timeout 0, session 0, 16 zero bytes, then close.
	for _, req := range []jute.ConnectRequest{
		{SessionID: a.conn.SessionID, Passwd: []byte("0123456789abcdef")},
		{SessionID: 0x1234, HasReadOnly: true},
	} {
		c := dialRaw(t, srv.Addr(), req)
		if c.conn.TimeOut != 0 || c.conn.SessionID != 0 || len(c.conn.Passwd) != 16 || c.conn.HasReadOnly != req.HasReadOnly {
			t.Fatalf("invalid session answered %+v", c.conn)
		}
		c.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.br.ReadByte(); err == nil {
			t.Fatal("connection not closed after invalid session")
		}
	}
}

func TestSessionExpiryByFastForward(t *testing.T) {
	srv := server.RunT(t)
	a := dialRaw(t, srv.Addr(), jute.ConnectRequest{TimeOut: 4000})
	w := dialRaw(t, srv.Addr(), jute.ConnectRequest{TimeOut: 40000})
	a.mustCreate("/eph", []byte("x"), jute.FlagEphemeral)
	wantCode(t, "watch", w.call(jute.OpExists, &jute.PathWatchRequest{Path: "/eph", Watch: true}, nil), 0)
	z := srv.Zxid()
	srv.FastForward(time.Duration(a.conn.TimeOut)*time.Millisecond + 2*time.Second + time.Second)
	if srv.Exists("/eph") {
		t.Fatal("ephemeral survived its session")
	}
	// One closeSession zxid, the delete included.
	if srv.Zxid() != z+1 {
		t.Fatalf("zxid %d, want %d", srv.Zxid(), z+1)
	}
	if ids := srv.Sessions(); len(ids) != 1 || ids[0] != w.conn.SessionID {
		t.Fatalf("sessions left: %v", ids)
	}
	// The watcher's connection got the NodeDeleted event before being closed.
	w.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	f, err := jute.ReadFrame(w.br, 1<<20, nil)
	if err != nil {
		t.Fatalf("no event: %v", err)
	}
	var ev jute.WatcherEvent
	if err := jute.Unmarshal(f[16:], &ev); err != nil || ev.Type != jute.EventNodeDeleted || ev.Path != "/eph" {
		t.Fatalf("event %+v %v", ev, err)
	}
	// Reattaching to the expired session is refused.
	c := dialRaw(t, srv.Addr(), jute.ConnectRequest{SessionID: a.conn.SessionID, Passwd: a.conn.Passwd})
	if c.conn.TimeOut != 0 {
		t.Fatalf("expired session accepted: %+v", c.conn)
	}
}

func TestPingKeepsSessionAlive(t *testing.T) {
	srv := server.RunT(t)
	a := newRaw(t, srv)
	for i := 0; i < 5; i++ {
		srv.FastForward(time.Duration(a.conn.TimeOut) * time.Millisecond / 2)
		a.send(jute.OpPing, nil)
		if h := a.read(nil); h.Xid != jute.XidPing || h.Err != 0 {
			t.Fatalf("ping reply %+v", h)
		}
	}
	if len(srv.Sessions()) != 1 {
		t.Fatal("pinged session expired")
	}
}

func TestCloseSession(t *testing.T) {
	srv := server.RunT(t)
	a := newRaw(t, srv)
	a.mustCreate("/e", nil, jute.FlagEphemeral)
	wantCode(t, "closeSession", a.call(jute.OpCloseSession, nil, nil), 0)
	if srv.Exists("/e") || len(srv.Sessions()) != 0 {
		t.Fatal("session not closed")
	}
	a.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := a.br.ReadByte(); err == nil {
		t.Fatal("connection open after closeSession")
	}
}

func TestClientAheadOfServerIsRefused(t *testing.T) {
	srv := server.RunT(t)
	nc := dialNoHandshake(t, srv)
	nc.Write(jute.AppendFrame(nil, &jute.ConnectRequest{TimeOut: 5000, LastZxidSeen: 1 << 40, Passwd: make([]byte, 16)}))
	nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 1)
	if n, err := nc.Read(buf); err == nil || n != 0 {
		t.Fatal("server answered a client that has seen a later zxid")
	}
}
