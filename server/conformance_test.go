package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/jute"
	"github.com/zksh/zksh/server"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// wireStep is one request of a scripted session; resp decodes its reply body.
type wireStep struct {
	op   int32
	req  jute.Record
	resp func() jute.Record
}

// transcript runs steps on a fresh session and renders every reply and event with the parts that
// legitimately differ between servers normalized: zxids relative to the session's first write,
// times, and the session id.
func transcript(t *testing.T, addr, base string, steps []wireStep) string {
	c := dialRaw(t, addr, jute.ConnectRequest{TimeOut: 10000})
	var b strings.Builder
	var zbase int64 = -1
	rel := func(z int64) string {
		if z <= 0 || zbase < 0 {
			return fmt.Sprint(z)
		}
		return fmt.Sprintf("Z%+d", z-zbase)
	}
	norm := func(st *jute.Stat) string {
		owner := fmt.Sprint(st.EphemeralOwner)
		if st.EphemeralOwner == c.conn.SessionID {
			owner = "SELF"
		}
		return fmt.Sprintf("{c=%s m=%s p=%s v=%d cv=%d av=%d owner=%s len=%d kids=%d times=%v}",
			rel(st.Czxid), rel(st.Mzxid), rel(st.Pzxid), st.Version, st.Cversion, st.Aversion, owner,
			st.DataLength, st.NumChildren, st.Ctime > 0 && st.Mtime >= st.Ctime)
	}
	for i, s := range steps {
		req := s.req
		if pr, ok := req.(interface{ rebase(string) jute.Record }); ok {
			req = pr.rebase(base)
		}
		c.send(s.op, req)
		var body jute.Record
		if s.resp != nil {
			body = s.resp()
		}
		h := c.read(body)
		if zbase < 0 && h.Zxid > 0 && s.op != jute.OpPing {
			zbase = h.Zxid
		}
		for _, ev := range c.takeEvents() {
			fmt.Fprintf(&b, "  event %d %s\n", ev.Type, strings.Replace(ev.Path, base, "BASE", 1))
		}
		fmt.Fprintf(&b, "%d op=%d err=%s zxid=%s", i, s.op, jute.ErrName(h.Err), rel(h.Zxid))
		if h.Err == 0 && body != nil {
			text := ""
			switch r := body.(type) {
			case *jute.StatResponse:
				text = norm(&r.Stat)
			case *jute.Create2Response:
				text = r.Path + " " + norm(&r.Stat)
			case *jute.GetDataResponse:
				text = fmt.Sprintf("%q nil=%v %s", r.Data, r.Data == nil, norm(&r.Stat))
			case *jute.GetChildren2Response:
				text = fmt.Sprintf("%v %s", r.Children, norm(&r.Stat))
			case *jute.GetACLResponse:
				text = fmt.Sprintf("%+v %s", r.ACL, norm(&r.Stat))
			case *jute.MultiResponse:
				for _, res := range r.Results {
					text += fmt.Sprintf("[%d %s %s %q %v %s]", res.Type, jute.ErrName(res.Err), res.Path, res.Data, res.Children, norm(&res.Stat))
				}
			default:
				text = fmt.Sprintf("%+v", body)
			}
			b.WriteString(" " + strings.ReplaceAll(text, base, "BASE"))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// based marks requests whose paths are relative to the scenario's base node.
type basedCreate struct{ jute.CreateRequest }

func (r *basedCreate) rebase(base string) jute.Record {
	q := r.CreateRequest
	q.Path = base + q.Path
	return &q
}

type basedPath struct {
	op   string
	path string
	v    int32
	data []byte
}

func (r *basedPath) Encode(e *jute.Encoder) {}
func (r *basedPath) Decode(d *jute.Decoder) {}
func (r *basedPath) rebase(base string) jute.Record {
	p := base + r.path
	switch r.op {
	case "watch":
		return &jute.PathWatchRequest{Path: p, Watch: true}
	case "read":
		return &jute.PathWatchRequest{Path: p}
	case "version":
		return &jute.PathVersionRequest{Path: p, Version: r.v}
	case "set":
		return &jute.SetDataRequest{Path: p, Data: r.data, Version: r.v}
	case "acl":
		return &jute.SetACLRequest{Path: p, Version: r.v, ACL: []jute.ACL{{Perms: jute.PermRead | jute.PermAdmin, ID: jute.ID{Scheme: "world", ID: "anyone"}}}}
	case "int":
		return &jute.PathIntRequest{Path: p, Value: r.v}
	}
	return &jute.PathRecord{Path: p}
}

type basedMulti struct{ ops []jute.Op }

func (r *basedMulti) Encode(e *jute.Encoder) {}
func (r *basedMulti) Decode(d *jute.Decoder) {}
func (r *basedMulti) rebase(base string) jute.Record {
	out := &jute.MultiRequest{}
	for _, op := range r.ops {
		req := op.Req
		if rb, ok := req.(interface{ rebase(string) jute.Record }); ok {
			req = rb.rebase(base)
		}
		out.Ops = append(out.Ops, jute.Op{Type: op.Type, Req: req})
	}
	return out
}

func mk(path string, data string, flags int32) *basedCreate {
	var d []byte
	if data != "" {
		d = []byte(data)
	}
	return &basedCreate{jute.CreateRequest{Path: path, Data: d, ACL: openACL, Flags: flags}}
}

func newStat() jute.Record    { return &jute.StatResponse{} }
func newCreate2() jute.Record { return &jute.Create2Response{} }
func newData() jute.Record    { return &jute.GetDataResponse{} }
func newKids() jute.Record    { return &jute.GetChildren2Response{} }
func newACL() jute.Record     { return &jute.GetACLResponse{} }
func newMulti() jute.Record   { return &jute.MultiResponse{} }
func newPath() jute.Record    { return &jute.PathRecord{} }

// TestWireConformance runs one scripted session against Apache ZooKeeper 3.8 and against this
// server, and compares the normalized replies, error codes and watch events.
func TestWireConformance(t *testing.T) {
	apache := zktest.Apache(t)
	srv, err := server.New(server.Config{TickTime: 500 * time.Millisecond, ExtendedTypesEnabled: true,
		SuperDigest: zktest.SuperDigest, FourLetterWords: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Close() })

	steps := []wireStep{
		{jute.OpCreate2, mk("", "base", 0), newCreate2},
		{jute.OpCreate2, mk("/a", "x", 0), newCreate2},
		{jute.OpCreate2, mk("/a", "x", 0), newCreate2},
		{jute.OpCreate2, mk("/nope/a", "", 0), newCreate2},
		{jute.OpCreate2, mk("/a/", "", 0), newCreate2},
		{jute.OpCreate2, mk("/a/s-", "", jute.FlagPersistentSequential), newCreate2},
		{jute.OpCreate2, mk("/a/e-", "", jute.FlagEphemeralSequential), newCreate2},
		{jute.OpCreate2, mk("/a/e-0000000001/x", "", 0), newCreate2},
		{jute.OpCreate, mk("/a/plain", "", 0), newPath},
		{jute.OpCreateContainer, mk("/box", "", jute.FlagContainer), newCreate2},
		{jute.OpCreateTTL, &basedCreateTTL{jute.CreateTTLRequest{Path: "/ttl", ACL: openACL, Flags: jute.FlagPersistentWithTTL, TTL: 60000}}, newCreate2},
		{jute.OpCreateTTL, &basedCreateTTL{jute.CreateTTLRequest{Path: "/ttl2", ACL: openACL, Flags: jute.FlagPersistentWithTTL, TTL: 0}}, newCreate2},
		{jute.OpGetData, &basedPath{op: "watch", path: "/a"}, newData},
		{jute.OpGetChildren2, &basedPath{op: "watch", path: "/a"}, newKids},
		{jute.OpExists, &basedPath{op: "watch", path: "/later"}, newStat},
		{jute.OpSetData, &basedPath{op: "set", path: "/a", data: []byte("y"), v: 0}, newStat},
		{jute.OpSetData, &basedPath{op: "set", path: "/a", data: []byte("z"), v: 0}, newStat},
		{jute.OpCreate2, mk("/later", "", 0), newCreate2},
		{jute.OpDelete, &basedPath{op: "version", path: "/a/plain", v: 0}, nil},
		{jute.OpDelete, &basedPath{op: "version", path: "/a", v: -1}, nil},
		{jute.OpGetChildren2, &basedPath{op: "read", path: "/a"}, newKids},
		{jute.OpGetChildren2, &basedPath{op: "read", path: ""}, newKids},
		{jute.OpSetACL, &basedPath{op: "acl", path: "/later", v: 0}, newStat},
		{jute.OpGetACL, &basedPath{path: "/later"}, newACL},
		{jute.OpSetData, &basedPath{op: "set", path: "/later", v: -1}, newStat},
		{jute.OpMulti, &basedMulti{ops: []jute.Op{
			{Type: jute.OpCreate, Req: mk("/m", "1", 0)},
			{Type: jute.OpCreate2, Req: mk("/m/s-", "", jute.FlagPersistentSequential)},
			{Type: jute.OpSetData, Req: &basedPath{op: "set", path: "/m", v: 0}},
			{Type: jute.OpCheck, Req: &basedPath{op: "version", path: "/m", v: 1}},
			{Type: jute.OpDelete, Req: &basedPath{op: "version", path: "/m/s-0000000000", v: 0}},
		}}, newMulti},
		{jute.OpMulti, &basedMulti{ops: []jute.Op{
			{Type: jute.OpCreate, Req: mk("/m2", "", 0)},
			{Type: jute.OpDelete, Req: &basedPath{op: "version", path: "/m", v: 9}},
			{Type: jute.OpCreate, Req: mk("/m3", "", 0)},
		}}, newMulti},
		{jute.OpMultiRead, &basedMulti{ops: []jute.Op{
			{Type: jute.OpGetData, Req: &basedPath{op: "read", path: "/m"}},
			{Type: jute.OpGetChildren, Req: &basedPath{op: "read", path: "/m2"}},
		}}, newMulti},
		{jute.OpAddWatch, &basedPath{op: "int", path: "/m", v: jute.AddWatchPersistentRecursive}, func() jute.Record { return &jute.IntRecord{} }},
		{jute.OpCreate2, mk("/m/deep", "", 0), newCreate2},
		{jute.OpCheckWatches, &basedPath{op: "int", path: "/m", v: jute.WatcherData}, nil},
		{jute.OpRemoveWatches, &basedPath{op: "int", path: "/m", v: jute.WatcherChildren}, nil},
		{jute.OpRemoveWatches, &basedPath{op: "int", path: "/m", v: jute.WatcherAny}, nil},
		{jute.OpGetAllChildrenNumber, &basedPath{path: ""}, func() jute.Record { return &jute.IntRecord{} }},
		{jute.OpGetEphemerals, &basedPath{path: ""}, func() jute.Record { return &jute.StringsResponse{} }},
		{jute.OpSync, &basedPath{path: "/x"}, newPath},
		{jute.OpReconfig, &jute.ReconfigRequest{JoiningServers: "server.9=127.0.0.1:1:2;3", CurConfigID: -1}, newData},
		{jute.OpDelete, &basedPath{op: "version", path: "/a/e-0000000001", v: 0}, nil},
		{jute.OpGetChildren2, &basedPath{op: "read", path: "/a"}, newKids},
	}
	compareTranscripts(t, apache, srv.Addr(), steps)
	compareTranscripts(t, apache, srv.Addr(), aclSteps())
	compareTranscripts(t, apache, srv.Addr(), edgeSteps())
}

func compareTranscripts(t *testing.T, apache, zksh string, steps []wireStep) {
	t.Helper()
	base := fmt.Sprintf("/conformance-%d", time.Now().UnixNano())
	want := transcript(t, apache, base, steps)
	got := transcript(t, zksh, base, steps)
	if got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := range wl {
			if i >= len(gl) || gl[i] != wl[i] {
				g := "<missing>"
				if i < len(gl) {
					g = gl[i]
				}
				t.Errorf("line %d\n apache: %s\n   zksh: %s", i, wl[i], g)
			}
		}
	}
	t.Logf("apache transcript:\n%s", want)
}

func auth(scheme, cred string) *jute.AuthPacket {
	return &jute.AuthPacket{Scheme: scheme, Auth: []byte(cred)}
}

func mkACL(path string, acl ...jute.ACL) *basedCreate {
	return &basedCreate{jute.CreateRequest{Path: path, ACL: acl}}
}

func digestACL(perms int32, userPass string) jute.ACL {
	return jute.ACL{Perms: perms, ID: jute.ID{Scheme: "digest", ID: server.Digest(userPass)}}
}

// aclSteps exercises authentication and every permission check.
func aclSteps() []wireStep {
	world := func(perms int32) jute.ACL { return jute.ACL{Perms: perms, ID: jute.ID{Scheme: "world", ID: "anyone"}} }
	return []wireStep{
		{jute.OpCreate2, mk("", "", 0), newCreate2},
		{jute.OpWhoAmI, nil, func() jute.Record { return &jute.WhoAmIResponse{} }},
		{jute.OpCreate2, mkACL("/authless", jute.ACL{Perms: jute.PermAll, ID: jute.ID{Scheme: "auth"}}), newCreate2},
		{jute.OpAuth, auth("digest", "bob:pw"), nil},
		{jute.OpAuth, auth("digest", "bob:pw"), nil},
		{jute.OpWhoAmI, nil, func() jute.Record { return &jute.WhoAmIResponse{} }},
		{jute.OpCreate2, mkACL("/mine", jute.ACL{Perms: jute.PermAll, ID: jute.ID{Scheme: "auth"}}, world(jute.PermRead)), newCreate2},
		{jute.OpGetACL, &basedPath{path: "/mine"}, newACL},
		{jute.OpCreate2, mkACL("/alice", digestACL(jute.PermAll, "alice:pw")), newCreate2},
		{jute.OpGetData, &basedPath{op: "read", path: "/alice"}, newData},
		{jute.OpExists, &basedPath{op: "read", path: "/alice"}, newStat},
		{jute.OpGetACL, &basedPath{path: "/alice"}, newACL},
		{jute.OpSetData, &basedPath{op: "set", path: "/alice", v: -1}, newStat},
		{jute.OpCreate2, mk("/alice/kid", "", 0), newCreate2},
		{jute.OpDelete, &basedPath{op: "version", path: "/alice", v: -1}, nil},
		{jute.OpCreate2, mkACL("/ro", world(jute.PermRead|jute.PermAdmin)), newCreate2},
		{jute.OpCreate2, mk("/ro/kid", "", 0), newCreate2},
		{jute.OpGetACL, &basedPath{path: "/ro"}, newACL},
		{jute.OpSetACL, &basedPath{op: "acl", path: "/ro", v: 7}, newStat},
		{jute.OpCreate2, mkACL("/ip", jute.ACL{Perms: jute.PermAll, ID: jute.ID{Scheme: "ip", ID: "127.0.0.0/8"}}), newCreate2},
		{jute.OpSetData, &basedPath{op: "set", path: "/ip", v: -1}, newStat},
		{jute.OpCreate2, mkACL("/ip6", jute.ACL{Perms: jute.PermAll, ID: jute.ID{Scheme: "ip", ID: "10.1.2.3"}}), newCreate2},
		{jute.OpGetData, &basedPath{op: "read", path: "/ip6"}, newData},
		{jute.OpCreate2, mkACL("/bad1", jute.ACL{Perms: jute.PermAll, ID: jute.ID{Scheme: "digest", ID: "a:b:c"}}), newCreate2},
		{jute.OpCreate2, mkACL("/bad2", jute.ACL{Perms: jute.PermAll, ID: jute.ID{Scheme: "ip", ID: "1.2.3"}}), newCreate2},
		{jute.OpCreate2, mkACL("/bad3", jute.ACL{Perms: jute.PermAll, ID: jute.ID{Scheme: "world", ID: "someone"}}), newCreate2},
		{jute.OpCreate2, mkACL("/bad4", jute.ACL{Perms: jute.PermAll, ID: jute.ID{Scheme: "super", ID: ""}}), newCreate2},
		{jute.OpCreate2, mkACL("/dup", world(jute.PermAll), world(jute.PermAll)), newCreate2},
		{jute.OpGetACL, &basedPath{path: "/dup"}, newACL},
		{jute.OpAuth, auth("digest", "super:"+zktest.SuperPassword), nil},
		{jute.OpWhoAmI, nil, func() jute.Record { return &jute.WhoAmIResponse{} }},
		{jute.OpGetData, &basedPath{op: "read", path: "/alice"}, newData},
		{jute.OpDelete, &basedPath{op: "version", path: "/alice", v: -1}, nil},
		{jute.OpAuth, auth("nosuch", "x"), nil},
	}
}

// edgeSteps covers odd flags, paths and versions.
func edgeSteps() []wireStep {
	return []wireStep{
		{jute.OpCreate2, mk("", "", 0), newCreate2},
		{jute.OpCreate2, mk("/x", "", -1), newCreate2},
		{jute.OpCreate2, mk("/x", "", 7), newCreate2},
		{jute.OpCreate, mk("/c4", "", jute.FlagContainer), newPath},
		{jute.OpExists, &basedPath{op: "read", path: "/c4"}, newStat},
		{jute.OpCreateContainer, mk("/c0", "", 0), newCreate2},
		{jute.OpCreate2, mk("/dot/.", "", 0), newCreate2},
		{jute.OpCreate2, mk("/a//b", "", 0), newCreate2},
		{jute.OpCreate2, mk("/s", "", jute.FlagPersistentSequential), newCreate2},
		{jute.OpCreate2, mk("/", "", jute.FlagPersistentSequential), newCreate2},
		{jute.OpGetData, &basedPath{op: "read", path: "/nonexistent"}, newData},
		{jute.OpGetData, &basedPath{op: "read", path: "relative"}, newData},
		{jute.OpSetData, &basedPath{op: "set", path: "/trailing/", v: -1}, newStat},
		{jute.OpDelete, &basedPath{op: "version", path: "/nonexistent", v: -1}, nil},
		{jute.OpDelete, &basedPath{op: "version", path: "/s0000000006", v: 3}, nil},
		{jute.OpSetData, &basedPath{op: "set", path: "", data: make([]byte, 1000), v: 0}, newStat},
		{jute.OpGetChildren2, &basedPath{op: "read", path: ""}, newKids},
		{jute.OpGetAllChildrenNumber, &basedPath{path: "/nonexistent"}, nil},
		{jute.OpCheckWatches, &basedPath{op: "int", path: "", v: jute.WatcherAny}, nil},
		{jute.OpGetChildren2, &basedPath{op: "watch", path: ""}, newKids},
		{jute.OpCheckWatches, &basedPath{op: "int", path: "", v: jute.WatcherData}, nil},
		{jute.OpCheckWatches, &basedPath{op: "int", path: "", v: jute.WatcherChildren}, nil},
		{jute.OpCreate2, mk("/fire", "", 0), newCreate2},
		{jute.OpCheckWatches, &basedPath{op: "int", path: "", v: jute.WatcherChildren}, nil},
		{jute.OpAddWatch, &basedPath{op: "int", path: "/fire", v: jute.AddWatchPersistent}, func() jute.Record { return &jute.IntRecord{} }},
		{jute.OpGetData, &basedPath{op: "watch", path: "/fire"}, newData},
		{jute.OpSetData, &basedPath{op: "set", path: "/fire", v: -1}, newStat},
		{jute.OpSetData, &basedPath{op: "set", path: "/fire", v: -1}, newStat},
		{jute.OpCreate2, mk("/fire/k", "", 0), newCreate2},
		{jute.OpDelete, &basedPath{op: "version", path: "/fire/k", v: -1}, nil},
		{jute.OpDelete, &basedPath{op: "version", path: "/fire", v: -1}, nil},
		{jute.OpMulti, &basedMulti{}, newMulti},
		{jute.OpMulti, &basedMulti{ops: []jute.Op{
			{Type: jute.OpCheck, Req: &basedPath{op: "version", path: "/nonexistent", v: -1}},
		}}, newMulti},
		{jute.OpMulti, &basedMulti{ops: []jute.Op{
			{Type: jute.OpCreateContainer, Req: mk("/mc", "", 0)},
			{Type: jute.OpCreateTTL, Req: &basedCreateTTL{jute.CreateTTLRequest{Path: "/mt", ACL: openACL, Flags: jute.FlagPersistentSequentialWithTTL, TTL: 10000}}},
			{Type: jute.OpCreateTTL, Req: &basedCreateTTL{jute.CreateTTLRequest{Path: "/mt2", ACL: openACL, Flags: 0, TTL: 10000}}},
		}}, newMulti},
		{jute.OpGetChildren2, &basedPath{op: "read", path: ""}, newKids},
		{jute.OpSync, &basedPath{path: "/\xff\xfe-\xe2\x82-\xf0\x9f\x98-\xc3"}, newPath},
	}
}

type basedCreateTTL struct{ jute.CreateTTLRequest }

func (r *basedCreateTTL) rebase(base string) jute.Record {
	q := r.CreateTTLRequest
	q.Path = base + q.Path
	return &q
}
