package completion

import (
	"path"
	"sort"
	"strings"
	"unicode/utf8"
)

// Suggestion is one candidate shown beside the cursor; Text replaces the word being typed.
type Suggestion struct {
	Text        string
	Description string
}

// Result is what Complete proposes: Suggestions replace the runes [Start, End) of the line.
type Result struct {
	Suggestions []Suggestion
	Start, End  int // rune offsets; End is the cursor
}

// DefaultLimit bounds the suggestions returned for one keystroke (a node may have 10,000 children).
const DefaultLimit = 200

// Completer turns the text before the cursor into suggestions.
type Completer struct {
	Spec  Spec
	Cache *Cache // children of znodes; nil disables path completion
	Limit int    // 0 = DefaultLimit
}

// Complete proposes completions for line with the cursor at rune offset cursor, resolving relative
// paths against cwd. It never blocks: unknown children are fetched in the background (see Cache).
func (c *Completer) Complete(line string, cursor int, cwd string) Result {
	before := line
	if cursor >= 0 && cursor < utf8.RuneCountInString(line) {
		before = string([]rune(line)[:cursor])
	}
	end := utf8.RuneCountInString(before)
	words, w := splitWords(before)
	res := Result{Start: end - utf8.RuneCountInString(w.raw), End: end}
	cur := w.value
	if len(words) == 0 {
		if w.plain() {
			res.Suggestions = c.commands(cur)
		}
		return res
	}
	cmd := c.Spec.lookup(words[0])
	if cmd == nil {
		return res
	}
	pos, valueOf := operandPosition(cmd, words[1:])
	switch {
	case valueOf != nil:
		res.Suggestions = w.quote(flagValues(valueOf, "", cur))
		return res
	case !w.plain():
		// Quoted or escaped: a path (or a value written --flag="...") completes inside its quotes.
	case strings.HasPrefix(cur, "--") && strings.Contains(cur, "="):
		name, value, _ := strings.Cut(cur, "=")
		if f := cmd.flag(name); f != nil && f.TakesValue {
			res.Suggestions = flagValues(f, name+"=", value)
		}
		return res
	case strings.HasPrefix(cur, "-"):
		res.Suggestions = c.flags(cmd, cur)
		return res
	}
	switch {
	case cmd.CommandArgs:
		if w.plain() {
			res.Suggestions = c.commands(cur)
		}
	case cmd.isPathArg(pos):
		res.Suggestions = w.quote(c.paths(cur, cwd))
	}
	return res
}

// operandPosition counts the operands among the complete words after the command name, skipping flags
// and their values; valueOf is the flag whose value the word being typed is, if it is one.
func operandPosition(cmd *Command, words []string) (pos int, valueOf *Flag) {
	flagsDone := false
	for i := 0; i < len(words); i++ {
		w := words[i]
		if !flagsDone && w == "--" {
			flagsDone = true
			continue
		}
		if !flagsDone && len(w) > 1 && strings.HasPrefix(w, "-") {
			if f := cmd.flag(w); f != nil && f.TakesValue && !strings.Contains(w, "=") {
				if i == len(words)-1 {
					return pos, f
				}
				i++
			}
			continue
		}
		pos++
	}
	return pos, nil
}

// flagValues offers the values of f that start with prefix, each written after lead ("--output=").
func flagValues(f *Flag, lead, prefix string) []Suggestion {
	var out []Suggestion
	for _, v := range f.Values {
		if strings.HasPrefix(v.Text, prefix) {
			out = append(out, Suggestion{Text: lead + v.Text, Description: v.Description})
		}
	}
	return out
}

func (c *Completer) commands(prefix string) []Suggestion {
	var out []Suggestion
	for _, cmd := range c.Spec.Commands {
		if strings.HasPrefix(cmd.Name, prefix) {
			out = append(out, Suggestion{Text: cmd.Name, Description: cmd.Description})
			continue
		}
		for _, a := range cmd.Aliases {
			if strings.HasPrefix(a, prefix) {
				out = append(out, Suggestion{Text: a, Description: cmd.Description})
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Text < out[j].Text })
	return out
}

func (c *Completer) flags(cmd *Command, cur string) []Suggestion {
	var out []Suggestion
	for _, f := range cmd.Flags {
		short, long := "", ""
		if f.Short != "" {
			short = "-" + f.Short
		}
		if f.Long != "" {
			long = "--" + f.Long
		}
		switch {
		case short != "" && strings.HasPrefix(short, cur):
			desc := f.Description
			if long != "" {
				desc = long + ": " + desc
			}
			out = append(out, Suggestion{Text: short, Description: desc})
		case long != "" && strings.HasPrefix(long, cur):
			out = append(out, Suggestion{Text: long, Description: f.Description})
		}
	}
	return out
}

// paths completes one level of a znode path, absolute or relative to cwd.
func (c *Completer) paths(cur, cwd string) []Suggestion {
	if c.Cache == nil {
		return nil
	}
	dir, prefix := "", cur
	if i := strings.LastIndexByte(cur, '/'); i >= 0 {
		dir, prefix = cur[:i+1], cur[i+1:]
	}
	if cur == "" && (cwd == "/" || cwd == "") {
		dir = "/" // at the root, offer absolute paths
	}
	var parent string
	switch {
	case strings.HasPrefix(dir, "/"):
		parent = dir
	case cwd == "":
		parent = "/" + dir
	default:
		parent = cwd + "/" + dir
	}
	parent = path.Clean(parent)
	if !strings.HasPrefix(parent, "/") {
		return nil
	}
	if prefix == ".." {
		return []Suggestion{{Text: dir + "../"}} // as a shell completes "..": go on one level up
	}
	children, _ := c.Cache.Lookup(parent)
	lo := sort.Search(len(children), func(i int) bool { return children[i].Name >= prefix })
	limit := c.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	var out []Suggestion
	var unknown []string
	for i := lo; i < len(children) && len(out) < limit; i++ {
		ch := children[i]
		if !strings.HasPrefix(ch.Name, prefix) {
			break
		}
		text := dir + ch.Name
		if ch.HasChildren {
			text += "/"
		}
		if ch.Unknown {
			unknown = append(unknown, ch.Name)
		}
		out = append(out, Suggestion{Text: text})
	}
	if len(unknown) > 0 {
		c.Cache.Resolve(parent, unknown) // the "/" of these comes in the background
	}
	return out
}
