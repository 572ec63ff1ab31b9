package jute

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"testing"
	"testing/iotest"
)

func sampleStat() Stat {
	return Stat{Czxid: 1, Mzxid: 2, Ctime: 3, Mtime: 4, Version: 5, Cversion: -6, Aversion: 7,
		EphemeralOwner: 0x100000603730003, DataLength: 9, NumChildren: 10, Pzxid: 11}
}

// records returns one populated instance of every record, with a constructor for an empty one.
func records() []struct {
	rec   Record
	empty func() Record
} {
	acl := []ACL{{Perms: 31, ID: ID{Scheme: "world", ID: "anyone"}}, {Perms: 1, ID: ID{Scheme: "ip", ID: "10.0.0.0/8"}}}
	st := sampleStat()
	return []struct {
		rec   Record
		empty func() Record
	}{
		{&st, func() Record { return &Stat{} }},
		{&ConnectRequest{ProtocolVersion: 0, LastZxidSeen: 42, TimeOut: 30000, SessionID: 7, Passwd: make([]byte, 16), ReadOnly: true, HasReadOnly: true}, func() Record { return &ConnectRequest{} }},
		{&ConnectRequest{TimeOut: 1, Passwd: []byte{1, 2}}, func() Record { return &ConnectRequest{} }},
		{&ConnectResponse{TimeOut: 4000, SessionID: 9, Passwd: []byte("0123456789abcdef"), HasReadOnly: true}, func() Record { return &ConnectResponse{} }},
		{&RequestHeader{Xid: 5, Type: OpCreate}, func() Record { return &RequestHeader{} }},
		{&ReplyHeader{Xid: -1, Zxid: -1, Err: ErrNoNode}, func() Record { return &ReplyHeader{} }},
		{&CreateRequest{Path: "/a", Data: []byte("x"), ACL: acl, Flags: 3}, func() Record { return &CreateRequest{} }},
		{&CreateRequest{Path: "/nil-data", ACL: acl}, func() Record { return &CreateRequest{} }},
		{&CreateTTLRequest{Path: "/t", Data: []byte{}, ACL: acl, Flags: 5, TTL: 1000}, func() Record { return &CreateTTLRequest{} }},
		{&PathVersionRequest{Path: "/d", Version: -1}, func() Record { return &PathVersionRequest{} }},
		{&PathWatchRequest{Path: "/w", Watch: true}, func() Record { return &PathWatchRequest{} }},
		{&PathRecord{Path: "/ünïcode"}, func() Record { return &PathRecord{} }},
		{&SetDataRequest{Path: "/s", Data: []byte("v"), Version: 3}, func() Record { return &SetDataRequest{} }},
		{&SetACLRequest{Path: "/s", ACL: acl, Version: 1}, func() Record { return &SetACLRequest{} }},
		{&StatResponse{Stat: st}, func() Record { return &StatResponse{} }},
		{&Create2Response{Path: "/c", Stat: st}, func() Record { return &Create2Response{} }},
		{&GetDataResponse{Data: []byte("data"), Stat: st}, func() Record { return &GetDataResponse{} }},
		{&GetACLResponse{ACL: acl, Stat: st}, func() Record { return &GetACLResponse{} }},
		{&StringsResponse{Strings: []string{"a", "b"}}, func() Record { return &StringsResponse{} }},
		{&GetChildren2Response{Children: []string{}, Stat: st}, func() Record { return &GetChildren2Response{} }},
		{&IntRecord{Value: -121}, func() Record { return &IntRecord{} }},
		{&MultiHeader{Type: -1, Done: true, Err: -1}, func() Record { return &MultiHeader{} }},
		{&AuthPacket{Scheme: "digest", Auth: []byte("u:p")}, func() Record { return &AuthPacket{} }},
		{&SetWatches{RelativeZxid: 9, Data: []string{"/a"}, Exist: []string{}, Child: []string{"/b", "/c"}}, func() Record { return &SetWatches{} }},
		{&SetWatches{V2: true, RelativeZxid: 9, Data: []string{}, Exist: []string{}, Child: []string{}, Persistent: []string{"/p"}, PersistentRecursive: []string{"/r"}}, func() Record { return &SetWatches{V2: true} }},
		{&PathIntRequest{Path: "/x", Value: 1}, func() Record { return &PathIntRequest{} }},
		{&WhoAmIResponse{ClientInfo: []ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}}}, func() Record { return &WhoAmIResponse{} }},
		{&WatcherEvent{Type: EventNodeCreated, State: StateSyncConnected, Path: "/e"}, func() Record { return &WatcherEvent{} }},
		{&ReconfigRequest{JoiningServers: "server.2=h:1:2;3", CurConfigID: -1}, func() Record { return &ReconfigRequest{} }},
		{&MultiRequest{Ops: []Op{
			{Type: OpCreate, Req: &CreateRequest{Path: "/m", ACL: acl}},
			{Type: OpCreateTTL, Req: &CreateTTLRequest{Path: "/t", ACL: acl, Flags: 5, TTL: 5}},
			{Type: OpDelete, Req: &PathVersionRequest{Path: "/m", Version: 0}},
			{Type: OpSetData, Req: &SetDataRequest{Path: "/m", Data: []byte("d"), Version: -1}},
			{Type: OpCheck, Req: &PathVersionRequest{Path: "/m", Version: 2}},
			{Type: OpGetData, Req: &PathWatchRequest{Path: "/m"}},
		}}, func() Record { return &MultiRequest{} }},
		{&MultiResponse{Results: []OpResult{
			{Type: OpCreate, Path: "/m"},
			{Type: OpCreate2, Path: "/n", Stat: st},
			{Type: OpDelete},
			{Type: OpSetData, Stat: st},
			{Type: OpCheck},
			{Type: OpGetChildren, Children: []string{"x"}},
			{Type: OpGetData, Data: []byte("d"), Stat: st},
			{Type: OpError, Err: ErrNoNode},
		}}, func() Record { return &MultiResponse{} }},
	}
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range records() {
		b := Marshal(tc.rec)
		got := tc.empty()
		if err := Unmarshal(b, got); err != nil {
			t.Fatalf("%T: unmarshal: %v", tc.rec, err)
		}
		if !reflect.DeepEqual(got, tc.rec) {
			t.Errorf("%T: round trip\n got %+v\nwant %+v", tc.rec, got, tc.rec)
		}
		if again := Marshal(got); !bytes.Equal(again, b) {
			t.Errorf("%T: re-encoding differs", tc.rec)
		}
		// Every strict prefix must fail to decode, never panic or succeed silently.
		for i := 0; i < len(b); i++ {
			if err := Unmarshal(b[:i], tc.empty()); err == nil {
				if _, optional := tc.rec.(*ConnectRequest); optional {
					continue // the trailing readOnly byte is optional
				}
				if _, optional := tc.rec.(*ConnectResponse); optional {
					continue
				}
				t.Errorf("%T: prefix of %d/%d bytes decoded without error", tc.rec, i, len(b))
			}
		}
	}
}

