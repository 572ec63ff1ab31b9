package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/zksh/zksh/render"
)

// SyncOptions are sync's parsed inputs.
type SyncOptions struct {
	Env  *Env
	Path string
}

// NewCmdSync builds `sync path`: make the connected server catch up with the leader.
func NewCmdSync(env *Env, runF func(context.Context, *SyncOptions) error) *cobra.Command {
	opts := &SyncOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "sync path",
		Short: "Make the connected server catch up with the leader for path",
		Args:  rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			opts.Path = p
			return runWith(cmd, opts, runF, syncRun)
		},
	}
	return pathArg(cmd)
}

func syncRun(ctx context.Context, opts *SyncOptions) error {
	env := opts.Env
	pr, c, err := env.begin(ctx, opts.Path)
	if err != nil {
		return err
	}
	if err := c.Sync(opts.Path); err != nil {
		return pathError(opts.Path, err)
	}
	return pr.Message(env.IO.Out, "sync", "Sync is OK")
}

// GetAllChildrenNumberOptions are getAllChildrenNumber's parsed inputs.
type GetAllChildrenNumberOptions struct {
	Env  *Env
	Path string
}

// NewCmdGetAllChildrenNumber builds `getAllChildrenNumber path`: the number of znodes below path.
func NewCmdGetAllChildrenNumber(env *Env, runF func(context.Context, *GetAllChildrenNumberOptions) error) *cobra.Command {
	opts := &GetAllChildrenNumberOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "getAllChildrenNumber path",
		Short: "Print the number of znodes below path (all depths)",
		Args:  rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			opts.Path = p
			return runWith(cmd, opts, runF, getAllChildrenNumberRun)
		},
	}
	return pathArg(cmd)
}

func getAllChildrenNumberRun(ctx context.Context, opts *GetAllChildrenNumberOptions) error {
	env, p := opts.Env, opts.Path
	pr, c, err := env.begin(ctx, p)
	if err != nil {
		return err
	}
	// The server counts in one request (ZooKeeper 3.6+); older servers are walked.
	prog := env.progress("getAllChildrenNumber "+p, "found %d nodes")
	n, err := c.AllChildrenNumber(ctx, p, prog.update)
	prog.done()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return &ExitError{Code: ExitInterrupted, Path: p, Err: fmt.Errorf("interrupted")}
		}
		return pathError(p, err)
	}
	return pr.Count(env.IO.Out, p, "count", n)
}

// GetEphemeralsOptions are getEphemerals' parsed inputs.
type GetEphemeralsOptions struct {
	Env  *Env
	Path string
}

// NewCmdGetEphemerals builds `getEphemerals [path]`: this session's ephemeral znodes under path.
func NewCmdGetEphemerals(env *Env, runF func(context.Context, *GetEphemeralsOptions) error) *cobra.Command {
	opts := &GetEphemeralsOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "getEphemerals [path]",
		Short: "List this session's ephemeral znodes under path (default /)",
		Long: `List the ephemeral znodes this session owns under path (default /). go-zookeeper cannot send
ZooKeeper's getEphemerals request, so zksh walks the subtree and checks each znode's owner; in one-shot
mode the session is new and owns none.`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			arg := "/"
			if len(args) == 1 {
				arg = args[0]
			}
			p, err := resolveArg(cmd, env, arg)
			if err != nil {
				return err
			}
			opts.Path = p
			return runWith(cmd, opts, runF, getEphemeralsRun)
		},
	}
	return pathArg(cmd)
}

func getEphemeralsRun(ctx context.Context, opts *GetEphemeralsOptions) error {
	env, p := opts.Env, opts.Path
	pr, c, err := env.begin(ctx, p)
	if err != nil {
		return err
	}
	names, unlisted, err := c.Ephemerals(ctx, p) // what may be listed; say what was not
	if unlisted > 0 {
		warn(ctx, env.IO.ErrOut, &ExitError{Path: p, Err: fmt.Errorf("skipped the children of %d znode(s) this session may not list", unlisted)})
	}
	if err != nil {
		return pathError(p, err)
	}
	sortDepthFirst(names)
	return pr.Children(env.IO.Out, render.Children{Path: p, Names: names})
}
