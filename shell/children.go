package shell

import (
	"context"
	"errors"
	"sync"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/commands"
	"github.com/zksh/zksh/completion"
	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/internal/znodepath"
)

// statLimit is the most children whose own children are counted with the listing (for the trailing
// "/"); a larger parent is listed by name only, and only the children the completer shows are counted.
const statLimit = 256

// znodeSource lists children over the REPL's session for completion. It never dials: with no session
// it has nothing to offer.
type znodeSource struct {
	env *commands.Env
}

var errNoSession = errors.New("no session")

func (s *znodeSource) Children(ctx context.Context, p string) ([]completion.Child, error) {
	conn := s.env.CachedClient()
	if conn == nil {
		return nil, errNoSession
	}
	type result struct {
		names []string
		err   error
	}
	ch := make(chan result, 1)
	go func() {
		names, _, err := conn.Children(p)
		ch <- result{names, err}
	}()
	var r result
	select {
	case r = <-ch:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if r.err != nil {
		return nil, r.err
	}
	out := make([]completion.Child, len(r.names))
	for i, n := range r.names {
		out[i].Name = n
	}
	if len(out) > statLimit {
		// Too many to count each time: the completer has the shown ones counted (HasChildren).
		for i := range out {
			out[i].Unknown = true
		}
		return out, nil
	}
	has := countChildren(ctx, conn, p, r.names)
	for i := range out {
		out[i].HasChildren = has[out[i].Name]
	}
	return out, nil
}

// HasChildren tells which of names (children of p) have children of their own.
func (s *znodeSource) HasChildren(ctx context.Context, p string, names []string) (map[string]bool, error) {
	conn := s.env.CachedClient()
	if conn == nil {
		return nil, errNoSession
	}
	has := countChildren(ctx, conn, p, names)
	if err := ctx.Err(); err != nil {
		return nil, err // some were not asked: leave them unknown
	}
	return has, nil
}

// countChildren stats the children names of parent with many requests in flight over the one
// session; a child that could not be stat'ed is reported as childless.
func countChildren(ctx context.Context, conn *zkclient.Client, parent string, names []string) map[string]bool {
	var mu sync.Mutex
	has := make(map[string]bool, len(names))
	var wg sync.WaitGroup
	work := make(chan string)
	for range min(32, len(names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range work {
				st, err := existsStat(conn, znodepath.Join(parent, n))
				mu.Lock()
				has[n] = err == nil && st != nil && st.NumChildren > 0
				mu.Unlock()
			}
		}()
	}
feed:
	for _, n := range names {
		select {
		case work <- n:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return has
}

func existsStat(conn *zkclient.Client, p string) (*zk.Stat, error) {
	ok, st, err := conn.Exists(p)
	if err != nil || !ok {
		return nil, err
	}
	return st, nil
}