func TestWireLayout(t *testing.T) {
	// A ReplyHeader is xid, zxid, err: 4+8+4 big-endian bytes.
	got := Marshal(&ReplyHeader{Xid: 1, Zxid: 2, Err: -101})
	want := []byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0x9b}
	if !bytes.Equal(got, want) {
		t.Fatalf("ReplyHeader = %x, want %x", got, want)
	}
	// Null buffers and vectors are length -1, as Java writes null.
	if got := Marshal(&GetDataResponse{}); !bytes.Equal(got[:4], []byte{0xff, 0xff, 0xff, 0xff}) {
		t.Fatalf("nil data = %x", got[:4])
	}
	// The multi terminator is type -1, done true, err -1.
	if got := Marshal(&MultiRequest{}); !bytes.Equal(got, []byte{0xff, 0xff, 0xff, 0xff, 1, 0xff, 0xff, 0xff, 0xff}) {
		t.Fatalf("empty multi = %x", got)
	}
}

func TestFrames(t *testing.T) {
	var buf []byte
	buf = AppendFrame(buf, &RequestHeader{Xid: 1, Type: OpPing})
	buf = AppendFrame(buf, &RequestHeader{Xid: 2, Type: OpGetData}, &PathWatchRequest{Path: "/a"})
	r := bytes.NewReader(buf)
	f1, err := ReadFrame(r, 100, nil)
	if err != nil || len(f1) != 8 {
		t.Fatalf("frame 1: %x %v", f1, err)
	}
	f2, err := ReadFrame(r, 100, nil)
	if err != nil || len(f2) != 8+4+2+1 {
		t.Fatalf("frame 2: %x %v", f2, err)
	}
	if _, err := ReadFrame(bytes.NewReader([]byte{0, 0, 1, 0}), 255, nil); !errors.Is(err, ErrLength) {
		t.Fatalf("oversized frame: %v", err)
	}
	if _, err := ReadFrame(bytes.NewReader([]byte{0xff, 0, 0, 0}), 255, nil); !errors.Is(err, ErrLength) {
		t.Fatalf("negative frame: %v", err)
	}
	if _, err := ReadFrame(bytes.NewReader([]byte{0, 0, 0, 9, 1}), 255, nil); err == nil {
		t.Fatal("truncated frame accepted")
	}
}

