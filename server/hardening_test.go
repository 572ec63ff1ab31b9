package server_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/jute"
	"github.com/zksh/zksh/server"
)

// settleGoroutines waits until the goroutine count falls to at most want, and fails with a dump
// if it does not within d.
func settleGoroutines(t *testing.T, want int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines left, want at most %d:\n%s", n, want, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// garbage builds one hostile byte stream; kind picks the flavour.
func garbage(rng *rand.Rand, kind int) []byte {
	random := func(n int) []byte {
		b := make([]byte, n)
		rng.Read(b)
		return b
	}
	handshake := jute.AppendFrame(nil, &jute.ConnectRequest{TimeOut: 4000, Passwd: make([]byte, 16)})
	switch kind {
	case 0: // pure noise
		return random(1 + rng.Intn(4096))
	case 1: // a huge length prefix
		return binary.BigEndian.AppendUint32(nil, uint32(0x7fffff00+rng.Intn(0xff)))
	case 2: // a negative length prefix
		return binary.BigEndian.AppendUint32(nil, uint32(0x80000000|rng.Uint32()))
	case 3: // a connect frame of the right size holding noise
		return append(binary.BigEndian.AppendUint32(nil, 44), random(44)...)
	case 4: // a valid handshake, then noise
		return append(handshake, random(1+rng.Intn(4096))...)
	case 5: // a valid handshake, then well-framed requests with random bodies and opcodes
		b := handshake
		for i := 0; i < 1+rng.Intn(20); i++ {
			body := random(rng.Intn(64))
			b = jute.AppendFrame(b, &jute.RequestHeader{Xid: int32(i + 1), Type: int32(rng.Intn(110) - 11)}, rawRecord(body))
		}
		return b
	case 6: // a valid handshake, then a frame that claims more than it sends
		return append(handshake, append(binary.BigEndian.AppendUint32(nil, 1000), random(10)...)...)
	default: // a request before any handshake
		return jute.AppendFrame(nil, &jute.RequestHeader{Xid: 1, Type: jute.OpGetData}, &jute.PathWatchRequest{Path: "/"})
	}
}

// rawRecord writes its bytes as they are.
type rawRecord []byte

func (r rawRecord) Encode(e *jute.Encoder) { e.Buf = append(e.Buf, r...) }
func (r rawRecord) Decode(d *jute.Decoder) {}

// TestGarbageStorm throws hostile byte streams at a live server from many connections while a
// go-zookeeper client keeps working, then checks the server let go of every bad connection.
func TestGarbageStorm(t *testing.T) {
	srv, err := server.New(server.Config{ConnectTimeout: 500 * time.Millisecond, ExtendedTypesEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	good, _ := connect(t, srv.Addr())
	if _, err := good.Create("/good", []byte("0"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()

	stop := make(chan struct{})
	goodErr := make(chan error, 1)
	go func() { // the well-behaved client: every reply must be right
		defer close(goodErr)
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			want := []byte(fmt.Sprint(i))
			if _, err := good.Set("/good", want, -1); err != nil {
				goodErr <- fmt.Errorf("set %d: %w", i, err)
				return
			}
			got, st, err := good.Get("/good")
			if err != nil || !bytes.Equal(got, want) || st.Version != int32(i) {
				goodErr <- fmt.Errorf("get %d: %q v%d %v", i, got, st.Version, err)
				return
			}
		}
	}()

	const workers, perWorker = 8, 25
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed))
			for i := 0; i < perWorker; i++ {
				nc, err := net.DialTimeout("tcp", srv.Addr(), 2*time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				nc.SetDeadline(time.Now().Add(3 * time.Second))
				nc.Write(garbage(rng, rng.Intn(8)))
				if rng.Intn(2) == 0 {
					// Half the time hang up at once; otherwise wait for the server to hang up
					// (frames it cannot parse) or give up after a moment (frames still open).
					nc.(*net.TCPConn).CloseWrite()
					nc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
					buf := make([]byte, 4096)
					for {
						if _, err := nc.Read(buf); err != nil {
							break
						}
					}
				}
				nc.Close()
			}
		}(int64(w))
	}
	wg.Wait()
	close(stop)
	if err := <-goodErr; err != nil {
		t.Fatalf("well-behaved client broken by the storm: %v", err)
	}
	if _, _, err := good.Get("/good"); err != nil {
		t.Fatalf("server stopped serving: %v", err)
	}
	// Every bad connection is gone: the server holds no goroutine for any of them.
	settleGoroutines(t, base, 5*time.Second)
}

// TestSlowReaderIsThrottled pipelines far more replies than the server may buffer without reading
// any: the server must stop reading the client's requests (bounded memory) rather than buffer them
// all or drop the connection, and deliver every reply in order once the client reads.
func TestSlowReaderIsThrottled(t *testing.T) {
	srv := server.RunT(t)
	data := bytes.Repeat([]byte("z"), 100<<10)
	if err := srv.Create("/big", data); err != nil {
		t.Fatal(err)
	}
	c := newRaw(t, srv)
	const n = 800 // 80 MB of replies: more than the outbox may ever hold
	var req []byte
	for i := 1; i <= n; i++ {
		req = jute.AppendFrame(req, &jute.RequestHeader{Xid: int32(i), Type: jute.OpGetData}, &jute.PathWatchRequest{Path: "/big"})
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := c.nc.Write(req); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let the server run ahead as far as it will
	runtime.GC()
	var stalled runtime.MemStats
	runtime.ReadMemStats(&stalled)
	if grew := int64(stalled.HeapAlloc) - int64(before.HeapAlloc); grew > 16<<20 {
		t.Errorf("server buffered %d MB for a client that does not read", grew>>20)
	}
	for i := 1; i <= n; i++ {
		c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		f, err := jute.ReadFrame(c.br, 1<<20, nil)
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		var h jute.ReplyHeader
		var r jute.GetDataResponse
		d := jute.NewDecoder(f)
		h.Decode(d)
		r.Decode(d)
		if h.Xid != int32(i) || h.Err != 0 || d.Err != nil || len(r.Data) != len(data) {
			t.Fatalf("reply %d: %+v, %d bytes, %v", i, h, len(r.Data), d.Err)
		}
	}
	// The connection is still usable.
	if st := c.mustStat("/big"); st.DataLength != int32(len(data)) {
		t.Fatalf("stat after the burst: %+v", st)
	}
}

// TestRequestsBeforeHandshakeAndAfterClose: a request frame where the connect request belongs,
// and requests after closeSession, get nothing but a closed connection.
func TestRequestsBeforeHandshakeAndAfterClose(t *testing.T) {
	srv := server.RunT(t)
	nc := dialNoHandshake(t, srv)
	nc.Write(jute.AppendFrame(nil, &jute.RequestHeader{Xid: 1, Type: jute.OpCreate},
		&jute.CreateRequest{Path: "/x", ACL: openACL}))
	expectClosed(t, nc, 3*time.Second)
	if srv.Exists("/x") {
		t.Fatal("a request before the handshake was applied")
	}

	c := newRaw(t, srv)
	wantCode(t, "closeSession", c.call(jute.OpCloseSession, nil, nil), 0)
	c.nc.Write(jute.AppendFrame(nil, &jute.RequestHeader{Xid: 9, Type: jute.OpCreate},
		&jute.CreateRequest{Path: "/y", ACL: openACL}))
	expectClosed(t, c.nc, 3*time.Second)
	if srv.Exists("/y") {
		t.Fatal("a request after closeSession was applied")
	}
	// Reattaching to the closed session is refused.
	again := dialRaw(t, srv.Addr(), jute.ConnectRequest{SessionID: c.conn.SessionID, Passwd: c.conn.Passwd})
	if again.conn.TimeOut != 0 {
		t.Fatalf("closed session accepted: %+v", again.conn)
	}
}

// TestAcknowledgedWritesSurviveRestart runs concurrent writers against a persistent server, stops
// it under them, restarts it on the same directory and checks every acknowledged write is there.
func TestAcknowledgedWritesSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	srv := startAt(t, dir)
	if err := srv.Create("/w", nil); err != nil {
		t.Fatal(err)
	}
	type node struct {
		acked   int32  // last acknowledged version, -1 = create not acknowledged
		data    []byte // its data
		pending []byte // data of a write sent but not acknowledged
	}
	const clients, writersPer = 3, 4
	results := make([][]*node, clients*writersPer)
	var conns []*zk.Conn
	for i := 0; i < clients; i++ {
		c, _ := connect(t, srv.Addr())
		conns = append(conns, c)
	}
	var wg sync.WaitGroup
	var acks sync.WaitGroup // until each writer has some acknowledged writes
	for w := range results {
		wg.Add(1)
		acks.Add(1)
		go func(w int, c *zk.Conn) {
			defer wg.Done()
			signalled := false
			defer func() {
				if !signalled {
					acks.Done()
				}
			}()
			for i := 0; ; i++ {
				p := fmt.Sprintf("/w/n%d-%d", w, i)
				nd := &node{acked: -1, pending: []byte(p)}
				results[w] = append(results[w], nd)
				if _, err := c.Create(p, nd.pending, 0, zk.WorldACL(zk.PermAll)); err != nil {
					return
				}
				nd.acked, nd.data, nd.pending = 0, nd.pending, nil
				for v := 1; v <= 3; v++ {
					nd.pending = []byte(fmt.Sprintf("%s@%d", p, v))
					st, err := c.Set(p, nd.pending, nd.acked)
					if err != nil {
						return
					}
					if st.Version != nd.acked+1 {
						t.Errorf("%s: set answered version %d after %d", p, st.Version, nd.acked)
					}
					nd.acked, nd.data, nd.pending = st.Version, nd.pending, nil
				}
				if i == 5 && !signalled {
					signalled = true
					acks.Done()
				}
			}
		}(w, conns[w%clients])
	}
	acks.Wait()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range conns {
		c.Close() // fails whatever is still waiting
	}
	wg.Wait()

	srv = startAt(t, dir)
	defer srv.Close()
	total := 0
	for w, nodes := range results {
		for i, nd := range nodes {
			p := fmt.Sprintf("/w/n%d-%d", w, i)
			data, st, err := srv.Get(p)
			if nd.acked < 0 {
				// Never acknowledged: it may or may not have been written.
				if err == nil && !bytes.Equal(data, nd.pending) {
					t.Errorf("%s: unacknowledged create left %q", p, data)
				}
				continue
			}
			total++
			switch {
			case err != nil:
				t.Errorf("%s: acknowledged create lost: %v", p, err)
			case st.Version == nd.acked && bytes.Equal(data, nd.data):
			case st.Version == nd.acked+1 && nd.pending != nil && bytes.Equal(data, nd.pending):
				// The last write reached the log but its reply did not reach the client.
			default:
				t.Errorf("%s: version %d %q; acknowledged version %d %q", p, st.Version, data, nd.acked, nd.data)
			}
		}
	}
	if total < clients*writersPer*5 {
		t.Fatalf("only %d acknowledged creates to check", total)
	}
}

// TestEmptyPathReadsTheRoot: Apache files the root under "" as well as "/", so reads of "" answer
// with the root while writes to "" are bad arguments.
func TestEmptyPathReadsTheRoot(t *testing.T) {
	srv := server.RunT(t)
	c := newRaw(t, srv)
	c.mustCreate("/a", nil, 0)
	root := c.mustStat("/")
	if st := c.mustStat(""); st != root {
		t.Fatalf("exists \"\": %+v, want the root's %+v", st, root)
	}
	var all, allEmpty jute.IntRecord
	wantCode(t, "getAllChildrenNumber /", c.call(jute.OpGetAllChildrenNumber, &jute.PathRecord{Path: "/"}, &all), 0)
	wantCode(t, "getAllChildrenNumber \"\"", c.call(jute.OpGetAllChildrenNumber, &jute.PathRecord{Path: ""}, &allEmpty), 0)
	if allEmpty.Value != all.Value+1 {
		t.Fatalf("getAllChildrenNumber: \"\" %d, / %d; Apache counts one more for \"\"", allEmpty.Value, all.Value)
	}
	wantCode(t, "setData \"\"", c.call(jute.OpSetData, &jute.SetDataRequest{Path: "", Version: -1}, nil), jute.ErrBadArguments)
	wantCode(t, "delete \"\"", c.call(jute.OpDelete, &jute.PathVersionRequest{Path: "", Version: -1}, nil), jute.ErrBadArguments)
	if !srv.Exists("/") || !srv.Exists("/a") {
		t.Fatal("tree damaged")
	}
}

// TestCloseLeavesNoGoroutines stops a server holding connections in every state (idle after the
// handshake, half way through a frame, before the handshake, throttled for not reading, a
// go-zookeeper client with watches) and checks Close returns promptly and nothing it started
// outlives it.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	srv, err := server.New(server.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Create("/big", bytes.Repeat([]byte("z"), 100<<10)); err != nil {
		t.Fatal(err)
	}
	idle := newRaw(t, srv)
	half := newRaw(t, srv)
	half.nc.Write([]byte{0, 0, 0, 100, 1, 2, 3})
	pre := dialNoHandshake(t, srv)
	pre.Write([]byte{0, 0})
	slow := newRaw(t, srv)
	var req []byte
	for i := 1; i <= 100; i++ {
		req = jute.AppendFrame(req, &jute.RequestHeader{Xid: int32(i), Type: jute.OpGetData}, &jute.PathWatchRequest{Path: "/big"})
	}
	slow.nc.Write(req)
	zc, _, err := zk.Connect([]string{srv.Addr()}, 4*time.Second, zk.WithLogger(log.New(io.Discard, "", 0)))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := zc.GetW("/big"); err != nil {
		t.Fatal(err)
	}
	_ = idle
	time.Sleep(100 * time.Millisecond) // let the slow client's replies pile up

	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	zc.Close()
	for _, nc := range []net.Conn{idle.nc, half.nc, pre, slow.nc} {
		nc.Close()
	}
	settleGoroutines(t, base, 5*time.Second)
}

// TestAnnouncedFramesCostOnlyWhatIsSent: connections that announce maximal frames (before and
// after the handshake) and then stall must not make the server allocate what they announced.
func TestAnnouncedFramesCostOnlyWhatIsSent(t *testing.T) {
	srv := server.RunT(t)
	const conns = 40
	announce := binary.BigEndian.AppendUint32(nil, jute.DefaultMaxBuffer)
	announce = append(announce, bytes.Repeat([]byte{1}, 100)...)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < conns; i++ {
		if i%2 == 0 {
			dialNoHandshake(t, srv).Write(announce)
		} else {
			newRaw(t, srv).nc.Write(announce)
		}
	}
	time.Sleep(200 * time.Millisecond) // let every reader take in what was sent
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 12<<20 {
		t.Fatalf("%d stalled connections announcing 1 MB frames cost %d MB", conns, grew>>20)
	}
}
