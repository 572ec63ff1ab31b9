// Command zksh is a ZooKeeper shell: one-shot commands, a REPL, and a bundled server.
package main

import (
	"os"

	"github.com/zksh/zksh/commands"
)

func main() { os.Exit(commands.Main(os.Args[1:], commands.SystemIO(), noREPL)) }

// noREPL stands in until the shell package lands.
func noREPL(*commands.Env) error { return commands.ErrNoREPL }
