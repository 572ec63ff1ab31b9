package shell

import (
	"context"
	"errors"
	"sync"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/commands"
	"github.com/zksh/zksh/completion"
)

// statLimit is the most children whose own children are counted (for the trailing "/"); a larger
// parent is listed by name only.
const statLimit = 256

// znodeSource lists children over the REPL's session for completion. It never dials: with no session
// it has nothing to offer.
type znodeSource struct {
	env *commands.Env
}

var errNoSession = errors.New("no session")

func (s *znodeSource) Children(ctx context.Context, p string) ([]completion.Child, error) {
	conn := s.env.CachedConn()
	if conn == nil {
		return nil, errNoSession
	}
	full := s.env.ZKPath(p)
	type result struct {
		names []string
		err   error
	}
	ch := make(chan result, 1)
	go func() {
		names, _, err := conn.Children(full)
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
		return out, nil
	}
	// Count grandchildren with many exists requests in flight over the one session.
	var wg sync.WaitGroup
	work := make(chan int)
	for range min(32, len(out)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				st, err := existsStat(conn, joinPath(full, out[i].Name))
				if err == nil && st != nil {
					out[i].HasChildren = st.NumChildren > 0
				}
			}
		}()
	}
feed:
	for i := range out {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return out, nil
}

func existsStat(conn *zk.Conn, p string) (*zk.Stat, error) {
	ok, st, err := conn.Exists(p)
	if err != nil || !ok {
		return nil, err
	}
	return st, nil
}

func joinPath(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}
