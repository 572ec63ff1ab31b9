package commands

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/render"
)

// GrepOptions are grep's parsed inputs.
type GrepOptions struct {
	Env     *Env
	Path    string
	Pattern *regexp.Regexp
	Invert  bool // -v
	Mode    render.GrepMode
	Binary  bool // -a: search data that is not text too
}

// errNoMatch is grep's "nothing matched": exit 1 with nothing on stderr, as grep(1).
func errNoMatch() error {
	return &ExitError{Code: ExitRefused, Err: errors.New("no match"), Quiet: true}
}

// NewCmdGrep builds `grep [-i] [-E] [-v] [-l] [-c] [-a] pattern [path]`.
func NewCmdGrep(env *Env, runF func(context.Context, *GrepOptions) error) *cobra.Command {
	opts := &GrepOptions{Env: env}
	var ignoreCase, extended, names, counts bool
	cmd := &cobra.Command{
		Use:   "grep [-i] [-E] [-v] [-l] [-c] [-a] pattern [path]",
		Short: "Search the data of the znodes under path for lines matching pattern",
		Long: `Search the data of every znode under path (default: the current znode), path included, line by
line, and print "path: line" for each matching line, znodes sorted depth first with children by name.
The pattern is a basic regular expression as in grep(1) (\( \) \{ \} \| \+ \? are the operators; ( )
{ } | + ? match themselves); with -E an extended one (Go RE2 syntax).

  -i  ignore case            -v  select the lines that do not match
  -l  print only the paths   -c  print "path: N", the number of matching lines, per znode that has any
  -a  search data that is not text too (not valid UTF-8, or holding NUL bytes); skipped otherwise

Exit status, as grep(1): 0 when a line matched, 1 when none did (nothing on stderr). A znode whose data
may not be read, or whose children may not be listed, is named on stderr, the rest is searched, and the
exit status is 1 even if lines matched. -o json prints {"path": ..., "matches": [{"path", "lines",
"count"}]}.`,
		Example: "  zksh grep -i timeout /app/config\n  zksh grep -l -E 'host=(a|b)' /services\n  zksh grep -c error .",
		Args:    rangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			arg := "."
			if len(args) == 2 {
				arg = args[1]
			}
			p, err := resolveArg(cmd, env, arg)
			if err != nil {
				return err
			}
			opts.Path = p
			if names && counts {
				return usageErrorf(cmd.CommandPath(), "grep: -l and -c cannot be combined")
			}
			switch {
			case names:
				opts.Mode = render.GrepNames
			case counts:
				opts.Mode = render.GrepCounts
			}
			expr := args[0]
			if !extended {
				expr = basicRegexp(expr)
			}
			if ignoreCase {
				expr = "(?i)" + expr
			}
			if opts.Pattern, err = regexp.Compile(expr); err != nil {
				return usageErrorf(cmd.CommandPath(), "grep: invalid pattern %q: %s", args[0], strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			}
			return runWith(cmd, opts, runF, grepRun)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&ignoreCase, "ignore-case", "i", false, "ignore case")
	f.BoolVarP(&extended, "extended-regexp", "E", false, "the pattern is an extended regular expression (Go RE2)")
	f.BoolVarP(&opts.Invert, "invert-match", "v", false, "select the lines that do not match")
	f.BoolVarP(&names, "files-with-matches", "l", false, "print only the paths of the znodes with matching lines")
	f.BoolVarP(&counts, "count", "c", false, "print the number of matching lines per znode")
	f.BoolVarP(&opts.Binary, "text", "a", false, "search data that is not text too")
	return pathArg(cmd)
}

// basicRegexp turns a POSIX basic regular expression (GNU grep's: \( \) \{ \} \| \+ \? are
// operators, the same characters unescaped are literal) into Go's syntax. Bracket expressions are
// kept as they are.
func basicRegexp(bre string) string {
	var b strings.Builder
	for i := 0; i < len(bre); i++ {
		c := bre[i]
		switch {
		case c == '\\' && i+1 < len(bre):
			i++
			n := bre[i]
			if strings.IndexByte("(){}|+?", n) >= 0 {
				b.WriteByte(n) // \( is the group
			} else {
				b.WriteByte('\\')
				b.WriteByte(n)
			}
		case strings.IndexByte("(){}|+?", c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '*' && (i == 0 || bre[i-1] == '^' && i == 1):
			b.WriteString(`\*`) // a leading * is literal
		case c == '[':
			j := i + 1
			if j < len(bre) && bre[j] == '^' {
				j++
			}
			if j < len(bre) && bre[j] == ']' {
				j++
			}
			for j < len(bre) && bre[j] != ']' {
				j++
			}
			if j >= len(bre) {
				b.WriteString(bre[i:]) // unclosed: the compiler says so
				return b.String()
			}
			b.WriteString(bre[i : j+1])
			i = j
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// grepData returns the lines of data that are selected (matching, or not with -v), and how many.
func (o *GrepOptions) grepData(data []byte) (lines []string, n int) {
	if len(data) == 0 {
		return nil, 0
	}
	text := strings.TrimSuffix(string(data), "\n")
	for _, line := range strings.Split(text, "\n") {
		if o.Pattern.MatchString(line) != o.Invert {
			n++
			if o.Mode == render.GrepLines {
				lines = append(lines, line)
			}
		}
	}
	return lines, n
}

func grepRun(ctx context.Context, opts *GrepOptions) error {
	env := opts.Env
	pr, c, err := env.begin(ctx, opts.Path)
	if err != nil {
		return err
	}
	r := &treeRead{env: env, c: c, op: "grep", path: opts.Path}
	var hits []render.GrepHit
	err = r.run(ctx, zkclient.ReadOptions{MaxDepth: -1, Data: true}, func(nodes []zkclient.Node) error {
		for _, n := range nodes {
			if n.DataRefused || !opts.Binary && !isText(n.Data) {
				continue
			}
			if lines, k := opts.grepData(n.Data); k > 0 {
				hits = append(hits, render.GrepHit{Path: n.Path, Lines: lines, Count: k})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sortHits(hits)
	if err := pr.Grep(env.IO.Out, render.Grep{Path: opts.Path, Mode: opts.Mode, Hits: hits}); err != nil {
		return pathError(opts.Path, err)
	}
	if err := r.finish(ctx); err != nil {
		return err
	}
	if len(hits) == 0 {
		return errNoMatch()
	}
	return nil
}

// sortHits orders grep's hits depth first, children by name.
func sortHits(hits []render.GrepHit) {
	idx := make(map[string]render.GrepHit, len(hits))
	paths := make([]string, len(hits))
	for i, h := range hits {
		idx[h.Path] = h
		paths[i] = h.Path
	}
	sortDepthFirst(paths)
	for i, p := range paths {
		hits[i] = idx[p]
	}
}
