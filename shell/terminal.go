package shell

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	prompt "github.com/elk-language/go-prompt"
	istrings "github.com/elk-language/go-prompt/strings"

	"github.com/zksh/zksh/commands"
	"github.com/zksh/zksh/completion"
)

// terminal is the REPL's line source: go-prompt with completion, history and a live prompt. go-prompt
// calls its executor with each line and blocks until it returns; the executor hands the line to the
// shell's loop and waits until the loop asks for the next one.
type terminal struct {
	env       *commands.Env
	sh        *shell
	cache     *completion.Cache
	completer *completion.Completer
	txnComp   *completion.Completer // inside a txn block
	leave     atomic.Bool           // Ctrl-D meant for a txn block that had ended: leave the shell
	source    *znodeSource

	lines   chan string
	done    chan struct{}
	exited  chan struct{}
	started bool
	waiting bool // the executor waits for the loop to finish its line
	quit    atomic.Bool

	number     atomic.Int64           // the prompt's N: the history number the next line gets
	lastCount  atomic.Int64           // suggestions of the last completion
	selecting  atomic.Bool            // the last key may have selected a suggestion (Tab, arrows)
	offered    []prompt.Suggest       // the last suggestions (used on go-prompt's goroutine only)
	search     historySearch          // Ctrl-R (used on go-prompt's goroutine only)
	pendingTab atomic.Bool            // Tab pressed while the suggestions were being fetched
	keys       chan []byte            // keys injected into go-prompt's input
	pressed    func()                 // tells the reader a key was injected
	suspend    func()                 // stops zksh as a shell's job (Ctrl-Z); nil where unsupported
	shown      atomic.Pointer[string] // HOST(STATE) as the prompt last showed it
	server     atomic.Pointer[string] // the connect string the cached children came from
	stopPoll   chan struct{}

	eagerCancel context.CancelFunc // the background connection attempt, until the first command
	eagerDone   chan struct{}

	mu        sync.Mutex
	prompting bool     // go-prompt owns the screen; events wait for its next render
	pending   []string // events to print above the prompt
}

func runTerminal(env *commands.Env) error {
	env.Interactive = true
	sh := newShell(env, true)
	defer sh.close()
	t := newTerminal(env, sh)
	defer t.close()
	return sh.loop(t)
}

func newTerminal(env *commands.Env, sh *shell) *terminal {
	t := &terminal{
		env:       env,
		sh:        sh,
		lines:     make(chan string),
		done:      make(chan struct{}),
		exited:    make(chan struct{}),
		keys:      make(chan []byte, 16),
		stopPoll:  make(chan struct{}),
		prompting: true,
	}
	t.source = &znodeSource{env: env}
	server := env.Server()
	t.server.Store(&server)
	t.cache = completion.NewCache(t.source, completion.CacheOptions{
		FetchTimeout: 2 * time.Second,
		TTL:          5 * time.Second,
		OnUpdate: func(string) {
			t.wake()
			if t.pendingTab.Swap(false) {
				t.selecting.Store(true) // the Tab selects the first of the suggestions that arrived
				t.press([]byte{'\t'})
			}
		},
	})
	t.completer = &completion.Completer{Spec: sh.spec, Cache: t.cache}
	t.txnComp = &completion.Completer{Spec: sh.txnSpec, Cache: t.cache}
	env.Notify = t.notify
	env.OnWrite = t.cache.Invalidate
	sh.afterCommand = t.afterCommand
	sh.beforeCommand = t.stopEagerConnect
	return t
}

// Next hands go-prompt's next line to the loop; it ends when the user leaves (Ctrl-D) or go-prompt stops.
func (t *terminal) Next() (string, bool) {
	t.number.Store(int64(len(t.sh.hist.entries()) + 1))
	if !t.started {
		t.start()
	} else if t.waiting {
		t.waiting = false
		t.done <- struct{}{}
	}
	select {
	case l := <-t.lines:
		t.waiting = true
		return l, true
	case <-t.exited:
		return "", false
	}
}

