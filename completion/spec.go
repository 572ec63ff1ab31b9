// Package completion computes REPL suggestions — command names, flags, flag values and znode paths —
// from the text before the cursor, inside quotes too, and writes each as it must be typed (quoted where
// the line splitting needs it). It knows neither the terminal library nor the command framework: the
// shell describes its commands as a Spec and supplies the children of a znode through a ChildSource
// (and, for parents too big to count each child's children with every listing, a ChildCounter asked
// about the children shown), so the completer is tested with a fake source and never blocks on the
// network.
package completion

import "strings"

// Spec describes the commands the completer offers.
type Spec struct {
	Commands []Command
}

// Command is one command the shell understands.
type Command struct {
	Name        string
	Aliases     []string
	Description string
	Flags       []Flag
	// PathArgs lists the positions (0-based, counting operands only, flags and their values skipped) of the
	// operands that are znode paths. AllPaths makes every operand a path.
	PathArgs []int
	AllPaths bool
	// CommandArgs marks a command whose operands name other commands (help).
	CommandArgs bool
}

// Flag is one option of a command.
type Flag struct {
	Long        string // without dashes, e.g. "watch"; may be empty
	Short       string // one letter without dash, e.g. "w"; may be empty
	Description string
	TakesValue  bool // the next word is the flag's value (e.g. -v VERSION)
	// Values are the values the flag accepts, offered after it (e.g. table, plain, json); none for a
	// free value such as a version number.
	Values []Suggestion
}

// Lookup finds a command by name or alias; nil when there is none.
func (s *Spec) Lookup(name string) *Command { return s.lookup(name) }

// lookup finds a command by name or alias.
func (s *Spec) lookup(name string) *Command {
	for i := range s.Commands {
		c := &s.Commands[i]
		if c.Name == name {
			return c
		}
		for _, a := range c.Aliases {
			if a == name {
				return c
			}
		}
	}
	return nil
}

// flag finds the flag a word names ("-v", "--version", "--version=3"); nil when unknown.
func (c *Command) flag(word string) *Flag {
	switch {
	case strings.HasPrefix(word, "--"):
		name, _, _ := strings.Cut(word[2:], "=")
		for i := range c.Flags {
			if c.Flags[i].Long == name {
				return &c.Flags[i]
			}
		}
	case strings.HasPrefix(word, "-") && len(word) == 2:
		for i := range c.Flags {
			if c.Flags[i].Short == word[1:] {
				return &c.Flags[i]
			}
		}
	}
	return nil
}

func (c *Command) isPathArg(pos int) bool {
	if c.AllPaths {
		return true
	}
	for _, p := range c.PathArgs {
		if p == pos {
			return true
		}
	}
	return false
}

// PathOperands returns the indices in words (a whole split line, command name first) of the operands
// that are znode paths, so the shell can normalise them (e.g. drop the trailing "/" completion adds).
func (s *Spec) PathOperands(words []string) []int {
	if len(words) == 0 {
		return nil
	}
	cmd := s.lookup(words[0])
	if cmd == nil {
		return nil
	}
	var idx []int
	pos := 0
	flagsDone := false
	for i := 1; i < len(words); i++ {
		w := words[i]
		if !flagsDone && w == "--" {
			flagsDone = true
			continue
		}
		if !flagsDone && len(w) > 1 && strings.HasPrefix(w, "-") {
			if f := cmd.flag(w); f != nil && f.TakesValue && !strings.Contains(w, "=") {
				i++
			}
			continue
		}
		if cmd.isPathArg(pos) {
			idx = append(idx, i)
		}
		pos++
	}
	return idx
}
