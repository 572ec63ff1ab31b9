// Package znodetree is a subtree of znodes as data: zksh's export file format (one Go type for it,
// Node, with its header, writer and reader) and the comparison of two subtrees that diff, apply,
// import and mirror plan from. It knows nothing of sessions: the commands read and write the trees.
package znodetree

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/znodepath"
)

// The export format: JSON lines. The first line is a Header, every other line one Node, parents
// before children. Version changes when a reader of the previous version would misread a file;
// fields may be added within a version (readers ignore fields they do not know).
const (
	FormatName    = "zksh-export"
	FormatVersion = 2
)

// Version 2 writes null data as "data":null. Version 1 wrote it as "", like empty data: a version 1
// reader would read a version 2 file's null data as empty, and a version 2 reader cannot tell
// which of the two a version 1 file's "" was (Node.NullUnknown).

// Header is the first line of an export file.
type Header struct {
	Format  string    `json:"format"`  // FormatName
	Version int       `json:"version"` // FormatVersion
	Source  string    `json:"source"`  // connect string (or file) exported from, without credentials
	Root    string    `json:"root"`    // the exported znode on the source; node paths are relative to it
	Time    time.Time `json:"time"`    // when the export started (UTC)
	// Ephemeral says the export includes ephemeral znodes (--include-ephemeral).
	Ephemeral bool `json:"ephemeral,omitempty"`
}

// Mode is how a znode was created. Sequential is not a mode: a sequential znode's name is kept as
// it is, and import creates that exact name.
type Mode string

// The modes.
const (
	Persistent Mode = "persistent"
	Ephemeral  Mode = "ephemeral"
	Container  Mode = "container"
	TTL        Mode = "ttl"
)

// Encodings of Node.Data.
const (
	UTF8   = "utf8"
	Base64 = "base64"
)

// ACL is one ACL entry: perms as zkCli writes them ("cdrwa").
type ACL struct {
	Scheme string `json:"scheme"`
	ID     string `json:"id"`
	Perms  string `json:"perms"`
}

// Stat is what an export keeps of a znode's stat, for diff and for people; import ignores it.
type Stat struct {
	Czxid          int64 `json:"czxid"`
	Mzxid          int64 `json:"mzxid"`
	Ctime          int64 `json:"ctime"` // milliseconds since the epoch
	Mtime          int64 `json:"mtime"`
	Version        int32 `json:"version"`
	Cversion       int32 `json:"cversion"`
	Aversion       int32 `json:"aversion"`
	EphemeralOwner int64 `json:"ephemeralOwner"`
	NumChildren    int32 `json:"numChildren"`
}

// Node is one line of an export file after the header: one znode.
type Node struct {
	// Path relative to the exported root: "/" is the root itself, "/a/b" is root/a/b.
	Path     string `json:"path"`
	Mode     Mode   `json:"mode"`
	TTL      int64  `json:"ttl,omitempty"` // milliseconds, mode ttl only
	Encoding string `json:"encoding"`      // how Data is written: utf8 (as text) or base64
	Data     string `json:"data"`
	// Null: the znode holds no data at all (null, as zkCli's create PATH leaves it), which ZooKeeper
	// keeps apart from empty data. The file says "data":null; Data is then "".
	Null bool `json:"-"`
	// NullUnknown: empty data read from a version 1 file, which wrote null data so too: it is
	// created empty, and compares equal to null data as well as to empty data.
	NullUnknown bool  `json:"-"`
	ACL         []ACL `json:"acl"`
	Stat        *Stat `json:"stat,omitempty"`
}

// Bytes returns the znode's data: nil when it is null.
func (n *Node) Bytes() ([]byte, error) {
	if n.Null {
		return nil, nil
	}
	if n.Encoding == Base64 {
		return base64.StdEncoding.DecodeString(n.Data)
	}
	return []byte(n.Data), nil
}

// SetBytes stores data as text when it is valid UTF-8, else as base64; nil is null data.
func (n *Node) SetBytes(data []byte) {
	n.Null = data == nil
	if utf8.Valid(data) {
		n.Encoding, n.Data = UTF8, string(data)
		return
	}
	n.Encoding, n.Data = Base64, base64.StdEncoding.EncodeToString(data)
}

// ZkACL returns the ACL as go-zookeeper's.
func (n *Node) ZkACL() []zk.ACL {
	out := make([]zk.ACL, len(n.ACL))
	for i, a := range n.ACL {
		out[i] = zk.ACL{Scheme: a.Scheme, ID: a.ID, Perms: permsOf(a.Perms)}
	}
	return out
}

