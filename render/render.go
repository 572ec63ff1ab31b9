// Package render prints zksh's results as a table (terminals), plain text (zkCli's own text, for
// scripts) or JSON (for machines). Every printer is fed by the same pure row builders, so every format
// shows the same facts; printers write to the io.Writer they are given, never to os.Stdout.
package render

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"
)

// Format is an output format.
type Format string

// The output formats.
const (
	Table Format = "table"
	Plain Format = "plain"
	JSON  Format = "json"
)

// ParseFormat checks a -o value; "" picks table on a terminal and plain otherwise.
func ParseFormat(s string, tty bool) (Format, error) {
	switch Format(s) {
	case "":
		if tty {
			return Table, nil
		}
		return Plain, nil
	case Table, Plain, JSON:
		return Format(s), nil
	}
	return "", fmt.Errorf("invalid output format %q (want table, plain or json)", s)
}

// Encoding says how get shows node data.
type Encoding int

// Data encodings: Text (hex dump instead if binary on a terminal), base64, hex dump.
const (
	Text Encoding = iota
	Base64
	HexDump
)

// Node is one znode's data and stat, as get returns it.
type Node struct {
	Path     string
	Data     []byte
	Stat     *zk.Stat
	ShowStat bool // -s: show the stat too (JSON always does)
	Encoding Encoding
	// Alone: nothing is printed after the data (no stat, no watch event), so data that is not text
	// is written byte for byte, without zkCli's newline, when stdout is not a terminal.
	Alone bool
}

// Children is a child listing, as ls returns it.
type Children struct {
	Path     string
	Names    []string // sorted
	Stat     *zk.Stat
	ShowStat bool
}

// Entry is one child in a long listing (ls -l).
type Entry struct {
	Name string
	Stat *zk.Stat // nil when the child vanished while listing
}

// Listing is a long listing: one row per child.
type Listing struct {
	Path    string
	Entries []Entry
}

// Tree is the result of a recursive listing (ls -R): every path, in the order to print them.
type Tree struct {
	Path  string
	Paths []string
}

// ACL is a node's ACL, as getAcl returns it.
type ACL struct {
	Path     string
	ACL      []zk.ACL
	Stat     *zk.Stat
	ShowStat bool
}

// ACLTree is the ACL of every znode of a subtree, in listing order (getAcl -R).
type ACLTree struct {
	Path  string
	Nodes []ACL // Path and ACL of each
}

// ACLText writes an ACL as setAcl takes it: scheme:id:perms, comma-separated.
func ACLText(acl []zk.ACL) string {
	parts := make([]string, len(acl))
	for i, e := range acl {
		parts[i] = e.Scheme + ":" + e.ID + ":" + PermString(e.Perms)
	}
	return strings.Join(parts, ",")
}

// Event is a watch event.
type Event struct {
	Time  time.Time // when it came (watch streams print it); zero = not shown
	Type  string    // NodeDataChanged, NodeCreated, NodeDeleted, NodeChildrenChanged, NotWatching
	State string    // SyncConnected, Expired...
	Path  string
	Err   string // why the watch ended without an event, if it did
}

// EventFrom converts go-zookeeper's event; path is what the user sees (chroot removed).
func EventFrom(ev zk.Event, path string) Event {
	e := Event{Type: strings.TrimPrefix(ev.Type.String(), "Event"), State: stateName(ev.State), Path: path}
	switch ev.Type { // the removal events go-zookeeper has no names for (ZooKeeper's numbers)
	case 5:
		e.Type = "DataWatchRemoved"
	case 6:
		e.Type = "ChildWatchRemoved"
	case 7:
		e.Type = "PersistentWatchRemoved"
	}
	if ev.Err != nil {
		e.Type = "NotWatching"
		e.Err = strings.TrimPrefix(ev.Err.Error(), "zk: ")
	}
	return e
}

