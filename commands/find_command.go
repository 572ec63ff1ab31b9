package commands

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/render"
)

// FindOptions are find's parsed inputs.
type FindOptions struct {
	Env      *Env
	Path     string
	Name     *regexp.Regexp // -name, as a regular expression
	PathRE   *regexp.Regexp // -path
	Regex    *regexp.Regexp // -regex
	Types    []byte         // -type: any of p e c t s
	MinDepth int
	MaxDepth int // < 0: no limit
	Size     *numTest
	MMin     *numTest
	Empty    bool
	Print0   bool
	Now      time.Time // for -mmin
}

// findFlags are find's options: find(1) spells them with one dash (-name); cobra parses them with
// two, and findArgs rewrites the one into the other.
var findFlags = map[string]bool{"name": true, "path": true, "regex": true, "type": true, "mindepth": true,
	"maxdepth": true, "size": true, "mmin": true, "empty": true, "print0": true}

// findValueFlags are the find options that take a value.
var findValueFlags = map[string]bool{"name": true, "path": true, "regex": true, "type": true, "mindepth": true,
	"maxdepth": true, "size": true, "mmin": true}

// findArgs rewrites find(1)'s single-dash options after the find command word (-name x →
// --name x, -empty → --empty); nothing else is touched, values included (-name -empty looks for
// the name "-empty"), nor anything after "--". args are the words of a command line, global
// flags first.
func findArgs(args []string) []string {
	i := commandWord(args)
	if i < 0 || args[i] != "find" {
		return args
	}
	out := append([]string(nil), args...)
	for j := i + 1; j < len(out); j++ {
		a := out[j]
		switch {
		case a == "--":
			return out
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(a[2:], "=")
			if findValueFlags[name] && !hasValue || globalValueFlags[a] {
				j++ // its value stays as it is
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			name, _, hasValue := strings.Cut(a[1:], "=")
			if findFlags[name] {
				out[j] = "-" + a
				if findValueFlags[name] && !hasValue {
					j++
				}
			} else if globalValueFlags[a] {
				j++
			}
		}
	}
	return out
}

// commandWord returns the index of the command word in a command line's words (after the global
// flags), -1 if there is none.
func commandWord(args []string) int {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return -1
		case globalValueFlags[a]:
			i++
		case !strings.HasPrefix(a, "-"):
			return i
		}
	}
	return -1
}

