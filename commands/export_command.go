package commands

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/zksh/zksh/internal/znodepath"
	"github.com/zksh/zksh/internal/znodetree"
	"github.com/zksh/zksh/render"
)

// ExportOptions are export's parsed inputs.
type ExportOptions struct {
	Env       *Env
	From      location // a znode here or a zk:// URL
	File      string   // "-" = stdout
	Ephemeral bool
}

// NewCmdExport builds `export [path] [-f file|-] [--include-ephemeral]`.
func NewCmdExport(env *Env, runF func(context.Context, *ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "export [path] [-f file|-] [--include-ephemeral]",
		Short: "Write a subtree to an export file (JSON lines)",
		Long: `Write the subtree at path (default: the current znode; or a zk:// URL of another cluster) as
zksh's export format: JSON lines, a header line, then one znode per line, parents before children,
with its path relative to path, data (as text, or base64 when not UTF-8), ACL, mode and stat (see
"Export format" in README). Ephemeral znodes are left out unless --include-ephemeral. ZooKeeper's
own /zookeeper subtree is never exported. The export streams: memory stays small whatever the size
of the tree. -f writes to a file (written whole or not at all: a temporary file is renamed into
place); the default is stdout.`,
		Example: "  zksh export /app -f app.jsonl\n  zksh export zk://digest:ops:secret@prod1:2181/app > prod.jsonl",
		Args:    rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			arg := "."
			if len(args) == 1 {
				arg = args[0]
			}
			l, err := parseLocation(env, cmd.CommandPath(), arg)
			if err != nil {
				return err
			}
			if l.kind == atFile {
				return usageErrorf(cmd.CommandPath(), "export: %s is a file; export reads a znode path or a zk:// URL", arg)
			}
			opts.From = l
			return runWith(cmd, opts, runF, exportRun)
		},
	}
	cmd.Flags().StringVarP(&opts.File, "file", "f", "-", "file to write (- = stdout)")
	cmd.Flags().BoolVar(&opts.Ephemeral, "include-ephemeral", false, "include ephemeral znodes")
	return pathArg(cmd)
}

func exportRun(ctx context.Context, opts *ExportOptions) error {
	env := opts.Env
	pr, err := env.printer()
	if err != nil {
		return err
	}
	cl, err := env.cluster(ctx, opts.From)
	if err != nil {
		return err
	}
	defer cl.close()
	h := znodetree.Header{Source: cl.source, Root: opts.From.path, Ephemeral: opts.Ephemeral}
	n := 0
	prog := env.progress("export "+opts.From.String(), "exported %d znodes")
	err = writeExport(env, opts.File, h, func(w *znodetree.Writer) error {
		return readLive(ctx, cl.c, opts.From.path, readOptions{ephemeral: opts.Ephemeral, recursive: true, whole: true}, prog.update,
			func(node *znodetree.Node) error { n++; return w.Write(node) })
	})
	prog.done()
	if err != nil {
		if errors.Is(err, zk.ErrNoNode) {
			return pathError(opts.From.String(), err)
		}
		if errors.Is(err, context.Canceled) {
			done := "nothing written to " + opts.File
			if opts.File == "-" { // what was written has gone out already
				done = "the export on stdout is incomplete"
			}
			return &ExitError{Code: ExitInterrupted, Path: opts.From.String(),
				Err: fmt.Errorf("interrupted after %s; %s", count(n, "znode"), done)}
		}
		return readError(opts.From, err)
	}
	if opts.File == "-" {
		return nil
	}
	return pr.Exported(env.IO.Out, n, opts.File)
}

// ImportOptions are import's parsed inputs.
type ImportOptions struct {
	Env          *Env
	File         string    // "-" = stdin
	Dest         *location // nil: the root the file was exported from
	Overwrite    bool
	SkipExisting bool
	DryRun       bool
}

