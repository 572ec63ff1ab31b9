package shell

import (
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zksh/zksh/completion"
)

// pathArgAnnotation is the annotation commands/ puts on commands whose operand is a znode path.
const pathArgAnnotation = "zksh/path-arg"

// startupOnly are the global flags that only the command line that starts zksh may give.
var startupOnly = map[string]bool{"local": true, "data-dir": true}

// builtins are the commands the shell runs itself.
var builtins = []completion.Command{
	{Name: "exit", Aliases: []string{"quit"}, Description: "Leave the shell (Ctrl-D too)"},
	{Name: "history", Description: "List the command history, numbered (history N: the last N lines)"},
	{Name: "redo", Description: "Run history entry N again"},
}

// specOf describes root's commands (and the shell's built-ins) for the completer.
func specOf(root *cobra.Command) completion.Spec {
	var spec completion.Spec
	root.InitDefaultHelpCmd() // cobra adds help only when it executes
	for _, c := range root.Commands() {
		if c.Hidden || !c.IsAvailableCommand() && c.Name() != "help" {
			continue
		}
		cmd := completion.Command{
			Name:        c.Name(),
			Aliases:     c.Aliases,
			Description: c.Short,
			CommandArgs: c.Name() == "help",
		}
		if c.Annotations[pathArgAnnotation] == "true" {
			cmd.PathArgs = pathOperands(c.Use)
		}
		add := func(f *pflag.Flag) {
			if f.Hidden || f.Name == "help" {
				return
			}
			flag := completion.Flag{
				Long:        f.Name,
				Short:       f.Shorthand,
				Description: f.Usage,
				TakesValue:  f.NoOptDefVal == "" && f.Value.Type() != "bool",
			}
			if flag.TakesValue {
				flag.Values = flagValues(c, f.Name)
			}
			cmd.Flags = append(cmd.Flags, flag)
		}
		c.LocalFlags().VisitAll(add)
		// The global flags a line may give for itself (-o, --server, --auth...): known, so that their
		// values are never taken for path operands.
		root.PersistentFlags().VisitAll(func(f *pflag.Flag) {
			if !startupOnly[f.Name] {
				add(f)
			}
		})
		spec.Commands = append(spec.Commands, cmd)
	}
	spec.Commands = append(spec.Commands, builtins...)
	return spec
}

// flagValueWait bounds asking a flag's completion function for its values: the shell offers fixed
// lists (e.g. -o table|plain|json) and must not wait on one that would ask a server.
const flagValueWait = 200 * time.Millisecond

// flagValues returns the values c's completion function for flag name offers ("value\tdescription").
func flagValues(c *cobra.Command, name string) []completion.Suggestion {
	fn, ok := c.GetFlagCompletionFunc(name)
	if !ok || fn == nil {
		return nil
	}
	ch := make(chan []cobra.Completion, 1)
	go func() {
		values, directive := fn(c, nil, "")
		if directive&cobra.ShellCompDirectiveError != 0 {
			values = nil
		}
		ch <- values
	}()
	var values []cobra.Completion
	select {
	case values = <-ch:
	case <-time.After(flagValueWait):
		return nil
	}
	out := make([]completion.Suggestion, 0, len(values))
	for _, v := range values {
		text, desc, _ := strings.Cut(string(v), "\t")
		if text != "" {
			out = append(out, completion.Suggestion{Text: text, Description: desc})
		}
	}
	return out
}

// pathOperands finds the operands named like a path in a usage line such as
// "create [-s] [-e] [-t ttl] path [data] [acl]" (→ [0]); a command marked as taking a path whose usage
// names none takes it first.
func pathOperands(use string) []int {
	words := strings.Fields(use)
	if len(words) > 0 {
		words = words[1:]
	}
	var idx []int
	pos := 0
	inFlag := false
	for _, w := range words {
		if inFlag {
			inFlag = !strings.HasSuffix(w, "]")
			continue
		}
		if strings.HasPrefix(w, "[-") || strings.HasPrefix(w, "-") {
			inFlag = strings.HasPrefix(w, "[") && !strings.HasSuffix(w, "]")
			continue
		}
		name := strings.ToLower(strings.Trim(w, "[]<>.|"))
		if name == "flags" || name == "options" {
			continue
		}
		if strings.Contains(name, "path") || strings.Contains(name, "znode") {
			idx = append(idx, pos)
		}
		pos++
	}
	if len(idx) == 0 {
		return []int{0}
	}
	return idx
}
