package commands

import (
	"strings"

	"github.com/spf13/cobra"
)

// ExitCodesHelp is the text of `zksh help exit-codes`.
const ExitCodesHelp = `zksh exits with:

  0    success
  1    ZooKeeper refused the operation: node does not exist, node already exists, version
       does not match, node not empty, not authorized, invalid ACL, ephemeral nodes cannot
       have children, a system znode, not supported by the server... (a refused txn
       applies nothing); edit wrote nothing: the znode changed meanwhile, the editor failed;
       grep also exits 1, with nothing on stderr, when no line matched (grep(1)'s convention);
       diff exits 1 when the operands differ (diff(1)'s)
  2    usage error: unknown command or help topic, bad flag or argument, malformed path or
       host:port, bad ACL, unreadable @file, data too large to send, a write under
       --read-only, an editor that cannot be started, unreadable TLS files or client
       configuration; diff also exits 2 when an operand cannot be read (a missing or
       unreadable znode, a bad file), as diff(1) does
  3    could not connect (refused at once, nothing answered within --connect-timeout, or a
       TLS certificate problem, which the message names),
       session expired or connection lost (a write whose reply was lost has an unknown
       outcome: it may or may not have been applied; data over the server's jute.maxbuffer
       shows as this), a one-shot -w whose session expired, or a -w wait ran past
       --wait-timeout
  130  interrupted (Ctrl-C)

A script (commands piped to zksh) stops at the first failing command and exits with its code;
with --keep-going it runs on and exits with the code of the last failure.
Errors go to stderr as "zksh: COMMAND PATH: REASON", e.g. "zksh: get /a/b: node does not exist".`

func newExitCodesTopic() *cobra.Command {
	return &cobra.Command{
		Use:   "exit-codes",
		Short: "What zksh's exit codes mean",
		Long:  ExitCodesHelp,
	}
}

// newHelpCmd replaces cobra's help command, which answers an unknown topic with the root's help and
// exit 0: here it is a usage error naming the topic.
func newHelpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "Help about any command or topic (zksh help exit-codes).",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			var out []cobra.Completion
			target, _, err := root.Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			for _, sub := range target.Commands() {
				if sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() || sub == c {
					if strings.HasPrefix(sub.Name(), toComplete) {
						out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
					}
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if len(args) > 0 && (err != nil || target == nil || len(rest) > 0 || target == root) {
				return usageErrorf(root.CommandPath(), "help: unknown command or topic %q", strings.Join(args, " "))
			}
			if target == nil {
				target = root
			}
			target.InitDefaultHelpFlag()
			target.InitDefaultVersionFlag()
			return target.Help()
		},
	}
}
