package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/render"
)

// quotaFlags are setquota's and delquota's quota kinds, in zkCli's order.
var quotaFlags = []struct {
	short, long, key, what string
}{
	{"n", "count", quotaCount, "soft limit on the number of znodes"},
	{"b", "bytes", quotaBytes, "soft limit on the bytes of data"},
	{"N", "count-hard", quotaCountHardLimit, "hard limit on the number of znodes"},
	{"B", "bytes-hard", quotaByteHardLimit, "hard limit on the bytes of data"},
}

// SetQuotaOptions are setquota's parsed inputs.
type SetQuotaOptions struct {
	Env   *Env
	Path  string
	Key   string // count, bytes, countHardLimit or byteHardLimit
	Value int64
}

// NewCmdSetQuota builds `setquota -n|-b|-N|-B val path`, zkCli's.
func NewCmdSetQuota(env *Env, runF func(context.Context, *SetQuotaOptions) error) *cobra.Command {
	opts := &SetQuotaOptions{Env: env}
	values := make([]string, len(quotaFlags))
	cmd := &cobra.Command{
		Use:   "setquota -n|-b|-N|-B val path",
		Short: "Set a quota on a znode's subtree (count or bytes, soft or hard)",
		Long: `Set a quota on the subtree at path, as zkCli does: -n the number of znodes, -b the bytes of
data (soft limits: the server logs a warning when they are passed), -N and -B the same as hard
limits (3.7+: the server refuses writes beyond them when it enforces quotas,
zookeeper.enforceQuota=true). One kind per command; setting another kind later keeps the first.
The quota lives in /zookeeper/quota/PATH/zookeeper_limits, the usage the server tracks in
.../zookeeper_stats. A path inside another quota's subtree, or with a quota below it, is refused.`,
		Example: "  zksh setquota -n 1000 /app\n  zksh setquota -B 1048576 /app",
		Args:    rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			given := 0
			for i, f := range quotaFlags {
				if !cmd.Flags().Changed(f.long) {
					continue
				}
				given++
				opts.Key = f.key
				bits := 64
				if f.key == quotaCount || f.key == quotaCountHardLimit {
					bits = 32 // zkCli reads the counts as Java ints
				}
				n, err := strconv.ParseInt(values[i], 10, bits)
				if err != nil {
					return usageErrorf(cmd.CommandPath(), "setquota: -%s %q: %s", f.short, values[i], flagReason(err.Error()))
				}
				switch {
				case bits == 32 && n <= 0:
					return usageErrorf(cmd.CommandPath(), "setquota: -%s %d: the num quota must be greater than zero", f.short, n)
				case bits == 64 && n < 0:
					return usageErrorf(cmd.CommandPath(), "setquota: -%s %d: the bytes quota must be greater than or equal to zero", f.short, n)
				}
				opts.Value = n
			}
			if given != 1 {
				return usageErrorf(cmd.CommandPath(), "setquota: give exactly one of -n, -b, -N, -B (got %d)", given)
			}
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			if strings.HasPrefix(p, quotaRoot) {
				return usageErrorf(cmd.CommandPath(), "setquota %s: cannot set a quota under the path: %s", p, quotaRoot)
			}
			opts.Path = p
			return runWith(cmd, opts, runF, setQuotaRun)
		},
	}
	for i, f := range quotaFlags {
		cmd.Flags().StringVarP(&values[i], f.long, f.short, "", f.what)
	}
	return pathArg(cmd)
}

func setQuotaRun(ctx context.Context, opts *SetQuotaOptions) error {
	env, path := opts.Env, opts.Path
	_, c, err := env.begin(ctx, path)
	if err != nil {
		return err
	}
	ok, _, err := c.Exists(path)
	if err != nil {
		return pathError(path, err)
	}
	if !ok {
		return refusedQuota(&quotaRefusal{path + " does not exist."})
	}
	if err := quotaConflict(c, path); err != nil {
		var qr *quotaRefusal
		if errors.As(err, &qr) {
			return refusedQuota(err)
		}
		return pathError(path, err)
	}
	// The quota znodes: /zookeeper/quota, then one per name of path, then the limits and stats.
	create := func(p string, data []byte) error {
		_, err := c.Create(p, data, 0, zk.WorldACL(zk.PermAll))
		if err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return writeError(p, err, "")
		}
		return nil
	}
	if ok, _, err := c.Exists(quotaRoot); err != nil {
		return pathError(quotaRoot, err)
	} else if !ok {
		for _, p := range []string{"/zookeeper", quotaRoot} {
			if err := create(p, nil); err != nil {
				return err
			}
		}
	}
	dir := quotaRoot
	for _, name := range pathSegments(path) {
		dir += "/" + name
		if ok, _, err := c.Exists(dir); err != nil {
			return pathError(dir, err)
		} else if !ok {
			if err := create(dir, nil); err != nil {
				return err
			}
		}
	}
	lp, sp := limitPath(path), statPath(path)
	exists, _, err := c.Exists(lp)
	if err != nil {
		return pathError(lp, err)
	}
	var limits quotaValues
	if !exists {
		limits = quotaValues{quotaCount: -1, quotaBytes: -1, quotaCountHardLimit: -1, quotaByteHardLimit: -1}
		limits[opts.Key] = opts.Value
		if _, err := c.Create(lp, []byte(limits.String()), 0, zk.WorldACL(zk.PermAll)); err != nil {
			return writeError(lp, err, "")
		}
		if _, err := c.Create(sp, []byte(quotaValues{quotaCount: 0, quotaBytes: 0}.String()), 0, zk.WorldACL(zk.PermAll)); err != nil {
			return writeError(sp, err, "")
		}
	} else {
		data, _, err := c.Get(lp)
		if err != nil {
			return pathError(lp, err)
		}
		if limits, err = parseQuotaValues(string(data)); err != nil {
			return pathError(lp, err)
		}
		limits[opts.Key] = opts.Value
	}
	data, _, err := c.Get(sp)
	if err != nil {
		return pathError(sp, err)
	}
	stats, err := parseQuotaValues(string(data))
	if err != nil {
		return pathError(sp, err)
	}
	for _, w := range quotaWarnings(limits, stats) {
		fmt.Fprintf(env.IO.ErrOut, "zksh: setquota %s: warning: %s\n", path, w)
	}
	if exists {
		if _, err := c.Set(lp, []byte(limits.String()), -1); err != nil {
			return writeError(lp, err, "")
		}
	}
	return nil
}

