package zkclient

import (
	"context"
	"errors"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// servers are the ZooKeepers every session test runs against: Apache's and the bundled one.
func servers(t *testing.T) map[string]string {
	return zktest.Targets(t, server.RunT(t).Addr())
}

// open returns a Client with its session, closed when the test ends.
func open(t *testing.T, connect string, auth ...string) *Client {
	t.Helper()
	c, err := New(Config{Server: connect, SessionTimeout: 4 * time.Second, ConnectTimeout: 10 * time.Second, Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

// testRoot creates a fresh znode named after the test and deletes its subtree when the test ends.
func testRoot(t *testing.T, c *Client) string {
	t.Helper()
	root := "/" + strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	if _, err := c.DeleteTree(context.Background(), []string{root}, 1000, nil); err != nil && !errors.Is(err, zk.ErrNoNode) {
		t.Fatal(err)
	}
	mustCreate(t, c, root)
	t.Cleanup(func() { c.DeleteTree(context.Background(), []string{root}, 1000, nil) })
	return root
}

func mustCreate(t *testing.T, c *Client, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := c.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatalf("create %s: %v", p, err)
		}
	}
}

func TestParseConnectString(t *testing.T) {
	tests := []struct {
		in      string
		servers []string
		chroot  string
		err     string
	}{
		{"h:2181", []string{"h:2181"}, "", ""},
		{"h1:1, h2 ,h3:3/app/x", []string{"h1:1", "h2", "h3:3"}, "/app/x", ""},
		{"h:2181/", []string{"h:2181"}, "", ""},
		{"[::1]:2181", []string{"[::1]:2181"}, "", ""},
		{"h:0", nil, "", `"h:0" is not host:port (port 1 to 65535)`},
		{":2181", nil, "", `":2181" is not host:port`},
		{"h:2181/a/", nil, "", "chroot"},
		{",/x", nil, "", "no host given"},
	}
	for _, tt := range tests {
		servers, chroot, err := ParseConnectString(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want one containing %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || strings.Join(servers, ",") != strings.Join(tt.servers, ",") || chroot != tt.chroot {
			t.Errorf("%q: %q %q %v, want %q %q", tt.in, servers, chroot, err, tt.servers, tt.chroot)
		}
	}
}

func TestPathMapping(t *testing.T) {
	c := &Client{chroot: "/base"}
	for user, srv := range map[string]string{"/": "/base", "/a": "/base/a", "/a/b": "/base/a/b"} {
		if got := c.ServerPath(user); got != srv {
			t.Errorf("ServerPath(%q) = %q, want %q", user, got, srv)
		}
		if got := c.UserPath(srv); got != user {
			t.Errorf("UserPath(%q) = %q, want %q", srv, got, user)
		}
	}
	c = &Client{}
	if c.ServerPath("/a") != "/a" || c.UserPath("/a") != "/a" {
		t.Error("no chroot changed the path")
	}
}

// TestChroot: under a chroot, a Client takes and returns user paths everywhere: created names, walk
// levels, refusals, watch events; on Apache ZooKeeper and the bundled server.
func TestChroot(t *testing.T) {
	for name, addr := range servers(t) {
		plain := open(t, addr)
		root := testRoot(t, plain)
		c := open(t, addr+root)
		if p, err := c.Create("/seq-", nil, zk.FlagSequence, zk.WorldACL(zk.PermAll)); err != nil || !strings.HasPrefix(p, "/seq-") {
			t.Fatalf("%s: create under the chroot: %q %v", name, p, err)
		}
		mustCreate(t, c, "/a", "/a/b")
		if ok, _, err := plain.Exists(root + "/a/b"); !ok || err != nil {
			t.Fatalf("%s: %s/a/b not on the server: %v", name, root, err)
		}
		_, _, ch, err := c.GetW("/a/b")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := plain.Set(root+"/a/b", []byte("x"), -1); err != nil {
			t.Fatal(err)
		}
		if ev := <-ch; ev.Path != "/a/b" || ev.Type != zk.EventNodeDataChanged {
			t.Errorf("%s: event %+v, want a data change of /a/b", name, ev)
		}
		if _, err := plain.SetACL(root+"/a", zk.DigestACL(zk.PermAll, "u", "p"), -1); err != nil {
			t.Fatal(err)
		}
		w := c.Walker()
		w.SkipNoAuth = true
		levels, err := w.Walk(context.Background(), "/")
		w.Close()
		if err != nil || len(levels) != 2 || levels[0][0] != "/" || len(levels[1]) != 2 {
			t.Errorf("%s: walk of / under the chroot: %q %v", name, levels, err)
		}
		if r := w.Refused(); len(r) != 1 || r[0] != "/a" {
			t.Errorf("%s: refused %q, want /a", name, r)
		}
		if err := plain.AddAuth("digest", "u:p"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWaitConcurrent: callers racing to wait for a new session share it, and none of them uses it
// before the credentials are on it.
func TestWaitConcurrent(t *testing.T) {
	for name, addr := range servers(t) {
		admin := open(t, addr, "digest:bob:pw")
		root := testRoot(t, admin)
		if _, err := admin.Create(root+"/mine", []byte("x"), 0, zk.DigestACL(zk.PermAll, "bob", "pw")); err != nil {
			t.Fatal(err)
		}
		c, err := New(Config{Server: addr, SessionTimeout: 4 * time.Second, ConnectTimeout: 10 * time.Second, Auth: []string{"digest:bob:pw"}})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := c.Wait(context.Background())
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
				t.Errorf("%s: %v", name, err)
			}
		}
		c.Close()
		if _, err := admin.DeleteTree(context.Background(), []string{root + "/mine"}, 10, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWaitRefused: when every server refuses the connection, Wait fails at once with the reason (not
// after the connect timeout), as an UnavailableError, and the Client is closed.
func TestWaitRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := New(Config{Server: addr + "," + addr + "/x", SessionTimeout: time.Second, ConnectTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = c.Wait(ctx)
	var un *UnavailableError
	if !errors.As(err, &un) || !strings.Contains(err.Error(), "connection refused") || Classify(err) != KindUnavailable {
		t.Fatalf("Wait: %v", err)
	}
	if !c.Closed() {
		t.Error("a Client that never had a session is not closed")
	}
	if err := c.Wait(ctx); !errors.As(err, &un) {
		t.Errorf("second Wait: %v", err)
	}
}

// TestAuthRefused: credentials the server refuses fail Wait with an AuthError and close the Client.
func TestAuthRefused(t *testing.T) {
	c, err := New(Config{Server: zktest.Server(t), SessionTimeout: 4 * time.Second, ConnectTimeout: 10 * time.Second,
		Auth: []string{"nosuchscheme:x"}})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Wait(context.Background())
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Scheme != "nosuchscheme" || Classify(err) != KindRefused || !c.Closed() {
		t.Fatalf("Wait: %v (closed %v)", err, c.Closed())
	}
}

// TestWhoAmI: whoAmI, which go-zookeeper cannot send, on the pipelined session with the Client's
// credentials, those added later included.
func TestWhoAmI(t *testing.T) {
	for name, addr := range servers(t) {
		c := open(t, addr, "digest:alice:pw")
		if err := c.AddAuth("digest", "bob:pw"); err != nil {
			t.Fatal(err)
		}
		ids, local, err := c.WhoAmI(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []string
		for _, id := range ids {
			got = append(got, id.Scheme+":"+id.User)
		}
		sort.Strings(got) // the server's order is its set's
		if strings.Join(got, ",") != "digest:alice,digest:bob,ip:127.0.0.1" || local.String() != "127.0.0.1" {
			t.Errorf("%s: whoAmI %q from %v", name, got, local)
		}
	}
}

func TestAllChildrenNumber(t *testing.T) {
	for name, addr := range servers(t) {
		c := open(t, addr)
		root := testRoot(t, c)
		mustCreate(t, c, root+"/a", root+"/a/b", root+"/c")
		if n, err := c.AllChildrenNumber(context.Background(), root, nil); n != 3 || err != nil {
			t.Errorf("%s: %d %v, want 3", name, n, err)
		}
		if _, err := c.AllChildrenNumber(context.Background(), root+"/nope", nil); !errors.Is(err, zk.ErrNoNode) {
			t.Errorf("%s: count of a missing path: %v", name, err)
		}
	}
}

func TestForEach(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]int{}
	err := ForEach(context.Background(), 1000, 7, func(worker, i int) error {
		if worker < 0 || worker >= 7 {
			t.Errorf("worker %d", worker)
		}
		mu.Lock()
		seen[i]++
		mu.Unlock()
		return nil
	})
	if err != nil || len(seen) != 1000 {
		t.Fatalf("%v, %d indexes", err, len(seen))
	}
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("index %d called %d times", i, n)
		}
	}
	boom := errors.New("boom")
	var calls int
	err = ForEach(context.Background(), 1000, 1, func(_, i int) error {
		calls++
		if i == 10 {
			return boom
		}
		return nil
	})
	if err != boom || calls != 11 {
		t.Errorf("first error: %v after %d calls", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ForEach(ctx, 5, 2, func(_, i int) error { t.Error("called after cancel"); return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want Kind
	}{
		{zk.ErrNoNode, KindRefused},
		{zk.ErrBadArguments, KindRefused},
		{zk.ErrConnectionClosed, KindUnavailable},
		{zk.ErrSessionExpired, KindUnavailable},
		{&UnavailableError{Msg: "x"}, KindUnavailable},
		{context.DeadlineExceeded, KindUnavailable},
		{context.Canceled, KindInterrupted},
		{&net.OpError{Op: "read", Err: errors.New("reset")}, KindUnavailable},
		{&AuthError{Scheme: "x", Err: zk.ErrAuthFailed}, KindRefused},
		{errors.New("other"), KindUnknown},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
	if !SendFailed(&net.OpError{Op: "write", Err: errors.New("broken pipe")}) || SendFailed(zk.ErrConnectionClosed) {
		t.Error("SendFailed")
	}
	if !ReplyLost(zk.ErrConnectionClosed) || ReplyLost(zk.ErrNoNode) {
		t.Error("ReplyLost")
	}
}

// TestEphemerals: the session's own ephemeral znodes, not another session's, found by walking.
func TestEphemerals(t *testing.T) {
	for name, addr := range servers(t) {
		c, other := open(t, addr), open(t, addr)
		root := testRoot(t, c)
		mustCreate(t, c, root+"/a")
		for _, e := range []struct {
			c    *Client
			path string
		}{{c, root + "/a/mine"}, {c, root + "/mine"}, {other, root + "/theirs"}} {
			if _, err := e.c.Create(e.path, nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
		}
		owned, unlisted, err := c.Ephemerals(context.Background(), root)
		sort.Strings(owned)
		if err != nil || unlisted != 0 || strings.Join(owned, ",") != root+"/a/mine,"+root+"/mine" {
			t.Errorf("%s: %q %d %v", name, owned, unlisted, err)
		}
	}
}
