package commands

import (
	"context"
	"fmt"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"
)

// StatOptions are stat's parsed inputs.
type StatOptions struct {
	Env   *Env
	Path  string
	Watch bool
}

// NewCmdStat builds `stat [-w] path`.
func NewCmdStat(env *Env, runF func(context.Context, *StatOptions) error) *cobra.Command {
	opts := &StatOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "stat [-w] path",
		Short: "Print a znode's stat",
		Long: `Print a znode's stat (zxids, times, versions, ephemeral owner, data length, children).
-w watches the znode: one-shot, it waits for the next change; for a znode that does not exist yet it
says so on stderr and waits for its creation (exit 0 when it appears).`,
		Example: "  zksh stat /app\n  zksh stat -w /app/ready   # wait until it is created or changes",
		Args:    rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			opts.Path = p
			return runWith(cmd, opts, runF, statRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Watch, "watch", "w", false, "watch the znode: print the next event (creation, change, deletion)")
	return pathArg(cmd)
}

func statRun(ctx context.Context, opts *StatOptions) error {
	env := opts.Env
	p, c, err := env.begin(ctx, opts.Path)
	if err != nil {
		return err
	}
	var (
		ok bool
		st *zk.Stat
		ch <-chan zk.Event
	)
	if opts.Watch {
		ok, st, ch, err = c.ExistsW(opts.Path)
	} else {
		ok, st, err = c.Exists(opts.Path)
	}
	if err != nil {
		return pathError(opts.Path, err)
	}
	if !ok {
		if !opts.Watch || env.watchesInBackground() {
			if opts.Watch {
				_ = env.awaitWatch(ctx, opts.Path, ch)
			}
			return pathError(opts.Path, zk.ErrNoNode)
		}
		fmt.Fprintf(env.IO.ErrOut, "zksh: stat %s: node does not exist; waiting for it\n", opts.Path)
		return env.awaitWatch(ctx, opts.Path, ch)
	}
	if err := p.Stat(env.IO.Out, opts.Path, st); err != nil {
		return pathError(opts.Path, err)
	}
	if opts.Watch {
		return env.awaitWatch(ctx, opts.Path, ch)
	}
	return nil
}
