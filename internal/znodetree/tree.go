package znodetree

import (
	"bytes"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Tree is a subtree in memory: its nodes by relative path ("/" is the root).
type Tree struct {
	Nodes map[string]*Node
}

// NewTree returns an empty tree.
func NewTree() *Tree { return &Tree{Nodes: map[string]*Node{}} }

// Add adds a node; its parent must be in the tree already (parents before children), and the
// path must be new.
func (t *Tree) Add(n *Node) error {
	if _, dup := t.Nodes[n.Path]; dup {
		return fmt.Errorf("%s: listed twice", n.Path)
	}
	if n.Path != "/" {
		if _, ok := t.Nodes[parent(n.Path)]; !ok {
			return fmt.Errorf("%s: comes before its parent %s (parents must come first)", n.Path, parent(n.Path))
		}
	}
	t.Nodes[n.Path] = n
	return nil
}

// ReadTree reads the rest of an export file into a tree. Lines are decoded on every CPU, a block
// at a time, and added in the file's order.
func ReadTree(r *Reader) (*Tree, error) {
	t := NewTree()
	workers := runtime.GOMAXPROCS(0)
	for {
		lines, first, err := r.block(readBlock)
		if err != nil {
			return nil, err
		}
		if len(lines) == 0 {
			break
		}
		nodes := make([]*Node, len(lines))
		errs := make([]error, len(lines))
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(lines); i += workers {
					nodes[i], errs[i] = r.decode(lines[i])
				}
			}()
		}
		wg.Wait()
		for i, n := range nodes {
			line := first + i
			if errs[i] != nil {
				return nil, fmt.Errorf("%s: line %d: %v", r.name, line, errs[i])
			}
			if n == nil {
				continue // a blank line
			}
			if len(t.Nodes) == 0 && n.Path != "/" {
				return nil, fmt.Errorf("%s: line %d: the first znode must be the root \"/\"", r.name, line)
			}
			if err := t.Add(n); err != nil {
				return nil, fmt.Errorf("%s: line %d: %v", r.name, line, err)
			}
		}
	}
	if len(t.Nodes) == 0 {
		return nil, fmt.Errorf("%s: no znodes after the header", r.name)
	}
	return t, nil
}

// readBlock is how many lines ReadTree decodes at a time.
const readBlock = 4096

// Paths returns the tree's paths sorted by depth, then by name: parents before children.
func (t *Tree) Paths() []string {
	out := make([]string, 0, len(t.Nodes))
	for p := range t.Nodes {
		out = append(out, p)
	}
	SortByDepth(out)
	return out
}

// SortByDepth sorts relative paths by depth, then by path.
func SortByDepth(ps []string) {
	sort.Slice(ps, func(i, j int) bool {
		di, dj := Depth(ps[i]), Depth(ps[j])
		if di != dj {
			return di < dj
		}
		return ps[i] < ps[j]
	})
}

// Depth is a relative path's depth: 0 for "/".
func Depth(p string) int {
	if p == "/" {
		return 0
	}
	return strings.Count(p, "/")
}