func TestHugeLengthsRejected(t *testing.T) {
	// A vector claiming 2^30 strings in a 12-byte record must fail fast, not allocate.
	b := []byte{0x40, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 0}
	if err := Unmarshal(b, &StringsResponse{}); err == nil {
		t.Fatal("huge vector accepted")
	}
	d := NewDecoder([]byte{0x7f, 0xff, 0xff, 0xff})
	if d.Buffer(); d.Err == nil {
		t.Fatal("huge buffer accepted")
	}
}

func TestInvalidUTF8BecomesReplacement(t *testing.T) {
	var r PathRecord
	if err := Unmarshal([]byte{0, 0, 0, 3, '/', 0xff, 'a'}, &r); err != nil {
		t.Fatal(err)
	}
	if r.Path != "/\uFFFDa" {
		t.Fatalf("path %q", r.Path)
	}
}

func TestJavaStringMaximalSubparts(t *testing.T) {
	// Apache 3.8.0 answered sync on these bytes with one U+FFFD per bad byte or truncated sequence.
	got := JavaString([]byte("/\xff\xfe-\xe2\x82-\xf0\x9f\x98-\xc3"))
	if want := "/\uFFFD\uFFFD-\uFFFD-\uFFFD-\uFFFD"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := JavaString([]byte("ok ü 😀")); got != "ok ü 😀" {
		t.Fatalf("valid text changed: %q", got)
	}
}

func TestReadFrameLargeGrowsAsBytesArrive(t *testing.T) {
	body := make([]byte, 300<<10)
	for i := range body {
		body[i] = byte(i * 7)
	}
	frame := append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
	got, err := ReadFrame(iotest.HalfReader(bytes.NewReader(frame)), DefaultMaxBuffer, make([]byte, 0, 16))
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("large frame: %d bytes, %v", len(got), err)
	}
	// Cut anywhere, the frame is an unexpected EOF.
	for _, cut := range []int{4, 5, 64<<10 + 4, 200 << 10, len(frame) - 1} {
		if _, err := ReadFrame(bytes.NewReader(frame[:cut]), DefaultMaxBuffer, nil); err != io.ErrUnexpectedEOF {
			t.Errorf("cut at %d: %v", cut, err)
		}
	}
}
