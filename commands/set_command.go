package commands

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zkclient"
)

// SetOptions are set's parsed inputs.
type SetOptions struct {
	Env     *Env
	Path    string
	Data    []byte
	Version int32 // -1 = any
	Stat    bool
	Base64  bool // -b: data was given base64-encoded
}

// NewCmdSet builds `set [-s] [-v version] path data`.
func NewCmdSet(env *Env, runF func(context.Context, *SetOptions) error) *cobra.Command {
	opts := &SetOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "set [-s] [-v version] [-b] path data",
		Short: "Set a znode's data",
		Long: `Set a znode's data. data: text (quote it: set /a "hello world"); @FILE reads a file, - reads
stdin, @@TEXT is the literal @TEXT. -v sets it only if the data version matches (else exit 1).
-b: the data is given base64-encoded (standard alphabet, padded), as zkCli 3.9.3's set -b; the
decoded bytes are stored.`,
		Example: "  zksh set /app/config '{\"debug\":true}'\n  zksh set -v 3 /app/config @config.json\n  zksh set -b /app/blob AAECAw==",
		Args:    rangeArgs(2, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			opts.Path = p
			if opts.Data, err = env.readData(cmd.Name(), args[1]); err != nil {
				return err
			}
			if opts.Base64 {
				if opts.Data, err = decodeBase64Data(opts.Data); err != nil {
					return usageErrorf(cmd.CommandPath(), "set -b: the data is not valid base64: %v", err)
				}
			}
			if err := checkDataSize(cmd.Name(), opts.Data); err != nil {
				return err
			}
			return runWith(cmd, opts, runF, setRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Stat, "stat", "s", false, "print the new stat")
	cmd.Flags().Int32VarP(&opts.Version, "version", "v", -1, "expected data version (-1: any)")
	cmd.Flags().BoolVarP(&opts.Base64, "base64", "b", false, "the data is base64-encoded")
	return pathArg(cmd)
}

func setRun(ctx context.Context, opts *SetOptions) error {
	env := opts.Env
	p, c, err := env.begin(ctx, opts.Path)
	if err != nil {
		return err
	}
	st, err := c.Set(opts.Path, opts.Data, opts.Version)
	if err != nil {
		var found string
		if zkclient.ReplyLost(err) {
			found = env.recheckData(ctx, opts.Path, opts.Data, true)
		}
		return dataError(opts.Path, opts.Data, err, found)
	}
	if opts.Stat {
		if err := p.Stat(env.IO.Out, opts.Path, st); err != nil {
			return pathError(opts.Path, err)
		}
	}
	return nil
}
