package server

import (
	"sort"
	"unicode/utf16"

	"github.com/zksh/zksh/internal/znodepath"
	"github.com/zksh/zksh/jute"
)

// Ephemeral owners that mark containers and TTL nodes (EphemeralType).
const (
	containerOwner int64 = -0x8000000000000000 // 0x8000000000000000
	ttlOwnerMask   int64 = -0x100000000000000  // 0xFF00000000000000
	maxTTL         int64 = 0xFFFFFFFFFF
)

func isTTLOwner(owner int64) bool {
	return owner != containerOwner && owner&ttlOwnerMask == ttlOwnerMask
}

// ttlOf is the time to live of a TTL node's owner value.
func ttlOf(owner int64) int64 { return owner &^ ttlOwnerMask }

// isSessionOwner reports whether owner is a session (an ordinary ephemeral).
func isSessionOwner(owner int64) bool {
	return owner != 0 && owner != containerOwner && !isTTLOwner(owner)
}

var (
	aclOpen     = []jute.ACL{{Perms: jute.PermAll, ID: jute.ID{Scheme: "world", ID: "anyone"}}}
	aclReadOnly = []jute.ACL{{Perms: jute.PermRead, ID: jute.ID{Scheme: "world", ID: "anyone"}}}
)

// znode is one node of the data tree.
type znode struct {
	name     string
	path     string
	parent   *znode
	data     []byte
	acl      []jute.ACL // shared, never mutated in place
	czxid    int64
	mzxid    int64
	pzxid    int64
	ctime    int64
	mtime    int64
	version  int32
	cversion int32
	aversion int32
	owner    int64
	children map[string]*znode // cversion above is the stored count of child creates
	// Apache keeps children in a java.util.HashSet; clients see its iteration order. seq is this
	// node's insertion order in its parent, childCap the parent's current hash table capacity.
	seq      uint64
	hash     uint32 // javaHash(name)
	nextSeq  uint64
	childCap int
	order    []string // childNames' result until the children change; never mutated
}

// stat is the node's Stat as DataNode.copyStat reports it: containers and TTL nodes show no owner,
// and cversion counts creates and deletes (the stored count of creates, doubled, less the children
// still present).
func (n *znode) stat() jute.Stat {
	owner := n.owner
	if !isSessionOwner(owner) {
		owner = 0
	}
	kids := int32(len(n.children))
	return jute.Stat{
		Czxid: n.czxid, Mzxid: n.mzxid, Ctime: n.ctime, Mtime: n.mtime,
		Version: n.version, Cversion: n.cversion*2 - kids, Aversion: n.aversion,
		EphemeralOwner: owner, DataLength: int32(len(n.data)),
		NumChildren: kids, Pzxid: n.pzxid,
	}
}

// javaHash is java.lang.String.hashCode spread as java.util.HashMap.hash does.
func javaHash(s string) uint32 {
	u := uint32(javaStringHash(s))
	return u ^ (u >> 16)
}

// javaStringHash is java.lang.String.hashCode over the string's UTF-16 code units.
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			a, b := utf16.EncodeRune(r)
			h = 31*h + int32(a)
			h = 31*h + int32(b)
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}

func (n *znode) addChild(c *znode) {
	if n.children == nil {
		n.children = make(map[string]*znode)
		n.childCap = 8
	}
	n.nextSeq++
	c.seq = n.nextSeq
	c.hash = javaHash(c.name)
	c.parent = n
	n.children[c.name] = c
	n.order = nil
	if len(n.children) > n.childCap*3/4 {
		n.childCap *= 2
	}
}

// childNames lists children in the order Apache ZooKeeper returns them. The slice is shared:
// callers must not modify it.
func (n *znode) childNames() []string {
	if len(n.children) == 0 {
		return []string{}
	}
	if n.order != nil {
		return n.order
	}
	kids := make([]*znode, 0, len(n.children))
	for _, c := range n.children {
		kids = append(kids, c)
	}
	mask := uint32(n.childCap - 1)
	sort.Slice(kids, func(i, j int) bool {
		bi, bj := kids[i].hash&mask, kids[j].hash&mask
		if bi != bj {
			return bi < bj
		}
		return kids[i].seq < kids[j].seq
	})
	names := make([]string, len(kids))
	for i, c := range kids {
		names[i] = c.name
	}
	n.order = names
	return names
}

