package commands

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/internal/znodepath"
	"github.com/zksh/zksh/render"
)

// LsOptions are ls's parsed inputs.
type LsOptions struct {
	Env       *Env
	Path      string
	Stat      bool
	Watch     bool
	Recursive bool
	Long      bool
}

// NewCmdLs builds `ls [-s] [-w] [-R] [-l] [path]`.
func NewCmdLs(env *Env, runF func(context.Context, *LsOptions) error) *cobra.Command {
	opts := &LsOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "ls [-s] [-w] [-R] [-l] [path]",
		Short: "List a znode's children",
		Long: `List a znode's children (default: the current znode), sorted by name.
-R lists the whole subtree, one path per line, in zkCli's order: the path, its children, then for
each node in depth-first order the children of that node (siblings by name). A znode whose children
the session may not list is named on stderr, the rest is listed, and the exit status is 1.
-l prints one row per child with its number of children, data length, data version, modification
time and ephemeral owner.`,
		Example: "  zksh ls /\n  zksh ls -l /app\n  zksh ls -R /app",
		Args:    rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			arg := "."
			if len(args) == 1 {
				arg = args[0]
			}
			p, err := resolveArg(cmd, env, arg)
			if err != nil {
				return err
			}
			opts.Path = p
			if opts.Recursive && (opts.Watch || opts.Long || opts.Stat) {
				return usageErrorf(cmd.CommandPath(), "ls: -R cannot be combined with -s, -w or -l")
			}
			if opts.Long && opts.Stat {
				return usageErrorf(cmd.CommandPath(), "ls: -l cannot be combined with -s")
			}
			return runWith(cmd, opts, runF, lsRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Stat, "stat", "s", false, "also print the znode's stat")
	cmd.Flags().BoolVarP(&opts.Watch, "watch", "w", false, "watch the children: print the next change event")
	cmd.Flags().BoolVarP(&opts.Recursive, "recursive", "R", false, "list the whole subtree")
	cmd.Flags().BoolVarP(&opts.Long, "long", "l", false, "long listing: one row per child with its stat")
	return pathArg(cmd)
}

func lsRun(ctx context.Context, opts *LsOptions) error {
	env := opts.Env
	p, c, err := env.begin(ctx, opts.Path)
	if err != nil {
		return err
	}
	if opts.Recursive {
		return lsTree(ctx, env, c, p, opts.Path)
	}
	var (
		names []string
		st    *zk.Stat
		ch    <-chan zk.Event
	)
	if opts.Watch {
		names, st, ch, err = c.ChildrenW(opts.Path)
	} else {
		names, st, err = c.Children(opts.Path)
	}
	if err != nil {
		return pathError(opts.Path, err)
	}
	sort.Strings(names)
	if opts.Long {
		entries := make([]render.Entry, len(names))
		err = zkclient.ForEach(ctx, len(names), zkclient.InFlight, func(_, i int) error {
			ok, cst, err := c.Exists(znodepath.Join(opts.Path, names[i]))
			if err != nil {
				return err
			}
			entries[i] = render.Entry{Name: names[i]}
			if ok {
				entries[i].Stat = cst // else gone since listed
			}
			return nil
		})
		if err != nil {
			return pathError(opts.Path, err)
		}
		err = p.Listing(env.IO.Out, render.Listing{Path: opts.Path, Entries: entries})
	} else {
		err = p.Children(env.IO.Out, render.Children{Path: opts.Path, Names: names, Stat: st, ShowStat: opts.Stat})
	}
	if err != nil {
		return pathError(opts.Path, err)
	}
	if opts.Watch {
		return env.awaitWatch(ctx, opts.Path, ch)
	}
	return nil
}

func lsTree(ctx context.Context, env *Env, c *zkclient.Client, p render.Printer, path string) error {
	prog := env.progress("ls -R", "found %d nodes")
	w := c.Walker()
	w.SkipNoAuth = true // list all that may be listed; name the rest
	w.Progress = prog.update
	levels, err := w.Walk(ctx, path)
	w.Close()
	prog.done()
	refused := w.Refused()
	var paths []string
	for _, l := range levels {
		paths = append(paths, l...)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return &ExitError{Code: ExitInterrupted, Op: "ls -R", Path: path,
				Err: fmt.Errorf("interrupted after listing %d nodes", len(paths))}
		}
		return pathError(path, err)
	}
	if len(levels) == 1 {
		if len(refused) == 1 { // the path itself may not be listed
			return pathError(path, zk.ErrNoAuth)
		}
		if ok, _, err := c.Exists(path); err == nil && !ok {
			return pathError(path, zk.ErrNoNode)
		}
	}
	sortZkCli(paths, paths[0])
	if err := p.Tree(env.IO.Out, render.Tree{Path: path, Paths: paths}); err != nil {
		return pathError(path, err)
	}
	if len(refused) == 0 {
		return nil
	}
	for _, r := range refusedPaths(refused, paths[0]) {
		warn(ctx, env.IO.ErrOut, pathError(r, zk.ErrNoAuth))
	}
	return &ExitError{Code: ExitRefused, Op: "ls -R", Path: path,
		Err: fmt.Errorf("the children of %s are missing from the listing (not authorized: named above)", count(len(refused), "znode"))}
}
