package commands

import (
	"context"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/render"
)

// GetOptions are get's parsed inputs.
type GetOptions struct {
	Env    *Env
	Path   string
	Stat   bool
	Watch  bool
	Base64 bool
	Hex    bool
}

// NewCmdGet builds `get [-s] [-w] [-b|-x] path`.
func NewCmdGet(env *Env, runF func(context.Context, *GetOptions) error) *cobra.Command {
	opts := &GetOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "get [-s] [-w] [-b|-x] path",
		Short: "Print a znode's data",
		Long: `Print a znode's data. On a terminal, data that is not text is shown as a hex dump; use -b
for base64 or -x for a hex dump anywhere. Off a terminal, data that is not text is written exactly,
without the newline added to text (zksh get /bin > file round-trips), unless -s or -w print more. With -o json the data is "data" when it is valid UTF-8,
otherwise null with "dataBase64", and the stat is always included.`,
		Example: "  zksh get /app/config\n  zksh get -s -o json /app/config\n  zksh get -w /app/config   # wait for the next change",
		Args:    rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Base64 && opts.Hex {
				return usageErrorf(cmd.CommandPath(), "get: -b (base64) and -x (hex dump) cannot be combined")
			}
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			opts.Path = p
			return runWith(cmd, opts, runF, getRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Stat, "stat", "s", false, "also print the stat")
	cmd.Flags().BoolVarP(&opts.Watch, "watch", "w", false, "watch the data: print the next change event")
	cmd.Flags().BoolVarP(&opts.Base64, "base64", "b", false, "print the data base64-encoded")
	cmd.Flags().BoolVarP(&opts.Hex, "hex", "x", false, "print the data as a hex dump")
	return pathArg(cmd)
}

func getRun(ctx context.Context, opts *GetOptions) error {
	env := opts.Env
	p, c, err := env.begin(ctx, opts.Path)
	if err != nil {
		return err
	}
	var (
		data []byte
		st   *zk.Stat
		ch   <-chan zk.Event
	)
	if opts.Watch {
		data, st, ch, err = c.GetW(opts.Path)
	} else {
		data, st, err = c.Get(opts.Path)
	}
	if err != nil {
		return pathError(opts.Path, err)
	}
	n := render.Node{Path: opts.Path, Data: data, Stat: st, ShowStat: opts.Stat, Alone: !opts.Stat && !opts.Watch}
	switch {
	case opts.Base64:
		n.Encoding = render.Base64
	case opts.Hex:
		n.Encoding = render.HexDump
	}
	if err := p.Node(env.IO.Out, n); err != nil {
		return pathError(opts.Path, err)
	}
	if opts.Watch {
		return env.awaitWatch(ctx, opts.Path, ch)
	}
	return nil
}
