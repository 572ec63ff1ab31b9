package zkclient

import (
	"context"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/znodepath"
)

// InFlight is how many requests the tree walks keep outstanding on one session; commands that fan
// out requests over the Client's session use it too.
const InFlight = 64

// Large walks spread their requests over helperSessions extra sessions once a level holds
// helperThreshold nodes: the server answers each session's requests in order, so more sessions
// means more of its threads at work.
const (
	helperSessions  = 3
	helperThreshold = 512
)

// MultiReadThreshold is the level size from which a walk uses multiRead.
const MultiReadThreshold = 256

// Walker lists subtrees with many requests in flight, over the Client's session and, for big trees,
// a few helper sessions it opens on demand and multiRead on the pipelined session. Close ends
// those sessions.
type Walker struct {
	// SkipNoAuth leaves out the children of znodes the session may not list (Refused names them)
	// instead of failing the walk.
	SkipNoAuth bool
	// Progress, if set, is called with the number of znodes found so far, from many goroutines at
	// once (the counts are not in order).
	Progress func(found int)

	c     *Client
	conns []znodeConn // the Client's session first, then the helpers
	tried bool

	reads   *readSession // multiRead session, once a level is big enough
	noReads bool         // multiRead is not to be had: use conns

	mu      sync.Mutex
	refused []string // the znodes left unlisted (server paths)
}

// Walker returns a Walker over the Client's session.
func (c *Client) Walker() *Walker { return &Walker{c: c, conns: []znodeConn{c.s}} }

// znodeConn is what the walks send, on server paths: the Client's session and go-zookeeper's
// helper sessions alike.
type znodeConn interface {
	Get(path string) ([]byte, *zk.Stat, error)
	Exists(path string) (bool, *zk.Stat, error)
	Children(path string) ([]string, *zk.Stat, error)
	Delete(path string, version int32) error
	Multi(ops ...any) ([]zk.MultiResponse, error)
	Close()
}

// Refused returns the znodes whose children a SkipNoAuth walk left out (user paths, in no order).
func (w *Walker) Refused() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, len(w.refused))
	for i, p := range w.refused {
		out[i] = w.c.UserPath(p)
	}
	return out
}

// refuse notes that the session may not list path's children.
func (w *Walker) refuse(path string) {
	w.mu.Lock()
	w.refused = append(w.refused, path)
	w.mu.Unlock()
}

// Close ends the helper sessions.
func (w *Walker) Close() {
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
func (w *Walker) grow(ctx context.Context) {
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
			conns[i] = w.c.helperSession(ctx)
		}()
	}
	wg.Wait()
	for _, c := range conns {
		if c != nil { // not a nil *zk.Conn in the interface
			w.conns = append(w.conns, c)
		}
	}
}

// Walk lists the subtree under root level by level: levels[0] is {root}; levels[i] holds the
// znodes at depth i (user paths). Znodes deleted while walking are left out (as zkCli's ls -R
// does). With SkipNoAuth, a znode the session may not list is kept but its children are not: it is
// noted for Refused and the walk goes on. On an error, the levels found so far are returned with it.
func (w *Walker) Walk(ctx context.Context, root string) ([][]string, error) {
	levels, err := w.walk(ctx, w.c.ServerPath(root))
	for _, l := range levels {
		w.c.userPaths(l)
	}
	return levels, err
}

func (w *Walker) walk(ctx context.Context, root string) ([][]string, error) {
	defer RelaxGC()()
	levels := [][]string{{root}}
	var found atomic.Int64
	found.Store(1)
	progress := func(n int) {
		total := found.Add(int64(n))
		if w.Progress != nil {
			w.Progress(int(total))
		}
	}
	for {
		next, err := w.listLevel(ctx, levels[len(levels)-1], progress)
		if err != nil {
			return levels, err
		}
		if len(next) == 0 {
			return levels, nil
		}
		levels = append(levels, next)
	}
}

// multiRead lists the children of a big level (server paths) with multiRead requests; ok is false
// when it could not (a small level, or no multiRead to be had), and the caller lists them with
// getChildren.
func (w *Walker) multiRead(ctx context.Context, paths []string) (next []string, ok bool) {
	if w.noReads || len(paths) < MultiReadThreshold {
		return nil, false
	}
	if w.reads == nil {
		rs, err := w.c.pipelined(ctx)
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
	if len(noAuth) > 0 && !w.SkipNoAuth {
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

// Stats returns the stat of each znode (user paths; nil for one that does not exist), with many
// requests in flight over the walk's sessions.
func (w *Walker) Stats(ctx context.Context, paths []string) ([]*zk.Stat, error) {
	stats := make([]*zk.Stat, len(paths))
	conns := w.conns
	err := ForEach(ctx, len(paths), InFlight*len(conns), func(worker, i int) error {
		ok, st, err := conns[worker%len(conns)].Exists(w.c.ServerPath(paths[i]))
		if err == nil && ok {
			stats[i] = st
		}
		return err
	})
	return stats, err
}

// RelaxGC lets the heap grow up to gcHeadroom before collecting, for the duration of a bulk
// operation: go-zookeeper allocates for every request, and with the default GOGC a walk of 10,000
// znodes spends a quarter of its time collecting. The returned function restores the previous
// settings.
func RelaxGC() (restore func()) {
	limit := debug.SetMemoryLimit(-1)
	debug.SetMemoryLimit(min(limit, gcHeadroom))
	percent := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}

// gcHeadroom is the heap size at which RelaxGC lets the collector run again.
const gcHeadroom = 512 << 20

// ForEach calls fn(worker, i) for i in 0..n-1 from up to maxWorkers goroutines; it stops at the
// first error or when ctx is cancelled.
func ForEach(ctx context.Context, n, maxWorkers int, fn func(worker, i int) error) error {
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
