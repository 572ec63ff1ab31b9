// Package shell is zksh's interactive shell and script runner: it reads lines from a terminal (with
// completion, history and a live prompt) or from a pipe, and runs each through a fresh command tree.
//
// Its size is the terminal's: the prompt's life cycle and redraws (terminal.go), key handling (keys.go),
// the raw reader (reader_unix.go), history (history.go), the script runner (script.go) and the txn
// block (txn.go) are each a file; the line loop in this file is what they share.
package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/zksh/zksh/commands"
	"github.com/zksh/zksh/completion"
	"github.com/zksh/zksh/internal/cmdline"
)

// Run runs the shell on env: the interactive REPL when stdin and stdout are terminals, otherwise a
// script read line by line from env.IO.In that stops at the first failing command and returns its error
// (Settings.KeepGoing runs on and reports how many failed). Blank lines and '#' comments are skipped.
func Run(env *commands.Env) error {
	if env.Cwd == "" {
		env.Cwd = "/"
	}
	if env.IO.InTTY && env.IO.OutTTY {
		return runTerminal(env)
	}
	sh := newShell(env, false)
	defer sh.close()
	src := newScriptSource(env.IO.In, sh.aborted)
	return sh.loop(src)
}

// lineSource yields the lines the shell runs.
type lineSource interface {
	// Next blocks for the next line; ok is false at the end of input (EOF, Ctrl-D, interrupt).
	Next() (line string, ok bool)
}

// errExit is returned by the exit/quit built-in.
var errExit = errors.New("exit")

// errInterrupted ends a script interrupted between commands.
var errInterrupted = &commands.ExitError{Code: commands.ExitInterrupted, Err: context.Canceled}

// shell holds what lives across lines.
type shell struct {
	env         *commands.Env
	interactive bool
	hist        *history
	spec        completion.Spec
	txnSpec     completion.Spec // what completion offers inside a txn block
	txn         txnBlock
	lineNo      int // the input line being run (scripts name it in errors)

	sigint    chan os.Signal
	stopSig   chan struct{}
	aborted   chan struct{} // closed by an interrupt while no command runs (scripts)
	abortOnce sync.Once

	mu          sync.Mutex
	running     context.CancelFunc // of the command being run, nil between commands
	terminated  bool               // SIGTERM: leave after the command being run
	interrupted bool               // Ctrl-C cancelled the command being run
	command     string             // the name of the command run last

	// beforeCommand and afterCommand run around each command of the command tree (the terminal settles
	// its background connection attempt and refreshes its completion cache there).
	beforeCommand, afterCommand func()
}

func newShell(env *commands.Env, interactive bool) *shell {
	env.InShell = true // -w sets the watch and the shell or script goes on
	sh := &shell{
		env:         env,
		interactive: interactive,
		hist:        &history{path: historyPath(os.Getenv)},
		sigint:      make(chan os.Signal, 1),
		stopSig:     make(chan struct{}),
		aborted:     make(chan struct{}),
	}
	root := commands.NewRootCmd(env)
	sh.spec = specOf(root)
	globals := map[string]bool{}
	root.PersistentFlags().VisitAll(func(f *pflag.Flag) { globals[f.Name] = true })
	sh.txnSpec = txnSpecOf(sh.spec, globals)
	signal.Notify(sh.sigint, os.Interrupt, syscall.SIGTERM)
	go sh.dispatchInterrupts()
	return sh
}

func (sh *shell) close() {
	signal.Stop(sh.sigint)
	close(sh.stopSig)
}

// dispatchInterrupts cancels the running command on Ctrl-C (SIGINT) and ends a script, whether or not a
// command runs; the REPL goes on (at its prompt Ctrl-C arrives as a key and clears the line). SIGTERM
// cancels the running command and ends the shell (at the prompt go-prompt ends it).
func (sh *shell) dispatchInterrupts() {
	for {
		select {
		case <-sh.stopSig:
			return
		case sig := <-sh.sigint:
			sh.mu.Lock()
			cancel := sh.running
			if sig == syscall.SIGTERM {
				sh.terminated = true
			}
			if cancel != nil {
				sh.interrupted = true
			}
			if !sh.interactive || sig == syscall.SIGTERM {
				// A script ends even when the signal lands as a command finishes (aborted first, so
				// the loop sees it once the command returns). Under the lock: a command about to
				// start sees it (see startCommand).
				sh.abortOnce.Do(func() { close(sh.aborted) })
			}
			sh.mu.Unlock()
			if cancel != nil {
				cancel()
			}
		}
	}
}

