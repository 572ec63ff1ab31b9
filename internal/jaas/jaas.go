// Package jaas reads JAAS login configuration files, as Java's ZooKeeper server and client take them
// (-Djava.security.auth.login.config):
//
//	Server {
//	    org.apache.zookeeper.server.auth.DigestLoginModule required
//	    user_bob="secret";
//	};
//
// Sections of login modules, each module a class, a flag and key=value options, with // and /* */
// comments. The bundled server reads its Server section, the client its Client section. Errors
// never show the file's words (they may be passwords).
package jaas

import (
	"fmt"
	"os"
	"strings"
)

// DigestLoginModule is the login module of Apache's DIGEST-MD5 users.
const DigestLoginModule = "org.apache.zookeeper.server.auth.DigestLoginModule"

// Login is one login module of a section: its class, flag and options.
type Login struct {
	Class, Flag string
	Options     map[string]string
}

// ReadSection reads the named section of a JAAS file; ok is false when the file has no such section.
func ReadSection(path, name string) (logins []Login, ok bool, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("JAAS file: %w", err)
	}
	sections, err := Parse(string(b))
	if err != nil {
		return nil, false, fmt.Errorf("JAAS file %s: %w", path, err)
	}
	logins, ok = sections[name]
	return logins, ok, nil
}

// Parse parses a JAAS login configuration into its sections (a name given twice adds entries).
func Parse(text string) (map[string][]Login, error) {
	toks, err := tokens(text)
	if err != nil {
		return nil, err
	}
	out := map[string][]Login{}
	i := 0
	next := func() token {
		if i < len(toks) {
			i++
			return toks[i-1]
		}
		return token{line: -1}
	}
	expect := func(what string, t token) error {
		if t.line < 0 {
			return fmt.Errorf("unexpected end of file: want %s", what)
		}
		// A word's text is not shown: it may be a password.
		switch {
		case t.quoted:
			return fmt.Errorf("line %d: want %s, got a quoted string", t.line, what)
		case t.word:
			return fmt.Errorf("line %d: want %s, got a word", t.line, what)
		}
		return fmt.Errorf("line %d: want %s, got %q", t.line, what, t.text)
	}
	for i < len(toks) {
		name := next()
		if !name.word {
			return nil, expect("a section name", name)
		}
		if t := next(); t.word || t.text != "{" {
			return nil, expect("'{'", t)
		}
		out[name.text] = append(out[name.text], nil...)
		for {
			t := next()
			if !t.word && t.text == "}" {
				break
			}
			if !t.word || t.quoted {
				return nil, expect("a login module class or '}'", t)
			}
			e := Login{Class: t.text, Options: map[string]string{}}
			flag := next()
			switch strings.ToLower(flag.text) {
			case "required", "requisite", "sufficient", "optional":
				if !flag.word || flag.quoted {
					return nil, expect("a control flag (required, requisite, sufficient or optional)", flag)
				}
				e.Flag = strings.ToLower(flag.text)
			default:
				return nil, expect("a control flag (required, requisite, sufficient or optional)", flag)
			}
			for {
				k := next()
				if !k.word && k.text == ";" {
					break
				}
				if !k.word || k.quoted {
					return nil, expect("an option name or ';'", k)
				}
				if eq := next(); eq.word || eq.text != "=" {
					return nil, expect("'=' after "+k.text, eq)
				}
				v := next()
				if !v.word {
					return nil, expect("a value for "+k.text, v)
				}
				e.Options[k.text] = v.text
			}
			out[name.text] = append(out[name.text], e)
		}
		if t := next(); t.word || t.text != ";" {
			return nil, expect("';' after the section's '}'", t)
		}
	}
	return out, nil
}

type token struct {
	text   string
	word   bool // a name or value; else one of { } ; =
	quoted bool
	line   int
}

// tokens splits a JAAS file into words, quoted strings (backslash escapes) and { } ; =,
// dropping // and /* */ comments.
func tokens(s string) ([]token, error) {
	var out []token
	line := 1
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f':
			i++
		case strings.HasPrefix(s[i:], "//"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated /* comment", line)
			}
			line += strings.Count(s[i:i+2+end], "\n")
			i += end + 4
		case c == '{' || c == '}' || c == ';' || c == '=':
			out = append(out, token{text: string(c), line: line})
			i++
		case c == '"':
			start := line
			var b strings.Builder
			i++
			for {
				if i >= len(s) {
					return nil, fmt.Errorf("line %d: unterminated quoted string", start)
				}
				c := s[i]
				i++
				if c == '"' {
					break
				}
				if c == '\n' {
					line++
				}
				if c == '\\' && i < len(s) {
					c = s[i]
					i++
					switch c {
					case 'n':
						c = '\n'
					case 't':
						c = '\t'
					case 'r':
						c = '\r'
					}
				}
				b.WriteByte(c)
			}
			out = append(out, token{text: b.String(), word: true, quoted: true, line: start})
		case isWordByte(c):
			start := i
			for i < len(s) && isWordByte(s[i]) {
				i++
			}
			out = append(out, token{text: s[start:i], word: true, line: line})
		default:
			return nil, fmt.Errorf("line %d: unexpected %q", line, c)
		}
	}
	return out, nil
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-' || c == '$' || c == '*' || c >= 0x80
}