func parent(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

// Join maps a relative path onto a root: Join("/app", "/a") is "/app/a", Join("/app", "/") is "/app".
func Join(root, rel string) string {
	switch {
	case rel == "/":
		return root
	case root == "/":
		return rel
	}
	return root + rel
}

// Rel is a path relative to root ("/" for root itself).
func Rel(root, p string) string {
	switch {
	case p == root:
		return "/"
	case root == "/":
		return p
	}
	return strings.TrimPrefix(p, root)
}

// Change kinds, as diff prints them.
const (
	Added   = "+"
	Removed = "-"
	Changed = "~"
)

// Change is one difference between two trees.
type Change struct {
	Kind string   `json:"kind"` // Added, Removed or Changed
	Path string   `json:"path"` // relative
	What []string `json:"what,omitempty"`
}

// Differences returns what differs in a node from a to b: "data", "acl", "mode". Modes differ only
// between ephemeral and not: ZooKeeper 3.6+ shows containers and TTL znodes to clients as
// persistent, so no comparison with a live tree could tell them apart.
func Differences(a, b *Node) []string {
	var what []string
	da, errA := a.Bytes()
	db, errB := b.Bytes()
	if errA != nil || errB != nil || !bytes.Equal(da, db) || a.Null != b.Null && !a.NullUnknown && !b.NullUnknown {
		what = append(what, "data")
	}
	if !sameACL(a.ACL, b.ACL) {
		what = append(what, "acl")
	}
	if (a.Mode == Ephemeral) != (b.Mode == Ephemeral) {
		what = append(what, "mode")
	}
	return what
}

// sameACL compares ACLs as sets. ZooKeeper shows a digest entry as "user:x" to a session without
// ADMIN permission on the znode: when either side holds one, digest entries compare by user only.
func sameACL(a, b []ACL) bool {
	if len(a) != len(b) {
		return false
	}
	hidden := Redacted(a) || Redacted(b)
	key := func(l []ACL) []string {
		out := make([]string, len(l))
		for i, x := range l {
			id := x.ID
			if hidden && x.Scheme == "digest" {
				if j := strings.LastIndexByte(id, ':'); j >= 0 {
					id = id[:j]
				}
			}
			out[i] = x.Scheme + "\x00" + id + "\x00" + PermString(permsOf(x.Perms))
		}
		sort.Strings(out)
		return out
	}
	ka, kb := key(a), key(b)
	for i := range ka {
		if ka[i] != kb[i] {
			return false
		}
	}
	return true
}

// Redacted reports a digest entry shown as "user:x" (the digest hidden by the server).
func Redacted(acl []ACL) bool {
	for _, a := range acl {
		if a.Scheme == "digest" && strings.HasSuffix(a.ID, ":x") {
			return true
		}
	}
	return false
}

// Diff compares a with b: added are in b only, removed in a only. Sorted by path.
func Diff(a, b *Tree) []Change {
	var out []Change
	for p, na := range a.Nodes {
		nb, ok := b.Nodes[p]
		if !ok {
			out = append(out, Change{Kind: Removed, Path: p})
			continue
		}
		if what := Differences(na, nb); len(what) > 0 {
			out = append(out, Change{Kind: Changed, Path: p, What: what})
		}
	}
	for p := range b.Nodes {
		if _, ok := a.Nodes[p]; !ok {
			out = append(out, Change{Kind: Added, Path: p})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Update is a change to an existing znode's data and/or ACL.
type Update struct {
	Path     string // relative
	Node     *Node  // the wanted state
	Data     bool   // set the data
	ACL      bool   // set the ACL
	Version  int32  // the data version read (the set is refused if it changed meanwhile)
	Aversion int32  // the ACL version read
}

// Plan is what makes a tree equal to a wanted one.
type Plan struct {
	Creates [][]*Node  // by depth, shallowest first: each level after the one before
	Updates []Update   // by path
	Deletes [][]string // by depth, deepest first (relative paths)
	Skipped []string   // wanted ephemeral znodes (not created: they would end with zksh's session)
	Modes   []string   // znodes whose mode differs (ephemeral against not): left as they are
	Exist   []string   // wanted znodes that exist already (for import's conflict check), by path
}

// PlanOptions say which changes a plan makes.
type PlanOptions struct {
	Update bool // update existing znodes whose data or ACL differ (else leave them)
	Prune  bool // delete znodes that are not wanted
}

// MakePlan plans the changes that turn have into want. have may be nil (nothing exists).
func MakePlan(want, have *Tree, o PlanOptions) *Plan {
	if have == nil {
		have = NewTree()
	}
	p := &Plan{}
	byDepth := map[int][]*Node{}
	maxDepth := 0
	for path, w := range want.Nodes {
		h, exists := have.Nodes[path]
		if w.Mode == Ephemeral && !exists {
			p.Skipped = append(p.Skipped, path)
			continue
		}
		if !exists {
			d := Depth(path)
			byDepth[d] = append(byDepth[d], w)
			maxDepth = max(maxDepth, d)
			continue
		}
		p.Exist = append(p.Exist, path)
		if (w.Mode == Ephemeral) != (h.Mode == Ephemeral) {
			p.Modes = append(p.Modes, path)
		}
		if !o.Update || h.Mode == Ephemeral || w.Mode == Ephemeral {
			continue
		}
		what := Differences(h, w)
		u := Update{Path: path, Node: w}
		for _, x := range what {
			switch x {
			case "data":
				u.Data = true
			case "acl":
				u.ACL = true
			}
		}
		if h.Stat != nil {
			u.Version, u.Aversion = h.Stat.Version, h.Stat.Aversion
		} else {
			u.Version, u.Aversion = -1, -1
		}
		if u.Data || u.ACL {
			p.Updates = append(p.Updates, u)
		}
	}
	for d := 0; d <= maxDepth; d++ {
		if l := byDepth[d]; len(l) > 0 {
			sort.Slice(l, func(i, j int) bool { return l[i].Path < l[j].Path })
			p.Creates = append(p.Creates, l)
		}
	}
	if o.Prune {
		del := map[int][]string{}
		maxDepth = 0
		for path, h := range have.Nodes {
			if _, ok := want.Nodes[path]; ok || path == "/" {
				continue
			}
			if h.Mode == Ephemeral {
				continue // another session's: left alone
			}
			d := Depth(path)
			del[d] = append(del[d], path)
			maxDepth = max(maxDepth, d)
		}
		for d := maxDepth; d >= 1; d-- {
			if l := del[d]; len(l) > 0 {
				sort.Strings(l)
				p.Deletes = append(p.Deletes, l)
			}
		}
	}
	sort.Slice(p.Updates, func(i, j int) bool { return p.Updates[i].Path < p.Updates[j].Path })
	sort.Strings(p.Skipped)
	sort.Strings(p.Modes)
	sort.Strings(p.Exist)
	return p
}

// Counts returns how many creates, updates and deletes the plan makes.
func (p *Plan) Counts() (creates, updates, deletes int) {
	for _, l := range p.Creates {
		creates += len(l)
	}
	for _, l := range p.Deletes {
		deletes += len(l)
	}
	return creates, len(p.Updates), deletes
}
