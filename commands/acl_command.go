package commands

import (
	"context"
	"errors"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/render"
)

// GetACLOptions are getAcl's parsed inputs.
type GetACLOptions struct {
	Env  *Env
	Path string
	Stat bool
}

// NewCmdGetACL builds `getAcl [-s] path`.
func NewCmdGetACL(env *Env, runF func(context.Context, *GetACLOptions) error) *cobra.Command {
	opts := &GetACLOptions{Env: env}
	cmd := &cobra.Command{
		Use:     "getAcl [-s] path",
		Short:   "Print a znode's ACL",
		Example: "  zksh getAcl /app",
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
			return getACLRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Stat, "stat", "s", false, "also print the stat")
	return pathArg(cmd)
}

func getACLRun(ctx context.Context, opts *GetACLOptions) error {
	env := opts.Env
	p, c, err := env.begin(ctx, "getAcl", opts.Path)
	if err != nil {
		return err
	}
	acl, st, err := c.GetACL(env.zkPath(opts.Path))
	if err != nil {
		return opError("getAcl", opts.Path, err)
	}
	if err := p.ACL(env.IO.Out, render.ACL{Path: opts.Path, ACL: acl, Stat: st, ShowStat: opts.Stat}); err != nil {
		return opError("getAcl", opts.Path, err)
	}
	return nil
}

// SetACLOptions are setAcl's parsed inputs.
type SetACLOptions struct {
	Env       *Env
	Path      string
	ACL       []zk.ACL
	Version   int32
	Stat      bool
	Recursive bool
}

// NewCmdSetACL builds `setAcl [-s] [-v version] [-R] path acl`.
func NewCmdSetACL(env *Env, runF func(context.Context, *SetACLOptions) error) *cobra.Command {
	opts := &SetACLOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "setAcl [-s] [-v version] [-R] path acl",
		Short: "Set a znode's ACL",
		Long: `Set a znode's ACL, given as scheme:id:perms[,...] with perms from cdrwa, e.g.
world:anyone:r,digest:admin:BASE64SHA1:cdrwa,ip:10.0.0.0/8:r,auth::cdrwa. -R sets it on the whole subtree.`,
		Example: "  zksh setAcl /app world:anyone:r,auth::cdrwa",
		Args:    rangeArgs(2, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			opts.Path = p
			if opts.ACL, err = parseACL(args[1]); err != nil {
				return usageErrorf(cmd.CommandPath(), "setAcl: %v", err)
			}
			if opts.Recursive && opts.Version != -1 {
				return usageErrorf(cmd.CommandPath(), "setAcl: -R cannot be combined with -v")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return setACLRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Stat, "stat", "s", false, "print the new stat")
	cmd.Flags().Int32VarP(&opts.Version, "version", "v", -1, "expected ACL version (-1: any)")
	cmd.Flags().BoolVarP(&opts.Recursive, "recursive", "R", false, "set the ACL on every znode of the subtree")
	return pathArg(cmd)
}

func setACLRun(ctx context.Context, opts *SetACLOptions) error {
	env := opts.Env
	p, c, err := env.begin(ctx, "setAcl", opts.Path)
	if err != nil {
		return err
	}
	zp := env.zkPath(opts.Path)
	if opts.Recursive {
		w := env.newWalker(c)
		levels, err := w.walk(ctx, zp, nil)
		w.close()
		if err != nil {
			return opError("setAcl", opts.Path, err)
		}
		var all []string
		for _, l := range levels[1:] {
			all = append(all, l...)
		}
		err = forEach(ctx, len(all), inFlight, func(_, i int) error {
			_, err := c.SetACL(all[i], opts.ACL, -1)
			if errors.Is(err, zk.ErrNoNode) {
				return nil
			}
			return err
		})
		if err != nil {
			return writeError("setAcl", opts.Path, err, "")
		}
	}
	st, err := c.SetACL(zp, opts.ACL, opts.Version)
	if err != nil {
		return aclError("setAcl", opts.Path, opts.ACL, err)
	}
	if opts.Stat {
		return p.Stat(env.IO.Out, opts.Path, st)
	}
	return nil
}