// NewCmdFind builds `find [path] [-name GLOB] [-path GLOB] [-regex RE] [-type p|e|c|t|s] ...`.
func NewCmdFind(env *Env, runF func(context.Context, *FindOptions) error) *cobra.Command {
	opts := &FindOptions{Env: env}
	var name, path, regex, types, size, mmin string
	cmd := &cobra.Command{
		Use:   "find [path] [-name GLOB] [-path GLOB] [-regex RE] [-type p|e|c|t|s] [-mindepth N] [-maxdepth N] [-size +N|-N|N] [-mmin +N|-N|N] [-empty] [-print0]",
		Short: "Print the paths of the znodes under path (default: the current znode) that match every test",
		Long: `Print the paths of the znodes under path (default: the current znode), path included, that pass
every test given (no test: all of them), one per line, sorted depth first with children by name (as
find | sort would print them, "/" sorting first). The options are find(1)'s, with one dash
(--name works too); there are no operators (-o, !): all tests must pass.

  -name GLOB     the znode's name matches GLOB (*, ?, [a-z]; quote it from the shell)
  -path GLOB     the whole path matches GLOB (* matches / too, as in find(1))
  -regex RE      the whole path matches the regular expression RE (Go RE2 syntax)
  -type T        p persistent, e ephemeral, c container, t TTL, s sequential (a name ending in
                 ten digits); several as p,c. Told apart by the stat's ephemeralOwner; ZooKeeper
                 3.5.4 and later report 0 there for containers and TTL znodes, as for persistent
                 ones, so on them c and t match nothing and p matches those too.
  -mindepth N    leave out znodes less than N levels below path
  -maxdepth N    go at most N levels below path (0: path alone)
  -size +N|-N|N  data length more than, less than or exactly N bytes (suffix k or M: KiB, MiB)
  -mmin +N|-N|N  data modified more than, less than or exactly N minutes ago
  -empty         no data and no children
  -print0        end each path with a NUL byte instead of a newline (for xargs -0)

A znode whose children the session may not list is named on stderr, the rest is searched, and the
exit status is 1. No match is not an error (exit 0), as in find(1). -o json prints
{"path": ..., "matches": [...]}.`,
		Example: "  zksh find /app -name 'lock-*'\n  zksh find / -type e\n  zksh find /app -size +100k -mmin -60\n  zksh find . -maxdepth 1 -empty",
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
			bad := func(flag, value, why string) error {
				return usageErrorf(cmd.CommandPath(), "find: invalid -%s %q: %s", flag, value, why)
			}
			f := cmd.Flags()
			if f.Changed("name") {
				if opts.Name, err = globRegexp(name); err != nil {
					return bad("name", name, err.Error())
				}
			}
			if f.Changed("path") {
				if opts.PathRE, err = globRegexp(path); err != nil {
					return bad("path", path, err.Error())
				}
			}
			if f.Changed("regex") {
				if opts.Regex, err = regexp.Compile(`^(?:` + regex + `)$`); err != nil {
					return bad("regex", regex, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
				}
			}
			if f.Changed("type") {
				for _, t := range strings.Split(types, ",") {
					if len(t) != 1 || !strings.Contains("pects", t) {
						return bad("type", types, "want p (persistent), e (ephemeral), c (container), t (TTL) or s (sequential), or several as p,c")
					}
					opts.Types = append(opts.Types, t[0])
				}
			}
			if f.Changed("size") {
				if opts.Size, err = parseNumTest(size, true); err != nil {
					return bad("size", size, err.Error())
				}
			}
			if f.Changed("mmin") {
				if opts.MMin, err = parseNumTest(mmin, false); err != nil {
					return bad("mmin", mmin, err.Error())
				}
			}
			if opts.MinDepth < 0 {
				return bad("mindepth", strconv.Itoa(opts.MinDepth), "want 0 or more")
			}
			if f.Changed("maxdepth") && opts.MaxDepth < 0 {
				return bad("maxdepth", strconv.Itoa(opts.MaxDepth), "want 0 or more")
			}
			if !f.Changed("maxdepth") {
				opts.MaxDepth = -1
			}
			opts.Now = time.Now()
			return runWith(cmd, opts, runF, findRun)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "the znode's name matches GLOB")
	fl.StringVar(&path, "path", "", "the whole path matches GLOB")
	fl.StringVar(&regex, "regex", "", "the whole path matches the regular expression RE")
	fl.StringVar(&types, "type", "", "p persistent, e ephemeral, c container, t TTL, s sequential")
	fl.IntVar(&opts.MinDepth, "mindepth", 0, "leave out znodes less than N levels below path")
	fl.IntVar(&opts.MaxDepth, "maxdepth", -1, "go at most N levels below path")
	fl.StringVar(&size, "size", "", "data length: +N more than, -N less than, N exactly (bytes; k, M)")
	fl.StringVar(&mmin, "mmin", "", "modified +N more than, -N less than, N exactly N minutes ago")
	fl.BoolVar(&opts.Empty, "empty", false, "no data and no children")
	fl.BoolVar(&opts.Print0, "print0", false, "end each path with a NUL byte")
	// pflag reads an unknown -bogus as the shorthands -b -o -g...: name the word as typed.
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if _, word, ok := strings.Cut(err.Error(), "' in "); ok && strings.HasPrefix(err.Error(), "unknown shorthand flag") {
			return usageErrorf(c.CommandPath(), "find: unknown option %s (find takes -name, -path, -regex, -type, -mindepth, -maxdepth, -size, -mmin, -empty, -print0)", word)
		}
		// find(1)'s options are written with one dash (findArgs made it two for pflag): say -name.
		// pflag says "flag needs an argument: --name", flagError "find: invalid --mindepth "x": ...".
		msg := flagError(c, err).Error()
		for _, before := range []string{"flag needs an argument: ", "find: invalid "} {
			if rest, ok := strings.CutPrefix(msg, before+"--"); ok {
				if name, _, _ := strings.Cut(rest, " "); findFlags[name] {
					msg = before + "-" + rest
				}
			}
		}
		return &UsageError{Cmd: c.CommandPath(), Err: errors.New(msg)}
	})
	_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions([]string{"p\tpersistent", "e\tephemeral", "c\tcontainer", "t\tTTL", "s\tsequential"}, cobra.ShellCompDirectiveNoFileComp))
	return pathArg(cmd)
}

// numTest is find's +N (more than), -N (less than) or N (exactly).
type numTest struct {
	sign int // +1, -1, 0
	n    int64
}

func (t *numTest) match(v int64) bool {
	switch t.sign {
	case 1:
		return v > t.n
	case -1:
		return v < t.n
	}
	return v == t.n
}

// parseNumTest parses +N, -N or N; with units, N may end in k or M (KiB, MiB) or c (bytes).
func parseNumTest(s string, units bool) (*numTest, error) {
	t := &numTest{}
	rest := s
	if r, ok := strings.CutPrefix(rest, "+"); ok {
		t.sign, rest = 1, r
	} else if r, ok := strings.CutPrefix(rest, "-"); ok {
		t.sign, rest = -1, r
	}
	mult := int64(1)
	if units && rest != "" {
		switch rest[len(rest)-1] {
		case 'c':
			rest = rest[:len(rest)-1]
		case 'k':
			mult, rest = 1<<10, rest[:len(rest)-1]
		case 'M':
			mult, rest = 1<<20, rest[:len(rest)-1]
		}
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		if units {
			return nil, fmt.Errorf("want +N, -N or N (a number of bytes, or with k or M)")
		}
		return nil, fmt.Errorf("want +N, -N or N (a number of minutes)")
	}
	t.n = n * mult
	return t, nil
}

