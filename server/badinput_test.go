package server_test

import (
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/zksh/zksh/jute"
	"github.com/zksh/zksh/server"
)

func expectClosed(t *testing.T, nc net.Conn, within time.Duration) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(within))
	buf := make([]byte, 256)
	for {
		_, err := nc.Read(buf)
		if err == nil {
			continue
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("connection still open")
		}
		return
	}
}

func TestBadFramesCloseOnlyThatConnection(t *testing.T) {
	srv, err := server.New(server.Config{JuteMaxBuffer: 4096})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Close() })
	good := newRaw(t, srv)
	good.mustCreate("/ok", nil, 0)

	cases := map[string][]byte{
		"negative length":  {0x80, 0, 0, 0},
		"oversized length": binary.BigEndian.AppendUint32(nil, 4097),
		"garbage connect":  {0, 0, 0, 3, 1, 2, 3},
	}
	for name, b := range cases {
		nc := dialNoHandshake(t, srv)
		nc.Write(b)
		t.Run(name, func(t *testing.T) { expectClosed(t, nc, 3*time.Second) })
	}
	// After the handshake: an oversized frame and a truncated header.
	for name, b := range map[string][]byte{
		"oversized request": binary.BigEndian.AppendUint32(nil, 1<<20),
		"short header":      {0, 0, 0, 2, 0, 1},
	} {
		c := newRaw(t, srv)
		c.nc.Write(b)
		t.Run(name, func(t *testing.T) { expectClosed(t, c.nc, 3*time.Second) })
	}
	// A request whose body does not decode answers MarshallingError and keeps the connection.
	c := newRaw(t, srv)
	c.nc.Write(jute.AppendFrame(nil, &jute.RequestHeader{Xid: 1, Type: jute.OpGetData}, &jute.IntRecord{Value: 1 << 30}))
	c.xid = 1
	if h := c.read(nil); h.Err != jute.ErrMarshallingError {
		t.Fatalf("bad body: %+v", h)
	}
	// An unknown op answers Unimplemented and closes, as Apache does.
	c.send(55, nil)
	if h := c.read(nil); h.Err != jute.ErrUnimplemented || h.Zxid != -1 {
		t.Fatalf("unknown op: %+v", h)
	}
	expectClosed(t, c.nc, 3*time.Second)
	// Everyone else is still served.
	if st := good.mustStat("/ok"); st.Czxid == 0 {
		t.Fatal("good client broken")
	}
}

func TestSilentClientIsTimedOut(t *testing.T) {
	srv, err := server.New(server.Config{ConnectTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Close() })
	nc := dialNoHandshake(t, srv)
	start := time.Now()
	expectClosed(t, nc, 5*time.Second)
	if time.Since(start) > 3*time.Second {
		t.Fatal("took too long")
	}
}

func TestMaxClientCnxns(t *testing.T) {
	srv, err := server.New(server.Config{MaxClientCnxns: 2})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Close() })
	newRaw(t, srv)
	newRaw(t, srv)
	nc := dialNoHandshake(t, srv)
	expectClosed(t, nc, 3*time.Second)
}
