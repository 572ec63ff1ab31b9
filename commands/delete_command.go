package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/znodepath"
)

// DeleteOptions are delete's parsed inputs.
type DeleteOptions struct {
	Env     *Env
	Path    string
	Version int32 // -1 = any
}

// NewCmdDelete builds `delete [-v version] path`.
func NewCmdDelete(env *Env, runF func(context.Context, *DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{Env: env}
	cmd := &cobra.Command{
		Use:     "delete [-v version] path",
		Short:   "Delete a znode that has no children",
		Long:    "Delete a znode that has no children (see deleteall). -v deletes it only if the data version matches.",
		Example: "  zksh delete /app/lock\n  zksh delete -v 2 /app/config",
		Args:    rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			opts.Path = p
			return runWith(cmd, opts, runF, deleteRun)
		},
	}
	cmd.Flags().Int32VarP(&opts.Version, "version", "v", -1, "expected data version (-1: any)")
	return pathArg(cmd)
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	env := opts.Env
	c, err := env.Conn(ctx)
	if err != nil {
		return pathError(opts.Path, err)
	}
	if err := c.Delete(env.zkPath(opts.Path), opts.Version); err != nil {
		return systemNodeError(opts.Path, env.zkPath(opts.Path), err)
	}
	env.wrote(znodepath.Parent(opts.Path))
	return nil
}

// DeleteAllOptions are deleteall's parsed inputs.
type DeleteAllOptions struct {
	Env   *Env
	Path  string
	Batch int
	Force bool
}

// DefaultBatch is how many deletes deleteall sends in one multi request.
const DefaultBatch = 1000

// A multi request carries per delete its header and version (multiOpOverhead bytes) and the path;
// maxBatchBytes keeps a batch well below ZooKeeper's default jute.maxbuffer of 1 MiB.
const (
	multiOpOverhead = 17
	maxBatchBytes   = 512 << 10
)

// maxBatchesInFlight is how many multi requests deleteall keeps outstanding per session.
const maxBatchesInFlight = 4

// NewCmdDeleteAll builds `deleteall [-b batch] path`, alias rmr.
func NewCmdDeleteAll(env *Env, runF func(context.Context, *DeleteAllOptions) error) *cobra.Command {
	opts := &DeleteAllOptions{Env: env}
	cmd := &cobra.Command{
		Use:     "deleteall [-b batch] path",
		Aliases: []string{"rmr"},
		Short:   "Delete a znode and everything below it",
		Long: `Delete a znode and its whole subtree, deepest nodes first, in multi requests of -b deletes
each, many in flight. Nodes are first tried as if they were leaves; only where the server refuses a
batch (a node has children) is the subtree listed, with multiRead. Refuses / and /zookeeper unless
--force (deleteall / --force deletes everything except /zookeeper). On a terminal it shows progress on
stderr; Ctrl-C stops it and reports how far it got.`,
		Example: "  zksh deleteall /app/cache\n  zksh rmr -b 500 /tmp/jobs",
		Args:    rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			opts.Path = p
			opts.Force = env.settings().Force
			if opts.Batch < 1 {
				return usageErrorf(cmd.CommandPath(), "deleteall: -b must be at least 1")
			}
			if (p == "/" || p == "/zookeeper") && !opts.Force {
				return usageErrorf(cmd.CommandPath(), "deleteall %s: refusing without --force", p)
			}
			return runWith(cmd, opts, runF, deleteAllRun)
		},
	}
	cmd.Flags().IntVarP(&opts.Batch, "batch", "b", DefaultBatch, "deletes per multi request")
	return pathArg(cmd)
}

