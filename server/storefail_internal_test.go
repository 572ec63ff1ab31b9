package server

import (
	"io"
	"log"
	"net"
	"os"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/jute"
)

// TestFailedAppendIsNeverAcknowledged breaks the log file under a running server: the write that
// cannot be logged, and everything after it, must not be acknowledged, and a restart must show
// exactly the writes that were.
func TestFailedAppendIsNeverAcknowledged(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Create("/kept", []byte("1")); err != nil {
		t.Fatal(err)
	}
	c, _, err := zk.Connect([]string{s.Addr()}, 4*time.Second, zk.WithLogger(log.New(io.Discard, "", 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Create("/acked", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}

	// Swap the log for a read-only descriptor of it: write(2) fails (as on a full disk) while
	// fsync still succeeds, so only the append's own error can stop the acknowledgement.
	st := s.store
	st.mu.Lock()
	for st.syncing {
		st.cond.Wait()
	}
	orig := st.f
	ro, err := os.Open(st.path)
	if err != nil {
		st.mu.Unlock()
		t.Fatal(err)
	}
	st.f = ro
	st.mu.Unlock()
	defer orig.Close()

	if err := s.Create("/lost", nil); err == nil {
		t.Fatal("helper acknowledged a write the log refused")
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Create("/lost-too", nil, 0, zk.WorldACL(zk.PermAll))
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("client got an acknowledgement for a write the log refused")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("client request neither acknowledged nor failed")
	}
	c.Close()
	s.Close()
	orig.Close() // releases the directory lock

	s2, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for p, want := range map[string]bool{"/kept": true, "/acked": true, "/lost": false, "/lost-too": false} {
		if got := s2.Exists(p); got != want {
			t.Errorf("%s exists after restart: %v, want %v", p, got, want)
		}
	}
}

// TestPanickingWriteKeepsItsZxid: a write that panics half way is undone and its connection
// closed, but its zxid, which replies may already carry, is logged, so a restart does not go back.
func TestPanickingWriteKeepsItsZxid(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Create("/a", nil); err != nil {
		t.Fatal(err)
	}
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
	s.tree.get("/a").parent = nil // a broken invariant: deleting /a now panics
	s.mu.Unlock()

	frame := jute.Marshal(&jute.RequestHeader{Xid: 1, Type: jute.OpDelete}, &jute.PathVersionRequest{Path: "/a", Version: -1})
	if s.handle(c, frame, time.Now()) {
		t.Fatal("connection kept after a panic")
	}
	want := s.Zxid()
	s.mu.Lock()
	s.tree.get("/a").parent = s.tree.root
	s.mu.Unlock()
	c.closeNow()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := s2.Zxid(); got != want {
		t.Fatalf("zxid after restart %d, want %d", got, want)
	}
	if !s2.Exists("/a") {
		t.Fatal("the undone delete was replayed")
	}
}
