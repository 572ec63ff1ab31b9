package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

var testStat = &zk.Stat{
	Czxid: 0x1a, Mzxid: 0x2b, Pzxid: 0x1a,
	Ctime: 1700000000123, Mtime: 1700000001456,
	Version: 2, Cversion: 1, Aversion: 0,
	EphemeralOwner: 0x100000b6c0a0002, DataLength: 5, NumChildren: 1,
}

func print(t *testing.T, f Format, tty bool, fn func(p Printer, w *bytes.Buffer) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := fn(New(f, Options{TTY: tty, Location: time.UTC}), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestPlainStatIsZkCli(t *testing.T) {
	got := print(t, Plain, false, func(p Printer, w *bytes.Buffer) error { return p.Stat(w, "/a", testStat) })
	want := `cZxid = 0x1a
ctime = Tue Nov 14 22:13:20 UTC 2023
mZxid = 0x2b
mtime = Tue Nov 14 22:13:21 UTC 2023
pZxid = 0x1a
cversion = 1
dataVersion = 2
aclVersion = 0
ephemeralOwner = 0x100000b6c0a0002
dataLength = 5
numChildren = 1
`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestJSONStat(t *testing.T) {
	got := print(t, JSON, false, func(p Printer, w *bytes.Buffer) error { return p.Stat(w, "/a", testStat) })
	var v struct {
		Path string
		Stat map[string]any
	}
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"cZxid": "0x1a", "ctime": "2023-11-14T22:13:20.123Z", "mZxid": "0x2b", "mtime": "2023-11-14T22:13:21.456Z",
		"pZxid": "0x1a", "cversion": 1.0, "dataVersion": 2.0, "aclVersion": 0.0, "ephemeralOwner": "0x100000b6c0a0002",
		"dataLength": 5.0, "numChildren": 1.0}
	if v.Path != "/a" || len(v.Stat) != len(want) {
		t.Fatalf("%s", got)
	}
	for k, w := range want {
		if v.Stat[k] != w {
			t.Errorf("%s = %v, want %v", k, v.Stat[k], w)
		}
	}
}

func TestNodeData(t *testing.T) {
	bin := []byte{0xff, 0xfe, 0x00}
	tests := []struct {
		name string
		f    Format
		tty  bool
		n    Node
		want string
	}{
		{"plain text", Plain, false, Node{Data: []byte("hi")}, "hi\n"},
		{"plain null", Plain, false, Node{Data: nil}, "null\n"},
		{"plain empty", Plain, false, Node{Data: []byte{}}, "\n"},
		{"plain binary to a pipe is raw", Plain, false, Node{Data: bin}, "\xff\xfe\x00\n"},
		{"plain binary to a terminal is a hex dump", Plain, true, Node{Data: bin}, "00000000  ff fe 00                                          |...|\n"},
		{"table binary to a terminal", Table, true, Node{Data: bin}, "00000000  ff fe 00                                          |...|\n"},
		{"control characters are binary too", Table, true, Node{Data: []byte("a\x1b[2Jb")}, "00000000  61 1b 5b 32 4a 62                                 |a.[2Jb|\n"},
		{"base64", Plain, false, Node{Data: bin, Encoding: Base64}, "//4A\n"},
		{"json text", JSON, false, Node{Path: "/a", Data: []byte("hé")}, `{"path":"/a","data":"hé"}` + "\n"},
		{"json binary", JSON, false, Node{Path: "/a", Data: bin}, `{"path":"/a","data":null,"dataBase64":"//4A"}` + "\n"},
		{"json null", JSON, false, Node{Path: "/a"}, `{"path":"/a","data":null}` + "\n"},
		{"json hex", JSON, false, Node{Path: "/a", Data: []byte("A"), Encoding: HexDump}, `{"path":"/a","data":"A","dataHex":"41"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := print(t, tt.f, tt.tty, func(p Printer, w *bytes.Buffer) error { return p.Node(w, tt.n) })
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestListings(t *testing.T) {
	c := Children{Path: "/", Names: []string{"a", "b"}}
	if got := print(t, Plain, false, func(p Printer, w *bytes.Buffer) error { return p.Children(w, c) }); got != "[a, b]\n" {
		t.Errorf("plain %q", got)
	}
	if got := print(t, Table, true, func(p Printer, w *bytes.Buffer) error { return p.Children(w, c) }); got != "a\nb\n" {
		t.Errorf("table %q", got)
	}
	if got := print(t, JSON, false, func(p Printer, w *bytes.Buffer) error { return p.Children(w, Children{Path: "/"}) }); got != `{"path":"/","children":[]}`+"\n" {
		t.Errorf("json empty %q", got)
	}

	l := Listing{Path: "/", Entries: []Entry{{Name: "eph", Stat: testStat}, {Name: "gone"}}}
	plain := print(t, Plain, false, func(p Printer, w *bytes.Buffer) error { return p.Listing(w, l) })
	if plain != "eph\t1\t5\t2\t2023-11-14T22:13:21.456Z\t0x100000b6c0a0002\ngone\t-\t-\t-\t(deleted)\t-\n" {
		t.Errorf("plain long %q", plain)
	}
	table := print(t, Table, true, func(p Printer, w *bytes.Buffer) error { return p.Listing(w, l) })
	lines := strings.Split(strings.TrimRight(table, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(strings.TrimSpace(lines[0]), "NAME") || !strings.Contains(lines[1], "2023-11-14 22:13:21") ||
		!strings.Contains(lines[1], "0x100000b6c0a0002") {
		t.Errorf("table long:\n%s", table)
	}
	// Same facts in every format: the plain row's fields appear in the table row.
	for _, f := range strings.Split(strings.Split(plain, "\n")[0], "\t") {
		if f != "2023-11-14T22:13:21.456Z" && !strings.Contains(lines[1], f) {
			t.Errorf("table row lacks %q: %q", f, lines[1])
		}
	}
}

func TestEventsAndACL(t *testing.T) {
	ev := EventFrom(zk.Event{Type: zk.EventNodeDataChanged, State: zk.StateHasSession, Path: "/x"}, "/x")
	if got := print(t, Plain, false, func(p Printer, w *bytes.Buffer) error { return p.Event(w, ev) }); got != "WATCHER: NodeDataChanged /x\n" {
		t.Errorf("%q", got)
	}
	if got := print(t, JSON, false, func(p Printer, w *bytes.Buffer) error { return p.Event(w, ev) }); got != `{"event":"NodeDataChanged","state":"SyncConnected","path":"/x"}`+"\n" {
		t.Errorf("%q", got)
	}
	lost := EventFrom(zk.Event{Type: zk.EventNotWatching, State: zk.StateExpired, Path: "/x", Err: zk.ErrSessionExpired}, "/x")
	if got := EventLine(lost); got != "WATCHER: NotWatching /x (session has been expired by the server)" {
		t.Errorf("%q", got)
	}
	a := ACL{Path: "/", ACL: []zk.ACL{{Scheme: "world", ID: "anyone", Perms: zk.PermAll}, {Scheme: "ip", ID: "10.0.0.1", Perms: zk.PermRead | zk.PermWrite}}}
	if got := print(t, Plain, false, func(p Printer, w *bytes.Buffer) error { return p.ACL(w, a) }); got != "'world,'anyone\n: cdrwa\n'ip,'10.0.0.1\n: rw\n" {
		t.Errorf("%q", got)
	}
}

// TestACLs checks getAcl -R's three forms: a line per znode (path, tab, setAcl syntax), a table row
// per ACL entry, and JSON.
func TestACLs(t *testing.T) {
	tree := ACLTree{Path: "/a", Nodes: []ACL{
		{Path: "/a", ACL: []zk.ACL{{Scheme: "world", ID: "anyone", Perms: zk.PermRead}}},
		{Path: "/a/my node", ACL: []zk.ACL{{Scheme: "digest", ID: "bob:x", Perms: zk.PermAll}, {Scheme: "x509", ID: "CN=a, O=b", Perms: zk.PermRead | zk.PermAdmin}}},
	}}
	do := func(p Printer, w *bytes.Buffer) error { return p.ACLs(w, tree) }
	if got := print(t, Plain, false, do); got != "/a\tworld:anyone:r\n/a/my node\tdigest:bob:x:cdrwa,x509:CN=a, O=b:ra\n" {
		t.Errorf("plain: %q", got)
	}
	table := strings.Split(strings.TrimSpace(print(t, Table, true, do)), "\n")
	if len(table) != 4 || !strings.Contains(table[0], "PATH") || !strings.Contains(table[3], "/a/my node") || !strings.Contains(table[3], "CN=a, O=b") {
		t.Errorf("table: %q", table)
	}
	if got := print(t, JSON, false, do); got != `{"path":"/a","nodes":[{"path":"/a","acl":[{"scheme":"world","id":"anyone","perms":"r"}]},{"path":"/a/my node","acl":[{"scheme":"digest","id":"bob:x","perms":"cdrwa"},{"scheme":"x509","id":"CN=a, O=b","perms":"ra"}]}]}`+"\n" {
		t.Errorf("json: %q", got)
	}
}

func TestParseFormat(t *testing.T) {
	for _, tt := range []struct {
		in   string
		tty  bool
		want Format
	}{{"", true, Table}, {"", false, Plain}, {"json", true, JSON}, {"plain", true, Plain}} {
		if got, err := ParseFormat(tt.in, tt.tty); err != nil || got != tt.want {
			t.Errorf("ParseFormat(%q, %v) = %v, %v", tt.in, tt.tty, got, err)
		}
	}
	if _, err := ParseFormat("yaml", true); err == nil {
		t.Error("yaml accepted")
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]bool{
		"hello\tworld\r\n": true,
		"héllo ✓":          true,
		"":                 true,
		"a\x1b[31mred":     false, // ESC
		"a\u009b31mred":    false, // CSI as a C1 control
		"a\u0085":          false,
		"\x7f":             false,
		"\xff\xfe":         false, // not UTF-8
		"\x00":             false,
	} {
		if got := Printable([]byte(in)); got != want {
			t.Errorf("Printable(%q) = %v, want %v", in, got, want)
		}
	}
	// On a terminal a non-printable value is a hex dump, whatever the format but JSON.
	var b strings.Builder
	if err := New(Plain, Options{TTY: true}).Node(&b, Node{Path: "/a", Data: []byte("x\u009b2J")}); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(b.String(), '\u009b') || !strings.Contains(b.String(), "c2 9b") {
		t.Fatalf("C1 control reached the terminal: %q", b.String())
	}
}

func TestCountJSON(t *testing.T) {
	var b strings.Builder
	if err := New(JSON, Options{}).Count(&b, `/a"b<&>`, "deleted", 42); err != nil {
		t.Fatal(err)
	}
	if b.String() != `{"path":"/a\"b<&>","deleted":42}`+"\n" {
		t.Fatalf("%q", b.String())
	}
}

func TestNodeDataAlone(t *testing.T) {
	bin := []byte{0xff, 0x00, '\n', 0x10}
	tests := []struct {
		f    Format
		tty  bool
		n    Node
		want string
	}{
		{Plain, false, Node{Data: bin, Alone: true}, string(bin)},
		{Table, false, Node{Data: bin, Alone: true}, string(bin)},
		{Plain, false, Node{Data: bin}, string(bin) + "\n"},
		{Plain, false, Node{Data: []byte("text"), Alone: true}, "text\n"},
		{Plain, false, Node{Data: []byte("a\x1b[2J"), Alone: true}, "a\x1b[2J"},
		{Plain, false, Node{Alone: true}, "null\n"},
		{Plain, true, Node{Data: bin, Alone: true}, "00000000  ff 00 0a 10                                       |....|\n"},
	}
	for _, tt := range tests {
		got := print(t, tt.f, tt.tty, func(p Printer, w *bytes.Buffer) error { return p.Node(w, tt.n) })
		if got != tt.want {
			t.Errorf("%s tty=%v %+v: %q, want %q", tt.f, tt.tty, tt.n, got, tt.want)
		}
	}
}

func TestIdentitiesVersionDeleted(t *testing.T) {
	ids := []Identity{{"ip", "127.0.0.1"}, {"digest", "a<b>&c"}}
	b := Build{Version: "v1.2.3", Go: "go1.99", OS: "linux", Arch: "amd64"}
	tests := []struct {
		f    Format
		do   func(Printer, *strings.Builder) error
		want string
	}{
		{Plain, func(p Printer, w *strings.Builder) error { return p.Identities(w, ids) }, "Auth scheme: User\nip: 127.0.0.1\ndigest: a<b>&c\n"},
		{Table, func(p Printer, w *strings.Builder) error { return p.Identities(w, ids) }, "Auth scheme: User\nip: 127.0.0.1\ndigest: a<b>&c\n"},
		{JSON, func(p Printer, w *strings.Builder) error { return p.Identities(w, ids) },
			`{"identities":[{"scheme":"ip","user":"127.0.0.1"},{"scheme":"digest","user":"a<b>&c"}]}` + "\n"},
		{JSON, func(p Printer, w *strings.Builder) error { return p.Identities(w, nil) }, `{"identities":[]}` + "\n"},
		{Plain, func(p Printer, w *strings.Builder) error { return p.Version(w, b) }, "zksh version v1.2.3 (go1.99 linux/amd64)\n"},
		{Table, func(p Printer, w *strings.Builder) error { return p.Version(w, b) }, "zksh version v1.2.3 (go1.99 linux/amd64)\n"},
		{JSON, func(p Printer, w *strings.Builder) error { return p.Version(w, b) }, `{"version":"v1.2.3"}` + "\n"},
		{Plain, func(p Printer, w *strings.Builder) error { return p.Deleted(w, "/a", 3) }, ""},
		{Table, func(p Printer, w *strings.Builder) error { return p.Deleted(w, "/a", 3) }, ""},
		{JSON, func(p Printer, w *strings.Builder) error { return p.Deleted(w, "/a", 3) }, `{"path":"/a","deleted":3}` + "\n"},
	}
	for i, tt := range tests {
		var w strings.Builder
		if err := tt.do(New(tt.f, Options{}), &w); err != nil || w.String() != tt.want {
			t.Errorf("%d (%s): %v %q, want %q", i, tt.f, err, w.String(), tt.want)
		}
	}
}

// TestJSONTimesAreUTCMilliseconds checks the rule README gives for JSON: every time is RFC 3339 in
// UTC with milliseconds, whatever the local zone — a watch stream's event and status's draw as much
// as a stat's.
func TestJSONTimesAreUTCMilliseconds(t *testing.T) {
	at := time.Date(2026, 11, 29, 21, 30, 0, 123456789, time.FixedZone("CET", 3600))
	ev := Event{Time: at, Type: "NodeDataChanged", State: "SyncConnected", Path: "/x"}
	if got, want := print(t, JSON, false, func(p Printer, w *bytes.Buffer) error { return p.Event(w, ev) }),
		`{"time":"2026-11-29T20:30:00.123Z","event":"NodeDataChanged","state":"SyncConnected","path":"/x"}`+"\n"; got != want {
		t.Errorf("event: got %q, want %q", got, want)
	}
	s := EnsembleStatus{Time: at, Members: []MemberStatus{{Addr: "a:2181", Mode: "standalone"}}}
	got := print(t, JSON, false, func(p Printer, w *bytes.Buffer) error { return p.Status(w, s) })
	if !strings.HasPrefix(got, `{"time":"2026-11-29T20:30:00.123Z","members":[{"address":"a:2181"`) {
		t.Errorf("status: got %q", got)
	}
}
