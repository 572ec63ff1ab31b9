// Command zksh is a ZooKeeper shell: one-shot commands, a REPL, and a bundled server.
package main

import (
	"os"

	"github.com/zksh/zksh/commands"
	"github.com/zksh/zksh/shell"
)

func main() { os.Exit(commands.Main(os.Args[1:], commands.SystemIO(), shell.Run)) }