// loop runs the lines of src until it ends or exit is run. A script's errors name their line, counted
// from 1 over every input line (blank and comment lines too).
func (sh *shell) loop(src lineSource) error {
	var last error
	failed, total, lineNo := 0, 0, 0
	for {
		line, ok := src.Next()
		if !ok || !sh.interactive && sh.wasAborted() {
			break
		}
		lineNo++
		if isBlank(line) {
			continue
		}
		total++
		sh.lineNo = lineNo
		var err error
		if _, open := sh.txn.state(); open {
			err = sh.txnLine(line)
		} else {
			err = sh.runLine(line, sh.interactive)
		}
		if errors.Is(err, errExit) {
			break
		}
		sh.mu.Lock()
		terminated := sh.terminated
		sh.mu.Unlock()
		if terminated {
			return errInterrupted
		}
		if !sh.interactive && sh.wasAborted() && (err == nil || err == errInterrupted) {
			return errInterrupted
		}
		if err == nil {
			continue
		}
		var ue *commands.UsageError
		if errors.As(err, &ue) {
			ue.Interactive = sh.interactive // the hint names the shell's help, not the command line's
		}
		if !sh.interactive {
			err = &commands.ScriptLineError{Line: lineNo, Err: err}
		}
		last = err
		failed++
		if !sh.interactive && !sh.env.Settings.KeepGoing {
			return last // the caller prints it
		}
		sh.printError(last)
	}
	if sh.interactive {
		_ = sh.endTxn() // says what was dropped
		return nil
	}
	if sh.wasAborted() {
		return errInterrupted
	}
	if err := sh.endTxn(); err != nil {
		total++
		if !sh.env.Settings.KeepGoing {
			return err
		}
		last = err
		failed++
		sh.printError(err)
	}
	if last == nil {
		return nil
	}
	// Each failure was printed as it happened; keep the last one's exit code.
	return &commands.ExitError{Code: commands.ExitCode(last), Err: fmt.Errorf("%d of %d commands failed", failed, total)}
}

// wasAborted reports whether an interrupt ended the script.
func (sh *shell) wasAborted() bool {
	select {
	case <-sh.aborted:
		return true
	default:
		return false
	}
}

func isBlank(line string) bool {
	t := strings.TrimSpace(line)
	return t == "" || strings.HasPrefix(t, "#")
}

// runLine runs one line: one command, its words split as zkCli splits them. record adds it to history.
func (sh *shell) runLine(line string, record bool) error {
	words, err := splitLine(line)
	if err != nil {
		return err
	}
	if len(words) == 0 {
		return nil
	}
	if words[0] == "redo" {
		return sh.redo(words)
	}
	if record && words[0] != "exit" && words[0] != "quit" {
		sh.hist.add(line)
	}
	if len(words) == 1 && words[0] == "txn" {
		return sh.beginTxn(words)
	}
	return sh.runCommand(words)
}

// splitLine splits a line into words (see cmdline): a line zkCli would store other than as typed is a
// usage error.
func splitLine(line string) ([]string, error) {
	words, err := cmdline.Split(line)
	if err != nil {
		return nil, &commands.UsageError{Err: fmt.Errorf("cannot split the line: %w", err)}
	}
	return words, nil
}

// runCommand runs one command: a shell built-in, or the command tree.
func (sh *shell) runCommand(words []string) error {
	sh.mu.Lock()
	sh.command = words[0]
	sh.interrupted = false
	sh.mu.Unlock()
	switch words[0] {
	case "exit", "quit":
		return errExit
	case "help":
		if len(words) == 2 && isBuiltin(words[1]) {
			printBuiltins(sh.env.IO.Out, words[1])
			return nil
		}
	case "history":
		entries := sh.hist.entries()
		from := 0
		if len(words) > 1 {
			n, err := strconv.Atoi(words[1])
			if len(words) > 2 || err != nil || n < 1 {
				return &commands.UsageError{Cmd: "history", Err: errors.New("history takes one optional count: history [N] lists the last N lines")}
			}
			from = max(0, len(entries)-n)
		}
		for i := from; i < len(entries); i++ {
			fmt.Fprintf(sh.env.IO.Out, "%d - %s\n", i+1, entries[i])
		}
		return nil
	}
	return sh.runTree(words, nil)
}

