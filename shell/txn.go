package shell

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/zksh/zksh/commands"
	"github.com/zksh/zksh/completion"
)

// txnBlock is the shell's multi-line txn: a line holding txn alone opens it, each line after it is one
// operation, parsed at once with txn's parser, and commit runs them as one multi request (as txn -f
// does) while abort drops them. The terminal reads it from go-prompt's goroutine (the prompt, Ctrl-C,
// Ctrl-D) while the loop changes it: hence the lock.
type txnBlock struct {
	mu     sync.Mutex
	open   bool
	start  int // the script line of the txn line
	ops    []commands.TxnOp
	broken []int // script lines inside the block that did not parse (--keep-going ran on)
}

func (b *txnBlock) begin(line int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.open, b.start, b.ops, b.broken = true, line, nil, nil
}

// state reports whether the block is open and how many operations it holds.
func (b *txnBlock) state() (n int, open bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.ops), b.open
}

func (b *txnBlock) add(op commands.TxnOp) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ops = append(b.ops, op)
	return len(b.ops)
}

func (b *txnBlock) markBroken(line int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.broken = append(b.broken, line)
}

// held returns the block's operations and the lines that did not parse, leaving it open.
func (b *txnBlock) held() (ops []commands.TxnOp, broken []int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.ops), slices.Clone(b.broken)
}

// take closes the block and returns what it held; open is false when there was no block.
func (b *txnBlock) take() (ops []commands.TxnOp, start int, broken []int, open bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ops, start, broken, open = b.ops, b.start, b.broken, b.open
	b.open, b.ops, b.broken = false, nil, nil
	return ops, start, broken, open
}

// operations says "1 operation", "3 operations".
func operations(n int) string {
	if n == 1 {
		return "1 operation"
	}
	return fmt.Sprintf("%d operations", n)
}

// wereSent says "1 operation was", "3 operations were".
func wereSent(n int) string {
	if n == 1 {
		return "1 operation was"
	}
	return operations(n) + " were"
}

// abortMessage is what the shell says when a block is dropped (how: "" for abort, or the key).
func abortMessage(how string, n int) string {
	if how != "" {
		how = " (" + how + ")"
	}
	return fmt.Sprintf("zksh: txn: aborted%s: %s dropped; nothing was applied", how, operations(n))
}

// beginTxn runs a line holding txn alone: the command's checks (--read-only refuses it) run, then the
// block opens.
func (sh *shell) beginTxn(words []string) error {
	line := sh.lineNo
	return sh.runTree(words, func(ctx context.Context) context.Context {
		return commands.WithTxnBegin(ctx, func() {
			sh.txn.begin(line)
			if sh.interactive {
				fmt.Fprintln(sh.env.IO.ErrOut, "zksh: txn: type create, set, delete or check lines, one per line; "+
					"commit runs them as one transaction, abort (or Ctrl-C) drops them")
			}
		})
	})
}

// txnLine runs a line typed inside the block: commit, abort, or one operation, parsed at once. A line
// that does not parse is reported and not added (the user types it again, Up brings it back).
func (sh *shell) txnLine(line string) error {
	if sh.interactive {
		sh.hist.add(line)
	}
	sh.mu.Lock()
	sh.command, sh.interrupted = "txn", false
	sh.mu.Unlock()
	words, err := splitLine(line)
	if err == nil && len(words) == 0 {
		return nil
	}
	if err == nil {
		switch words[0] {
		case "commit":
			return sh.commitTxn(words[1:])
		case "abort":
			if len(words) > 1 {
				err = &commands.UsageError{Cmd: "zksh txn", Err: errors.New("txn: abort takes no arguments")}
				break
			}
			ops, _, _, _ := sh.txn.take()
			fmt.Fprintln(sh.env.IO.ErrOut, abortMessage("", len(ops)))
			return nil
		case "txn":
			err = &commands.UsageError{Cmd: "zksh txn", Err: errors.New("txn: a txn block is already open (transactions do not nest)")}
		}
	}
	var op commands.TxnOp
	if err == nil {
		if sh.interactive {
			for _, i := range sh.txnSpec.PathOperands(words) {
				// Completion ends a node with children with "/": as runCommand does, drop it (not
				// create's: "create -s /q/" names the counter's parent).
				if words[0] != "create" && len(words[i]) > 1 && strings.HasSuffix(words[i], "/") {
					words[i] = words[i][:len(words[i])-1]
				}
			}
		}
		op, err = commands.ParseTxnOp(context.Background(), sh.env, words)
	} else {
		var ue *commands.UsageError
		if errors.As(err, &ue) && !strings.HasPrefix(ue.Error(), "txn:") {
			ue.Cmd, ue.Err = "zksh txn", fmt.Errorf("txn: %w", ue.Err)
		}
	}
	if err != nil {
		n, _ := sh.txn.state()
		if !sh.interactive {
			sh.txn.markBroken(sh.lineNo)
			return err
		}
		return withNote(err, fmt.Sprintf("; the line was not added (the block holds %s; commit runs them, abort drops them)", operations(n)))
	}
	if !sh.interactive {
		op.Line = sh.lineNo // a refusal names the script's line; the shell numbers operations only
	}
	sh.txn.add(op)
	return nil
}