// Ephemeral owners as Apache ZooKeeper's EphemeralType encodes them.
const (
	containerOwner = math.MinInt64      // 0x8000000000000000
	extendedMask   = -0x100000000000000 // 0xFF00000000000000
	ttlValueMask   = 0xFFFFFFFFFF       // the low 40 bits
)

// ModeOf reads a znode's mode from its stat: 0 is persistent, a session id is ephemeral;
// EphemeralType's encodings are container (0x8000000000000000) and TTL (0xFF in the top byte, the
// TTL in the low 40 bits). Apache ZooKeeper 3.6+ and the bundled server report 0 for containers and
// TTL znodes (DataNode.copyStat hides them), so from them those read as persistent.
func ModeOf(st *zk.Stat) (Mode, int64) {
	o := st.EphemeralOwner
	switch {
	case o == 0:
		return Persistent, 0
	case o == containerOwner:
		return Container, 0
	case o&extendedMask == extendedMask && (o>>40)&0xFFFF == 0:
		return TTL, o & ttlValueMask
	}
	return Ephemeral, 0
}

// FromZk builds the Node for a znode at rel (relative path) from what the server returned.
func FromZk(rel string, data []byte, acl []zk.ACL, st *zk.Stat) *Node {
	n := &Node{Path: rel, ACL: make([]ACL, len(acl))}
	n.SetBytes(data)
	for i, a := range acl {
		n.ACL[i] = ACL{Scheme: a.Scheme, ID: a.ID, Perms: PermString(a.Perms)}
	}
	if st != nil {
		n.Mode, n.TTL = ModeOf(st)
		n.Stat = &Stat{Czxid: st.Czxid, Mzxid: st.Mzxid, Ctime: st.Ctime, Mtime: st.Mtime, Version: st.Version,
			Cversion: st.Cversion, Aversion: st.Aversion, EphemeralOwner: st.EphemeralOwner, NumChildren: st.NumChildren}
	} else {
		n.Mode = Persistent
	}
	return n
}

var permLetters = []struct {
	letter byte
	perm   int32
}{{'c', zk.PermCreate}, {'d', zk.PermDelete}, {'r', zk.PermRead}, {'w', zk.PermWrite}, {'a', zk.PermAdmin}}

// PermString writes perms as zkCli does ("cdrwa").
func PermString(perms int32) string {
	var b strings.Builder
	for _, l := range permLetters {
		if perms&l.perm != 0 {
			b.WriteByte(l.letter)
		}
	}
	return b.String()
}

func permsOf(s string) int32 {
	var p int32
	for i := 0; i < len(s); i++ {
		for _, l := range permLetters {
			if s[i] == l.letter {
				p |= l.perm
			}
		}
	}
	return p
}

// Check reports what is wrong with a node read from a file.
func (n *Node) Check() error {
	if n.Path != "/" {
		if err := znodepath.Validate(n.Path); err != nil {
			return fmt.Errorf("path %q: %v", n.Path, err)
		}
	}
	switch n.Mode {
	case Persistent, Ephemeral, Container:
		if n.TTL != 0 {
			return fmt.Errorf("%s: ttl given for mode %s", n.Path, n.Mode)
		}
	case TTL:
		if n.TTL <= 0 || n.TTL > ttlValueMask {
			return fmt.Errorf("%s: mode ttl needs a ttl from 1 to %d ms", n.Path, int64(ttlValueMask))
		}
	default:
		return fmt.Errorf("%s: unknown mode %q (persistent, ephemeral, container or ttl)", n.Path, n.Mode)
	}
	if n.Null && n.Data != "" {
		return fmt.Errorf("%s: data both null and given", n.Path)
	}
	switch n.Encoding {
	case UTF8:
	case Base64:
		if _, err := n.Bytes(); err != nil {
			return fmt.Errorf("%s: data is not base64: %v", n.Path, err)
		}
	default:
		return fmt.Errorf("%s: unknown encoding %q (utf8 or base64)", n.Path, n.Encoding)
	}
	if len(n.ACL) == 0 {
		return fmt.Errorf("%s: no ACL", n.Path)
	}
	for _, a := range n.ACL {
		if a.Scheme == "" {
			return fmt.Errorf("%s: ACL entry without a scheme", n.Path)
		}
		if strings.Trim(a.Perms, "cdrwa") != "" {
			return fmt.Errorf("%s: ACL perms %q (letters c, d, r, w, a)", n.Path, a.Perms)
		}
	}
	return nil
}

