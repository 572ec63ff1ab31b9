package server_test

import (
	"errors"
	"io"
	"log"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/server"
)

func connect(t *testing.T, addr string) (*zk.Conn, <-chan zk.Event) {
	t.Helper()
	c, ev, err := zk.Connect([]string{addr}, 4*time.Second, zk.WithLogger(log.New(io.Discard, "", 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e := <-ev:
			if e.State == zk.StateHasSession {
				return c, ev
			}
		case <-deadline:
			t.Fatal("no session")
		}
	}
}

func TestGoZookeeperSmoke(t *testing.T) {
	srv := server.RunT(t)
	c, _ := connect(t, srv.Addr())
	p, err := c.Create("/a", []byte("hello"), 0, zk.WorldACL(zk.PermAll))
	if err != nil || p != "/a" {
		t.Fatalf("create: %q %v", p, err)
	}
	data, st, err := c.Get("/a")
	if err != nil || string(data) != "hello" || st.Version != 0 || st.DataLength != 5 {
		t.Fatalf("get: %q %+v %v", data, st, err)
	}
	if _, err := c.Create("/a", nil, 0, zk.WorldACL(zk.PermAll)); !errors.Is(err, zk.ErrNodeExists) {
		t.Fatalf("create twice: %v", err)
	}
	seq, err := c.Create("/a/s-", nil, zk.FlagSequence, zk.WorldACL(zk.PermAll))
	if err != nil || seq != "/a/s-0000000000" {
		t.Fatalf("sequential: %q %v", seq, err)
	}
	kids, st, err := c.Children("/a")
	if err != nil || len(kids) != 1 || st.Cversion != 1 || st.NumChildren != 1 {
		t.Fatalf("children: %v %+v %v", kids, st, err)
	}
	if _, err := c.Set("/a", []byte("x"), 5); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("set bad version: %v", err)
	}
	st, err = c.Set("/a", []byte("x"), 0)
	if err != nil || st.Version != 1 {
		t.Fatalf("set: %+v %v", st, err)
	}
	if err := c.Delete("/a", -1); !errors.Is(err, zk.ErrNotEmpty) {
		t.Fatalf("delete non-empty: %v", err)
	}
	_, _, wch, err := c.GetW("/a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set("/a", []byte("y"), -1); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-wch:
		if e.Type != zk.EventNodeDataChanged || e.Path != "/a" {
			t.Fatalf("event %+v", e)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no watch event")
	}
	res, err := c.Multi(&zk.CreateRequest{Path: "/m", Flags: 0, Acl: zk.WorldACL(zk.PermAll)},
		&zk.SetDataRequest{Path: "/m", Data: []byte("1"), Version: 0})
	if err != nil || len(res) != 2 || res[0].String != "/m" {
		t.Fatalf("multi: %+v %v", res, err)
	}
	_, err = c.Multi(&zk.CreateRequest{Path: "/n", Acl: zk.WorldACL(zk.PermAll)},
		&zk.DeleteRequest{Path: "/nope", Version: -1})
	if !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("failed multi: %v", err)
	}
	if ok, _, _ := c.Exists("/n"); ok {
		t.Fatal("multi not atomic")
	}
}

func TestGoZookeeperSessionExpiry(t *testing.T) {
	srv := server.RunT(t)
	c, ev := connect(t, srv.Addr())
	if _, err := c.Create("/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	srv.FastForward(time.Minute)
	if srv.Exists("/eph") {
		t.Fatal("ephemeral survived expiry")
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-ev:
			if e.State == zk.StateExpired {
				return
			}
		case <-deadline:
			t.Fatal("client never saw StateExpired")
		}
	}
}

func TestGoZookeeperSurvivesServerRestart(t *testing.T) {
	dir := t.TempDir()
	srv, err := server.New(server.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	c, ev := connect(t, srv.Addr())
	if _, err := c.Create("/w", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/w/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	// No watch here: go-zookeeper v1.0.4 races with itself (lastZxid) when it re-sends watches
	// after a reconnect, which -race reports; setWatches is covered by the raw-protocol tests.
	addr := srv.Addr()
	_, port, _ := net.SplitHostPort(addr)
	srv.Close()
	// Same port, same data directory: the client reconnects to its session.
	p, _ := strconv.Atoi(port)
	srv, err = server.New(server.Config{DataDir: dir, ClientPort: p})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	defer srv.Close()
	deadline := time.After(10 * time.Second)
	for reconnected := false; !reconnected; {
		select {
		case e := <-ev:
			reconnected = e.State == zk.StateHasSession
		case <-deadline:
			t.Fatal("client did not reconnect")
		}
	}
	if ok, _, err := c.Exists("/w/eph"); err != nil || !ok {
		t.Fatalf("ephemeral lost across restart: %v %v", ok, err)
	}
	if st, err := c.Set("/w", []byte("x"), 0); err != nil || st.Version != 1 {
		t.Fatalf("set after restart: %+v %v", st, err)
	}
}

func BenchmarkGetData(b *testing.B) {
	srv, err := server.Run()
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	srv.Create("/bench", []byte("payload"))
	c, _, err := zk.Connect([]string{srv.Addr()}, 4*time.Second, zk.WithLogger(log.New(io.Discard, "", 0)))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := c.Get("/bench"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
