package commands

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/render"
)

// GetACLOptions are getAcl's parsed inputs.
type GetACLOptions struct {
	Env       *Env
	Path      string
	Stat      bool
	Recursive bool // the ACL of every znode of the subtree
}

// NewCmdGetACL builds `getAcl [-s] [-R] path`.
func NewCmdGetACL(env *Env, runF func(context.Context, *GetACLOptions) error) *cobra.Command {
	opts := &GetACLOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "getAcl [-s] [-R] path",
		Short: "Print a znode's ACL",
		Long: `Print a znode's ACL. -R prints the ACL of every znode of the subtree, one line per znode in plain
output: the path, a tab, and the ACL as setAcl takes it (scheme:id:perms,...). Znodes the session
may not list or read are named on stderr, and the exit status is 1.`,
		Example: "  zksh getAcl /app\n  zksh getAcl -R /app | grep -v 'digest:'    # znodes open to more than digest users",
		Args:    rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			opts.Path = p
			if opts.Recursive && opts.Stat {
				return &UsageError{Err: errors.New("-s and -R cannot be combined")}
			}
			return runWith(cmd, opts, runF, getACLRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Stat, "stat", "s", false, "also print the stat")
	cmd.Flags().BoolVarP(&opts.Recursive, "recursive", "R", false, "the ACL of every znode of the subtree")
	return pathArg(cmd)
}

