package zkclient

import (
	"context"
	"errors"
	"strings"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/jute"
)

// AllChildrenNumber returns how many znodes are below path, all depths. The server counts them in
// one request where it can (getAllChildrenNumber, ZooKeeper 3.6+, whatever the ACLs below path);
// older servers are walked, and progress, if set, is called with the number found so far (from
// many goroutines). zk.ErrNoNode if path does not exist.
func (c *Client) AllChildrenNumber(ctx context.Context, path string, progress func(found int)) (int, error) {
	n, err := c.allChildrenNumber(ctx, path)
	if !errors.Is(err, ErrUnsupported) {
		return n, err
	}
	w := c.Walker()
	w.Progress = progress
	levels, err := w.Walk(ctx, path)
	w.Close()
	if err != nil {
		return 0, err
	}
	n = 0
	for _, l := range levels[1:] {
		n += len(l)
	}
	if n == 0 {
		if ok, _, err := c.Exists(path); err != nil || !ok {
			if err == nil {
				err = zk.ErrNoNode
			}
			return 0, err
		}
	}
	return n, nil
}

// Ephemerals returns the ephemeral znodes the user's session owns whose paths start with path (in
// no order). Where the server has getEphemerals (ZooKeeper 3.6+) it answers, on the user's session,
// as zkCli's getEphemerals shows it (the server matches path as a prefix of the znodes' paths:
// "/a" also finds "/ab"). Older servers have the subtree under path walked and each znode's owner
// checked, with many requests in flight; znodes whose children the session may not list are then
// skipped, and counted in unlisted (also when the check of the owners then fails).
func (c *Client) Ephemerals(ctx context.Context, path string) (owned []string, unlisted int, err error) {
	var resp jute.StringsResponse
	_, err = c.s.request(ctx, jute.OpGetEphemerals, &jute.PathRecord{Path: c.ServerPath(path)}, &resp, nil)
	if err == nil {
		owned = []string{}
		for _, p := range resp.Strings {
			if c.chroot == "" || p == c.chroot || strings.HasPrefix(p, c.chroot+"/") {
				owned = append(owned, c.UserPath(p))
			}
		}
		return owned, 0, nil
	}
	if !errors.Is(err, ErrUnsupported) {
		return nil, 0, err
	}
	return c.walkEphemerals(ctx, path)
}

// walkEphemerals is Ephemerals for servers without getEphemerals: the subtree under path, walked.
func (c *Client) walkEphemerals(ctx context.Context, path string) (owned []string, unlisted int, err error) {
	w := c.Walker()
	defer w.Close()
	w.SkipNoAuth = true
	levels, err := w.Walk(ctx, path)
	if err != nil {
		return nil, 0, err
	}
	unlisted = len(w.Refused())
	var all []string
	for _, l := range levels {
		all = append(all, l...)
	}
	stats, err := w.Stats(ctx, all)
	if err != nil {
		return nil, unlisted, err
	}
	session := c.SessionID()
	for i, st := range stats {
		if st != nil && st.EphemeralOwner == session {
			owned = append(owned, all[i])
		}
	}
	return owned, unlisted, nil
}