// commitTxn runs the block's operations as txn -f runs its file's lines: the commit line's flags
// (-o json...) are txn's. The block ends whatever happens to its operations (the lines are in history
// to try again); in the shell, a commit line refused before they were taken (a bad flag) leaves it open.
func (sh *shell) commitTxn(args []string) error {
	ops, broken := sh.txn.held()
	if len(broken) > 0 {
		sh.txn.take()
		lines := make([]string, len(broken))
		for i, l := range broken {
			lines[i] = fmt.Sprint(l)
		}
		which := "line " + lines[0] + " of the block does"
		if len(lines) > 1 {
			which = "lines " + strings.Join(lines, ", ") + " of the block do"
		}
		return &commands.UsageError{Cmd: "zksh txn", Err: fmt.Errorf("txn: not committed: %s not parse; nothing was applied", which)}
	}
	taken := false
	err := sh.runTree(append([]string{"txn"}, args...), func(ctx context.Context) context.Context {
		return commands.WithTxnOps(ctx, ops, &taken)
	})
	if taken || !sh.interactive || err == errInterrupted {
		sh.txn.take()
		return err
	}
	return withNote(err, fmt.Sprintf("; the block is still open with its %s: commit again, or abort", operations(len(ops))))
}

// withNote adds note to the message of a usage or exit error (their exit codes stay).
func withNote(err error, note string) error {
	var ue *commands.UsageError
	var ee *commands.ExitError
	switch {
	case errors.As(err, &ue):
		ue.Err = fmt.Errorf("%w%s", ue.Err, note)
	case errors.As(err, &ee):
		ee.Err = fmt.Errorf("%w%s", ee.Err, note)
	}
	return err
}

// endTxn is the end of input inside a block: nothing was sent. A script fails (its block never
// committed); the shell says so.
func (sh *shell) endTxn() error {
	ops, start, _, open := sh.txn.take()
	if !open {
		return nil
	}
	if sh.interactive {
		fmt.Fprintln(sh.env.IO.ErrOut, abortMessage("end of input", len(ops)))
		return nil
	}
	return &commands.ScriptLineError{Line: start, Err: &commands.UsageError{Cmd: "zksh txn", Err: fmt.Errorf(
		"txn: the script ended before commit: the block's %s not sent; nothing was applied", wereSent(len(ops)))}}
}

// txnSpecOf is what completion offers inside a block: the operations (create, set and delete with the
// flags txn takes, and check), commit and abort.
func txnSpecOf(spec completion.Spec, globals map[string]bool) completion.Spec {
	refused := map[string]bool{"ttl": true, "container": true, "parents": true, "stat": true}
	var out completion.Spec
	for _, name := range []string{"create", "set", "delete"} {
		c := spec.Lookup(name)
		if c == nil {
			continue
		}
		cmd := *c
		cmd.Flags = nil
		for _, f := range c.Flags {
			if !globals[f.Long] && !refused[f.Long] {
				cmd.Flags = append(cmd.Flags, f)
			}
		}
		out.Commands = append(out.Commands, cmd)
	}
	out.Commands = append(out.Commands,
		completion.Command{Name: "check", Description: "Go on only if the znode's data version is VERSION",
			Flags:    []completion.Flag{{Long: "version", Short: "v", Description: "required data version", TakesValue: true}},
			PathArgs: []int{0}},
		completion.Command{Name: "commit", Description: "Run the operations as one transaction"},
		completion.Command{Name: "abort", Description: "Drop the operations"},
	)
	return out
}
