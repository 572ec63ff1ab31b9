package zkclient

import (
	"time"

	"github.com/go-zookeeper/zk"
)

// The operations go-zookeeper sends, on the user's paths. Errors are go-zookeeper's, as they are:
// Classify sorts them, ReplyLost and SendFailed tell a write's lost connection.

// Get returns a znode's data and stat.
func (c *Client) Get(path string) ([]byte, *zk.Stat, error) { return c.conn.Get(c.ServerPath(path)) }

// GetW is Get that also sets a data watch.
func (c *Client) GetW(path string) ([]byte, *zk.Stat, <-chan zk.Event, error) {
	data, st, ch, err := c.conn.GetW(c.ServerPath(path))
	return data, st, c.userEvents(ch), err
}

// Children lists a znode's children (names).
func (c *Client) Children(path string) ([]string, *zk.Stat, error) {
	return c.conn.Children(c.ServerPath(path))
}

// ChildrenW is Children that also sets a child watch.
func (c *Client) ChildrenW(path string) ([]string, *zk.Stat, <-chan zk.Event, error) {
	names, st, ch, err := c.conn.ChildrenW(c.ServerPath(path))
	return names, st, c.userEvents(ch), err
}

// Exists reports whether a znode exists, and its stat if it does.
func (c *Client) Exists(path string) (bool, *zk.Stat, error) {
	return c.conn.Exists(c.ServerPath(path))
}

// ExistsW is Exists that also sets a watch (on the data, or on the creation).
func (c *Client) ExistsW(path string) (bool, *zk.Stat, <-chan zk.Event, error) {
	ok, st, ch, err := c.conn.ExistsW(c.ServerPath(path))
	return ok, st, c.userEvents(ch), err
}

// Create creates a znode and returns its path (with the sequence number, for a sequential one).
func (c *Client) Create(path string, data []byte, flags int32, acl []zk.ACL) (string, error) {
	p, err := c.conn.Create(c.ServerPath(path), data, flags, acl)
	return c.created(p, err)
}

// CreateContainer creates a container znode.
func (c *Client) CreateContainer(path string, data []byte, flags int32, acl []zk.ACL) (string, error) {
	p, err := c.conn.CreateContainer(c.ServerPath(path), data, flags, acl)
	return c.created(p, err)
}

// CreateTTL creates a znode with a time to live.
func (c *Client) CreateTTL(path string, data []byte, flags int32, acl []zk.ACL, ttl time.Duration) (string, error) {
	p, err := c.conn.CreateTTL(c.ServerPath(path), data, flags, acl, ttl)
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
	return c.conn.Set(c.ServerPath(path), data, version)
}

// Delete deletes a znode without children if its data version is version (-1: any).
func (c *Client) Delete(path string, version int32) error {
	return c.conn.Delete(c.ServerPath(path), version)
}

// GetACL returns a znode's ACL and stat.
func (c *Client) GetACL(path string) ([]zk.ACL, *zk.Stat, error) {
	return c.conn.GetACL(c.ServerPath(path))
}

// SetACL replaces a znode's ACL if its ACL version is version (-1: any).
func (c *Client) SetACL(path string, acl []zk.ACL, version int32) (*zk.Stat, error) {
	return c.conn.SetACL(c.ServerPath(path), acl, version)
}

// Sync makes the connected server catch up with the leader for path.
func (c *Client) Sync(path string) error {
	_, err := c.conn.Sync(c.ServerPath(path))
	return err
}

// userEvents passes on the one event of a watch with its path as the user sees it.
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
