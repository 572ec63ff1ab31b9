package zkclient

import (
	"context"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/znodepath"
)

// The operations of the user's session, on the user's paths. Errors are go-zookeeper's values, as before:
// Classify sorts them, ReplyLost and SendFailed tell a write's lost connection.

// Get returns a znode's data and stat.
func (c *Client) Get(path string) ([]byte, *zk.Stat, error) { return c.s.Get(c.ServerPath(path)) }

// GetW is Get that also sets a data watch.
func (c *Client) GetW(path string) ([]byte, *zk.Stat, <-chan zk.Event, error) {
	data, st, ch, err := c.s.GetW(c.ServerPath(path))
	return data, st, c.userEvents(ch), err
}

// Children lists a znode's children (names).
func (c *Client) Children(path string) ([]string, *zk.Stat, error) {
	return c.s.Children(c.ServerPath(path))
}

// ChildrenW is Children that also sets a child watch.
func (c *Client) ChildrenW(path string) ([]string, *zk.Stat, <-chan zk.Event, error) {
	names, st, ch, err := c.s.ChildrenW(c.ServerPath(path))
	return names, st, c.userEvents(ch), err
}

// Exists reports whether a znode exists, and its stat if it does.
func (c *Client) Exists(path string) (bool, *zk.Stat, error) {
	return c.s.Exists(c.ServerPath(path))
}

// ParentExists reports whether the parent of p (a user path) exists, and names it. Under a chroot,
// "/" is the chroot, whose parent is named by its server path (creating "/" creates the chroot,
// which needs that one); without a chroot "/" has no parent to lack: true.
func (c *Client) ParentExists(p string) (bool, string, error) {
	if p != "/" {
		parent := znodepath.Parent(p)
		ok, _, err := c.Exists(parent)
		return ok, parent, err
	}
	if c.chroot == "" {
		return true, "", nil
	}
	parent := znodepath.Parent(c.chroot)
	ok, _, err := c.s.Exists(parent)
	return ok, parent, err
}

// ExistsW is Exists that also sets a watch (on the data, or on the creation).
func (c *Client) ExistsW(path string) (bool, *zk.Stat, <-chan zk.Event, error) {
	ok, st, ch, err := c.s.ExistsW(c.ServerPath(path))
	return ok, st, c.userEvents(ch), err
}

// Create creates a znode and returns its path (with the sequence number, for a sequential one).
func (c *Client) Create(path string, data []byte, flags int32, acl []zk.ACL) (string, error) {
	p, err := c.s.Create(c.ServerPath(path), data, flags, acl)
	return c.created(p, err)
}

// CreateContainer creates a container znode.
func (c *Client) CreateContainer(path string, data []byte, flags int32, acl []zk.ACL) (string, error) {
	p, err := c.s.CreateContainer(c.ServerPath(path), data, flags, acl)
	return c.created(p, err)
}

// CreateTTL creates a znode with a time to live.
func (c *Client) CreateTTL(path string, data []byte, flags int32, acl []zk.ACL, ttl time.Duration) (string, error) {
	p, err := c.s.CreateTTL(c.ServerPath(path), data, flags, acl, ttl)
	return c.created(p, err)
}

func (c *Client) created(p string, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return c.UserPath(p), nil
}

// Set replaces a znode's data if its data version is version (-1: any).
func (c *Client) Set(path string, data []byte, version int32) (*zk.Stat, error) {
	return c.s.Set(c.ServerPath(path), data, version)
}

// Delete deletes a znode without children if its data version is version (-1: any).
func (c *Client) Delete(path string, version int32) error {
	return c.s.Delete(c.ServerPath(path), version)
}

// GetACL returns a znode's ACL and stat.
func (c *Client) GetACL(path string) ([]zk.ACL, *zk.Stat, error) {
	return c.s.GetACL(c.ServerPath(path))
}

// SetACL replaces a znode's ACL if its ACL version is version (-1: any).
func (c *Client) SetACL(path string, acl []zk.ACL, version int32) (*zk.Stat, error) {
	return c.s.SetACL(c.ServerPath(path), acl, version)
}

// Sync makes the connected server catch up with the leader for path.
func (c *Client) Sync(path string) error {
	_, err := c.s.Sync(c.ServerPath(path))
	return err
}

// AddWatch sets a persistent watch on path (zkCli's addWatch, ZooKeeper 3.6+): Persistent for the
// znode's events (data, children, creation, deletion), PersistentRecursive for those of every znode
// of its subtree (no child events). The events come on the returned channel until RemoveWatches
// removes the watch (its last event is EventPersistentWatchRemoved) or the session ends (an
// EventNotWatching with the reason), then it is closed; read it until then. The watch belongs to
// the user's session and is re-armed after a reconnect.
func (c *Client) AddWatch(ctx context.Context, path string, mode AddWatchMode) (<-chan zk.Event, error) {
	ch, err := c.s.addWatch(ctx, c.ServerPath(path), mode)
	return c.userEvents(ch), err
}

// RemoveWatches removes the session's watches of typ on path (zkCli's removewatches: -c
// WatchChildren, -d WatchData, -a WatchAny, -p WatchPersistent, -r WatchPersistentRecursive), at
// the server and here, or here only with local (-l: zkCli's way to drop them when the server cannot
// be reached). ErrNoWatcher when the session has no such watch on path. Each removed watch gets its
// removal event (EventDataWatchRemoved, EventChildWatchRemoved, EventPersistentWatchRemoved).
func (c *Client) RemoveWatches(ctx context.Context, path string, typ WatcherType, local bool) error {
	return c.s.removeWatches(ctx, c.ServerPath(path), typ, local)
}

// CheckWatches asks the server whether the session has a watch of typ on path (checkWatches):
// nil if it has, ErrNoWatcher if not.
func (c *Client) CheckWatches(ctx context.Context, path string, typ WatcherType) error {
	return c.s.checkWatches(ctx, c.ServerPath(path), typ)
}

// userEvents passes on the events of a watch with their paths as the user sees them.
func (c *Client) userEvents(in <-chan zk.Event) <-chan zk.Event {
	if in == nil || c.chroot == "" {
		return in
	}
	out := make(chan zk.Event, 1)
	go func() {
		defer close(out)
		for ev := range in {
			if ev.Path != "" {
				ev.Path = c.UserPath(ev.Path)
			}
			out <- ev
		}
	}()
	return out
}
