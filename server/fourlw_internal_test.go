package server

import (
	"io"
	"net"
	"testing"
)

// TestFourLetterWordsReadDiskWithoutLock: the directory sizes (conf, dirs) and the descriptor
// count (mntr) are read from the disk without the server mutex, so a slow disk stalls no request.
// The server is not started, so nothing else takes the mutex while a word is answered.
func TestFourLetterWordsReadDiskWithoutLock(t *testing.T) {
	s, err := New(Config{DataDir: t.TempDir(), FourLetterWords: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var reads, locked int
	probe := func() {
		reads++
		if !s.mu.TryLock() {
			locked++
			return
		}
		s.mu.Unlock()
	}
	oldSize, oldFDs := readDirSize, countOpenFDs
	readDirSize = func(d string) int64 { probe(); return oldSize(d) }
	countOpenFDs = func() int { probe(); return oldFDs() }
	defer func() { readDirSize, countOpenFDs = oldSize, oldFDs }()
	for _, w := range []string{"conf", "dirs", "mntr"} {
		client, peer := net.Pipe()
		c := newConn(s, peer, "127.0.0.1")
		s.wg.Add(1)
		go c.writeLoop()
		s.fourLetterWord(c, w)
		c.closeAfterFlush()
		if out, _ := io.ReadAll(client); len(out) == 0 {
			t.Fatalf("%s: no answer", w)
		}
		client.Close()
	}
	if reads != 5 || locked != 0 {
		t.Fatalf("%d disk reads, %d of them under the server mutex; want 5, none", reads, locked)
	}
}