func deleteAllRun(ctx context.Context, opts *DeleteAllOptions) error {
	env := opts.Env
	p, c, err := env.begin(ctx, opts.Path)
	if err != nil {
		return err
	}
	w := env.newWalker(c)
	defer w.close()
	d := &deleter{env: env, w: w, batch: opts.Batch, prog: env.progress("deleteall "+opts.Path, "deleted %d nodes")}
	zp := env.zkPath(opts.Path)
	roots := []string{zp}
	if opts.Path == "/" { // the root itself cannot be deleted: delete its children
		names, _, err := c.Children(zp)
		if err != nil {
			return pathError(opts.Path, err)
		}
		roots = roots[:0]
		for _, n := range names {
			if !isSystemNode(znodepath.Join(zp, n)) {
				roots = append(roots, znodepath.Join(zp, n))
			}
		}
	} else if ok, _, err := c.Exists(zp); err != nil || !ok {
		if err == nil {
			err = zk.ErrNoNode
		}
		return pathError(opts.Path, err)
	}
	restore := relaxGC()
	err = d.deleteSubtrees(ctx, roots, 0)
	restore()
	d.prog.done()
	if err != nil {
		if errors.Is(err, zk.ErrBadArguments) && isSystemNode(zp) {
			return systemNodeError(opts.Path, zp, err)
		}
		return deleteAllError(opts.Path, err, int(d.deleted.Load()))
	}
	env.wrote(znodepath.Parent(opts.Path))
	if opts.Path == "/" {
		env.wrote("/")
	}
	return p.Deleted(env.IO.Out, opts.Path, int(d.deleted.Load()))
}

// systemNodeError explains ZooKeeper's "bad arguments" answer to deleting one of its system znodes.
func systemNodeError(path, zkPath string, err error) error {
	if errors.Is(err, zk.ErrBadArguments) && zkPath == "/" {
		return &ExitError{Code: ExitRefused, Path: path, Err: fmt.Errorf("the root znode cannot be deleted")}
	}
	if errors.Is(err, zk.ErrBadArguments) && isSystemNode(zkPath) {
		return &ExitError{Code: ExitRefused, Path: path,
			Err: fmt.Errorf("ZooKeeper does not let anyone delete its system znodes (/zookeeper, /zookeeper/config, /zookeeper/quota)")}
	}
	return writeError(path, err, "")
}

// isSystemNode reports whether p is /zookeeper or below it, which the server does not let anyone delete.
func isSystemNode(p string) bool {
	return p == "/zookeeper" || strings.HasPrefix(p, "/zookeeper/")
}

func deleteAllError(path string, err error, deleted int) error {
	if errors.Is(err, context.Canceled) {
		return &ExitError{Code: ExitInterrupted, Path: path,
			Err: fmt.Errorf("interrupted after deleting %d nodes", deleted)}
	}
	if errors.Is(err, zk.ErrConnectionClosed) && deleted > 0 {
		return writeError(path, err, fmt.Sprintf(" (after deleting %d nodes)", deleted))
	}
	if deleted > 0 {
		return &ExitError{Code: classify(err), Path: path,
			Err: fmt.Errorf("%s (after deleting %d nodes)", describe(err), deleted)}
	}
	return writeError(path, err, "")
}

// maxRetries bounds how often deleteall goes back for children created while it was deleting.
const maxRetries = 5

// deleter deletes subtrees optimistically: it first tries to delete a set of nodes in multi batches
// as if they were leaves, which is one request per batch instead of one getChildren per node. Only
// the batches the server refuses (a node has children) are listed; their children are deleted the
// same way, one level further down, and then the batch again.
type deleter struct {
	env     *Env
	w       *walker
	batch   int
	prog    *progress
	deleted atomic.Int64
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
		return fmt.Errorf("%s: %w (children keep being added)", d.env.userPath(again[0]), zk.ErrNotEmpty)
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
	err := forEach(ctx, len(nodes), inFlight*len(conns), func(worker, i int) error {
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
		for k < len(nodes) && k < d.batch && (k == 0 || size+len(nodes[k])+multiOpOverhead <= maxBatchBytes) {
			size += len(nodes[k]) + multiOpOverhead
			k++
		}
		batches = append(batches, nodes[:k])
		nodes = nodes[k:]
	}
	blocked := make([][]string, len(batches))
	conns := d.w.conns
	err := forEach(ctx, len(batches), maxBatchesInFlight*len(conns), func(worker, b int) error {
		c := conns[worker%len(conns)]
		ops := make([]any, len(batches[b]))
		for i, p := range batches[b] {
			ops[i] = &zk.DeleteRequest{Path: p, Version: -1}
		}
		_, err := c.Multi(ops...)
		switch {
		case err == nil:
			d.prog.update(int(d.deleted.Add(int64(len(batches[b])))))
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
			case err == nil:
				d.prog.update(int(d.deleted.Add(1)))
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