// tree is the data tree. It is guarded by Server.mu.
type tree struct {
	nodes      map[string]*znode
	root       *znode
	ephemerals map[int64]map[string]struct{}
	containers map[string]struct{}
	ttls       map[string]struct{}
	quotas     map[string]struct{} // paths with a zookeeper_limits node (quota.go)
	dataSize   int64
}

func newTree() *tree {
	t := &tree{
		nodes:      make(map[string]*znode),
		ephemerals: make(map[int64]map[string]struct{}),
		containers: make(map[string]struct{}),
		ttls:       make(map[string]struct{}),
		quotas:     make(map[string]struct{}),
	}
	t.root = &znode{path: "/", acl: aclOpen, data: []byte{}}
	t.nodes["/"] = t.root
	zk := t.add(t.root, "zookeeper", aclOpen)
	t.add(zk, "quota", aclOpen)
	cfg := t.add(zk, "config", aclReadOnly)
	cfg.aversion = -1
	return t
}

// add links a system node with zeroed stat.
func (t *tree) add(parent *znode, name string, acl []jute.ACL) *znode {
	n := &znode{name: name, path: znodepath.Join(parent.path, name), acl: acl, data: []byte{}}
	parent.addChild(n)
	t.nodes[n.path] = n
	return n
}

// get finds a node by path. The empty path is the root too, as in Apache's DataTree (which files
// the root under both "" and "/"), so reads of "" answer with the root; writes reject "" first.
func (t *tree) get(path string) *znode {
	if path == "" {
		return t.root
	}
	return t.nodes[path]
}

// create links a new node under parent; the caller has validated everything.
func (t *tree) create(parent *znode, path string, data []byte, acl []jute.ACL, owner, zxid, now int64) *znode {
	n := &znode{
		name: znodepath.Name(path), path: path, data: data, acl: acl,
		czxid: zxid, mzxid: zxid, pzxid: zxid, ctime: now, mtime: now, owner: owner,
	}
	parent.cversion++
	parent.pzxid = zxid
	parent.addChild(n)
	t.nodes[path] = n
	t.dataSize += int64(len(path) + len(data))
	switch {
	case owner == containerOwner:
		t.containers[path] = struct{}{}
	case isTTLOwner(owner):
		t.ttls[path] = struct{}{}
	case owner != 0:
		set := t.ephemerals[owner]
		if set == nil {
			set = make(map[string]struct{})
			t.ephemerals[owner] = set
		}
		set[path] = struct{}{}
	}
	t.quotaCreated(n)
	return n
}

// remove unlinks a childless node.
func (t *tree) remove(n *znode, zxid int64) {
	p := n.parent
	delete(p.children, n.name)
	p.order = nil
	if zxid > p.pzxid {
		p.pzxid = zxid
	}
	delete(t.nodes, n.path)
	t.dataSize -= int64(len(n.path) + len(n.data))
	switch {
	case n.owner == containerOwner:
		delete(t.containers, n.path)
	case isTTLOwner(n.owner):
		delete(t.ttls, n.path)
	case n.owner != 0:
		if set := t.ephemerals[n.owner]; set != nil {
			delete(set, n.path)
			if len(set) == 0 {
				delete(t.ephemerals, n.owner)
			}
		}
	}
	t.quotaRemoved(n)
}

// setData replaces a node's data and version stamps.
func (t *tree) setData(n *znode, data []byte, version int32, zxid, now int64) {
	diff := int64(len(data) - len(n.data))
	t.dataSize += diff
	n.data, n.version, n.mzxid, n.mtime = data, version, zxid, now
	t.quotaDataChanged(n.path, diff)
}

// ephemeralPaths lists a session's ephemerals, sorted.
func (t *tree) ephemeralPaths(session int64) []string {
	set := t.ephemerals[session]
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// countDescendants counts all nodes below path.
func countDescendants(n *znode) int {
	total := 0
	for _, c := range n.children {
		total += 1 + countDescendants(c)
	}
	return total
}