func getACLRun(ctx context.Context, opts *GetACLOptions) error {
	env := opts.Env
	p, c, err := env.begin(ctx, opts.Path)
	if err != nil {
		return err
	}
	if opts.Recursive {
		return aclTree(ctx, env, c, p, opts.Path)
	}
	acl, st, err := c.GetACL(opts.Path)
	if err != nil {
		return pathError(opts.Path, err)
	}
	if err := p.ACL(env.IO.Out, render.ACL{Path: opts.Path, ACL: acl, Stat: st, ShowStat: opts.Stat}); err != nil {
		return pathError(opts.Path, err)
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
	Force     bool // set an ACL that leaves the session no admin permission
}

// NewCmdSetACL builds `setAcl [-s] [-v version] [-R] path acl`.
func NewCmdSetACL(env *Env, runF func(context.Context, *SetACLOptions) error) *cobra.Command {
	opts := &SetACLOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "setAcl [-s] [-v version] [-R] path acl",
		Short: "Set a znode's ACL",
		Long: `Set a znode's ACL, given as scheme:id:perms[,...] with perms from cdrwa, e.g.
world:anyone:r,digest:admin:BASE64SHA1:cdrwa,ip:10.0.0.0/8:r,auth::cdrwa. -R sets it on the whole subtree,
going on past the znodes the session may not list or change: each is named on stderr, and the exit
status is 1.

An ACL that grants none of the session's identities the admin permission (a) is refused (exit 2,
nothing sent): the session could not change the ACL again. Identities are those the server reports
(whoAmI) and the credentials given with --auth or addauth; the super user is not recognised, so use
--force to set such an ACL anyway.`,
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
			opts.Force = env.settings().Force
			return runWith(cmd, opts, runF, setACLRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Stat, "stat", "s", false, "print the new stat")
	cmd.Flags().Int32VarP(&opts.Version, "version", "v", -1, "expected ACL version (-1: any)")
	cmd.Flags().BoolVarP(&opts.Recursive, "recursive", "R", false, "set the ACL on every znode of the subtree")
	return pathArg(cmd)
}

func setACLRun(ctx context.Context, opts *SetACLOptions) error {
	env := opts.Env
	p, c, err := env.begin(ctx, opts.Path)
	if err != nil {
		return err
	}
	if !opts.Force {
		if err := env.checkAdmin(ctx, c, opts.Path, opts.ACL); err != nil {
			return err
		}
	}
	var (
		st      *zk.Stat
		refused []error
	)
	if opts.Recursive {
		st, refused, err = setACLTree(ctx, c, opts)
	} else {
		st, err = c.SetACL(opts.Path, opts.ACL, opts.Version)
	}
	if err != nil {
		return aclError(opts.Path, opts.ACL, err)
	}
	if len(refused) > 0 {
		for _, e := range refused {
			warn(ctx, env.IO.ErrOut, e)
		}
		return &ExitError{Code: ExitRefused, Op: "setAcl -R", Path: opts.Path,
			Err: fmt.Errorf("%s refused (named above); the ACL is set on every other znode", count(len(refused), "znode"))}
	}
	if opts.Stat {
		return p.Stat(env.IO.Out, opts.Path, st)
	}
	return nil
}

// setACLTree sets the ACL on every znode of the subtree, the path itself last, going on past the
// znodes the session may not list or change, and returns those refusals (the path's own stat is nil
// if it was refused); znodes deleted meanwhile are skipped.
func setACLTree(ctx context.Context, c *zkclient.Client, opts *SetACLOptions) (*zk.Stat, []error, error) {
	w := c.Walker()
	w.SkipNoAuth = true
	levels, err := w.Walk(ctx, opts.Path)
	w.Close()
	if err != nil {
		return nil, nil, pathError(opts.Path, err)
	}
	var all []string
	for _, l := range levels[1:] {
		all = append(all, l...)
	}
	denied := make([]bool, len(all))
	var changed atomic.Int64
	err = zkclient.ForEach(ctx, len(all), zkclient.InFlight, func(_, i int) error {
		_, err := c.SetACL(all[i], opts.ACL, -1)
		switch {
		case err == nil:
			changed.Add(1)
		case errors.Is(err, zk.ErrNoNode):
			return nil
		case errors.Is(err, zk.ErrNoAuth):
			denied[i] = true
			return nil
		case errors.Is(err, zk.ErrInvalidACL):
			return err // the same for every znode: reported for the path
		case zkclient.ReplyLost(err) || zkclient.SendFailed(err):
			// Many requests were in flight: any of them may have been applied.
			return &ExitError{Code: ExitUnavailable, Path: opts.Path, Err: &zkclient.OutcomeUnknownError{
				Detail: fmt.Sprintf(" (the ACL is known set on %s of the subtree; the others may have the new ACL or the old one)",
					count(int(changed.Load()), "znode"))}}
		case err != nil:
			return pathError(all[i], err)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	st, err := c.SetACL(opts.Path, opts.ACL, opts.Version)
	if err != nil && !errors.Is(err, zk.ErrNoAuth) {
		return nil, nil, err
	}
	refusedList := w.Refused()
	if err != nil && len(all) == 0 && len(refusedList) == 0 {
		return nil, nil, err // a leaf: refused as setAcl without -R is
	}
	all, denied = append(all, opts.Path), append(denied, err != nil)
	// One line per znode, in ls -R's order: its ACL was refused, its children could not be listed, or both.
	type refusal struct{ acl, list bool }
	byPath := map[string]*refusal{}
	for i, d := range denied {
		if d {
			byPath[all[i]] = &refusal{acl: true}
		}
	}
	for _, up := range refusedList {
		if byPath[up] == nil {
			byPath[up] = &refusal{}
		}
		byPath[up].list = true
	}
	paths := make([]string, 0, len(byPath))
	for up := range byPath {
		paths = append(paths, up)
	}
	sortZkCli(paths, opts.Path)
	var refused []error
	for _, up := range paths {
		r := byPath[up]
		var e error
		switch {
		case r.acl && r.list:
			e = errors.New("not authorized (no auth) to change its ACL or to list its children")
		case r.list:
			e = errors.New("not authorized (no auth) to list its children, whose ACLs are unchanged")
		default:
			e = zk.ErrNoAuth
		}
		refused = append(refused, pathError(up, e))
	}
	return st, refused, nil
}
