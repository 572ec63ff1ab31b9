package commands

import (
	"fmt"

	"github.com/spf13/cobra"
)

// annotationAccess says whether a command changes what ZooKeeper holds: accessWrite or accessRead.
// Every command of the tree carries one (TestEveryCommandClassified walks the tree); --read-only
// refuses every command that is not marked accessRead, so a command added without a mark is refused
// rather than let through.
const annotationAccess = "zksh/access"

const (
	accessRead  = "read"  // sends no request that changes a znode, its data or its ACL
	accessWrite = "write" // creates, changes or deletes znodes, data or ACLs
)

// writes marks c as a command that changes ZooKeeper's data: --read-only refuses it.
func writes(c *cobra.Command) *cobra.Command { return markAccess(c, accessWrite) }

// writesUnlessToFile marks c (cp, mirror: SRC DST) as a writer, except when its last operand is an
// export file: copying a subtree to a file changes nothing in ZooKeeper, and a read-only session may
// back it up.
func writesUnlessToFile(c *cobra.Command) *cobra.Command {
	writes(c)
	c.Annotations[annotationToFile] = "true"
	return c
}

// annotationToFile marks a writer whose last operand may be a file (writesUnlessToFile).
const annotationToFile = "zksh/to-file"

// reads marks c as a command that changes nothing in ZooKeeper: --read-only lets it run. Commands
// that change only the shell's own session (connect, close, addauth) or ask the server to catch up
// (sync) are reads: no znode, data or ACL changes.
func reads(c *cobra.Command) *cobra.Command { return markAccess(c, accessRead) }

func markAccess(c *cobra.Command, access string) *cobra.Command {
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[annotationAccess] = access
	return c
}

// accessOf is c's mark, "" when it has none. The commands cobra adds by itself when it executes
// (completion and its subcommands, __complete) print scripts and suggestions only: they read.
func accessOf(c *cobra.Command) string {
	if a := c.Annotations[annotationAccess]; a != "" {
		return a
	}
	for x := c; x.HasParent(); x = x.Parent() {
		if x.Parent() == c.Root() && x.Annotations[annotationAccess] == "" &&
			(x.Name() == cobra.ShellCompRequestCmd || x.Name() == "completion") {
			return accessRead
		}
	}
	return ""
}

// checkReadOnly refuses cmd before anything is sent when the session is read-only (the line's
// --read-only, or the shell's, which every line keeps) and cmd is not marked as a read (nor a copy
// to a file, args being its operands).
func checkReadOnly(cmd *cobra.Command, args []string, env *Env, line *Settings) error {
	if !line.ReadOnly && !env.Settings.ReadOnly || accessOf(cmd) == accessRead {
		return nil
	}
	if cmd.Annotations[annotationToFile] != "" && len(args) > 0 && fileOperand(args[len(args)-1]) {
		return nil
	}
	what := "it changes ZooKeeper's data"
	if accessOf(cmd) == "" {
		what = "it is not known to only read"
	}
	return &ExitError{Code: ExitUsage, Op: cmd.Name(), Err: fmt.Errorf(
		"refused by --read-only (ZKSH_READ_ONLY): %s; nothing was sent", what)}
}
