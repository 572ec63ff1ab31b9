package commands

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/znodepath"
)

// completeTimeout bounds the server round trip of one shell completion.
const completeTimeout = 2 * time.Second

// completeZnode completes a znode path operand with the children of the typed parent, for
// `zksh completion` scripts (cobra's __complete). It uses the same server settings as the command.
func completeZnode(env *Env, s *Settings) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		noFile := cobra.ShellCompDirectiveNoFileComp
		if len(args) > 0 {
			return nil, noFile
		}
		if !env.Interactive {
			env.Settings = *s
		}
		dir, prefix := "", toComplete
		if i := strings.LastIndexByte(toComplete, '/'); i >= 0 {
			dir, prefix = toComplete[:i+1], toComplete[i+1:]
		}
		parentArg := strings.TrimSuffix(dir, "/")
		if dir == "/" {
			parentArg = "/"
		} else if dir == "" {
			parentArg = "."
		}
		parent, err := env.Resolve(parentArg)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		ctx, cancel := context.WithTimeout(cmdContext(cmd), completeTimeout)
		defer cancel()
		if env.Settings.ConnectTimeout > completeTimeout || env.Settings.ConnectTimeout == 0 {
			env.Settings.ConnectTimeout = completeTimeout
		}
		c, err := env.Client(ctx)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		names, _, err := c.Children(parent)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		sort.Strings(names)
		var out []cobra.Completion
		exact := false
		for _, n := range names {
			if strings.HasPrefix(n, prefix) {
				out = append(out, dir+n)
				exact = exact || n == prefix
			}
		}
		// A complete name: offer the next level too, so "get /a" shows /a/x, /a/y.
		if exact && prefix != "" {
			kids, _, err := c.Children(znodepath.Join(parent, prefix))
			if err == nil {
				sort.Strings(kids)
				for _, k := range kids {
					out = append(out, dir+prefix+"/"+k)
				}
			}
		}
		return out, noFile | cobra.ShellCompDirectiveNoSpace
	}
}

func cmdContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}
