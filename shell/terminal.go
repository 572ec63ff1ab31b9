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

// Key sequences the shell feeds go-prompt itself (no terminal sends them). go-prompt reads keys on its
// own goroutine and renders only after a key (or a window resize), so the shell "presses" wakeKey to make
// it compute the suggestions again when new children arrived, and turns a Tab that may have nothing to
// complete into laterTabKey instead of the two spaces go-prompt would insert. Any key but Tab and the arrows
// accepts a suggestion selected with Tab, so wakeKey is not pressed while one may be selected; events and
// prompt changes are drawn by redraw instead, which leaves the selection alone.
var (
	wakeKey     = []byte{0x1b, '[', '9', '9', '9', 'z'}
	laterTabKey = []byte{0x1b, '[', '9', '9', '8', 'z'}
	// fixKey goes before the key that accepts a suggestion selected with Tab. go-prompt accepts it by
	// replacing the text after the last blank with the suggestion, which doubles the start of a
	// suggestion holding a blank ("a\ b" → "a\ a\ b"); fixKey's binding undoes that.
	fixKey = []byte{0x1b, '[', '9', '9', '7', 'z'}
)

// terminal is the REPL's line source: go-prompt with completion, history and a live prompt. go-prompt
// calls its executor with each line and blocks until it returns; the executor hands the line to the
// shell's loop and waits until the loop asks for the next one.
type terminal struct {
	env       *commands.Env
	sh        *shell
	cache     *completion.Cache
	completer *completion.Completer
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
		_, _ = t.env.Conn(ctx) // a failure shows in the prompt; the next command reports it
	}()
	go t.pollState()
	p := prompt.New(t.execute,
		prompt.WithReader(t.newReader()),
		prompt.WithWriter(&screen{Writer: prompt.NewStdoutWriter(), t: t}),
		prompt.WithPrefixCallback(t.prefix),
		prompt.WithCompleter(t.complete),
		prompt.WithHistory(t.sh.hist.entries()),
		prompt.WithHistorySize(historyCap),
		prompt.WithMaxSuggestion(8),
		prompt.WithExitChecker(func(_ string, breakline bool) bool { return breakline && t.quit.Load() }),
		prompt.WithInterruptCallback(func(*prompt.Prompt, os.Signal) {}),
		prompt.WithKeyBind(
			prompt.KeyBind{Key: prompt.ControlR, Fn: t.searchHistory},
			prompt.KeyBind{Key: prompt.ControlLeft, Fn: wordLeft},
			prompt.KeyBind{Key: prompt.ControlRight, Fn: wordRight},
		),
		prompt.WithASCIICodeBind(
			prompt.ASCIICodeBind{ASCIICode: wakeKey, Fn: func(*prompt.Prompt) bool { return true }},
			prompt.ASCIICodeBind{ASCIICode: laterTabKey, Fn: t.laterTab},
			prompt.ASCIICodeBind{ASCIICode: fixKey, Fn: t.fixAccepted},
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

// prefix is the prompt: [zksh: HOST(STATE) /cwd] N>
func (t *terminal) prefix() string {
	session := t.session()
	t.shown.Store(&session)
	return fmt.Sprintf("[zksh: %s %s] %d> ", session, t.env.Cwd, t.number.Load())
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
	res := t.completer.Complete(d.Text, cursor, t.env.Cwd)
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

// wordLeft and wordRight move the cursor by a word (Alt-B/Alt-F and Ctrl-arrows, as in bash).
func wordLeft(p *prompt.Prompt) bool {
	return p.CursorLeftRunes(p.Buffer().Document().FindRuneNumberUntilStartOfPreviousWord())
}

func wordRight(p *prompt.Prompt) bool {
	return p.CursorRightRunes(p.Buffer().Document().FindRuneNumberUntilEndOfCurrentWord())
}

// historySearch is where Ctrl-R is in the history: query is what the user typed, shown the entry it
// put on the line (at index at).
type historySearch struct {
	query, shown string
	at           int
}

// searchHistory (Ctrl-R) puts on the line the most recent history entry holding what is typed; each
// further Ctrl-R goes to an older one. Editing the line starts a new search with the edited text.
func (t *terminal) searchHistory(p *prompt.Prompt) bool {
	doc := p.Buffer().Document()
	text := doc.Text
	entries := t.sh.hist.entries()
	if text != t.search.shown || t.search.at > len(entries) {
		t.search = historySearch{query: text, at: len(entries)}
	}
	for i := t.search.at - 1; i >= 0; i-- {
		if entries[i] == text || !strings.Contains(entries[i], t.search.query) {
			continue
		}
		p.CursorRightRunes(istrings.RuneCountInString(doc.TextAfterCursor()))
		p.DeleteBeforeCursorRunes(istrings.RuneCountInString(text))
		p.InsertTextMoveCursor(entries[i], false)
		t.search.shown, t.search.at = entries[i], i
		return true
	}
	return false
}

// fixBefore reports whether fixKey must go before key: a suggestion may be selected and key accepts it.
func (t *terminal) fixBefore(key []byte) bool {
	if !t.selecting.Load() || selectionKey(key) {
		return false
	}
	t.selecting.Store(false)
	return true
}

// fixAccepted runs on fixKey, after go-prompt accepted the selected suggestion: if the suggestion holds
// a blank, go-prompt left its start doubled before the cursor; put the suggestion there alone.
func (t *terminal) fixAccepted(p *prompt.Prompt) bool {
	before := p.Buffer().Document().TextBeforeCursor()
	for _, s := range t.offered {
		i := strings.LastIndexAny(s.Text, " \n")
		if i < 0 || !strings.HasSuffix(before, s.Text[:i+1]+s.Text) {
			continue
		}
		p.DeleteBeforeCursorRunes(istrings.RuneCountInString(s.Text[:i+1] + s.Text))
		p.InsertTextMoveCursor(s.Text, false)
		return true
	}
	return false
}

// press queues a key for go-prompt; a full queue drops it (a wake is already waiting).
func (t *terminal) press(k []byte) {
	select {
	case t.keys <- k:
	default:
		return
	}
	if t.pressed != nil {
		t.pressed()
	}
}

// injected returns a key the shell pressed, if any.
func (t *terminal) injected() ([]byte, bool) {
	select {
	case k := <-t.keys:
		return k, true
	default:
		return nil, false
	}
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

// filterKey looks at a key read from the terminal (n bytes in b) and returns how many bytes go-prompt
// gets: a Tab when the last suggestions were none becomes laterTabKey instead of the two spaces go-prompt
// would insert. (The reader may be ahead of go-prompt: the keys before the Tab may not be handled yet.)
func (t *terminal) filterKey(b []byte, n int) int {
	t.pendingTab.Store(false) // a key typed after a pending Tab supersedes it
	t.selecting.Store(t.lastCount.Load() > 0 && selectionKey(b[:n]))
	if n == 1 && b[0] == '\t' && t.lastCount.Load() == 0 {
		return copy(b, laterTabKey)
	}
	return n
}

// laterTab runs on laterTabKey, on go-prompt's goroutine once the keys before the Tab are handled: with
// suggestions for the line it presses Tab again (now go-prompt selects one); with their children still
// being fetched it leaves the Tab pending until they arrive; otherwise the Tab does nothing.
func (t *terminal) laterTab(p *prompt.Prompt) bool {
	d := p.Buffer().Document()
	if strings.TrimSpace(d.TextBeforeCursor()) == "" {
		return false
	}
	res := t.completer.Complete(d.Text, int(d.CurrentRuneIndex()), t.env.Cwd)
	if len(res.Suggestions) > 0 {
		t.selecting.Store(true)
		t.press([]byte{'\t'})
		return true // go-prompt computes the suggestions before the Tab arrives
	}
	if t.cache.Pending() {
		t.pendingTab.Store(true)
	}
	return false
}

// selectionKey reports whether go-prompt moves the selection among the suggestions on key k.
func selectionKey(k []byte) bool {
	switch string(k) {
	case "\t", "\x1b[Z", "\x1b[A", "\x1b[B", "\x1bOA", "\x1bOB":
		return true
	}
	return false
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