// NewCmdImport builds `import [-f file|-] [dest] [--overwrite|--skip-existing] [--dry-run]`.
func NewCmdImport(env *Env, runF func(context.Context, *ImportOptions) error) *cobra.Command {
	opts := &ImportOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "import [-f file|-] [dest] [--overwrite|--skip-existing] [--dry-run]",
		Short: "Create the znodes of an export file under dest",
		Long: `Create the znodes of an export file under dest (default: the path it was exported from; or a
zk:// URL), parents first, in multi requests of up to 1000 creates, several in flight. Sequential
names are created as they are. Containers are created as containers, TTL znodes as TTL znodes (the
server needs extendedTypesEnabled); ephemeral znodes are skipped (they would end with zksh's session).
Existing znodes: by default import checks them all first and, if any exists, names them and writes
nothing (exit 1); dest itself may exist (its data and ACL are then left). --overwrite sets the data
and ACL of existing znodes that differ; --skip-existing leaves them. --dry-run prints the plan and
changes nothing.`,
		Example: "  zksh import -f app.jsonl /restore/app\n  zksh import --skip-existing -f app.jsonl",
		Args:    rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Overwrite && opts.SkipExisting {
				return usageErrorf(cmd.CommandPath(), "import: --overwrite and --skip-existing exclude each other")
			}
			if len(args) == 1 {
				l, err := parseLocation(env, cmd.CommandPath(), args[0])
				if err != nil {
					return err
				}
				if l.kind == atFile {
					return usageErrorf(cmd.CommandPath(), "import: %s is a file; give the file with -f and dest as a znode path or zk:// URL", args[0])
				}
				opts.Dest = &l
			}
			return runWith(cmd, opts, runF, importRun)
		},
	}
	cmd.Flags().StringVarP(&opts.File, "file", "f", "-", "export file to read (- = stdin)")
	cmd.Flags().BoolVar(&opts.Overwrite, "overwrite", false, "set data and ACL of existing znodes")
	cmd.Flags().BoolVar(&opts.SkipExisting, "skip-existing", false, "leave existing znodes as they are")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the plan, change nothing")
	return pathArg(cmd)
}

func importRun(ctx context.Context, opts *ImportOptions) error {
	env := opts.Env
	src := location{kind: atFile, path: opts.File}
	want, h, err := readFileTree(env, src, true)
	if err != nil {
		return err
	}
	dest := location{kind: atZnode, path: h.Root}
	if opts.Dest != nil {
		dest = *opts.Dest
	} else if err := checkRoot(h.Root); err != nil {
		return err
	}
	return syncTree(ctx, env, want, h, dest, syncOptions{
		update:       opts.Overwrite,
		conflicts:    !opts.Overwrite && !opts.SkipExisting,
		rootMayExist: true,
		conflictHint: " (--overwrite sets them, --skip-existing leaves them)",
		dryRun:       opts.DryRun,
	})
}

// checkRoot checks a root read from a file's header.
func checkRoot(root string) error {
	if err := znodepath.Validate(root); err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("the export's root %q: %v; give dest", root, err)}
	}
	return nil
}

// syncOptions say how syncTree makes a destination match a tree.
type syncOptions struct {
	update       bool   // update existing znodes whose data or ACL differ
	prune        bool   // delete znodes not in the tree
	conflicts    bool   // refuse (before writing anything) when any znode exists already
	conflictHint string // added to that refusal: how to go on
	rootMayExist bool   // with conflicts: the destination root itself may exist
	dryRun       bool   // print the plan, change nothing
	printPlan    bool   // print the plan before applying it
	yes          bool   // do not ask before deleting more than confirmAbove znodes
}

// confirmAbove is the number of deletes above which a terminal user is asked first.
const confirmAbove = 1000

