package completion

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// Child is one child znode.
type Child struct {
	Name        string
	HasChildren bool // shown with a trailing "/"
	// Unknown says HasChildren is not known yet: a source lists a big parent by name only, and the
	// cache asks its ChildCounter about the children being shown (see Cache.Resolve).
	Unknown bool
}

// ChildSource lists the children of a znode. It is called from background goroutines only, with a
// deadline in ctx; it must not dial a new session for completion's sake.
type ChildSource interface {
	Children(ctx context.Context, path string) ([]Child, error)
}

// ChildCounter is implemented by a ChildSource that can tell, for some children of parent, which have
// children of their own (for the trailing "/" of children listed as Unknown).
type ChildCounter interface {
	HasChildren(ctx context.Context, parent string, names []string) (map[string]bool, error)
}

// CacheOptions tune a Cache; zero values take the defaults.
type CacheOptions struct {
	FetchTimeout time.Duration // deadline of one background fetch; default 2s
	TTL          time.Duration // an entry older than this is served and refreshed in the background; default 3s
	MaxEntries   int           // parents kept; default 256
	// OnUpdate is called (from a background goroutine) when a fetch changed the children a parent's
	// entry holds, so the terminal can re-render the suggestions.
	OnUpdate func(path string)
}

// Cache holds the children of recently completed parents. Lookup never blocks: a miss or a stale entry
// starts a fetch in the background and OnUpdate reports its arrival.
type Cache struct {
	src  ChildSource
	opts CacheOptions
	now  func() time.Time

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	entries map[string]*entry
	closed  bool
}

type entry struct {
	children  []Child // sorted by name
	fetchedAt time.Time
	valid     bool // children hold a fetch's result
	fetching  bool
	dirty     bool            // invalidated while a fetch was in flight: fetch again when it lands
	resolving map[string]bool // children whose HasChildren is being asked for
}

// NewCache returns a cache over src.
func NewCache(src ChildSource, opts CacheOptions) *Cache {
	if opts.FetchTimeout <= 0 {
		opts.FetchTimeout = 2 * time.Second
	}
	if opts.TTL <= 0 {
		opts.TTL = 3 * time.Second
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 256
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Cache{src: src, opts: opts, now: time.Now, ctx: ctx, cancel: cancel, entries: map[string]*entry{}}
}

// Lookup returns the cached children of path (sorted by name) and whether the cache held any; it starts
// a background fetch when the entry is missing, stale or invalidated.
func (c *Cache) Lookup(path string) ([]Child, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[path]
	if e == nil {
		e = &entry{}
		c.entries[path] = e
		c.evictLocked(path)
	}
	if !e.valid || c.now().Sub(e.fetchedAt) > c.opts.TTL {
		c.fetchLocked(path, e)
	}
	return e.children, e.valid
}

// Invalidate marks path's entry stale (the shell changed its children) and refreshes it in the
// background; the old children are served until the new ones arrive.
func (c *Cache) Invalidate(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.invalidateInParentLocked(path)
	e := c.entries[path]
	if e == nil {
		return
	}
	if e.fetching {
		e.dirty = true
		return
	}
	e.fetchedAt = time.Time{}
	c.fetchLocked(path, e)
}

// invalidateInParentLocked forgets whether path has children in its parent's entry: path's own children
// changed, so its trailing "/" may have to come or go.
func (c *Cache) invalidateInParentLocked(p string) {
	if p == "/" || !strings.HasPrefix(p, "/") {
		return
	}
	i := strings.LastIndexByte(p, '/')
	parent, name := p[:i], p[i+1:]
	if parent == "" {
		parent = "/"
	}
	e := c.entries[parent]
	if e == nil || !e.valid {
		return
	}
	k, ok := slices.BinarySearchFunc(e.children, name, func(ch Child, n string) int { return strings.Compare(ch.Name, n) })
	if !ok {
		return
	}
	if _, counts := c.src.(ChildCounter); !counts {
		e.fetchedAt = time.Time{} // the next Lookup lists the parent again
		return
	}
	children := slices.Clone(e.children) // callers may hold the old slice
	children[k].Unknown = true
	e.children = children
}

// Resolve asks, in the background, whether the children of parent named in names that are listed as
// Unknown have children of their own; OnUpdate(parent) reports the answer. The completer calls it with
// the children it shows, so a parent with thousands of children is counted only where the user looks.
func (c *Cache) Resolve(parent string, names []string) {
	counter, ok := c.src.(ChildCounter)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[parent]
	if e == nil || !e.valid || c.closed {
		return
	}
	var ask []string
	for _, n := range names {
		k, found := slices.BinarySearchFunc(e.children, n, func(ch Child, n string) int { return strings.Compare(ch.Name, n) })
		if !found || !e.children[k].Unknown || e.resolving[n] {
			continue
		}
		if e.resolving == nil {
			e.resolving = map[string]bool{}
		}
		e.resolving[n] = true
		ask = append(ask, n)
	}
	if len(ask) == 0 {
		return
	}
	c.wg.Add(1)
	go c.resolve(counter, parent, e, ask)
}

func (c *Cache) resolve(counter ChildCounter, parent string, e *entry, names []string) {
	defer c.wg.Done()
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.FetchTimeout)
	has, err := counter.HasChildren(ctx, parent, names)
	cancel()

	c.mu.Lock()
	for _, n := range names {
		delete(e.resolving, n)
	}
	changed := false
	if err == nil && c.entries[parent] == e {
		children := slices.Clone(e.children) // callers may hold the old slice
		for _, n := range names {
			v, ok := has[n]
			k, found := slices.BinarySearchFunc(children, n, func(ch Child, n string) int { return strings.Compare(ch.Name, n) })
			if !ok || !found || !children[k].Unknown {
				continue
			}
			changed = changed || children[k].HasChildren != v
			children[k].Unknown, children[k].HasChildren = false, v
		}
		e.children = children
	}
	closed := c.closed
	c.mu.Unlock()
	if changed && !closed && c.opts.OnUpdate != nil {
		c.opts.OnUpdate(parent)
	}
}

