package render

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/go-zookeeper/zk"
)

// jsonPrinter prints one JSON object per result, for machines.
type jsonPrinter struct{ o Options }

func timeIn(ms int64, o Options) time.Time { return time.UnixMilli(ms).In(o.Location) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// NodeJSON is get's JSON: data as text when it is valid UTF-8, else null with dataBase64.
type NodeJSON struct {
	Path       string    `json:"path"`
	Data       *string   `json:"data"`
	DataBase64 string    `json:"dataBase64,omitempty"`
	DataHex    string    `json:"dataHex,omitempty"`
	Stat       *StatJSON `json:"stat,omitempty"`
}

// NewNodeJSON is the pure builder of get's JSON.
func NewNodeJSON(n Node) NodeJSON {
	j := NodeJSON{Path: n.Path, Stat: NewStatJSON(n.Stat)}
	if n.Data != nil && utf8.Valid(n.Data) {
		s := string(n.Data)
		j.Data = &s
	} else if n.Data != nil {
		j.DataBase64 = base64.StdEncoding.EncodeToString(n.Data)
	}
	switch n.Encoding {
	case Base64:
		j.DataBase64 = base64.StdEncoding.EncodeToString(n.Data)
	case HexDump:
		j.DataHex = hex.EncodeToString(n.Data)
	}
	return j
}

func (p jsonPrinter) Node(w io.Writer, n Node) error { return writeJSON(w, NewNodeJSON(n)) }

func (p jsonPrinter) Children(w io.Writer, c Children) error {
	names := c.Names
	if names == nil {
		names = []string{}
	}
	v := struct {
		Path     string    `json:"path"`
		Children []string  `json:"children"`
		Stat     *StatJSON `json:"stat,omitempty"`
	}{c.Path, names, nil}
	if c.ShowStat {
		v.Stat = NewStatJSON(c.Stat)
	}
	return writeJSON(w, v)
}

type entryJSON struct {
	Name string    `json:"name"`
	Stat *StatJSON `json:"stat"`
}

func (p jsonPrinter) Listing(w io.Writer, l Listing) error {
	entries := make([]entryJSON, 0, len(l.Entries))
	for _, e := range l.Entries {
		entries = append(entries, entryJSON{e.Name, NewStatJSON(e.Stat)})
	}
	return writeJSON(w, struct {
		Path     string      `json:"path"`
		Children []entryJSON `json:"children"`
	}{l.Path, entries})
}

func (p jsonPrinter) Tree(w io.Writer, t Tree) error {
	paths := t.Paths
	if paths == nil {
		paths = []string{}
	}
	return writeJSON(w, struct {
		Path  string   `json:"path"`
		Nodes []string `json:"nodes"`
	}{t.Path, paths})
}

func (p jsonPrinter) Stat(w io.Writer, path string, st *zk.Stat) error {
	return writeJSON(w, struct {
		Path string    `json:"path"`
		Stat *StatJSON `json:"stat"`
	}{path, NewStatJSON(st)})
}

func (p jsonPrinter) Created(w io.Writer, path string) error {
	return writeJSON(w, struct {
		Path string `json:"path"`
	}{path})
}

type aclJSON struct {
	Scheme string `json:"scheme"`
	ID     string `json:"id"`
	Perms  string `json:"perms"`
}

func (p jsonPrinter) ACL(w io.Writer, a ACL) error {
	acl := make([]aclJSON, 0, len(a.ACL))
	for _, e := range a.ACL {
		acl = append(acl, aclJSON{e.Scheme, e.ID, PermString(e.Perms)})
	}
	return writeJSON(w, struct {
		Path string    `json:"path"`
		ACL  []aclJSON `json:"acl"`
		Stat *StatJSON `json:"stat,omitempty"`
	}{a.Path, acl, NewStatJSON(a.Stat)})
}

func (p jsonPrinter) ACLs(w io.Writer, t ACLTree) error {
	type node struct {
		Path string    `json:"path"`
		ACL  []aclJSON `json:"acl"`
	}
	nodes := make([]node, len(t.Nodes))
	for i, n := range t.Nodes {
		acl := make([]aclJSON, 0, len(n.ACL))
		for _, e := range n.ACL {
			acl = append(acl, aclJSON{e.Scheme, e.ID, PermString(e.Perms)})
		}
		nodes[i] = node{n.Path, acl}
	}
	return writeJSON(w, struct {
		Path  string `json:"path"`
		Nodes []node `json:"nodes"`
	}{t.Path, nodes})
}

// EventJSON is a watch event as JSON.
type EventJSON struct {
	Time  string `json:"time,omitempty"` // RFC 3339 in UTC with milliseconds, in watch streams
	Event string `json:"event"`
	State string `json:"state"`
	Path  string `json:"path"`
	Error string `json:"error,omitempty"`
}

func (p jsonPrinter) Event(w io.Writer, e Event) error {
	var t string
	if !e.Time.IsZero() {
		t = jsonTime(e.Time)
	}
	return writeJSON(w, EventJSON{t, e.Type, e.State, e.Path, e.Err})
}

// jsonTime is a time as JSON output gives every time: RFC 3339 in UTC, with milliseconds.
func jsonTime(t time.Time) string { return t.UTC().Format(EventTimeLayout) }

func (p jsonPrinter) Count(w io.Writer, path, what string, n int) error {
	// Keys in the order of every other result: path first.
	return writeJSON(w, json.RawMessage(fmt.Sprintf(`{"path":%s,%s:%d}`, mustJSON(path), mustJSON(what), n)))
}

// mustJSON encodes a string as the other results do (no HTML escaping).
func mustJSON(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func (p jsonPrinter) Message(w io.Writer, key, text string) error {
	return writeJSON(w, map[string]string{key: text})
}

func (p jsonPrinter) Deleted(w io.Writer, path string, n int) error {
	return p.Count(w, path, "deleted", n)
}

func (p jsonPrinter) Identities(w io.Writer, ids []Identity) error {
	if ids == nil {
		ids = []Identity{}
	}
	return writeJSON(w, struct {
		Identities []Identity `json:"identities"`
	}{ids})
}

func (p jsonPrinter) Version(w io.Writer, b Build) error { return p.Message(w, "version", b.Version) }