func stateName(s zk.State) string {
	switch s {
	case zk.StateHasSession, zk.StateSyncConnected, zk.StateConnected:
		return "SyncConnected"
	case zk.StateExpired:
		return "Expired"
	case zk.StateDisconnected:
		return "Disconnected"
	case zk.StateAuthFailed:
		return "AuthFailed"
	}
	return strings.TrimPrefix(s.String(), "State")
}

// Identity is one identity the server associates with a session's credentials, as whoami prints it.
type Identity struct {
	Scheme string `json:"scheme"`
	User   string `json:"user"`
}

// Build is zksh's version and the Go toolchain and platform it was built for.
type Build struct {
	Version string // "v1.2.3", "dev"
	Go      string // runtime.Version()
	OS      string
	Arch    string
}

// Printer prints each kind of result in one format.
type Printer interface {
	Node(w io.Writer, n Node) error
	Children(w io.Writer, c Children) error
	Listing(w io.Writer, l Listing) error
	Tree(w io.Writer, t Tree) error
	Stat(w io.Writer, path string, st *zk.Stat) error
	Created(w io.Writer, path string) error
	ACL(w io.Writer, a ACL) error
	// ACLs prints the ACL of every znode of a subtree (getAcl -R).
	ACLs(w io.Writer, t ACLTree) error
	Event(w io.Writer, e Event) error
	// Count prints a number about a path (getAllChildrenNumber, deleteall's count).
	Count(w io.Writer, path, what string, n int) error
	// Message prints a line of text that scripts may read (e.g. "Sync is OK").
	Message(w io.Writer, key, text string) error
	// Deleted prints how many znodes deleteall deleted: JSON only; plain and table print nothing,
	// as zkCli does.
	Deleted(w io.Writer, path string, n int) error
	// Identities prints whoami's identities.
	Identities(w io.Writer, ids []Identity) error
	// Version prints zksh's version: JSON gives the version alone, text adds toolchain and platform.
	Version(w io.Writer, b Build) error
	// Txn prints the results of a transaction's operations, one per operation (render/txn.go).
	Txn(w io.Writer, results []TxnResult) error
	// Found prints find's matches; Grep grep's; DrawTree tree's drawing; Usage du's subtrees.
	Found(w io.Writer, f Found) error
	Grep(w io.Writer, g Grep) error
	DrawTree(w io.Writer, t DrawnTree) error
	Usage(w io.Writer, u Usage) error
	// Status prints an ensemble's members as srvr describes them (status).
	Status(w io.Writer, s EnsembleStatus) error
	// FourLetter prints the members' replies to a four-letter word (4lw).
	FourLetter(w io.Writer, rs []FourLetterReply) error
	// Quota prints a path's quota and usage (listquota).
	Quota(w io.Writer, q Quota) error
	// Changes prints diff's differences (JSON adds whether the subtrees are equal).
	Changes(w io.Writer, cs []Change) error
	// Plan prints the steps of a plan (apply, mirror, import --dry-run).
	Plan(w io.Writer, steps []Step) error
	// Applied prints how many znodes a plan created, updated and deleted (import, apply, cp, mirror).
	Applied(w io.Writer, a Applied) error
	// Exported prints how many znodes export wrote to file.
	Exported(w io.Writer, n int, file string) error
}

// Options adapt a printer to where it writes.
type Options struct {
	TTY      bool           // stdout is a terminal: never write binary data raw
	Location *time.Location // for table and plain times; nil = time.Local
}

// New returns the printer for a format.
func New(f Format, o Options) Printer {
	if o.Location == nil {
		o.Location = time.Local
	}
	switch f {
	case JSON:
		return jsonPrinter{o}
	case Table:
		return tablePrinter{plainPrinter{o}}
	}
	return plainPrinter{o}
}

// EventTimeLayout is how a watch stream's event time reads (RFC 3339, milliseconds, the zone kept).
const EventTimeLayout = "2006-01-02T15:04:05.000Z07:00"
