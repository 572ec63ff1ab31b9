package server_test

import (
	"testing"

	"github.com/zksh/zksh/jute"
	"github.com/zksh/zksh/server"
)

func TestMulti(t *testing.T) {
	srv := server.RunT(t)
	c := newRaw(t, srv)
	c.mustCreate("/m", []byte("0"), 0)
	var r jute.MultiResponse
	wantCode(t, "multi", c.call(jute.OpMulti, &jute.MultiRequest{Ops: []jute.Op{
		{Type: jute.OpCreate, Req: &jute.CreateRequest{Path: "/m/a", ACL: openACL}},
		{Type: jute.OpCreate2, Req: &jute.CreateRequest{Path: "/m/s-", ACL: openACL, Flags: jute.FlagPersistentSequential}},
		{Type: jute.OpSetData, Req: &jute.SetDataRequest{Path: "/m", Data: []byte("1"), Version: 0}},
		{Type: jute.OpCheck, Req: &jute.PathVersionRequest{Path: "/m", Version: 1}},
		{Type: jute.OpDelete, Req: &jute.PathVersionRequest{Path: "/m/a", Version: 0}},
	}}, &r), 0)
	z := srv.Zxid()
	if len(r.Results) != 5 || r.Results[0].Type != jute.OpCreate || r.Results[0].Path != "/m/a" ||
		// Apache retypes a create2 inside a multi as a plain create: path only.
		r.Results[1].Type != jute.OpCreate || r.Results[1].Path != "/m/s-0000000001" || z == 0 ||
		r.Results[2].Type != jute.OpSetData || r.Results[2].Stat.Version != 1 ||
		r.Results[3].Type != jute.OpCheck || r.Results[4].Type != jute.OpDelete {
		t.Fatalf("results %+v", r.Results)
	}

	// A failure rolls everything back and reports 0 / the error / RuntimeInconsistency.
	before := srv.Zxid()
	wantCode(t, "failing multi", c.call(jute.OpMulti, &jute.MultiRequest{Ops: []jute.Op{
		{Type: jute.OpCreate, Req: &jute.CreateRequest{Path: "/m/b", ACL: openACL}},
		{Type: jute.OpSetData, Req: &jute.SetDataRequest{Path: "/m", Data: []byte("x"), Version: -1}},
		{Type: jute.OpDelete, Req: &jute.PathVersionRequest{Path: "/m/b", Version: 5}},
		{Type: jute.OpCreate, Req: &jute.CreateRequest{Path: "/m/c", ACL: openACL}},
	}}, &r), 0)
	want := []jute.OpResult{{Type: jute.OpError, Err: 0}, {Type: jute.OpError, Err: 0},
		{Type: jute.OpError, Err: jute.ErrBadVersion}, {Type: jute.OpError, Err: jute.ErrRuntimeInconsistency}}
	for i := range want {
		if r.Results[i].Type != want[i].Type || r.Results[i].Err != want[i].Err {
			t.Fatalf("result %d = %+v, want %+v", i, r.Results[i], want[i])
		}
	}
	if srv.Exists("/m/b") || srv.Zxid() != before+1 {
		t.Fatal("failed multi left changes or did not take one zxid")
	}
	data, st, _ := srv.Get("/m")
	if string(data) != "1" || st.Version != 1 {
		t.Fatalf("failed multi changed data: %q %+v", data, st)
	}
	// Sequence numbers and cversion are restored too.
	var cr jute.Create2Response
	wantCode(t, "create2", c.call(jute.OpCreate2, &jute.CreateRequest{Path: "/m/s-", ACL: openACL, Flags: jute.FlagPersistentSequential}, &cr), 0)
	if cr.Path != "/m/s-0000000002" {
		t.Fatalf("sequence after rollback: %s", cr.Path)
	}
	// The flags decide the kind: a container create reports path and stat.
	wantCode(t, "container in multi", c.call(jute.OpMulti, &jute.MultiRequest{Ops: []jute.Op{
		{Type: jute.OpCreate, Req: &jute.CreateRequest{Path: "/box", ACL: openACL, Flags: jute.FlagContainer}}}}, &r), 0)
	if r.Results[0].Type != jute.OpCreate2 || r.Results[0].Stat.Czxid != srv.Zxid() {
		t.Fatalf("container result %+v", r.Results[0])
	}
	// Reads cannot ride in a multi.
	wantCode(t, "read in multi", c.call(jute.OpMulti, &jute.MultiRequest{Ops: []jute.Op{
		{Type: jute.OpGetData, Req: &jute.PathWatchRequest{Path: "/m"}}}}, nil), jute.ErrMarshallingError)
}

func TestMultiRead(t *testing.T) {
	srv := server.RunT(t)
	c := newRaw(t, srv)
	c.mustCreate("/r", []byte("d"), 0)
	c.mustCreate("/r/k", nil, 0)
	var r jute.MultiResponse
	wantCode(t, "multiRead", c.call(jute.OpMultiRead, &jute.MultiRequest{Ops: []jute.Op{
		{Type: jute.OpGetData, Req: &jute.PathWatchRequest{Path: "/r"}},
		{Type: jute.OpGetChildren, Req: &jute.PathWatchRequest{Path: "/r"}},
		{Type: jute.OpGetData, Req: &jute.PathWatchRequest{Path: "/nope"}},
	}}, &r), 0)
	if len(r.Results) != 3 || string(r.Results[0].Data) != "d" || r.Results[0].Stat.NumChildren != 1 ||
		len(r.Results[1].Children) != 1 || r.Results[2].Type != jute.OpError || r.Results[2].Err != jute.ErrNoNode {
		t.Fatalf("results %+v", r.Results)
	}
}
