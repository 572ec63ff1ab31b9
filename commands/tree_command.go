package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/zksh/zksh/render"
)

// NewCmdSync builds `sync path`: make the connected server catch up with the leader.
func NewCmdSync(env *Env, runF func(context.Context, string) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sync path",
		Short: "Make the connected server catch up with the leader for path",
		Args:  rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), p)
			}
			pr, c, err := env.begin(cmd.Context(), "sync", p)
			if err != nil {
				return err
			}
			if err := c.Sync(p); err != nil {
				return opError("sync", p, err)
			}
			return pr.Message(env.IO.Out, "sync", "Sync is OK")
		},
	}
	return pathArg(cmd)
}

// NewCmdGetAllChildrenNumber builds `getAllChildrenNumber path`: the number of znodes below path.
func NewCmdGetAllChildrenNumber(env *Env, runF func(context.Context, string) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "getAllChildrenNumber path",
		Short: "Print the number of znodes below path (all depths)",
		Args:  rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), p)
			}
			ctx := cmd.Context()
			pr, c, err := env.begin(ctx, "getAllChildrenNumber", p)
			if err != nil {
				return err
			}
			// The server counts in one request (ZooKeeper 3.6+); older servers are walked.
			prog := env.progress("getAllChildrenNumber "+p, "found %d nodes")
			n, err := c.AllChildrenNumber(ctx, p, prog.update)
			prog.done()
			if err != nil {
				if errors.Is(err, context.Canceled) {
					return &ExitError{Code: ExitInterrupted, Op: "getAllChildrenNumber", Path: p, Err: fmt.Errorf("interrupted")}
				}
				return opError("getAllChildrenNumber", p, err)
			}
			return pr.Count(env.IO.Out, p, "count", n)
		},
	}
	return pathArg(cmd)
}

// NewCmdGetEphemerals builds `getEphemerals [path]`: this session's ephemeral znodes under path.
func NewCmdGetEphemerals(env *Env, runF func(context.Context, string) error) *cobra.Command {
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
			if runF != nil {
				return runF(cmd.Context(), p)
			}
			ctx := cmd.Context()
			pr, c, err := env.begin(ctx, "getEphemerals", p)
			if err != nil {
				return err
			}
			names, unlisted, err := c.Ephemerals(ctx, p) // what may be listed; say what was not
			if unlisted > 0 {
				fmt.Fprintf(env.IO.ErrOut, "zksh: getEphemerals %s: skipped the children of %d znode(s) this session may not list\n", p, unlisted)
			}
			if err != nil {
				return opError("getEphemerals", p, err)
			}
			sortDepthFirst(names)
			return pr.Children(env.IO.Out, render.Children{Path: p, Names: names})
		},
	}
	return pathArg(cmd)
}
