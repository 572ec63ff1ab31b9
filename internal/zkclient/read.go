package zkclient

import (
	"context"
	"errors"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/znodepath"
	"github.com/zksh/zksh/jute"
)

// The data walk: Walker.Read reads every znode of a subtree, its stat and its data, for the
// commands that look at more than names (find, grep, tree, du; export can use it too).
//
// It goes level by level. For a level it sends getData for every znode, as multiRead requests of
// readBatch getData each, all at once on the pipelined session: the replies carry the data and the
// stat, and the stat's child count tells which znodes have children, so getChildren is sent (as
// the tree walk sends it) only for those. On a tree whose znodes are mostly leaves that is about
// as many requests as listing the tree. Where multiRead cannot be had, it sends getData (or
// exists) and getChildren with many requests in flight over the Walker's sessions instead.

// readBatch is how many getData one multiRead carries: a reply holds their data, up to 1 MiB each
// by default, and must stay under maxReplyFrame.
const readBatch = 128

// fallbackChunk is how many znodes the fallback reads before passing them on.
const fallbackChunk = 1024

// Node is one znode a Read walk read.
type Node struct {
	Path  string   // the user's path
	Depth int      // 0 for the root of the walk, 1 for its children...
	Stat  *zk.Stat // always set
	// Data is the znode's data (its own copy). It is nil when ReadOptions.Data was not asked for
	// (it may still be set then) and when DataRefused.
	Data []byte
	// DataRefused: the session may not read the data (no READ permission); Stat then comes from
	// exists, which needs no permission.
	DataRefused bool
}

// ReadOptions say how deep a Read walk goes and what it must fetch.
type ReadOptions struct {
	// MaxDepth is how many levels below the root are read: 0 reads the root alone; < 0 reads all.
	MaxDepth int
	// Data: the caller needs the data. Without it, the fallback (no multiRead) sends exists
	// instead of getData.
	Data bool
}

// Read reads the subtree under root level by level and calls fn with the znodes read, a batch at a
// time, from one goroutine: every znode of a level is passed on before any of the next (a parent
// always before its children), within a level in no particular order. It keeps nothing of a batch
// after fn returns (memory stays bounded by a level's paths). ACLs are not read (multiRead cannot
// carry getACL). Znodes deleted meanwhile are left out.
// zk.ErrNoNode if root does not exist. A znode whose children the session may not list: with
// SkipNoAuth it is passed on, noted for Refused, and the walk goes on; without, the walk fails with
// zk.ErrNoAuth. Progress, if set, is called with the number of znodes read so far. An error from fn
// stops the walk and is returned; so is ctx's.
func (w *Walker) Read(ctx context.Context, root string, opts ReadOptions, fn func([]Node) error) error {
	defer RelaxGC()()
	level := []string{w.c.ServerPath(root)}
	read := 0
	for depth := 0; len(level) > 0; depth++ {
		listMore := opts.MaxDepth < 0 || depth < opts.MaxDepth
		var parents []string // server paths of the znodes with children
		pass := func(nodes []Node) error {
			for i := range nodes {
				if listMore && nodes[i].Stat.NumChildren > 0 {
					parents = append(parents, nodes[i].Path)
				}
				nodes[i].Path = w.c.UserPath(nodes[i].Path)
				nodes[i].Depth = depth
			}
			read += len(nodes)
			if w.Progress != nil {
				w.Progress(read)
			}
			if len(nodes) == 0 {
				return nil
			}
			return fn(nodes)
		}
		if err := w.readLevel(ctx, level, opts.Data, pass); err != nil {
			return err
		}
		if depth == 0 && read == 0 {
			return zk.ErrNoNode
		}
		if len(parents) == 0 {
			return nil
		}
		next, err := w.listLevel(ctx, parents, nil)
		if err != nil {
			return err
		}
		level = next
	}
	return nil
}

