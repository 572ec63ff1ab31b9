//go:build unix

package server

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestLogWriteWithoutLock: when writes nobody waits for (session expiries, container sweeps)
// fill the pending log buffer, the log is written by a background sync, not under the server
// mutex: a disk that stalls (here a FIFO nobody reads yet) stalls no request.
func TestLogWriteWithoutLock(t *testing.T) {
	s, err := New(Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Create("/big", nil); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(t.TempDir(), "log")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	stalled, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	st := s.store
	st.mu.Lock()
	orig := st.f
	st.f = stalled
	st.mu.Unlock()
	defer orig.Close()
	defer func() { // let the stalled write finish, so that Close can
		if r, err := os.Open(fifo); err == nil {
			go func() { io.Copy(io.Discard, r); r.Close() }()
		}
	}()

	done := make(chan struct{})
	go func() {
		defer close(done)
		data := make([]byte, 64<<10)
		for written := 0; written < 2*pendingFlushSize; written += len(data) {
			s.mu.Lock()
			s.beginWrite()
			s.doSetData(s.tree.get("/big"), data)
			s.commit()
			s.mu.Unlock()
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second): // a deadlock guard, not a timing: the writes take microseconds
		t.Fatal("writes blocked: the log is written under the server mutex")
	}
	if !s.Exists("/big") {
		t.Fatal("/big is gone")
	}
}
