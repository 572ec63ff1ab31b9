package completion

import "strings"

// word is the word being typed.
type word struct {
	raw    string // as typed, quotes and backslashes included
	value  string // what the shell will see: quotes and escapes removed
	opened rune   // the quote the word opened with (' or "), or 0
}

// plain reports whether the word is typed without quotes or escapes.
func (w word) plain() bool { return w.raw == w.value }

// quote writes each suggestion as the word must be typed: in the quotes the user opened (closed after
// a complete name, left open after a parent's "/" so that completion goes on), or with backslashes
// before the characters the shell would split or interpret.
func (w word) quote(suggestions []Suggestion) []Suggestion {
	for i, s := range suggestions {
		suggestions[i].Text = quoteWord(s.Text, w.opened, !strings.HasSuffix(s.Text, "/"))
	}
	return suggestions
}

// special are the characters the shell's line splitting treats specially outside quotes.
const special = " \t\\'\"`();&|<>"

func quoteWord(s string, q rune, closed bool) string {
	if q == '\'' && strings.ContainsRune(s, '\'') {
		q = '"'
	}
	var b strings.Builder
	switch q {
	case '\'':
		b.WriteRune(q)
		b.WriteString(s)
	case '"':
		b.WriteRune(q)
		for _, r := range s {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	default:
		if !strings.ContainsAny(s, special) {
			return s
		}
		for _, r := range s {
			if strings.ContainsRune(special, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	if closed {
		b.WriteRune(q)
	}
	return b.String()
}

// splitWords splits the text before the cursor into complete words and the word being typed, honouring
// quotes and backslashes as a POSIX shell does (the shell splits lines the same way).
func splitWords(s string) (words []string, cur word) {
	var b strings.Builder
	inWord := false
	var quote, first rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			b.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				b.WriteRune(r)
			}
		case r == '\'' || r == '"':
			if !inWord {
				first = r
			}
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, b.String())
				b.Reset()
				inWord = false
			}
			first = 0
		case r == ';': // the shell runs "a; b" as two commands: complete the last one
			words, inWord, first = nil, false, 0
			b.Reset()
		default:
			b.WriteRune(r)
			inWord = true
		}
	}
	if !inWord {
		return words, word{}
	}
	cur = word{raw: rawTail(s), value: b.String(), opened: first}
	if cur.opened == 0 {
		cur.opened = quote // a quote opened inside the word and still open
	}
	return words, cur
}

// rawTail returns the text of the last word, from the last unquoted blank on.
func rawTail(s string) string {
	start := 0
	var quote rune
	escaped := false
	for i, r := range s {
		switch {
		case escaped:
			escaped = false
		case r == '\\' && quote != '\'':
			escaped = true
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == ' ' || r == '\t' || r == ';':
			start = i + 1
		}
	}
	return s[start:]
}
