// Package cmdline splits a shell or script line into words the way zkCli does (ZooKeeperMain's
// parseCommand): blanks separate words; a word that starts with " or ' runs to the next such quote and
// loses both quotes; nothing else is special — no backslash escapes, no ';', no '#', no '$'. The shell
// runs lines with Split, and completion reads the word under the cursor with Scan, so both follow the
// one rule.
package cmdline

import (
	"fmt"
	"unicode/utf8"
)

// IsBlank reports whether c separates words: the blanks of Java's \s, which zkCli's pattern uses.
func IsBlank(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// Word is one word of a line as typed. Start and End are byte offsets of the text typed for it, quotes
// included; Value is what the command receives.
type Word struct {
	Start, End int
	Value      string
	Quote      byte // the quote the word opened with (' or "), or 0
	Closed     bool // the quote was closed (always true for an unquoted word)
}

// Scan splits line into words without judging them: a quoted word whose quote is never closed runs to
// the end of the line (Closed false), and a quoted word ends at its closing quote even when no blank
// follows (zkCli then starts the next word right there).
func Scan(line string) []Word {
	var words []Word
	for i := 0; ; {
		w, ok := next(line, i)
		if !ok {
			return words
		}
		words = append(words, w)
		i = w.End
	}
}

// next returns the word at or after offset i. Each call moves only forward from i, so reading a line
// word by word looks at each byte once: splitting is linear in the line's length.
func next(line string, i int) (Word, bool) {
	n := len(line)
	for i < n && IsBlank(line[i]) {
		i++
	}
	if i == n {
		return Word{}, false
	}
	start := i
	if q := line[i]; q == '"' || q == '\'' {
		i++
		for i < n && line[i] != q {
			i++
		}
		if i == n {
			return Word{Start: start, End: n, Value: line[start+1:], Quote: q}, true
		}
		return Word{Start: start, End: i + 1, Value: line[start+1 : i], Quote: q, Closed: true}, true
	}
	for i < n && !IsBlank(line[i]) {
		i++
	}
	return Word{Start: start, End: i, Value: line[start:i], Closed: true}, true
}

// Error is a line Split refuses: zkCli would split it, but not into what was typed.
type Error struct {
	Column int    // 1-based byte column of the quote at fault
	Quote  byte   // the quote
	Follow string // the text glued to a closing quote; "" when the quote is never closed
}

func (e *Error) Error() string {
	if e.Follow == "" {
		return fmt.Sprintf("the %c at column %d is never closed (zkCli would drop it and store the rest): "+
			"close it, or quote the whole word with the other quote to keep the %c", e.Quote, e.Column, e.Quote)
	}
	return fmt.Sprintf("the quoted word closed by the %c at column %d runs on into %q (zkCli would make that "+
		"a separate word): put a blank after the closing quote, or quote the whole word", e.Quote, e.Column, e.Follow)
}

// Split returns the words of line with their quotes removed, as zkCli does, or an *Error where zkCli
// would silently store something other than what was typed: a quote never closed (zkCli drops it),
// or a closing quote with more text glued to it ("ab"cd, which zkCli splits into ab and cd).
func Split(line string) ([]string, error) {
	words := []string{}
	for i := 0; ; {
		w, ok := next(line, i)
		if !ok {
			return words, nil
		}
		if !w.Closed {
			return nil, &Error{Column: w.Start + 1, Quote: w.Quote}
		}
		if w.Quote != 0 && w.End < len(line) && !IsBlank(line[w.End]) {
			end := w.End
			for end < len(line) && !IsBlank(line[end]) && (end-w.End < 20 || !utf8.RuneStart(line[end])) {
				end++
			}
			return nil, &Error{Column: w.End, Quote: w.Quote, Follow: line[w.End:end]}
		}
		words = append(words, w.Value)
		i = w.End
	}
}
