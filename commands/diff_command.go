package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/znodetree"
	"github.com/zksh/zksh/render"
)

// DiffOptions are diff's parsed inputs.
type DiffOptions struct {
	Env       *Env
	A, B      location
	Ephemeral bool
}

// NewCmdDiff builds `diff A B`.
func NewCmdDiff(env *Env, runF func(context.Context, *DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "Compare two subtrees: znode paths, zk:// URLs or export files",
		Long: `Compare two subtrees, each a znode path in the current cluster, a zk:// URL of another cluster
or an export file (file:NAME, a name ending in .jsonl, or - for stdin). Prints, sorted by path
relative to each root, "+ path" for a znode only in B, "- path" for one only in A and
"~ path data,acl,mode" for one that differs. Exit status as diff(1): 0 equal, 1 different, 2 usage,
3 connection. Ephemeral znodes of live subtrees are left out unless --include-ephemeral. Modes
differ only between ephemeral and not: ZooKeeper shows containers and TTL znodes to clients as
persistent ones.`,
		Example: "  zksh diff /app backup.jsonl\n  zksh diff /app zk://standby:2181/app",
		Args:    rangeArgs(2, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.A, err = parseLocation(env, cmd.CommandPath(), args[0]); err != nil {
				return err
			}
			if opts.B, err = parseLocation(env, cmd.CommandPath(), args[1]); err != nil {
				return err
			}
			if opts.A.kind == atFile && opts.B.kind == atFile && opts.A.path == "-" && opts.B.path == "-" {
				return usageErrorf(cmd.CommandPath(), "diff: only one side can be stdin")
			}
			return runWith(cmd, opts, runF, diffRun)
		},
	}
	cmd.Flags().BoolVar(&opts.Ephemeral, "include-ephemeral", false, "compare ephemeral znodes too")
	return pathArg(cmd)
}

func diffRun(ctx context.Context, opts *DiffOptions) error {
	env := opts.Env
	pr, err := env.printer()
	if err != nil {
		return err
	}
	ro := readOptions{ephemeral: opts.Ephemeral, recursive: true}
	a, _, err := loadTree(ctx, env, opts.A, ro)
	if err != nil {
		return operandError(err)
	}
	b, _, err := loadTree(ctx, env, opts.B, ro)
	if err != nil {
		return operandError(err)
	}
	changes := znodetree.Diff(a, b)
	out := make([]render.Change, len(changes))
	for i, c := range changes {
		out[i] = render.Change{Kind: c.Kind, Path: c.Path, What: c.What}
	}
	if err := pr.Changes(env.IO.Out, out); err != nil {
		return err
	}
	if len(changes) > 0 {
		return &ExitError{Code: ExitRefused, Quiet: true, Err: fmt.Errorf("%s differ", count(len(changes), "znode"))}
	}
	return nil
}

// operandError makes an operand diff could not read (a znode missing or not readable) exit 2, as
// diff(1) does for trouble: 1 says the operands differ, and a script must not take a missing one
// for a difference. Connection errors keep exit 3, Ctrl-C 130.
func operandError(err error) error {
	var ee *ExitError
	if errors.As(err, &ee) && ee.Code == ExitRefused {
		c := *ee
		c.Code = ExitUsage
		return &c
	}
	if classify(err) == ExitRefused {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return err
}

// ApplyOptions are apply's parsed inputs.
type ApplyOptions struct {
	Env    *Env
	File   string
	Dest   *location // nil: the root the file was exported from
	Prune  bool
	DryRun bool
	Yes    bool
}

// NewCmdApply builds `apply -f file [path] [--prune] [--dry-run]`.
func NewCmdApply(env *Env, runF func(context.Context, *ApplyOptions) error) *cobra.Command {
	opts := &ApplyOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "apply -f file [path] [--prune] [--dry-run] [--yes]",
		Short: "Make a subtree equal to an export file",
		Long: `Make the subtree at path (default: the path the file was exported from; or a zk:// URL) equal to
the export file: prints the plan (create, update of data and/or ACL, and with --prune delete of the
znodes the file does not have), then applies it: creates parents first and deletes deepest first in
multi requests, updates conditional on the versions read (a znode changed meanwhile is refused).
A refused step stops it (exit 1), naming the step and what was applied before. Ephemeral znodes
are neither created nor deleted. On a terminal, deleting more than 1000 znodes asks first (--yes
does not ask). --dry-run prints the plan and changes nothing.`,
		Example: "  zksh apply -f app.jsonl /app --dry-run\n  zksh apply -f app.jsonl /app --prune",
		Args:    rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.File == "" {
				return usageErrorf(cmd.CommandPath(), "apply: -f file is required")
			}
			if len(args) == 1 {
				l, err := parseLocation(env, cmd.CommandPath(), args[0])
				if err != nil {
					return err
				}
				if l.kind == atFile {
					return usageErrorf(cmd.CommandPath(), "apply: %s is a file; give the file with -f and path as a znode path or zk:// URL", args[0])
				}
				opts.Dest = &l
			}
			return runWith(cmd, opts, runF, applyRun)
		},
	}
	cmd.Flags().StringVarP(&opts.File, "file", "f", "", "export file with the wanted state (- = stdin)")
	cmd.Flags().BoolVar(&opts.Prune, "prune", false, "delete znodes the file does not have")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the plan, change nothing")
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "do not ask before deleting more than 1000 znodes")
	return pathArg(cmd)
}

