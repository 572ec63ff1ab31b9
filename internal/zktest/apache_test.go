package zktest

import (
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/server"
)

func TestMain(m *testing.M) { Main(m) }

func TestApacheServesAndNegotiatesShortSessions(t *testing.T) {
	addr := Apache(t)
	reply, err := FourLetter(addr, "srvr")
	if err != nil {
		t.Fatalf("srvr: %v", err)
	}
	if !strings.Contains(reply, "Zookeeper version: 3.8") {
		t.Fatalf("srvr reply does not name 3.8:\n%s", reply)
	}
	conn, events, err := zk.Connect([]string{addr}, 30*time.Second, zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for ev := range events {
		if ev.State == zk.StateHasSession {
			break
		}
	}
	// tickTime=500ms bounds negotiated timeouts to [2, 20] ticks.
	conf, err := FourLetter(addr, "conf")
	if err != nil || !strings.Contains(conf, "maxSessionTimeout=10000") {
		t.Fatalf("conf = %q, %v; want maxSessionTimeout=10000", conf, err)
	}
	if err := conn.AddAuth("digest", []byte(SuperUser+":"+SuperPassword)); err != nil {
		t.Fatal(err)
	}
	// Super may read a node nobody else can.
	acl := zk.DigestACL(zk.PermAll, "someone", "pw")
	if _, err := conn.Create("/zktest-super", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	if _, _, err := conn.Get("/zktest-super"); err != nil {
		t.Fatalf("super could not read a digest-protected node: %v", err)
	}
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...interface{}) {}

// A bundled zksh server that took the port picked for Apache must not pass for it.
func TestBundledServerIsNotMistakenForApache(t *testing.T) {
	srv := server.RunT(t)
	reply, err := FourLetter(srv.Addr(), "srvr")
	if err != nil || !strings.Contains(reply, "Mode:") {
		t.Fatalf("srvr = %q, %v", reply, err)
	}
	if isApacheServing(reply) {
		t.Fatalf("the zksh server's srvr reply passed for Apache's:\n%s", reply)
	}
	if reply, _ := FourLetter(Apache(t), "srvr"); !isApacheServing(reply) {
		t.Fatalf("Apache's srvr reply not recognised:\n%s", reply)
	}
}
