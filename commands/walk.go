package commands

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/znodepath"
)

// inFlight is how many requests the tree walks keep outstanding on one session.
const inFlight = 64

// Large walks spread their requests over helperSessions extra sessions once a level holds
// helperThreshold nodes: the server answers each session's requests in order, so more sessions
// means more of its threads at work.
const (
	helperSessions  = 3
	helperThreshold = 512
)

// walker lists subtrees with many requests in flight, over the command's session and, for big trees,
// a few helper sessions it opens on demand.
type walker struct {
	env   *Env
	conns []*zk.Conn
	tried bool

	reads   *readSession // multiRead session, once a level is big enough
	noReads bool         // multiRead is not to be had: use conns

	skipNoAuth bool         // leave out the children of znodes the session may not list
	skipped    atomic.Int64 // how many znodes were left unlisted so
	mu         sync.Mutex
	refused    []string // the znodes left unlisted so (server paths)
}

// refuse notes that the session may not list path's children.
func (w *walker) refuse(path string) {
	w.skipped.Add(1)
	w.mu.Lock()
	w.refused = append(w.refused, path)
	w.mu.Unlock()
}

// multiReadThreshold is the level size from which a walk uses multiRead.
const multiReadThreshold = 256

func (e *Env) newWalker(c *zk.Conn) *walker { return &walker{env: e, conns: []*zk.Conn{c}} }

// close ends the helper sessions.
func (w *walker) close() {
	if w.reads != nil {
		w.reads.close()
		w.reads = nil
	}
	for _, c := range w.conns[1:] {
		c.Close()
	}
	w.conns = w.conns[:1]
}

// grow opens the helper sessions once; a helper that cannot connect quickly is simply not used.
func (w *walker) grow(ctx context.Context) {
	if w.tried {
		return
	}
	w.tried = true
	conns := make([]*zk.Conn, helperSessions)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conns[i] = w.env.helperSession(ctx)
		}()
	}
	wg.Wait()
	for _, c := range conns {
		if c != nil {
			w.conns = append(w.conns, c)
		}
	}
}

