package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zkclient"
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
	c, err := env.Client(ctx)
	if err != nil {
		return pathError(opts.Path, err)
	}
	if err := c.Delete(opts.Path, opts.Version); err != nil {
		return systemNodeError(opts.Path, c.ServerPath(opts.Path), err)
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
	Yes   bool // do not ask before deleting more than confirmAbove znodes
}

// DefaultBatch is how many deletes deleteall sends in one multi request.
const DefaultBatch = 1000

// NewCmdDeleteAll builds `deleteall [-b batch] [--yes] path`, alias rmr.
func NewCmdDeleteAll(env *Env, runF func(context.Context, *DeleteAllOptions) error) *cobra.Command {
	opts := &DeleteAllOptions{Env: env}
	cmd := &cobra.Command{
		Use:     "deleteall [-b batch] [--yes] path",
		Aliases: []string{"rmr"},
		Short:   "Delete a znode and everything below it",
		Long: `Delete a znode and its whole subtree, deepest nodes first, in multi requests of -b deletes
each, many in flight. Nodes are first tried as if they were leaves; only where the server refuses a
batch (a node has children) is the subtree listed, with multiRead. Refuses / and /zookeeper unless
--force (deleteall / --force deletes everything except /zookeeper). On a terminal it shows progress on
stderr; Ctrl-C stops it and reports how far it got. On a terminal, deleting more than 1000 znodes
asks first (--yes does not ask).`,
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
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "do not ask before deleting more than 1000 znodes")
	return pathArg(cmd)
}

func deleteAllRun(ctx context.Context, opts *DeleteAllOptions) error {
	env := opts.Env
	p, c, err := env.begin(ctx, opts.Path)
	if err != nil {
		return err
	}
	zp := c.ServerPath(opts.Path)
	roots := []string{opts.Path}
	if opts.Path == "/" { // the root itself cannot be deleted: delete its children
		names, _, err := c.Children(opts.Path)
		if err != nil {
			return pathError(opts.Path, err)
		}
		roots = roots[:0]
		for _, n := range names {
			if !isSystemNode(znodepath.Join(zp, n)) {
				roots = append(roots, znodepath.Join(opts.Path, n))
			}
		}
	} else if ok, _, err := c.Exists(opts.Path); err != nil || !ok {
		if err == nil {
			err = zk.ErrNoNode
		}
		return pathError(opts.Path, err)
	}
	if env.IO.InTTY && !opts.Yes {
		if err := confirmDeleteAll(ctx, env, c, opts.Path, roots); err != nil {
			return err
		}
	}
	prog := env.progress("deleteall "+opts.Path, "deleted %d nodes")
	deleted, err := c.DeleteTree(ctx, roots, opts.Batch, prog.update)
	prog.done()
	if err != nil {
		if errors.Is(err, zk.ErrBadArguments) && isSystemNode(zp) {
			return systemNodeError(opts.Path, zp, err)
		}
		return deleteAllError(opts.Path, err, deleted)
	}
	env.wrote(znodepath.Parent(opts.Path))
	if opts.Path == "/" {
		env.wrote("/")
	}
	return p.Deleted(env.IO.Out, opts.Path, deleted)
}

// confirmDeleteAll counts the znodes deleteall would delete and, when they are more than
// confirmAbove, asks the terminal user first; an answer other than yes changes nothing (exit 1).
func confirmDeleteAll(ctx context.Context, env *Env, c *zkclient.Client, path string, roots []string) error {
	n := 0
	for _, r := range roots {
		below, err := c.AllChildrenNumber(ctx, r, nil)
		if errors.Is(err, zk.ErrNoAuth) {
			// Not allowed to count the subtree: count what the session may list, which is all
			// deleteall could delete (a znode it may delete but not read, it deletes as a leaf).
			below, err = listableBelow(ctx, c, r)
		}
		if err != nil {
			return pathError(r, err)
		}
		n += below + 1
	}
	if n <= confirmAbove {
		return nil
	}
	ok, err := confirm(ctx, env, path, fmt.Sprintf("delete %d znodes under %s? [y/N] ", n, path))
	if err != nil {
		return err
	}
	if !ok {
		return &ExitError{Code: ExitRefused, Path: path, Err: errors.New("not confirmed: nothing was changed")}
	}
	return nil
}

// listableBelow counts the znodes below path that the session may list, passing over those whose
// children it may not list.
func listableBelow(ctx context.Context, c *zkclient.Client, path string) (int, error) {
	w := c.Walker()
	w.SkipNoAuth = true
	levels, err := w.Walk(ctx, path)
	w.Close()
	n := 0
	for _, l := range levels[min(1, len(levels)):] {
		n += len(l)
	}
	return n, err
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
	if deleted > 0 && (zkclient.ReplyLost(err) || zkclient.SendFailed(err)) {
		// Several multi requests were in flight: any of them may have been applied.
		return &ExitError{Code: ExitUnavailable, Path: path, Err: &zkclient.OutcomeUnknownError{
			Detail: fmt.Sprintf(" (%s known deleted; the rest of the subtree may or may not be)", count(deleted, "znode"))}}
	}
	if deleted > 0 {
		return &ExitError{Code: classify(err), Path: path,
			Err: fmt.Errorf("%s (after %s known deleted)", describe(err), count(deleted, "znode"))}
	}
	return writeError(path, err, "")
}
