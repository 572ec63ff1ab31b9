package commands

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-zookeeper/zk"
)

// inFlight is how many requests the tree walks keep outstanding on the session.
const inFlight = 64

// walkTree lists the subtree under root (a server path) level by level, keeping inFlight getChildren
// requests outstanding. levels[0] is {root}; levels[i] holds the nodes at depth i. Nodes deleted while
// walking are left out. progress, if set, is called with the number of nodes found so far.
func walkTree(ctx context.Context, c *zk.Conn, root string, progress func(found int)) ([][]string, error) {
	levels := [][]string{{root}}
	var found atomic.Int64
	found.Store(1)
	for {
		cur := levels[len(levels)-1]
		children := make([][]string, len(cur))
		if err := forEach(ctx, len(cur), func(i int) error {
			names, _, err := c.Children(cur[i])
			if errors.Is(err, zk.ErrNoNode) {
				return nil
			}
			if err != nil {
				return err
			}
			paths := make([]string, len(names))
			for j, n := range names {
				paths[j] = joinChild(cur[i], n)
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

// forEach calls fn(0..n-1) from up to inFlight goroutines; it stops at the first error or when ctx
// is cancelled.
func forEach(ctx context.Context, n int, fn func(i int) error) error {
	if n == 0 {
		return ctx.Err()
	}
	workers := min(inFlight, n)
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
		go func() {
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
				if err := fn(i); err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// sortDepthFirst orders paths as a depth-first walk visits them, children by name.
func sortDepthFirst(paths []string) {
	sort.Slice(paths, func(i, j int) bool { return pathLess(paths[i], paths[j]) })
}

func pathLess(a, b string) bool {
	if a == "/" {
		return b != "/"
	}
	if b == "/" {
		return false
	}
	as, bs := strings.Split(a[1:], "/"), strings.Split(b[1:], "/")
	for k := 0; k < len(as) && k < len(bs); k++ {
		if as[k] != bs[k] {
			return as[k] < bs[k]
		}
	}
	return len(as) < len(bs)
}