// globRegexp turns a shell glob (*, ?, [...], [!...], \x) into an anchored regular expression in
// which * and ? match any character, / included (fnmatch without FNM_PATHNAME, as find(1) does).
func globRegexp(glob string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`^(?s:`)
	for i := 0; i < len(glob); i++ {
		c := glob[i]
		switch c {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '\\':
			if i+1 < len(glob) {
				i++
				b.WriteString(regexp.QuoteMeta(string(glob[i])))
			} else {
				b.WriteString(`\\`)
			}
		case '[':
			j := i + 1
			if j < len(glob) && (glob[j] == '!' || glob[j] == '^') {
				j++
			}
			if j < len(glob) && glob[j] == ']' {
				j++
			}
			for j < len(glob) && glob[j] != ']' {
				j++
			}
			if j >= len(glob) {
				return nil, fmt.Errorf("unclosed [")
			}
			class := glob[i+1 : j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			class = strings.ReplaceAll(class, `\`, `\\`)
			if strings.HasPrefix(class, "^]") || strings.HasPrefix(class, "]") {
				class = strings.Replace(class, "]", `\]`, 1)
			}
			class = strings.ReplaceAll(class, "[", `\[`)
			b.WriteString("[" + class + "]")
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`)$`)
	return regexp.Compile(b.String())
}

// Apache ZooKeeper's encoding of a znode's kind in its ephemeralOwner (EphemeralType): 0 for a
// persistent znode, Long.MIN_VALUE for a container, a high byte of 0xFF (with the next two bytes 0,
// the TTL feature) for a TTL znode, whose TTL is in the low bytes; anything else is the session
// owning an ephemeral znode. Servers since 3.5.4 (and the bundled one) show clients 0 instead of the
// container and TTL values (DataNode.copyStat): there those znodes read as persistent.
const (
	containerOwner  int64 = math.MinInt64
	extendedMask    int64 = -0x100000000000000 // 0xFF00000000000000
	extendedFeature int64 = 0x00FFFF0000000000
)

// znodeKind is 'p', 'e', 'c' or 't' for a stat's ephemeralOwner.
func znodeKind(owner int64) byte {
	switch {
	case owner == 0:
		return 'p'
	case owner == containerOwner:
		return 'c'
	case owner&extendedMask == extendedMask && owner&extendedFeature == 0:
		return 't'
	}
	return 'e'
}

// sequentialName reports whether a name ends as a sequential znode's does: ten digits (the
// counter, %010d).
func sequentialName(name string) bool {
	if len(name) < 10 {
		return false
	}
	for _, c := range name[len(name)-10:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// needsStat reports whether a test looks at the stat.
func (o *FindOptions) needsStat() bool {
	return o.Size != nil || o.MMin != nil || o.Empty || o.hasType('p', 'e', 'c', 't')
}

func (o *FindOptions) hasType(ts ...byte) bool {
	for _, t := range o.Types {
		for _, u := range ts {
			if t == u {
				return true
			}
		}
	}
	return false
}

// match applies every test to one znode; st may be nil when no test needs it.
func (o *FindOptions) match(path string, depth int, st *zk.Stat) bool {
	if depth < o.MinDepth {
		return false
	}
	name := path
	if path != "/" {
		name = path[strings.LastIndexByte(path, '/')+1:]
	}
	if o.Name != nil && !o.Name.MatchString(name) {
		return false
	}
	if o.PathRE != nil && !o.PathRE.MatchString(path) {
		return false
	}
	if o.Regex != nil && !o.Regex.MatchString(path) {
		return false
	}
	if len(o.Types) > 0 {
		ok := false
		for _, t := range o.Types {
			if t == 's' && sequentialName(name) || t != 's' && st != nil && znodeKind(st.EphemeralOwner) == t {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if o.Size != nil && !o.Size.match(int64(st.DataLength)) {
		return false
	}
	if o.MMin != nil && !o.MMin.match(mmin(o.Now, st.Mtime)) {
		return false
	}
	if o.Empty && (st.DataLength != 0 || st.NumChildren != 0) {
		return false
	}
	return true
}

// mmin is how many whole minutes ago a modification time (ms) was; negative times in the future
// count as 0.
func mmin(now time.Time, mtime int64) int64 {
	age := now.Sub(time.UnixMilli(mtime))
	if age < 0 {
		return 0
	}
	return int64(age / time.Minute)
}

func findRun(ctx context.Context, opts *FindOptions) error {
	env := opts.Env
	pr, c, err := env.begin(ctx, opts.Path)
	if err != nil {
		return err
	}
	r := &treeRead{env: env, c: c, op: "find", path: opts.Path}
	var found []string
	err = r.run(ctx, zkclient.ReadOptions{MaxDepth: opts.MaxDepth}, func(nodes []zkclient.Node) error {
		for _, n := range nodes {
			if opts.match(n.Path, n.Depth, n.Stat) {
				found = append(found, n.Path)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sortDepthFirst(found)
	if err := pr.Found(env.IO.Out, render.Found{Path: opts.Path, Paths: found, NUL: opts.Print0}); err != nil {
		return pathError(opts.Path, err)
	}
	return r.finish(ctx)
}
