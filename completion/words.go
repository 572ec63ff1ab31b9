package completion

import (
	"strings"

	"github.com/zksh/zksh/internal/cmdline"
)

// word is the word being typed.
type word struct {
	raw    string // as typed, quotes included
	value  string // what the command will get: the quotes removed
	opened byte   // the quote the word opened with (' or "), or 0
}

// plain reports whether the word is typed without quotes.
func (w word) plain() bool { return w.opened == 0 }

// quote writes each suggestion as the word must be typed for the shell's line splitting (cmdline): in
// the quotes the user opened (closed after a complete name, left open after a parent's "/" so that
// completion goes on), in quotes when it holds a blank or starts with a quote, else as it is. A name no
// zkCli word can hold (a blank or a leading quote, and both quote characters) is left out.
func (w word) quote(suggestions []Suggestion) []Suggestion {
	out := suggestions[:0]
	for _, s := range suggestions {
		if text, ok := quoteWord(s.Text, w.opened, !strings.HasSuffix(s.Text, "/")); ok {
			s.Text = text
			out = append(out, s)
		}
	}
	return out
}

func quoteWord(s string, q byte, closed bool) (string, bool) {
	if q == 0 {
		if !needsQuotes(s) {
			return s, true
		}
		q = '"'
	}
	if strings.IndexByte(s, q) >= 0 {
		q = other(q)
		if strings.IndexByte(s, q) >= 0 {
			return "", false
		}
	}
	text := string(q) + s
	if closed {
		text += string(q)
	}
	return text, true
}

func other(q byte) byte {
	if q == '"' {
		return '\''
	}
	return '"'
}

// needsQuotes reports whether s, typed as it is, would not be one word of its own text.
func needsQuotes(s string) bool {
	if s == "" || s[0] == '"' || s[0] == '\'' {
		return true
	}
	for i := 0; i < len(s); i++ {
		if cmdline.IsBlank(s[i]) {
			return true
		}
	}
	return false
}

// splitWords splits the text before the cursor into complete words and the word being typed, as the
// shell splits lines (cmdline.Scan): a word ends at a blank, a quoted word at its closing quote. The
// cursor right after a closing quote is still in that word.
func splitWords(s string) (words []string, cur word) {
	ws := cmdline.Scan(s)
	if len(ws) == 0 || ws[len(ws)-1].End < len(s) {
		// Nothing typed yet, or a blank after the last word: a new word starts at the cursor.
		for _, w := range ws {
			words = append(words, w.Value)
		}
		return words, word{}
	}
	for _, w := range ws[:len(ws)-1] {
		words = append(words, w.Value)
	}
	last := ws[len(ws)-1]
	return words, word{raw: s[last.Start:], value: last.Value, opened: last.Quote}
}
