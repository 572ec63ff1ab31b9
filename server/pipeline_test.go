package server_test

import (
	"testing"
	"time"

	"github.com/zksh/zksh/jute"
	"github.com/zksh/zksh/server"
)

func TestCloseSessionPipelined(t *testing.T) {
	srv := server.RunT(t)
	c := newRaw(t, srv)
	c.mustCreate("/e", nil, jute.FlagEphemeral)
	var buf []byte
	buf = jute.AppendFrame(buf, &jute.RequestHeader{Xid: 11, Type: jute.OpExists}, &jute.PathWatchRequest{Path: "/e"})
	buf = jute.AppendFrame(buf, &jute.RequestHeader{Xid: 12, Type: jute.OpCloseSession})
	buf = jute.AppendFrame(buf, &jute.RequestHeader{Xid: 13, Type: jute.OpExists}, &jute.PathWatchRequest{Path: "/e"})
	c.nc.Write(buf)
	// Both replies before the close, as Apache; the request after closeSession is dropped.
	for _, want := range []int32{11, 12} {
		c.nc.SetReadDeadline(time.Now().Add(3 * time.Second))
		f, err := jute.ReadFrame(c.br, 1<<20, nil)
		if err != nil {
			t.Fatalf("reply %d: %v", want, err)
		}
		var h jute.ReplyHeader
		h.Decode(jute.NewDecoder(f))
		if h.Xid != want || h.Err != 0 {
			t.Fatalf("reply %+v, want xid %d", h, want)
		}
	}
	expectClosed(t, c.nc, 3*time.Second)
}
