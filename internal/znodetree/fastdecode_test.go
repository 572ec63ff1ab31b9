package znodetree

import (
	"bytes"
	"reflect"
	"testing"
)

// fastDecodeSeeds are lines the Writer produces and near misses fastDecode must decline or read as
// encoding/json does.
var fastDecodeSeeds = []string{
	`{"path":"/","mode":"persistent","encoding":"utf8","data":"","acl":[{"scheme":"world","id":"anyone","perms":"cdrwa"}]}`,
	`{"path":"/a/b","mode":"ttl","ttl":5000,"encoding":"base64","data":"AAEC/w==","acl":[{"scheme":"digest","id":"u:x=","perms":"r"},{"scheme":"ip","id":"10.0.0.1","perms":"cdrwa"}],"stat":{"czxid":2,"mzxid":-3,"ctime":1795986007990,"mtime":1795986007990,"version":0,"cversion":7,"aversion":0,"ephemeralOwner":-9223372036854775808,"numChildren":2}}`,
	` { "path" : "/x" , "data" : "a\"b\\c\/d\b\f\n\r\t\u003c\u00e9\ud83d\ude00" , "acl" : [ ] , "stat" : { } } `,
	`{"path":"/x","data":"\ud83d"}`,
	`{"path":"/n","data":null,"acl":[]}`, `{"path":"/n","data": null }`, `{"data":nul}`, `{"data":nullx}`, `{"data":"x","data":null}`,
	`{"path":"/x","data":"\udc00\ud83d"}`,
	`{"path":"/x","data":"\ud83d\u0041"}`,
	`{"Path":"/x"}`,
	`{"pat\u0068":"/x"}`,
	`{"path":"/x","path":"/y"}`,
	`{"path":null}`,
	`{"ttl":1.5}`, `{"ttl":1e3}`, `{"ttl":01}`, `{"ttl":-0}`, `{"ttl":-}`, `{"ttl":9223372036854775808}`,
	`{"stat":{"version":2147483648}}`, `{"stat":{"version":-2147483648}}`,
	`{"path":"/x"} x`, `{"path":"/x",}`, `{"path" "/x"}`, `{"acl":[{"scheme":"w"},]}`,
	"{\"data\":\"a\x01b\"}", "{\"data\":\"\xff\"}", `{"data":"\x"}`, `{"data":"\u12"}`, `{}`, `[]`, `null`, ``,
}

// TestFastDecodeAgreesOnSeeds runs the seeds through the comparison the fuzz target makes, so a
// plain go test checks them too.
func TestFastDecodeAgreesOnSeeds(t *testing.T) {
	accepted := 0
	for _, s := range fastDecodeSeeds {
		if agreeWithJSON(t, []byte(s)) {
			accepted++
		}
	}
	if accepted < 5 {
		t.Fatalf("fastDecode accepted only %d seeds: the fast path is not being taken", accepted)
	}
}

// TestFastDecodeReadsWriterLines checks that lines the Writer writes take the fast path.
func TestFastDecodeReadsWriterLines(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Header{Root: "/r"})
	if err != nil {
		t.Fatal(err)
	}
	nodes := []*Node{
		{Path: "/", Mode: Persistent, ACL: []ACL{{"world", "anyone", "cdrwa"}}},
		{Path: "/html", Mode: Ephemeral, ACL: []ACL{{"digest", "bob:abc=", "cdrwa"}}, Stat: &Stat{Czxid: 1 << 40, EphemeralOwner: 77, NumChildren: 3}},
		{Path: "/t", Mode: TTL, TTL: 1000, ACL: []ACL{{"world", "anyone", "r"}}},
		{Path: "/null", Mode: Persistent, ACL: []ACL{{"world", "anyone", "r"}}},
		{Path: "/empty", Mode: Persistent, ACL: []ACL{{"world", "anyone", "r"}}},
	}
	nodes[0].SetBytes([]byte(`<a href="x&y">é😀 "q" \ /` + "\t\n\u2028"))
	nodes[1].SetBytes([]byte{0, 1, 2, 0xff})
	nodes[3].SetBytes(nil)
	nodes[4].SetBytes([]byte{})
	for _, n := range nodes {
		if err := w.Write(n); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))[1:]
	for i, l := range lines {
		got, ok := fastDecode(l)
		if !ok {
			t.Fatalf("fastDecode declined a line the Writer wrote: %s", l)
		}
		if ref, err := decodeJSON(l); err != nil || !reflect.DeepEqual(ref, nodes[i]) {
			t.Errorf("encoding/json reads line %s as %+v, %v; want %+v", l, ref, err, nodes[i])
		}
		if !reflect.DeepEqual(got, nodes[i]) {
			t.Errorf("line %s:\n got %+v\nwant %+v", l, got, nodes[i])
		}
	}
}

// FuzzFastDecodeAgrees: whenever fastDecode accepts a line, encoding/json reads the same node from it.
func FuzzFastDecodeAgrees(f *testing.F) {
	for _, s := range fastDecodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { agreeWithJSON(t, b) })
}

func agreeWithJSON(t *testing.T, b []byte) (accepted bool) {
	t.Helper()
	got, ok := fastDecode(b)
	if !ok {
		return false
	}
	want, err := decodeJSON(b)
	if err != nil {
		t.Fatalf("fastDecode accepted %q, which encoding/json refuses: %v", b, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\nfastDecode   %+v (stat %+v)\nencoding/json %+v (stat %+v)", b, got, got.Stat, want, want.Stat)
	}
	return true
}