// runTree runs one line of the command tree; with is what the line's context carries (the shell's txn
// block).
func (sh *shell) runTree(words []string, with func(context.Context) context.Context) error {
	sh.mu.Lock()
	sh.command = words[0]
	sh.interrupted = false
	sh.mu.Unlock()
	if sh.interactive {
		for _, i := range sh.spec.PathOperands(words) {
			// At the prompt, completion ends a node with children with "/"; the command wants the
			// path without it: one slash, the one completion adds. Not create's: it names a new node,
			// and "create -s /q/" asks for /q/0000000000, as in zkCli. Scripts get what they wrote
			// (a trailing slash there is a usage error, as in zkCli).
			if words[0] != "create" && len(words[i]) > 1 && strings.HasSuffix(words[i], "/") {
				words[i] = words[i][:len(words[i])-1]
			}
		}
	}
	if sh.beforeCommand != nil {
		sh.beforeCommand()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if with != nil {
		ctx = with(ctx)
	}
	if !sh.startCommand(cancel) {
		return errInterrupted
	}
	defer func() {
		sh.mu.Lock()
		sh.running = nil
		sh.mu.Unlock()
		if sh.afterCommand != nil {
			sh.afterCommand()
		}
	}()
	err := commands.ExecuteLine(ctx, sh.env, words)
	if err == nil && sh.interactive && len(words) == 1 && words[0] == "help" {
		fmt.Fprintln(sh.env.IO.Out)
		printBuiltins(sh.env.IO.Out, "")
		fmt.Fprint(sh.env.IO.Out, keysHelp)
	}
	var ue *commands.UsageError
	if errors.As(err, &ue) && ue.Cmd == "" && !strings.HasPrefix(ue.Error(), "unknown command") && sh.spec.Lookup(words[0]) != nil {
		ue.Cmd = "zksh " + words[0] // cobra's flag errors name no command: the hint points at this one's help
	}
	return err
}

// startCommand registers the cancel of the command about to run, so that a signal cancels it; it
// reports false when a signal that ends the shell already came (while the line was read or split).
func (sh *shell) startCommand(cancel context.CancelFunc) bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.terminated || !sh.interactive && sh.wasAborted() {
		return false
	}
	sh.running = cancel
	return true
}

// redo runs history entry N again (recording it, not the redo, in history).
func (sh *shell) redo(words []string) error {
	sh.mu.Lock()
	sh.command = "redo"
	sh.mu.Unlock()
	if len(words) != 2 {
		return &commands.UsageError{Cmd: "redo", Err: errors.New("redo wants one history number (see history)")}
	}
	n, err := strconv.Atoi(words[1])
	entries := sh.hist.entries()
	if err != nil || n < 1 || n > len(entries) {
		return &commands.UsageError{Cmd: "redo", Err: fmt.Errorf("redo %s: no such history entry (1..%d)", words[1], len(entries))}
	}
	line := entries[n-1]
	if w, _ := cmdline.Split(line); len(w) > 0 && w[0] == "redo" {
		return &commands.UsageError{Cmd: "redo", Err: fmt.Errorf("redo %d: entry is itself a redo", n)}
	}
	if sh.interactive {
		fmt.Fprintln(sh.env.IO.ErrOut, line)
	}
	return sh.runLine(line, sh.interactive)
}

// printError reports a failed command. Inside the REPL an error after Ctrl-C starts on a new line (the
// terminal echoed "^C" where the cursor was), and the shell's own commands (redo, history) give no
// "help" hint: their messages say what to do.
func (sh *shell) printError(err error) {
	w := sh.env.IO.ErrOut
	sh.mu.Lock()
	command, interrupted := sh.command, sh.interrupted
	sh.mu.Unlock()
	if sh.interactive && interrupted && commands.ExitCode(err) == commands.ExitInterrupted {
		fmt.Fprintln(w)
	}
	var ue *commands.UsageError
	if errors.As(err, &ue) && isBuiltin(command) {
		fmt.Fprintf(w, "zksh: %s\n", err)
		return
	}
	commands.PrintError(w, err)
}

// printBuiltins lists the shell's own commands (the command tree's help knows nothing of them), or
// describes the one named.
func printBuiltins(w io.Writer, name string) {
	if name == "" {
		fmt.Fprintln(w, "Shell commands:")
	}
	for _, b := range builtins {
		if name != "" && name != b.Name && !slices.Contains(b.Aliases, name) {
			continue
		}
		use := b.Name
		if b.Name == "redo" {
			use = "redo N"
		}
		desc := b.Description
		if len(b.Aliases) > 0 {
			desc += " (also " + strings.Join(b.Aliases, ", ") + ")"
		}
		fmt.Fprintf(w, "  %-20s %s\n", use, desc)
	}
}

// keysHelp is what the shell's keys do, shown after help's list of commands.
const keysHelp = `
Keys:
  Tab                  Complete commands, flags, their values and znode paths (again: next suggestion)
  Ctrl-R               Search the history for a line holding what is typed (again: older)
  Up, Down             Walk the history
  Alt-B, Alt-F         Move by a word (Ctrl-Left, Ctrl-Right too); Ctrl-A, Ctrl-E: line start, end
  Ctrl-C               Clear the line, or stop the running command (in a txn block: drop the block)
  Ctrl-D               Leave the shell (on an empty line; in a txn block: drop the block)
  Ctrl-Z               Suspend zksh (fg brings it back)
`

func isBuiltin(name string) bool {
	for _, b := range builtins {
		if name == b.Name || slices.Contains(b.Aliases, name) {
			return true
		}
	}
	return false
}
