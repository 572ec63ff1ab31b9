package server_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/zksh/zksh/jute"
	"github.com/zksh/zksh/server"
)

func startAt(t *testing.T, dir string) *server.Server {
	t.Helper()
	srv, err := server.New(server.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	return srv
}

func TestPersistenceSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	srv := startAt(t, dir)
	c := newRaw(t, srv)
	c.mustCreate("/app", []byte("v1"), 0)
	c.mustCreate("/app/s-", nil, jute.FlagPersistentSequential)
	c.mustCreate("/app/gone", nil, 0)
	c.call(jute.OpDelete, &jute.PathVersionRequest{Path: "/app/gone", Version: -1}, nil)
	c.call(jute.OpSetData, &jute.SetDataRequest{Path: "/app", Data: []byte("v2"), Version: -1}, nil)
	c.call(jute.OpSetACL, &jute.SetACLRequest{Path: "/app", Version: -1, ACL: []jute.ACL{{Perms: jute.PermRead | jute.PermWrite | jute.PermCreate | jute.PermDelete, ID: jute.ID{Scheme: "world", ID: "anyone"}}}}, nil)
	c.mustCreate("/eph", nil, jute.FlagEphemeral)
	c.create("/app", nil, 0) // failed write: its zxid must survive too
	before, st, _ := srv.Get("/app")
	kids, _ := srv.Children("/app")
	zxid := srv.Zxid()
	sid, pw := c.conn.SessionID, c.conn.Passwd
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	srv = startAt(t, dir)
	defer srv.Close()
	after, st2, err := srv.Get("/app")
	if err != nil || string(after) != string(before) || st2 != st {
		t.Fatalf("after restart: %q %+v %v\nbefore: %q %+v", after, st2, err, before, st)
	}
	kids2, _ := srv.Children("/app")
	if len(kids2) != len(kids) || kids2[0] != kids[0] {
		t.Fatalf("children %v, want %v", kids2, kids)
	}
	acl, _ := srv.ACL("/app")
	if len(acl) != 1 || acl[0].Perms != 15 {
		t.Fatalf("acl %+v", acl)
	}
	if srv.Zxid() != zxid {
		t.Fatalf("zxid %d, want %d", srv.Zxid(), zxid)
	}
	// The session survived: reattach with its password, the ephemeral is still ours.
	c2 := dialRaw(t, srv.Addr(), jute.ConnectRequest{SessionID: sid, Passwd: pw, LastZxidSeen: zxid})
	if c2.conn.SessionID != sid || c2.conn.TimeOut == 0 {
		t.Fatalf("session lost: %+v", c2.conn)
	}
	if st := c2.mustStat("/eph"); st.EphemeralOwner != sid {
		t.Fatalf("ephemeral owner %x", st.EphemeralOwner)
	}
	// The sequence counter continues.
	if p := c2.mustCreate("/app/s-", nil, jute.FlagPersistentSequential); p != "/app/s-0000000002" {
		t.Fatalf("sequence after restart: %s", p)
	}
	wantCode(t, "closeSession", c2.call(jute.OpCloseSession, nil, nil), 0)
	srv.Close()

	srv = startAt(t, dir)
	defer srv.Close()
	if srv.Exists("/eph") || len(srv.Sessions()) != 0 {
		t.Fatal("closed session came back")
	}
}

func TestPersistenceTornTail(t *testing.T) {
	dir := t.TempDir()
	srv := startAt(t, dir)
	if err := srv.Create("/a", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := srv.Create("/b", []byte("y")); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	// Simulate a crash in the middle of the last append: cut the log, then add garbage.
	log := filepath.Join(dir, "zksh-txn.log")
	info, err := os.Stat(log)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(log, info.Size()-3); err != nil {
		t.Fatal(err)
	}
	srv = startAt(t, dir)
	if !srv.Exists("/a") || srv.Exists("/b") {
		t.Fatal("torn record not dropped cleanly")
	}
	// The log keeps working after the cut.
	if err := srv.Create("/c", nil); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	// A whole record that fails its checksum is not a torn append: refused, the file untouched,
	// unless a repair is asked for.
	f, _ := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte{0, 0, 0, 5, 1, 2, 3, 4, 9, 9, 9, 9, 9})
	f.Close()
	before, _ := os.ReadFile(log)
	var damage *server.LogDamageError
	if _, err := server.New(server.Config{DataDir: dir}); !errors.As(err, &damage) {
		t.Fatalf("corrupt final record: %v", err)
	}
	if after, _ := os.ReadFile(log); !bytes.Equal(before, after) {
		t.Fatal("a refused log was changed")
	}
	srv, err = server.New(server.Config{DataDir: dir, RepairLog: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !srv.Exists("/a") || !srv.Exists("/c") {
		t.Fatal("records lost after a corrupt tail")
	}
}

func TestDataDirInUse(t *testing.T) {
	dir := t.TempDir()
	srv := startAt(t, dir)
	defer srv.Close()
	if s2, err := server.New(server.Config{DataDir: dir}); err == nil {
		s2.Close()
		t.Fatal("a second server opened a data directory in use")
	}
}
