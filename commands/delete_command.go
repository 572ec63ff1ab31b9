package commands

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/render"
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
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return deleteRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().Int32VarP(&opts.Version, "version", "v", -1, "expected data version (-1: any)")
	return pathArg(cmd)
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	env := opts.Env
	c, err := env.Conn(ctx)
	if err != nil {
		return opError("delete", opts.Path, err)
	}
	if err := c.Delete(env.zkPath(opts.Path), opts.Version); err != nil {
		return opError("delete", opts.Path, err)
	}
	env.wrote(parentOf(opts.Path))
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

// maxBatchesInFlight is how many multi requests deleteall keeps outstanding per session.
const maxBatchesInFlight = 4

// NewCmdDeleteAll builds `deleteall [-b batch] path`, alias rmr.
func NewCmdDeleteAll(env *Env, runF func(context.Context, *DeleteAllOptions) error) *cobra.Command {
	opts := &DeleteAllOptions{Env: env}
	cmd := &cobra.Command{
		Use:     "deleteall [-b batch] path",
		Aliases: []string{"rmr"},
		Short:   "Delete a znode and everything below it",
		Long: `Delete a znode and its whole subtree. The tree is listed with many requests in flight, then
deleted level by level, deepest first, in multi requests of -b deletes each. Refuses / and /zookeeper
unless --force (deleteall / --force deletes everything except /zookeeper). On a terminal it shows
progress on stderr; Ctrl-C stops it and reports how far it got.`,
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
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return deleteAllRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVarP(&opts.Batch, "batch", "b", DefaultBatch, "deletes per multi request")
	return pathArg(cmd)
}

func deleteAllRun(ctx context.Context, opts *DeleteAllOptions) error {
	env := opts.Env
	p, err := env.printer()
	if err != nil {
		return err
	}
	c, err := env.Conn(ctx)
	if err != nil {
		return opError("deleteall", opts.Path, err)
	}
	zp := env.zkPath(opts.Path)
	prog := env.progress("deleteall "+opts.Path, "listed %d nodes")
	w := env.newWalker(c)
	defer w.close()
	levels, err := w.walk(ctx, zp, prog.update)
	prog.done()
	if err != nil {
		return deleteAllError(opts.Path, err, 0, 0)
	}
	if len(levels) == 1 {
		if ok, _, err := c.Exists(zp); err != nil || !ok {
			if err == nil {
				err = zk.ErrNoNode
			}
			return opError("deleteall", opts.Path, err)
		}
	}
	keepRoot := opts.Path == "/" // the root itself cannot be deleted
	total := 0
	for i, l := range levels {
		if i == 0 && keepRoot {
			continue
		}
		for _, n := range l {
			if !isSystemNode(env.userPath(n)) {
				total++
			}
		}
	}
	prog = env.progress("deleteall "+opts.Path, fmt.Sprintf("deleted %%d of %d nodes", total))
	var deleted atomic.Int64
	for i := len(levels) - 1; i >= 0; i-- {
		if i == 0 && keepRoot {
			break
		}
		var level []string
		for _, n := range levels[i] {
			if !isSystemNode(env.userPath(n)) {
				level = append(level, n)
			}
		}
		// The nodes of one level are independent: send their batches at once, over every session.
		var batches [][]string
		for len(level) > 0 {
			k := min(opts.Batch, len(level))
			batches = append(batches, level[:k])
			level = level[k:]
		}
		err := forEach(ctx, len(batches), maxBatchesInFlight*len(w.conns), func(worker, b int) error {
			n, err := deleteBatch(ctx, w.conns[worker%len(w.conns)], batches[b])
			prog.update(int(deleted.Add(int64(n))))
			return err
		})
		if err != nil {
			prog.done()
			return deleteAllError(opts.Path, err, int(deleted.Load()), total)
		}
	}
	prog.done()
	env.wrote(parentOf(opts.Path))
	if keepRoot {
		env.wrote("/")
	}
	if env.format() == render.JSON {
		return p.Count(env.IO.Out, opts.Path, "deleted", int(deleted.Load()))
	}
	return nil
}

// isSystemNode reports whether p is /zookeeper or below it, which the server does not let anyone delete.
func isSystemNode(p string) bool {
	return p == "/zookeeper" || len(p) > len("/zookeeper/") && p[:len("/zookeeper/")] == "/zookeeper/"
}

func deleteAllError(path string, err error, deleted, total int) error {
	if errors.Is(err, context.Canceled) {
		return &ExitError{Code: ExitInterrupted, Op: "deleteall", Path: path,
			Err: fmt.Errorf("interrupted after deleting %d of %d nodes", deleted, total)}
	}
	if deleted > 0 {
		return &ExitError{Code: classify(err), Op: "deleteall", Path: path,
			Err: fmt.Errorf("%s (after deleting %d of %d nodes)", describe(err), deleted, total)}
	}
	return opError("deleteall", path, err)
}

// deleteBatch deletes paths (all at one depth) in one multi request. When the multi fails because the
// tree changed meanwhile, it falls back to deleting one by one: nodes already gone are fine, nodes that
// gained children are deleted with their new subtree.
func deleteBatch(ctx context.Context, c *zk.Conn, paths []string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	ops := make([]any, len(paths))
	for i, p := range paths {
		ops[i] = &zk.DeleteRequest{Path: p, Version: -1}
	}
	_, err := c.Multi(ops...)
	if err == nil {
		return len(paths), nil
	}
	if !errors.Is(err, zk.ErrNoNode) && !errors.Is(err, zk.ErrNotEmpty) {
		return 0, err
	}
	n := 0
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		err := c.Delete(p, -1)
		switch {
		case err == nil:
			n++
		case errors.Is(err, zk.ErrNoNode):
		case errors.Is(err, zk.ErrNotEmpty):
			levels, err := walkTree(ctx, c, p, nil)
			if err != nil {
				return n, err
			}
			for i := len(levels) - 1; i >= 0; i-- {
				for _, q := range levels[i] {
					if err := c.Delete(q, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
						return n, fmt.Errorf("%s: %w", q, err)
					}
					n++
				}
			}
		default:
			return n, err
		}
	}
	return n, nil
}