// syncTree makes dest hold want: an export file is written whole; a live subtree is read, compared
// and changed by a plan (the shared work of import, apply, cp and mirror).
func syncTree(ctx context.Context, env *Env, want *znodetree.Tree, h znodetree.Header, dest location, o syncOptions) error {
	pr, err := env.printer()
	if err != nil {
		return err
	}
	if dest.kind == atFile {
		if _, err := os.Stat(dest.path); err == nil && o.conflicts && dest.path != "-" {
			return &ExitError{Code: ExitRefused, Path: dest.path, Err: errors.New("the file exists already; nothing was written")}
		}
		if o.dryRun {
			return pr.Plan(env.IO.Out, []render.Step{{Op: "write", Path: dest.path, What: []string{count(len(want.Nodes), "znode")}}})
		}
		err := writeExport(env, dest.path, h, func(w *znodetree.Writer) error {
			for _, p := range want.Paths() {
				if err := w.Write(want.Nodes[p]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return &ExitError{Code: ExitRefused, Path: dest.path, Err: err}
		}
		if dest.path == "-" {
			return nil // stdout holds the export
		}
		return pr.Exported(env.IO.Out, len(want.Nodes), dest.path)
	}
	cl, err := env.cluster(ctx, dest)
	if err != nil {
		return readError(dest, err)
	}
	defer cl.close()
	root := dest.path
	have := znodetree.NewTree()
	prog := env.progress("read "+dest.String(), "read %d znodes")
	err = readLive(ctx, cl.c, root, readOptions{ephemeral: true, shape: !o.update, recursive: true}, prog.update,
		func(n *znodetree.Node) error { return have.Add(n) })
	prog.done()
	if errors.Is(err, zk.ErrNoNode) {
		have, err = nil, nil
	}
	if err != nil {
		return readError(dest, err)
	}
	if have == nil {
		// The plan would start by creating root: say now, --dry-run too, when it cannot be. Root
		// "/" is missing only under a chroot that does not exist: it is the chroot.
		ok, parent, err := cl.c.ParentExists(root)
		if err != nil {
			return readError(dest, err)
		}
		if !ok {
			what := "its parent " + parent + " does not exist"
			if root == "/" {
				what = fmt.Sprintf("the chroot %s does not exist, nor its parent %s", cl.c.ServerPath(root), parent)
			}
			return &ExitError{Code: ExitRefused, Path: dest.String(), Err: fmt.Errorf(
				"%s (create it first); nothing was written", what)}
		}
	}
	plan := znodetree.MakePlan(want, have, znodetree.PlanOptions{Update: o.update, Prune: o.prune})
	if o.conflicts {
		var exist []string
		for _, p := range plan.Exist {
			if p != "/" || !o.rootMayExist {
				exist = append(exist, znodetree.Join(root, p))
			}
		}
		if len(exist) > 0 {
			shown := exist[:min(len(exist), 10)]
			more := ""
			if len(exist) > len(shown) {
				more = fmt.Sprintf(" and %d more", len(exist)-len(shown))
			}
			verb := "exist"
			if len(exist) == 1 {
				verb = "exists"
			}
			return &ExitError{Code: ExitRefused, Path: dest.String(), Err: fmt.Errorf(
				"%s %s already: %s%s; nothing was written%s",
				count(len(exist), "znode"), verb, strings.Join(shown, ", "), more, o.conflictHint)}
		}
	}
	creates, updates, deletes := plan.Counts()
	if o.dryRun || o.printPlan {
		if err := pr.Plan(env.IO.Out, planSteps(root, plan)); err != nil {
			return err
		}
	}
	if o.dryRun {
		return nil
	}
	for _, s := range plan.Skipped {
		warn(ctx, env.IO.ErrOut, &ExitError{Path: znodetree.Join(root, s), Err: errors.New("ephemeral: not created (it would end with this session)")})
	}
	if deletes > confirmAbove && env.IO.InTTY && !o.yes {
		ok, err := confirm(ctx, env, dest.String(), fmt.Sprintf("delete %d znodes under %s? [y/N] ", deletes, dest))
		if err != nil {
			return err
		}
		if !ok {
			return &ExitError{Code: ExitRefused, Path: dest.String(), Err: errors.New("not confirmed: nothing was changed")}
		}
	}
	a := &applied{}
	wprog := env.progress("write "+dest.String(), "applied %d changes")
	a.progress = wprog.update
	err = writePlan(ctx, cl.c, root, plan, a)
	wprog.done()
	if err != nil {
		return planError(dest.String(), err, a)
	}
	if creates+updates+deletes > 0 && dest.kind == atZnode {
		env.wrote(root)
	}
	return pr.Applied(env.IO.Out, a.counts())
}

// confirm asks a question on stderr and reads the answer from stdin: true for y or yes. Ctrl-C at
// the question (ctx cancelled) stops the command, exit 130, with nothing changed; on a terminal it
// does so at once, without waiting for Enter.
func confirm(ctx context.Context, env *Env, path, question string) (bool, error) {
	fmt.Fprint(env.IO.ErrOut, question)
	var line string
	if f, ok := env.IO.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		line, _ = readTerminalLine(ctx, int(f.Fd()), true)
	} else {
		line, _ = bufio.NewReader(env.IO.In).ReadString('\n')
	}
	if ctx.Err() != nil {
		fmt.Fprintln(env.IO.ErrOut)
		return false, &ExitError{Code: ExitInterrupted, Path: path, Err: errors.New("interrupted at the question: nothing was changed")}
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
