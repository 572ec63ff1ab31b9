package commands

import "github.com/spf13/cobra"

// ExitCodesHelp is the text of `zksh help exit-codes`.
const ExitCodesHelp = `zksh exits with:

  0    success
  1    ZooKeeper refused the operation: node does not exist, node already exists, version
       does not match, node not empty, not authorized, invalid ACL, ephemeral nodes cannot
       have children, not supported by the server...
  2    usage error: unknown command, bad flag or argument, malformed path, unreadable @file
  3    could not connect within --connect-timeout, session expired or connection lost,
       or a -w wait ran past --wait-timeout
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
