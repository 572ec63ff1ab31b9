package server_test

import (
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zksh/zksh/jute"
	"github.com/zksh/zksh/server"
)

func fourLetter(t *testing.T, addr, word string) string {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write([]byte(word))
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(nc)
	if err != nil {
		t.Fatalf("%s: %v", word, err)
	}
	return string(b)
}

func TestFourLetterWords(t *testing.T) {
	srv, err := server.New(server.Config{FourLetterWords: []string{"*"}, TickTime: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Close() })
	c := newRaw(t, srv)
	c.mustCreate("/w", nil, 0)
	c.mustCreate("/w/e", nil, jute.FlagEphemeral)
	c.call(jute.OpGetData, &jute.PathWatchRequest{Path: "/w", Watch: true}, nil)
	c.call(jute.OpExists, &jute.PathWatchRequest{Path: "/nothere", Watch: true}, nil)
	c.call(jute.OpGetChildren, &jute.PathWatchRequest{Path: "/w", Watch: true}, nil)

	if got := fourLetter(t, srv.Addr(), "ruok"); got != "imok" {
		t.Errorf("ruok = %q", got)
	}
	if got := fourLetter(t, srv.Addr(), "isro"); got != "rw" {
		t.Errorf("isro = %q", got)
	}
	srvr := fourLetter(t, srv.Addr(), "srvr")
	re := regexp.MustCompile(`^Zookeeper version: 3\.8\.0-\S+, built on .+\nLatency min/avg/max: \d+/\d+\.\d+/\d+\nReceived: \d+\nSent: \d+\nConnections: \d+\nOutstanding: 0\nZxid: 0x[0-9a-f]+\nMode: standalone\nNode count: 7\n$`)
	if !re.MatchString(srvr) {
		t.Errorf("srvr:\n%s", srvr)
	}
	stat := fourLetter(t, srv.Addr(), "stat")
	if !strings.Contains(stat, "Clients:\n /127.0.0.1:") || !strings.Contains(stat, "\n\nLatency min/avg/max:") {
		t.Errorf("stat:\n%s", stat)
	}
	if got := fourLetter(t, srv.Addr(), "wchs"); got != "1 connections watching 2 paths\nTotal watches:2\n" {
		t.Errorf("wchs = %q", got)
	}
	sid := regexp.MustCompile(`0x[0-9a-f]+`)
	if got := sid.ReplaceAllString(fourLetter(t, srv.Addr(), "wchc"), "SID"); got != "SID\n\t/nothere\n\t/w\n\n" {
		t.Errorf("wchc = %q", got)
	}
	if got := sid.ReplaceAllString(fourLetter(t, srv.Addr(), "wchp"), "SID"); got != "/nothere\n\tSID\n/w\n\tSID\n\n" {
		t.Errorf("wchp = %q", got)
	}
	conf := fourLetter(t, srv.Addr(), "conf")
	for _, line := range []string{"tickTime=500\n", "minSessionTimeout=1000\n", "maxSessionTimeout=10000\n", "serverId=0\n"} {
		if !strings.Contains(conf, line) {
			t.Errorf("conf lacks %q:\n%s", line, conf)
		}
	}
	mntr := fourLetter(t, srv.Addr(), "mntr")
	for _, line := range []string{"zk_server_state\tstandalone\n", "zk_znode_count\t7\n", "zk_ephemerals_count\t1\n", "zk_watch_count\t3\n"} {
		if !strings.Contains(mntr, line) {
			t.Errorf("mntr lacks %q:\n%s", line, mntr)
		}
	}
	cons := fourLetter(t, srv.Addr(), "cons")
	if !regexp.MustCompile(`(?m)^ /127\.0\.0\.1:\d+\[1\]\(queued=0,recved=\d+,sent=\d+,sid=0x[0-9a-f]+,lop=\w+,est=\d+,to=10000,lcxid=0x[0-9a-f]+,lzxid=0x[0-9a-f]+,lresp=\d+,llat=\d+,minlat=\d+,avglat=\d+,maxlat=\d+\)$`).MatchString(cons) {
		t.Errorf("cons:\n%s", cons)
	}
	dump := fourLetter(t, srv.Addr(), "dump")
	if !strings.Contains(dump, "Sessions with Ephemerals (1):\n0x") || !strings.Contains(dump, "\t/w/e\n") {
		t.Errorf("dump:\n%s", dump)
	}
	if got := fourLetter(t, srv.Addr(), "envi"); !strings.HasPrefix(got, "Environment:\nzookeeper.version=") {
		t.Errorf("envi = %q", got)
	}
}

func TestFourLetterWhitelist(t *testing.T) {
	srv := server.RunT(t) // Apache's default whitelist: srvr only
	if got := fourLetter(t, srv.Addr(), "ruok"); got != "ruok is not executed because it is not in the whitelist.\n" {
		t.Errorf("ruok = %q", got)
	}
	if got := fourLetter(t, srv.Addr(), "srvr"); !strings.HasPrefix(got, "Zookeeper version: ") {
		t.Errorf("srvr = %q", got)
	}
}
