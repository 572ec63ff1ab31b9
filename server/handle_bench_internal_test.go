package server

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/zksh/zksh/jute"
)

// benchHandle measures one request through handle (decode, apply, encode the reply), the server's
// own cost per request without sockets; its allocs/op is the figure to watch.
func benchHandle(b *testing.B, frame []byte, dataDir string) {
	s, err := New(Config{DataDir: dataDir})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	client, peer := net.Pipe()
	defer client.Close()
	go io.Copy(io.Discard, client)
	c := newConn(s, peer, "127.0.0.1")
	s.wg.Add(1)
	go c.writeLoop()
	s.mu.Lock()
	sess := &session{id: 1 << 56, passwd: make([]byte, 16), timeout: 30000}
	s.sessions[sess.id] = sess
	s.attach(c, sess)
	s.mu.Unlock()
	if err := s.Create("/bench", []byte("value")); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !s.handle(c, frame, time.Now()) {
			b.Fatal("connection closed")
		}
	}
	b.StopTimer()
	c.closeNow()
}

func BenchmarkHandleGetData(b *testing.B) {
	benchHandle(b, jute.Marshal(&jute.RequestHeader{Xid: 1, Type: jute.OpGetData}, &jute.PathWatchRequest{Path: "/bench"}), "")
}

var setDataFrame = jute.Marshal(&jute.RequestHeader{Xid: 1, Type: jute.OpSetData}, &jute.SetDataRequest{Path: "/bench", Data: []byte("value"), Version: -1})

func BenchmarkHandleSetData(b *testing.B) { benchHandle(b, setDataFrame, "") }

// With a data directory: the log append happens under the server mutex (the fsync does not).
func BenchmarkHandleSetDataPersistent(b *testing.B) { benchHandle(b, setDataFrame, b.TempDir()) }