// InvalidateAll drops every entry (after connecting to another ensemble).
func (c *Cache) InvalidateAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p, e := range c.entries {
		if e.fetching {
			e.dirty = true
			e.valid = false
			e.children = nil
			continue
		}
		delete(c.entries, p)
	}
}

// Pending reports whether a fetch is in flight.
func (c *Cache) Pending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if e.fetching {
			return true
		}
	}
	return false
}

// Close cancels fetches in flight and waits for them.
func (c *Cache) Close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
}

func (c *Cache) fetchLocked(path string, e *entry) {
	if e.fetching || c.closed {
		return
	}
	e.fetching = true
	c.wg.Add(1)
	go c.fetch(path, e)
}

func (c *Cache) fetch(path string, e *entry) {
	defer c.wg.Done()
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.FetchTimeout)
	children, err := c.src.Children(ctx, path)
	cancel()
	if err != nil {
		children = nil // no node, no auth, no session: nothing to suggest until the entry expires
	}
	children = slices.Clone(children)
	slices.SortFunc(children, func(a, b Child) int { return strings.Compare(a.Name, b.Name) })

	c.mu.Lock()
	keepKnown(children, e.children)
	// Only a change of what is shown is worth a re-render (an empty first answer shows nothing new).
	changed := !slices.EqualFunc(e.children, children, func(a, b Child) bool {
		return a.Name == b.Name && a.HasChildren == b.HasChildren
	})
	e.children, e.valid, e.fetching = children, true, false
	e.fetchedAt = c.now()
	again := e.dirty && !c.closed
	e.dirty = false
	if again {
		e.fetchedAt = time.Time{}
		c.fetchLocked(path, e)
	}
	closed := c.closed
	c.mu.Unlock()
	if changed && !closed && c.opts.OnUpdate != nil {
		c.opts.OnUpdate(path)
	}
}

// keepKnown carries over, to fresh children listed as Unknown, whether old (both sorted by name) showed
// them with children: the "/" stays while the shown ones are counted again (another client may have
// changed them), instead of going and coming back.
func keepKnown(fresh, old []Child) {
	j := 0
	for i := range fresh {
		if !fresh[i].Unknown {
			continue
		}
		for j < len(old) && old[j].Name < fresh[i].Name {
			j++
		}
		if j < len(old) && old[j].Name == fresh[i].Name {
			fresh[i].HasChildren = old[j].HasChildren
		}
	}
}

// evictLocked keeps at most MaxEntries parents by dropping the least recently fetched idle ones.
func (c *Cache) evictLocked(keep string) {
	for len(c.entries) > c.opts.MaxEntries {
		var oldest string
		var at time.Time
		for p, e := range c.entries {
			if p == keep || e.fetching {
				continue
			}
			if oldest == "" || e.fetchedAt.Before(at) {
				oldest, at = p, e.fetchedAt
			}
		}
		if oldest == "" {
			return
		}
		delete(c.entries, oldest)
	}
}
