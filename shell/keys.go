package shell

import (
	"strings"

	prompt "github.com/elk-language/go-prompt"
	istrings "github.com/elk-language/go-prompt/strings"
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
	// txnEndKey is Ctrl-D inside a txn block: there go-prompt would leave on an empty line, where the
	// shell drops the block instead (see endTxnKey).
	txnEndKey = []byte{0x1b, '[', '9', '9', '6', 'z'}
)

// wordLeft and wordRight move the cursor by a word (Alt-B/Alt-F and Ctrl-arrows, as in bash).
func wordLeft(p *prompt.Prompt) bool {
	return p.CursorLeftRunes(p.Buffer().Document().FindRuneNumberUntilStartOfPreviousWord())
}

func wordRight(p *prompt.Prompt) bool {
	return p.CursorRightRunes(p.Buffer().Document().FindRuneNumberUntilEndOfCurrentWord())
}

// stop (Ctrl-Z) suspends zksh as a job of the shell that started it, the terminal in its normal mode;
// when the job goes on (fg) the line is drawn again.
func (t *terminal) stop(*prompt.Prompt) bool {
	if t.suspend == nil {
		return false
	}
	t.suspend()
	return true
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

// filterKey looks at a key read from the terminal (n bytes in b) and returns how many bytes go-prompt
// gets: a Tab when the last suggestions were none becomes laterTabKey instead of the two spaces go-prompt
// would insert. (The reader may be ahead of go-prompt: the keys before the Tab may not be handled yet.)
func (t *terminal) filterKey(b []byte, n int) int {
	t.pendingTab.Store(false) // a key typed after a pending Tab supersedes it
	t.selecting.Store(t.lastCount.Load() > 0 && selectionKey(b[:n]))
	if n == 1 && b[0] == '\t' && t.lastCount.Load() == 0 {
		return copy(b, laterTabKey)
	}
	if _, open := t.txnState(); open && n == 1 && b[0] == 0x04 {
		return copy(b, txnEndKey)
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
	res := t.activeCompleter().Complete(d.Text, int(d.CurrentRuneIndex()), t.env.Cwd)
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
