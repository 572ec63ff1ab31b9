package commands

import (
	"context"
	"sort"

	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/render"
)

// TreeOptions are tree's parsed inputs.
type TreeOptions struct {
	Env      *Env
	Path     string
	Depth    int // -L: levels below path drawn; < 0 all
	ShowSize bool
}

// NewCmdTree builds `tree [-L depth] [-s] [path]`.
func NewCmdTree(env *Env, runF func(context.Context, *TreeOptions) error) *cobra.Command {
	opts := &TreeOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "tree [-L depth] [-s] [path]",
		Short: "Draw the subtree under path (default: the current znode)",
		Long: `Draw the subtree under path (default: the current znode) with ├── and └──, children by name, and
the number of znodes drawn at the end. -L N draws N levels below path; -s adds each znode's number of
children and data length. A znode whose children the session may not list is marked, named on stderr,
and the exit status is 1. -o json prints the tree as nested objects (path, numChildren, dataLength,
children).`,
		Example: "  zksh tree /app\n  zksh tree -L 2 -s /",
		Args:    rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			arg := "."
			if len(args) == 1 {
				arg = args[0]
			}
			p, err := resolveArg(cmd, env, arg)
			if err != nil {
				return err
			}
			opts.Path = p
			if !cmd.Flags().Changed("level") {
				opts.Depth = -1
			} else if opts.Depth < 1 {
				return usageErrorf(cmd.CommandPath(), "tree: invalid -L %d: want 1 or more", opts.Depth)
			}
			return runWith(cmd, opts, runF, treeRun)
		},
	}
	cmd.Flags().IntVarP(&opts.Depth, "level", "L", 0, "draw at most N levels below path")
	cmd.Flags().BoolVarP(&opts.ShowSize, "size", "s", false, "show each znode's child count and data length")
	return pathArg(cmd)
}

func treeRun(ctx context.Context, opts *TreeOptions) error {
	env := opts.Env
	pr, c, err := env.begin(ctx, opts.Path)
	if err != nil {
		return err
	}
	r := &treeRead{env: env, c: c, op: "tree", path: opts.Path}
	byPath := map[string]*render.TreeNode{}
	var all []*render.TreeNode
	err = r.run(ctx, zkclient.ReadOptions{MaxDepth: opts.Depth}, func(nodes []zkclient.Node) error {
		for _, n := range nodes {
			t := &render.TreeNode{Path: n.Path, NumChildren: int(n.Stat.NumChildren), Bytes: int64(n.Stat.DataLength)}
			byPath[n.Path] = t
			all = append(all, t)
		}
		return nil
	})
	if err != nil {
		return err
	}
	root := byPath[opts.Path]
	unlisted := r.unlisted()
	for _, t := range all {
		t.Unlisted = unlisted[t.Path]
		if t == root {
			t.Name = t.Path
			continue
		}
		parent, name := splitPath(t.Path)
		t.Name = name
		if p := byPath[parent]; p != nil {
			p.Children = append(p.Children, t)
		}
	}
	for _, t := range all {
		sort.Slice(t.Children, func(i, j int) bool { return t.Children[i].Name < t.Children[j].Name })
	}
	if err := pr.DrawTree(env.IO.Out, render.DrawnTree{Root: root, ShowSize: opts.ShowSize}); err != nil {
		return pathError(opts.Path, err)
	}
	return r.finish(ctx)
}

// DuOptions are du's parsed inputs.
type DuOptions struct {
	Env     *Env
	Path    string
	Summary bool // -s: path's total alone
	Human   bool
}

// NewCmdDu builds `du [-s] [-h] [path]`.
func NewCmdDu(env *Env, runF func(context.Context, *DuOptions) error) *cobra.Command {
	opts := &DuOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "du [-s] [-h] [path]",
		Short: "Print the data bytes and znode counts of the subtrees under path, largest first",
		Long: `Print, for path (default: the current znode) and every znode under it that has children, the bytes
of data and the number of znodes in its subtree (itself included), largest first (then by path): as
du(1), whose directories are the znodes with children. A big leaf shows in its parent's line. -s
prints path's total alone; -h prints sizes as 1.5K, 20M (powers of 1024). Columns: bytes, znodes,
path (tab-separated when piped). A znode whose children the session may not list is named on stderr,
its subtree counts itself alone, and the exit status is 1. -o json prints {"path": ..., "subtrees":
[{"path", "bytes", "nodes"}]}.`,
		Example: "  zksh du /app\n  zksh du -s -h /",
		Args:    rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			arg := "."
			if len(args) == 1 {
				arg = args[0]
			}
			p, err := resolveArg(cmd, env, arg)
			if err != nil {
				return err
			}
			opts.Path = p
			return runWith(cmd, opts, runF, duRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Summary, "summarize", "s", false, "print path's total alone")
	cmd.Flags().BoolVarP(&opts.Human, "human-readable", "h", false, "sizes as 1.5K, 20M")
	cmd.Flags().Bool("help", false, "help for du") // -h is human-readable, as in du(1)
	return pathArg(cmd)
}

func duRun(ctx context.Context, opts *DuOptions) error {
	env := opts.Env
	pr, c, err := env.begin(ctx, opts.Path)
	if err != nil {
		return err
	}
	r := &treeRead{env: env, c: c, op: "du", path: opts.Path}
	// Every znode with children (and path) gets a row; each znode read adds itself to its own row
	// (if it has one) and to every ancestor's up to path.
	rows := map[string]*render.UsageRow{}
	row := func(p string) *render.UsageRow {
		if rw := rows[p]; rw != nil {
			return rw
		}
		rw := &render.UsageRow{Path: p}
		rows[p] = rw
		return rw
	}
	row(opts.Path)
	err = r.run(ctx, zkclient.ReadOptions{MaxDepth: -1}, func(nodes []zkclient.Node) error {
		for _, n := range nodes {
			size := int64(n.Stat.DataLength)
			p := n.Path
			if n.Stat.NumChildren > 0 && !opts.Summary {
				rw := row(p)
				rw.Bytes += size
				rw.Nodes++
			} else if p == opts.Path {
				rows[p].Bytes += size
				rows[p].Nodes++
			}
			for p != opts.Path && p != "/" {
				p, _ = splitPath(p)
				if rw := rows[p]; rw != nil {
					rw.Bytes += size
					rw.Nodes++
				} else if !opts.Summary {
					rw := row(p) // read after its child (a level read in batches)
					rw.Bytes += size
					rw.Nodes++
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	out := make([]render.UsageRow, 0, len(rows))
	for _, rw := range rows {
		out = append(out, *rw)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Bytes != out[j].Bytes {
			return out[i].Bytes > out[j].Bytes
		}
		return pathLess(out[i].Path, out[j].Path)
	})
	if err := pr.Usage(env.IO.Out, render.Usage{Path: opts.Path, Rows: out, Human: opts.Human}); err != nil {
		return pathError(opts.Path, err)
	}
	return r.finish(ctx)
}