// walk lists the subtree under root (a server path) level by level, keeping inFlight getChildren
// requests outstanding per session. levels[0] is {root}; levels[i] holds the nodes at depth i. Nodes
// deleted while walking are left out (as zkCli's ls -R does). With skipNoAuth, a znode the session may
// not list is kept but its children are not: it is added to w.refused and the walk goes on. progress, if set, is called with the number of nodes found.
func (w *walker) walk(ctx context.Context, root string, progress func(found int)) ([][]string, error) {
	defer relaxGC()()
	levels := [][]string{{root}}
	var found atomic.Int64
	found.Store(1)
	for {
		cur := levels[len(levels)-1]
		if next, ok := w.multiRead(ctx, cur); ok {
			if err := ctx.Err(); err != nil {
				return levels, err
			}
			n := found.Add(int64(len(next)))
			if progress != nil {
				progress(int(n))
			}
			if len(next) == 0 {
				return levels, nil
			}
			levels = append(levels, next)
			continue
		}
		if len(cur) >= helperThreshold {
			w.grow(ctx)
		}
		children := make([][]string, len(cur))
		conns := w.conns
		if err := forEach(ctx, len(cur), inFlight*len(conns), func(worker, i int) error {
			names, _, err := conns[worker%len(conns)].Children(cur[i])
			if errors.Is(err, zk.ErrNoNode) {
				return nil
			}
			if w.skipNoAuth && errors.Is(err, zk.ErrNoAuth) {
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
			n := found.Add(int64(len(names)))
			if progress != nil {
				progress(int(n))
			}
			return nil
		}); err != nil {
			return levels, err
		}
		var next []string
		for _, ps := range children {
			next = append(next, ps...)
		}
		if len(next) == 0 {
			return levels, nil
		}
		levels = append(levels, next)
	}
}

// multiRead lists the children of a big level with multiRead requests; ok is false when it could
// not (a small level, or no multiRead to be had), and the caller lists them with getChildren.
func (w *walker) multiRead(ctx context.Context, paths []string) (next []string, ok bool) {
	if w.noReads || len(paths) < multiReadThreshold || w.env == nil {
		return nil, false
	}
	if w.reads == nil {
		s := w.env.Settings
		rs, err := dialReadSession(ctx, w.conns[0].Server(), s.SessionTimeout, s.Auth)
		if err != nil {
			w.noReads = true
			return nil, false
		}
		w.reads = rs
	}
	kids, noAuth, err := w.reads.children(ctx, paths)
	if err != nil {
		w.reads.conn.Close()
		w.reads, w.noReads = nil, true
		return nil, ctx.Err() != nil
	}
	if len(noAuth) > 0 && !w.skipNoAuth {
		return nil, false // getChildren reports the refusal
	}
	for _, i := range noAuth {
		w.refuse(paths[i])
	}
	for i, names := range kids {
		for _, n := range names {
			next = append(next, znodepath.Join(paths[i], n))
		}
	}
	return next, true
}

// relaxGC lets the heap grow up to gcHeadroom before collecting, for the duration of a bulk operation:
// go-zookeeper allocates for every request, and with the default GOGC a walk of 10,000 znodes spends a
// quarter of its time collecting. The returned function restores the previous settings.
func relaxGC() (restore func()) {
	limit := debug.SetMemoryLimit(-1)
	debug.SetMemoryLimit(min(limit, gcHeadroom))
	percent := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}

// gcHeadroom is the heap size at which relaxGC lets the collector run again.
const gcHeadroom = 512 << 20

// forEach calls fn(worker, i) for i in 0..n-1 from up to maxWorkers goroutines; it stops at the first
// error or when ctx is cancelled.
func forEach(ctx context.Context, n, maxWorkers int, fn func(worker, i int) error) error {
	if n == 0 {
		return ctx.Err()
	}
	workers := min(maxWorkers, n)
	var (
		next     atomic.Int64
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return firstErr != nil
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || failed() {
					return
				}
				if err := ctx.Err(); err != nil {
					fail(err)
					return
				}
				if err := fn(worker, i); err != nil {
					fail(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	return firstErr
}

// refusedPaths returns the znodes a walk under root could not list (server paths) as user paths,
// in the order ls -R prints them.
func refusedPaths(env *Env, refused []string, root string) []string {
	out := make([]string, len(refused))
	for i, zp := range refused {
		out[i] = env.userPath(zp)
	}
	sortZkCli(out, root)
	return out
}

// count says "1 znode" or "3 znodes".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// sortDepthFirst orders paths as a depth-first walk visits them, children by name.
func sortDepthFirst(paths []string) {
	sort.Slice(paths, func(i, j int) bool { return pathLess(paths[i], paths[j]) })
}

// sortZkCli orders the paths of the subtree under root (root among them) as zkCli's ls -R prints
// them: root first, then, for each node in depth-first order (children by name), all of that node's
// children by name. So a path's place is its parent's depth-first place, then its own name:
// /r, /r/a, /r/b, /r/a/x, /r/a/y, /r/a/x/p, /r/b/z.
func sortZkCli(paths []string, root string) {
	type key struct{ path, parent, name string }
	keys := make([]key, len(paths))
	for i, p := range paths {
		keys[i].path = p
		if p != root {
			keys[i].parent, keys[i].name = splitPath(p)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := &keys[i], &keys[j]
		if a.path == root || b.path == root {
			return a.path == root && b.path != root
		}
		if a.parent != b.parent {
			return pathLess(a.parent, b.parent)
		}
		return a.name < b.name
	})
	for i := range keys {
		paths[i] = keys[i].path
	}
}

// splitPath splits a path other than / into its parent and its name.
func splitPath(p string) (parent, name string) {
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/", p[1:]
	}
	return p[:i], p[i+1:]
}

// pathLess compares paths component by component, which is comparing them as strings in which "/"
// sorts before every other character.
func pathLess(a, b string) bool {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if ca == '/' {
			return true
		}
		if cb == '/' {
			return false
		}
		return ca < cb
	}
	return len(a) < len(b)
}