func (t *terminal) start() {
	t.started = true
	// Open the session in the background so the prompt shows it and completion has children at once.
	// The first command stops this attempt if it is still under way (see stopEagerConnect).
	timeout := t.env.Settings.ConnectTimeout
	if timeout <= 0 {
		timeout = commands.DefaultConnectTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.eagerCancel, t.eagerDone = cancel, make(chan struct{})
	go func() {
		defer close(t.eagerDone)
		defer cancel()
		_, _ = t.env.Client(ctx) // a failure shows in the prompt; the next command reports it
	}()
	go t.pollState()
	p := prompt.New(t.execute,
		prompt.WithReader(t.newReader()),
		prompt.WithWriter(&screen{Writer: prompt.NewStdoutWriter(), t: t}),
		prompt.WithPrefixCallback(t.prefix),
		prompt.WithCompleter(t.complete),
		prompt.WithCustomHistory(newPromptHistory(t.sh.hist.entries())),
		prompt.WithMaxSuggestion(8),
		prompt.WithExitChecker(func(_ string, breakline bool) bool {
			return breakline && t.quit.Load() || !breakline && t.leave.Swap(false)
		}),
		prompt.WithInterruptCallback(func(*prompt.Prompt, os.Signal) {}),
		prompt.WithKeyBind(
			prompt.KeyBind{Key: prompt.ControlR, Fn: t.searchHistory},
			prompt.KeyBind{Key: prompt.ControlZ, Fn: t.stop},
			prompt.KeyBind{Key: prompt.ControlC, Fn: t.interruptTxn},
			prompt.KeyBind{Key: prompt.ControlLeft, Fn: wordLeft},
			prompt.KeyBind{Key: prompt.ControlRight, Fn: wordRight},
		),
		prompt.WithASCIICodeBind(
			prompt.ASCIICodeBind{ASCIICode: wakeKey, Fn: func(*prompt.Prompt) bool { return true }},
			prompt.ASCIICodeBind{ASCIICode: laterTabKey, Fn: t.laterTab},
			prompt.ASCIICodeBind{ASCIICode: fixKey, Fn: t.fixAccepted},
			prompt.ASCIICodeBind{ASCIICode: txnEndKey, Fn: t.endTxnKey},
			prompt.ASCIICodeBind{ASCIICode: []byte{0x1b, 'b'}, Fn: wordLeft},  // Alt-B, as in bash
			prompt.ASCIICodeBind{ASCIICode: []byte{0x1b, 'f'}, Fn: wordRight}, // Alt-F
		),
	)
	go func() {
		defer close(t.exited)
		p.Run()
	}()
}

// execute is go-prompt's executor: it runs on go-prompt's goroutine with the terminal back in its normal
// mode, and returns when the loop has run the line.
func (t *terminal) execute(line string) {
	t.setPrompting(false)
	t.lines <- line
	<-t.done
	if !t.quit.Load() {
		// go-prompt draws the next prompt before it puts the terminal back in raw mode: a key pressed
		// as the prompt appears would meet the normal mode, where Ctrl-D and Ctrl-C never reach it.
		t.rawMode()
	}
	t.setPrompting(true)
}

// close leaves go-prompt (after exit) and restores the terminal.
func (t *terminal) close() {
	if t.started {
		t.quit.Store(true)
		if t.waiting {
			t.waiting = false
			t.done <- struct{}{}
		}
		<-t.exited
		close(t.stopPoll)
		// go-prompt drew one more prompt before it saw the exit: erase it.
		fmt.Fprint(t.env.IO.Out, "\r\x1b[2K")
	}
	t.cache.Close()
	// Watch events from here on are printed directly (Notify stays set: watches may still fire).
	t.setPrompting(false)
}

// stopEagerConnect ends the background connection attempt before a command runs, so that the attempt
// giving up cannot close a session the command uses (a command opens its own when it needs one).
func (t *terminal) stopEagerConnect() {
	if t.eagerCancel == nil {
		return
	}
	t.eagerCancel()
	<-t.eagerDone
	t.eagerCancel = nil
}

func (t *terminal) afterCommand() {
	server := t.env.Server()
	if old := t.server.Swap(&server); old == nil || *old != server {
		t.cache.InvalidateAll() // other servers, other children
	}
}

// prefix is the prompt: [zksh: HOST(STATE) /cwd] N>, with txn(K) inside a txn block holding K
// operations.
func (t *terminal) prefix() string {
	session := t.session()
	t.shown.Store(&session)
	mark := ""
	if t.env.Settings.ReadOnly {
		mark = " RO" // --read-only: every line is refused a write
	}
	if n, open := t.txnState(); open {
		mark += fmt.Sprintf(" txn(%d)", n)
	}
	return fmt.Sprintf("[zksh: %s %s%s] %d> ", session, t.env.Cwd, mark, t.number.Load())
}

// txnState is the shell's txn block as the prompt shows it (none for a terminal without a shell, in
// tests).
func (t *terminal) txnState() (n int, open bool) {
	if t.sh == nil {
		return 0, false
	}
	return t.sh.txn.state()
}

// activeCompleter is the completer for the line being typed: inside a txn block, its operations.
func (t *terminal) activeCompleter() *completion.Completer {
	if _, open := t.txnState(); open {
		return t.txnComp
	}
	return t.completer
}

// interruptTxn runs on Ctrl-C at the prompt, after go-prompt cleared the line: inside a txn block it
// drops the block and says so above the prompt.
func (t *terminal) interruptTxn(*prompt.Prompt) bool {
	if _, open := t.txnState(); !open {
		return false
	}
	ops, _, _, open := t.sh.txn.take()
	if !open {
		return false
	}
	t.notify(abortMessage("Ctrl-C", len(ops)))
	return true
}

// endTxnKey runs on txnEndKey, the Ctrl-D pressed inside a txn block: on an empty line it drops the
// block (a second Ctrl-D leaves the shell, as at the usual prompt); on a line with text it deletes the
// character under the cursor, as Ctrl-D does.
func (t *terminal) endTxnKey(p *prompt.Prompt) bool {
	if p.Buffer().Text() != "" {
		p.Delete(1)
		return true
	}
	ops, _, _, open := t.sh.txn.take()
	if !open {
		t.leave.Store(true) // the block ended (commit) after the key was read: an ordinary Ctrl-D
		return true
	}
	t.notify(abortMessage("Ctrl-D", len(ops)))
	return true
}

func (t *terminal) session() string {
	return t.env.Host() + "(" + t.env.State() + ")"
}

// pollState re-renders the prompt when the session's host or state changes while the user types.
func (t *terminal) pollState() {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-t.stopPoll:
			return
		case <-tick.C:
			if shown := t.shown.Load(); shown != nil && *shown != t.session() {
				// A new session (or none) may see other children: fetch them again.
				t.cache.InvalidateAll()
				t.redraw()
			} else if t.hasPending() {
				t.redraw() // an event arrived while go-prompt was not yet listening for redraws
			}
		}
	}
}

