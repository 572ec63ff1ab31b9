package zkclient

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/znodepath"
)

// A multi request carries per operation its header and version (MultiOpOverhead bytes) besides the
// path and data; maxBatchBytes keeps a batch of deletes well below ZooKeeper's default
// jute.maxbuffer of 1 MiB.
const (
	MultiOpOverhead = 17
	maxBatchBytes   = 512 << 10
)

// maxBatchesInFlight is how many multi requests DeleteTree keeps outstanding per session.
const maxBatchesInFlight = 4

// maxRetries bounds how often DeleteTree goes back for children created while it was deleting.
const maxRetries = 5

// DeleteTree deletes the roots (user paths, none an ancestor of another) and everything below them,
// in multi requests of at most batch deletes, several in flight over the Client's session and, for
// big trees, helper sessions. progress, if set, is called with the number deleted so far. It
// returns how many znodes it deleted, also when it fails.
//
// Nodes are first tried as if they were leaves, which is one request per batch instead of one
// getChildren per node. Only the batches the server refuses (a node has children) are listed (with
// multiRead where it can); their children are deleted the same way, one level further down, and
// then the batch again.
func (c *Client) DeleteTree(ctx context.Context, roots []string, batch int, progress func(deleted int)) (int, error) {
	w := c.Walker()
	defer w.Close()
	d := &deleter{c: c, w: w, batch: batch, progress: progress}
	nodes := make([]string, len(roots))
	for i, r := range roots {
		nodes[i] = c.ServerPath(r)
	}
	restore := RelaxGC()
	err := d.deleteSubtrees(ctx, nodes, 0)
	restore()
	if err != nil && d.lost.Load() && !ReplyLost(err) {
		// Another batch in flight lost its reply: whatever stopped the deletion, what that batch
		// did is unknown, and that is what the caller must report.
		err = fmt.Errorf("%w (a delete request's reply was lost; the deletion stopped on: %v)", zk.ErrConnectionClosed, err)
	}
	return int(d.deleted.Load()), err
}

type deleter struct {
	c        *Client
	w        *Walker
	batch    int
	progress func(int)
	deleted  atomic.Int64
	lost     atomic.Bool // a request was lost with the connection: its outcome is unknown
}

// note remembers a lost connection and returns err.
func (d *deleter) note(err error) error {
	if ReplyLost(err) || SendFailed(err) {
		d.lost.Store(true)
	}
	return err
}

func (d *deleter) add(n int) {
	total := int(d.deleted.Add(int64(n)))
	if d.progress != nil {
		d.progress(total)
	}
}

// deleteSubtrees deletes the nodes (server paths, none an ancestor of another) and everything below.
func (d *deleter) deleteSubtrees(ctx context.Context, nodes []string, retry int) error {
	blocked, err := d.deleteBatches(ctx, nodes)
	if err != nil || len(blocked) == 0 {
		return err
	}
	next, err := d.children(ctx, blocked)
	if err != nil {
		return err
	}
	if len(next) > 0 {
		if err := d.deleteSubtrees(ctx, next, 0); err != nil {
			return err
		}
	}
	// The blocked nodes are leaves now, unless someone is adding children meanwhile.
	again, err := d.deleteBatches(ctx, blocked)
	if err != nil || len(again) == 0 {
		return err
	}
	if retry >= maxRetries {
		return fmt.Errorf("%s: %w (children keep being added)", d.c.UserPath(again[0]), zk.ErrNotEmpty)
	}
	return d.deleteSubtrees(ctx, again, retry+1)
}

// children lists the children of nodes: multiRead for many, else getChildren in flight.
func (d *deleter) children(ctx context.Context, nodes []string) ([]string, error) {
	if next, ok := d.w.multiRead(ctx, nodes); ok {
		return next, ctx.Err()
	}
	if len(nodes) >= helperThreshold {
		d.w.grow(ctx)
	}
	children := make([][]string, len(nodes))
	conns := d.w.conns
	err := ForEach(ctx, len(nodes), InFlight*len(conns), func(worker, i int) error {
		names, _, err := conns[worker%len(conns)].Children(nodes[i])
		if errors.Is(err, zk.ErrNoNode) {
			return nil
		}
		for _, n := range names {
			children[i] = append(children[i], znodepath.Join(nodes[i], n))
		}
		return err
	})
	var next []string
	for _, c := range children {
		next = append(next, c...)
	}
	return next, err
}

// deleteBatches deletes nodes in multi requests of d.batch, several in flight over every session. It
// returns the nodes of the batches that could not be deleted because a node had children (or had
// already gone: those batches are retried node by node).
func (d *deleter) deleteBatches(ctx context.Context, nodes []string) ([]string, error) {
	var batches [][]string
	for len(nodes) > 0 {
		// At most d.batch deletes, and small enough for any server's jute.maxbuffer whatever -b says.
		k, size := 0, 0
		for k < len(nodes) && k < d.batch && (k == 0 || size+len(nodes[k])+MultiOpOverhead <= maxBatchBytes) {
			size += len(nodes[k]) + MultiOpOverhead
			k++
		}
		batches = append(batches, nodes[:k])
		nodes = nodes[k:]
	}
	blocked := make([][]string, len(batches))
	conns := d.w.conns
	err := ForEach(ctx, len(batches), maxBatchesInFlight*len(conns), func(worker, b int) error {
		c := conns[worker%len(conns)]
		ops := make([]any, len(batches[b]))
		for i, p := range batches[b] {
			ops[i] = &zk.DeleteRequest{Path: p, Version: -1}
		}
		_, err := c.Multi(ops...)
		switch {
		case d.note(err) == nil:
			d.add(len(batches[b]))
			return nil
		case errors.Is(err, zk.ErrNotEmpty):
			blocked[b] = batches[b]
			return nil
		case !errors.Is(err, zk.ErrNoNode):
			return err
		}
		// Some node is already gone: delete one by one, keeping those that have children.
		for _, p := range batches[b] {
			err := c.Delete(p, -1)
			switch {
			case d.note(err) == nil:
				d.add(1)
			case errors.Is(err, zk.ErrNoNode):
			case errors.Is(err, zk.ErrNotEmpty):
				blocked[b] = append(blocked[b], p)
			default:
				return err
			}
		}
		return nil
	})
	var all []string
	for _, b := range blocked {
		all = append(all, b...)
	}
	return all, err
}