// ListQuotaOptions are listquota's parsed inputs.
type ListQuotaOptions struct {
	Env  *Env
	Path string
}

// NewCmdListQuota builds `listquota path`, zkCli's.
func NewCmdListQuota(env *Env, runF func(context.Context, *ListQuotaOptions) error) *cobra.Command {
	opts := &ListQuotaOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "listquota path",
		Short: "Show a znode's quota and its usage",
		Long: `Show the quota set on path and the usage the server tracks, as zkCli does (plain:
"Output quota for PATH count=...,bytes=..." then "Output stat for PATH ..."), or as a table
or JSON (-1: no limit). Exit 1 when path has no quota.`,
		Example: "  zksh listquota /app\n  zksh -o json listquota /app",
		Args:    rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			opts.Path = p
			return runWith(cmd, opts, runF, listQuotaRun)
		},
	}
	return pathArg(cmd)
}

func listQuotaRun(ctx context.Context, opts *ListQuotaOptions) error {
	env, path := opts.Env, opts.Path
	p, c, err := env.begin(ctx, path)
	if err != nil {
		return err
	}
	limits, stats, err := readQuota(c, path)
	if errors.Is(err, errQuotaMissing) {
		return refusedQuota(&quotaRefusal{"quota for " + path + " does not exist."})
	}
	if err != nil {
		return pathError(path, err)
	}
	q := render.Quota{Path: path, Limits: limits.render(), Stats: stats.render(),
		LimitsText: limits.String(), StatsText: stats.String()}
	return p.Quota(env.IO.Out, q)
}

// DelQuotaOptions are delquota's parsed inputs.
type DelQuotaOptions struct {
	Env  *Env
	Path string
	Key  string // "": the whole quota
}

// NewCmdDelQuota builds `delquota [-n|-b|-N|-B] path`, zkCli's.
func NewCmdDelQuota(env *Env, runF func(context.Context, *DelQuotaOptions) error) *cobra.Command {
	opts := &DelQuotaOptions{Env: env}
	kinds := make([]bool, len(quotaFlags))
	cmd := &cobra.Command{
		Use:   "delquota [-n|-b|-N|-B] path",
		Short: "Remove a znode's quota (or one kind of it)",
		Long: `Remove the quota on path, as zkCli does: with -n, -b, -N or -B only that limit (it becomes -1),
without one the whole quota (its znodes under /zookeeper/quota, and the parents left empty).
A path without a quota prints "Quota does not exist for PATH" and changes nothing.`,
		Example: "  zksh delquota -n /app\n  zksh delquota /app",
		Args:    rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			given := 0
			for i, f := range quotaFlags {
				if kinds[i] {
					given++
					opts.Key = f.key
				}
			}
			if given > 1 {
				return usageErrorf(cmd.CommandPath(), "delquota: give at most one of -n, -b, -N, -B")
			}
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			opts.Path = p
			return runWith(cmd, opts, runF, delQuotaRun)
		},
	}
	for i, f := range quotaFlags {
		cmd.Flags().BoolVarP(&kinds[i], f.long, f.short, false, "remove only the "+f.what)
	}
	return pathArg(cmd)
}

func delQuotaRun(ctx context.Context, opts *DelQuotaOptions) error {
	env, path := opts.Env, opts.Path
	p, c, err := env.begin(ctx, path)
	if err != nil {
		return err
	}
	lp, dir := limitPath(path), quotaDir(path)
	data, _, err := c.Get(lp)
	if errors.Is(err, zk.ErrNoNode) {
		return p.Message(env.IO.Out, "message", "Quota does not exist for "+path)
	}
	if err != nil {
		return pathError(lp, err)
	}
	if opts.Key != "" {
		limits, err := parseQuotaValues(string(data))
		if err != nil {
			return pathError(lp, err)
		}
		limits[opts.Key] = -1
		if _, err := c.Set(lp, []byte(limits.String()), -1); err != nil {
			return writeError(lp, err, "")
		}
		return nil
	}
	children, _, err := c.Children(dir)
	if err != nil {
		return pathError(dir, err)
	}
	for _, child := range children {
		if err := c.Delete(dir+"/"+child, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
			return writeError(dir+"/"+child, err, "")
		}
	}
	// Remove the parents left without children, up to /zookeeper/quota.
	for d := dir; d != quotaRoot && strings.HasPrefix(d, quotaRoot+"/"); d = d[:strings.LastIndex(d, "/")] {
		children, _, err := c.Children(d)
		if err != nil {
			return pathError(d, err)
		}
		if len(children) > 0 {
			break
		}
		if err := c.Delete(d, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
			return writeError(d, err, "")
		}
	}
	return nil
}

// refusedQuota is a quota command refused by zkCli's rules: exit 1 with zkCli's text.
func refusedQuota(err error) error { return &ExitError{Code: ExitRefused, Err: err} }