// Writer writes an export file: the header, then one node per line.
type Writer struct {
	w   *bufio.Writer
	buf []byte
}

// NewWriter writes h to w and returns a Writer for the nodes.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	h.Format, h.Version = FormatName, FormatVersion
	zw := &Writer{w: bufio.NewWriterSize(w, 256<<10)}
	return zw, zw.line(h)
}

func (w *Writer) line(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.w.Write(b)
	return err
}

// Write writes one node.
func (w *Writer) Write(n *Node) error {
	if n.Null {
		return w.line(nullNode{(*plainNode)(n), nil})
	}
	return w.line(n)
}

// plainNode is Node for encoding/json, and nullNode a Node whose data is null: its Data field
// hides the embedded one, and encodes as null.
type (
	plainNode Node
	nullNode  struct {
		*plainNode
		Data *string `json:"data"`
	}
)

// Flush writes what is buffered.
func (w *Writer) Flush() error { return w.w.Flush() }

// maxLine bounds a line: a 1 MiB znode in base64 with its ACL fits many times over.
const maxLine = 64 << 20

// Reader reads an export file.
type Reader struct {
	s       *bufio.Scanner
	line    int
	name    string
	version int // the header's
}

// NewReader reads and checks the header of the export file r (name is for messages).
func NewReader(r io.Reader, name string) (*Reader, Header, error) {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64<<10), maxLine)
	zr := &Reader{s: s, name: name}
	var h Header
	if !s.Scan() {
		if err := s.Err(); err != nil {
			return nil, h, fmt.Errorf("%s: %v", name, err)
		}
		return nil, h, fmt.Errorf("%s: empty, not a zksh export", name)
	}
	zr.line = 1
	if err := json.Unmarshal(s.Bytes(), &h); err != nil || h.Format != FormatName {
		return nil, h, fmt.Errorf("%s: line 1 is not a zksh export header (want {\"format\":%q,...})", name, FormatName)
	}
	if h.Version < 1 || h.Version > FormatVersion {
		return nil, h, fmt.Errorf("%s: export format version %d; this zksh reads versions 1 to %d", name, h.Version, FormatVersion)
	}
	zr.version = h.Version
	return zr, h, nil
}

// Next returns the next node, io.EOF after the last one.
func (r *Reader) Next() (*Node, error) {
	for {
		lines, first, err := r.block(1)
		if err != nil {
			return nil, err
		}
		if len(lines) == 0 {
			return nil, io.EOF
		}
		n, err := r.decode(lines[0])
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %v", r.name, first, err)
		}
		if n != nil {
			return n, nil
		}
	}
}

// block returns up to n lines (copies) and the number of the first; none at the end.
func (r *Reader) block(n int) (lines [][]byte, first int, err error) {
	first = r.line + 1
	for len(lines) < n && r.s.Scan() {
		r.line++
		lines = append(lines, append([]byte(nil), r.s.Bytes()...))
	}
	if err := r.s.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, 0, fmt.Errorf("%s: line %d: longer than %d MiB", r.name, r.line+1, maxLine>>20)
		}
		return nil, 0, fmt.Errorf("%s: %v", r.name, err)
	}
	return lines, first, nil
}

// decode decodes and checks one line of r (nil for a blank line), marking the empty data of a
// version 1 file as possibly null.
func (r *Reader) decode(b []byte) (*Node, error) {
	n, err := decodeNode(b)
	if n != nil && r.version < 2 && n.Data == "" && !n.Null {
		n.NullUnknown = true
	}
	return n, err
}

// decodeJSON decodes one node line with encoding/json: the reference fastDecode must agree with.
// A null data field leaves Data alone there; it is looked for apart.
func decodeJSON(b []byte) (*Node, error) {
	n := new(Node)
	if err := json.Unmarshal(b, n); err != nil {
		return nil, err
	}
	var raw struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	n.Null = string(raw.Data) == "null"
	return n, nil
}

// decodeNode decodes and checks one line; nil for a blank line.
func decodeNode(b []byte) (*Node, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	n, ok := fastDecode(b)
	if !ok {
		var err error
		if n, err = decodeJSON(b); err != nil {
			return nil, err
		}
	}
	if err := n.Check(); err != nil {
		return nil, err
	}
	return n, nil
}