func (t *terminal) complete(d prompt.Document) ([]prompt.Suggest, istrings.RuneNumber, istrings.RuneNumber) {
	cursor := int(d.CurrentRuneIndex())
	if strings.TrimSpace(d.TextBeforeCursor()) == "" {
		t.lastCount.Store(0)
		return nil, istrings.RuneNumber(cursor), istrings.RuneNumber(cursor)
	}
	res := t.activeCompleter().Complete(d.Text, cursor, t.env.Cwd)
	t.lastCount.Store(int64(len(res.Suggestions)))
	out := make([]prompt.Suggest, len(res.Suggestions))
	for i, s := range res.Suggestions {
		out[i] = prompt.Suggest{Text: s.Text, Description: s.Description}
	}
	if len(out) > 0 {
		t.offered = out
	}
	return out, istrings.RuneNumber(res.Start), istrings.RuneNumber(res.End)
}

// wake makes go-prompt compute the suggestions again (new children arrived). While a suggestion may be
// selected it does nothing: the list the user is cycling through stays as it is until the next key.
func (t *terminal) wake() {
	t.mu.Lock()
	prompting := t.prompting
	t.mu.Unlock()
	if prompting && !t.selecting.Load() {
		t.press(wakeKey)
	}
}

// redraw makes go-prompt draw the prompt and the line again (pending events above it) without touching
// the line or the selected suggestion.
func (t *terminal) redraw() {
	t.mu.Lock()
	prompting := t.prompting
	t.mu.Unlock()
	if prompting {
		t.requestRedraw()
	}
}

func (t *terminal) hasPending() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.prompting && len(t.pending) > 0
}

// notify prints an event on its own line: above the prompt while the user types (go-prompt erases
// its input area, the event is written, the input is drawn again below it), directly while a command runs.
func (t *terminal) notify(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.prompting {
		fmt.Fprintln(t.env.IO.ErrOut, line)
		return
	}
	t.pending = append(t.pending, strings.Split(strings.TrimRight(line, "\n"), "\n")...)
	t.requestRedraw()
}

func (t *terminal) setPrompting(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.prompting = on
	if !on {
		for _, l := range t.pending {
			fmt.Fprintln(t.env.IO.ErrOut, l)
		}
		t.pending = nil
	}
}

func (t *terminal) takePending() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.pending
	t.pending = nil
	return p
}

// screen is go-prompt's output. Each render starts by erasing the input area from its first line down;
// right after that erase, screen writes the pending events, so they land above the prompt drawn next.
type screen struct {
	prompt.Writer
	t *terminal
}

func (s *screen) EraseDown() {
	s.Writer.EraseDown()
	for _, l := range s.t.takePending() {
		s.Writer.WriteRawString("\r")
		_, _ = s.Writer.WriteString(l) // WriteString neutralises escape sequences
		s.Writer.WriteRawString("\r\n")
	}
}
