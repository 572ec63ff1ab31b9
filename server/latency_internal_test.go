package server

import (
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zksh/zksh/jute"
)

// fourLetterWord asks s one four-letter word over TCP.
func askWord(t *testing.T, s *Server, word string) string {
	t.Helper()
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write([]byte(word))
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(nc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLatencyIsMeasured: srvr, stat, mntr and cons report the time from a request's arrival to
// its reply (for a write, once durable) in milliseconds; srst and crst reset it. The requests'
// arrival is set in the past, so the figures are known without timing anything.
func TestLatencyIsMeasured(t *testing.T) {
	s, err := New(Config{DataDir: t.TempDir(), FourLetterWords: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := askWord(t, s, "srvr"); !strings.Contains(got, "Latency min/avg/max: 0/0.0/0\n") {
		t.Fatalf("fresh srvr: %q", got)
	}
	// A session on a pipe, its replies drained, its writer running as a real connection's.
	client, peer := net.Pipe()
	defer client.Close()
	go io.Copy(io.Discard, client)
	c := newConn(s, peer, "127.0.0.1")
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.live++
	s.wg.Add(1)
	go c.writeLoop()
	s.beginWrite()
	sess := &session{id: 1 << 56, passwd: make([]byte, 16), timeout: 30000}
	s.sessions[sess.id] = sess
	s.txn.effects = append(s.txn.effects, effect{kind: effCreateSession, session: sess.id, timeout: sess.timeout, data: sess.passwd})
	s.commit()
	s.attach(c, sess)
	s.mu.Unlock()

	acl := []jute.ACL{{Perms: jute.PermAll, ID: jute.ID{Scheme: "world", ID: "anyone"}}}
	read := jute.Marshal(&jute.RequestHeader{Xid: 1, Type: jute.OpGetData}, &jute.PathWatchRequest{Path: "/"})
	write := jute.Marshal(&jute.RequestHeader{Xid: 2, Type: jute.OpCreate}, &jute.CreateRequest{Path: "/x", ACL: acl})
	s.handle(c, read, time.Now().Add(-40*time.Millisecond))
	s.handle(c, write, time.Now().Add(-20*time.Millisecond))
	// The write's latency is taken by the connection's writer once the log is synced.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		s.latMu.Lock()
		n := s.latency.count
		s.latMu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d latencies recorded, want 2", n)
		}
	}
	srvr := askWord(t, s, "srvr")
	m := regexp.MustCompile(`Latency min/avg/max: (\d+)/(\d+\.\d+|\d+\.0)/(\d+)\n`).FindStringSubmatch(srvr)
	if m == nil {
		t.Fatalf("srvr: %q", srvr)
	}
	minMs, _ := strconv.ParseInt(m[1], 10, 64)
	avg, _ := strconv.ParseFloat(m[2], 64)
	maxMs, _ := strconv.ParseInt(m[3], 10, 64)
	if minMs < 20 || maxMs < 40 || avg*2 != float64(minMs+maxMs) {
		t.Fatalf("latency %d/%v/%d after requests that waited 40 and 20 ms", minMs, avg, maxMs)
	}
	if stat := askWord(t, s, "stat"); !strings.Contains(stat, m[0]) {
		t.Errorf("stat disagrees with srvr %q:\n%s", m[0], stat)
	}
	mntr := askWord(t, s, "mntr")
	for _, kv := range []string{"zk_avg_latency\t" + m[2], "zk_min_latency\t" + m[1], "zk_max_latency\t" + m[3]} {
		if !strings.Contains(mntr, kv+"\n") {
			t.Errorf("mntr lacks %q:\n%s", kv, mntr)
		}
	}
	connStats := fmt.Sprintf("minlat=%d,avglat=%d,maxlat=%d)", minMs, (minMs+maxMs)/2, maxMs)
	if cons := askWord(t, s, "cons"); !strings.Contains(cons, connStats) {
		t.Errorf("cons lacks %q:\n%s", connStats, cons)
	}
	if got := askWord(t, s, "srst"); got != "Server stats reset.\n" {
		t.Fatalf("srst: %q", got)
	}
	if got := askWord(t, s, "srvr"); !strings.Contains(got, "Latency min/avg/max: 0/0.0/0\n") {
		t.Fatalf("srvr after srst: %q", got)
	}
	askWord(t, s, "crst")
	if cons := askWord(t, s, "cons"); !strings.Contains(cons, "minlat=0,avglat=0,maxlat=0)") {
		t.Errorf("cons after crst:\n%s", cons)
	}
}

// TestGtmkAndConf: gtmk answers Apache's default trace mask; conf names the directories the
// server really keeps its files in.
func TestGtmkAndConf(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Config{DataDir: dir, FourLetterWords: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := askWord(t, s, "gtmk"); got != "306" {
		t.Errorf("gtmk = %q", got)
	}
	conf := askWord(t, s, "conf")
	if !strings.Contains(conf, "\ndataDir="+dir+"\n") || !strings.Contains(conf, "\ndataLogDir="+dir+"\n") {
		t.Errorf("conf:\n%s", conf)
	}
}