func applyRun(ctx context.Context, opts *ApplyOptions) error {
	env := opts.Env
	want, h, err := readFileTree(env, location{kind: atFile, path: opts.File}, true)
	if err != nil {
		return err
	}
	dest := location{kind: atZnode, path: h.Root}
	if opts.Dest != nil {
		dest = *opts.Dest
	} else if err := checkRoot(h.Root); err != nil {
		return err
	}
	return syncTree(ctx, env, want, h, dest, syncOptions{update: true, prune: opts.Prune, dryRun: opts.DryRun,
		printPlan: true, yes: opts.Yes})
}

// CopyOptions are cp's and mirror's parsed inputs.
type CopyOptions struct {
	Env       *Env
	Src, Dst  location
	Recursive bool // cp -R (mirror: always)
	Mirror    bool
	Delete    bool // mirror --delete
	DryRun    bool
	Yes       bool
}

func parseCopy(cmd *cobra.Command, env *Env, opts *CopyOptions, args []string) error {
	var err error
	if opts.Src, err = parseLocation(env, cmd.CommandPath(), args[0]); err != nil {
		return err
	}
	if opts.Dst, err = parseLocation(env, cmd.CommandPath(), args[1]); err != nil {
		return err
	}
	if opts.Dst.kind == atFile && opts.Dst.path == "-" && opts.Src.kind == atFile && opts.Src.path == "-" {
		return usageErrorf(cmd.CommandPath(), "%s: give a file for SRC or DST, not - for both", cmd.Name())
	}
	// In the current cluster, a subtree copied into itself would grow at every run, and mirror
	// --delete into a subtree holding SRC would delete SRC: refused, as cp(1) refuses.
	if opts.Recursive && opts.Src.kind == atZnode && opts.Dst.kind == atZnode {
		outer, inner := opts.Src.path, opts.Dst.path
		if len(inner) < len(outer) {
			outer, inner = inner, outer
		}
		if outer != inner && strings.HasPrefix(inner, strings.TrimSuffix(outer, "/")+"/") {
			return usageErrorf(cmd.CommandPath(), "%s: %s contains %s: SRC and DST must not be inside one another", cmd.Name(), outer, inner)
		}
	}
	return nil
}

// NewCmdCp builds `cp [-R] src dst`.
func NewCmdCp(env *Env, runF func(context.Context, *CopyOptions) error) *cobra.Command {
	opts := &CopyOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "cp [-R] SRC DST",
		Short: "Copy a znode (-R: a subtree) with its ACL, within or across clusters",
		Long: `Copy the znode SRC (with -R its whole subtree) to DST, with data and ACL. SRC and DST are each a
znode path in the current cluster, a zk:// URL of another cluster, or an export file (file:NAME,
a name ending in .jsonl, or -). DST is the copy's path: if DST or any znode of the copy exists,
cp names them and writes nothing (exit 1). Ephemeral znodes are not copied.`,
		Example: "  zksh cp -R /app /app-copy\n  zksh cp -R /app zk://digest:ops:secret@standby:2181/app",
		Args:    rangeArgs(2, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := parseCopy(cmd, env, opts, args); err != nil {
				return err
			}
			return runWith(cmd, opts, runF, copyRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Recursive, "recursive", "R", false, "copy the whole subtree")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the plan, change nothing")
	return pathArg(cmd)
}

// NewCmdMirror builds `mirror src dst [--delete] [--dry-run]`.
func NewCmdMirror(env *Env, runF func(context.Context, *CopyOptions) error) *cobra.Command {
	opts := &CopyOptions{Env: env, Mirror: true, Recursive: true}
	cmd := &cobra.Command{
		Use:   "mirror SRC DST [--delete] [--dry-run] [--yes]",
		Short: "Make DST's subtree equal to SRC's, within or across clusters",
		Long: `Make the subtree at DST equal to SRC's: creates what is missing, updates data and ACLs that
differ, and with --delete deletes what SRC does not have (apply --prune with a live source). SRC and
DST are each a znode path, a zk:// URL or an export file. Prints the plan, then applies it; a
refused step stops it (exit 1) naming the step and what was applied. Ephemeral znodes are neither
copied nor deleted. On a terminal, deleting more than 1000 znodes asks first (--yes does not ask).`,
		Example: "  zksh mirror /app zk://standby:2181/app --delete\n  zksh mirror zk://prod:2181/app /app --dry-run",
		Args:    rangeArgs(2, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := parseCopy(cmd, env, opts, args); err != nil {
				return err
			}
			return runWith(cmd, opts, runF, copyRun)
		},
	}
	cmd.Flags().BoolVar(&opts.Delete, "delete", false, "delete znodes SRC does not have")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the plan, change nothing")
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "do not ask before deleting more than 1000 znodes")
	return pathArg(cmd)
}

func copyRun(ctx context.Context, opts *CopyOptions) error {
	env := opts.Env
	want, h, err := loadTree(ctx, env, opts.Src, readOptions{recursive: opts.Recursive, whole: true})
	if err != nil {
		return err
	}
	if opts.Mirror {
		return syncTree(ctx, env, want, h, opts.Dst, syncOptions{update: true, prune: opts.Delete,
			dryRun: opts.DryRun, printPlan: true, yes: opts.Yes})
	}
	return syncTree(ctx, env, want, h, opts.Dst, syncOptions{conflicts: true, dryRun: opts.DryRun})
}
