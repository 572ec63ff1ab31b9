package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"
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
			pr, err := env.printer()
			if err != nil {
				return err
			}
			c, err := env.Conn(cmd.Context())
			if err != nil {
				return opError("sync", p, err)
			}
			if _, err := c.Sync(env.zkPath(p)); err != nil {
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
			pr, err := env.printer()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := env.Conn(ctx)
			if err != nil {
				return opError("getAllChildrenNumber", p, err)
			}
			prog := env.progress("getAllChildrenNumber "+p, "found %d nodes")
			w := env.newWalker(c)
			levels, err := w.walk(ctx, env.zkPath(p), prog.update)
			w.close()
			prog.done()
			if err != nil {
				if errors.Is(err, context.Canceled) {
					return &ExitError{Code: ExitInterrupted, Op: "getAllChildrenNumber", Path: p, Err: fmt.Errorf("interrupted")}
				}
				return opError("getAllChildrenNumber", p, err)
			}
			n := 0
			for _, l := range levels[1:] {
				n += len(l)
			}
			if n == 0 {
				if ok, _, err := c.Exists(env.zkPath(p)); err != nil || !ok {
					if err == nil {
						err = zk.ErrNoNode
					}
					return opError("getAllChildrenNumber", p, err)
				}
			}
			return pr.Count(env.IO.Out, p, "count", n)
		},
	}
	return pathArg(cmd)
}