// readLevel reads the stat and data of every znode of a level (server paths) and passes them on in
// batches, with multiRead where it can.
func (w *Walker) readLevel(ctx context.Context, paths []string, data bool, pass func([]Node) error) error {
	done := 0
	if w.reads == nil && !w.noReads {
		rs, err := w.c.pipelined(ctx)
		if err != nil {
			w.noReads = true
		} else {
			w.reads = rs
		}
	}
	if w.reads != nil {
		var (
			batch   []Node
			refused []string // data not readable: their stat comes from exists
			passErr error
		)
		flush := func(upTo int) error {
			if len(refused) > 0 {
				nodes, err := w.existsNodes(ctx, refused)
				if err != nil {
					return err
				}
				batch = append(batch, nodes...)
				refused = refused[:0]
			}
			done = upTo
			err := pass(batch)
			batch = batch[:0]
			return err
		}
		err := w.reads.multiRead(ctx, jute.OpGetData, paths, readBatch, func(i int, res *jute.OpResult) error {
			switch {
			case res.Type != jute.OpError:
				st := zk.Stat(res.Stat)
				d := res.Data
				if d == nil {
					d = []byte{}
				}
				batch = append(batch, Node{Path: paths[i], Stat: &st, Data: d})
			case res.Err == jute.ErrNoAuth:
				refused = append(refused, paths[i])
			case res.Err != jute.ErrNoNode: // a znode deleted meanwhile is left out
				return &readError{jute.ErrName(res.Err)}
			}
			if (i+1)%readBatch == 0 || i+1 == len(paths) {
				if passErr = flush(i + 1); passErr != nil {
					return passErr
				}
			}
			return nil
		})
		if err == nil {
			return nil
		}
		w.reads, w.noReads = nil, true // multiRead closed its connection
		var re *readError
		if passErr != nil || ctx.Err() != nil || errors.As(err, &re) {
			return err
		}
		// The pipelined session failed: go on with go-zookeeper from the first znode not passed on.
	}
	return w.readFallback(ctx, paths[done:], data, pass)
}

// readError is a getData refused for another reason than a missing znode or a missing permission.
type readError struct{ code string }

func (e *readError) Error() string { return "getData: " + e.code }

// existsNodes returns the stat of znodes whose data may not be read (left out if gone).
func (w *Walker) existsNodes(ctx context.Context, paths []string) ([]Node, error) {
	nodes := make([]Node, len(paths))
	conns := w.conns
	err := ForEach(ctx, len(paths), InFlight*len(conns), func(worker, i int) error {
		ok, st, err := conns[worker%len(conns)].Exists(paths[i])
		if err == nil && ok {
			nodes[i] = Node{Path: paths[i], Stat: st, DataRefused: true}
		}
		return err
	})
	out := nodes[:0]
	for _, n := range nodes {
		if n.Stat != nil {
			out = append(out, n)
		}
	}
	return out, err
}

// readFallback reads a level with go-zookeeper's getData (or exists, when the data is not needed),
// many requests in flight, a chunk at a time.
func (w *Walker) readFallback(ctx context.Context, paths []string, data bool, pass func([]Node) error) error {
	if len(paths) >= helperThreshold {
		w.grow(ctx)
	}
	conns := w.conns
	for start := 0; start < len(paths); start += fallbackChunk {
		chunk := paths[start:min(start+fallbackChunk, len(paths))]
		nodes := make([]Node, len(chunk))
		err := ForEach(ctx, len(chunk), InFlight*len(conns), func(worker, i int) error {
			conn := conns[worker%len(conns)]
			p := chunk[i]
			if data {
				d, st, err := conn.Get(p)
				switch {
				case err == nil:
					if d == nil {
						d = []byte{}
					}
					nodes[i] = Node{Path: p, Stat: st, Data: d}
					return nil
				case errors.Is(err, zk.ErrNoNode):
					return nil
				case !errors.Is(err, zk.ErrNoAuth):
					return err
				}
			}
			ok, st, err := conn.Exists(p)
			if err == nil && ok {
				nodes[i] = Node{Path: p, Stat: st, DataRefused: data}
			}
			return err
		})
		if err != nil {
			return err
		}
		out := nodes[:0]
		for _, n := range nodes {
			if n.Stat != nil {
				out = append(out, n)
			}
		}
		if err := pass(out); err != nil {
			return err
		}
	}
	return nil
}

// listLevel lists the children of every znode of a level (server paths), with multiRead for a big
// level and getChildren otherwise, and returns them (server paths). found, if set, is called with
// the number of children found by each reply.
func (w *Walker) listLevel(ctx context.Context, cur []string, found func(n int)) ([]string, error) {
	if next, ok := w.multiRead(ctx, cur); ok {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if found != nil {
			found(len(next))
		}
		return next, nil
	}
	if len(cur) >= helperThreshold {
		w.grow(ctx)
	}
	children := make([][]string, len(cur))
	conns := w.conns
	if err := ForEach(ctx, len(cur), InFlight*len(conns), func(worker, i int) error {
		names, _, err := conns[worker%len(conns)].Children(cur[i])
		if errors.Is(err, zk.ErrNoNode) {
			return nil
		}
		if w.SkipNoAuth && errors.Is(err, zk.ErrNoAuth) {
			w.refuse(cur[i])
			return nil
		}
		if err != nil {
			return err
		}
		paths := make([]string, len(names))
		for j, n := range names {
			paths[j] = znodepath.Join(cur[i], n)
		}
		children[i] = paths
		if found != nil {
			found(len(names))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	var next []string
	for _, ps := range children {
		next = append(next, ps...)
	}
	return next, nil
}
