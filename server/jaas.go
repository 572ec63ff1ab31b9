package server

import (
	"fmt"
	"os"
	"strings"
)

// The JAAS login configuration file Apache's server reads (-Djava.security.auth.login.config):
//
//	Server {
//	    org.apache.zookeeper.server.auth.DigestLoginModule required
//	    user_bob="secret";
//	};
//
// Sections of login modules, each module a class, a flag and key=value options, with // and /* */
// comments. The zksh server takes DIGEST-MD5 users from its section's user_NAME options; Kerberos
// (Krb5LoginModule) is not supported.

// digestLoginModule is the login module of Apache's DIGEST-MD5 users.
const digestLoginModule = "org.apache.zookeeper.server.auth.DigestLoginModule"

// jaasEntry is one login module of a section.
type jaasEntry struct {
	class, flag string
	options     map[string]string
}

// LoadJAAS reads a JAAS login configuration file and takes the SASL users from its server section
// (zoo.cfg's sasl.serverconfig, default "Server"), as Apache's server does. A file without that
// section leaves SASL off, as in Apache (the warning says so); a file that does not parse, or a
// section with a login module other than DigestLoginModule (Kerberos), is an error.
func (c *Config) LoadJAAS(path string) (warnings []string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("JAAS file: %w", err)
	}
	sections, err := parseJAAS(string(b))
	if err != nil {
		return nil, fmt.Errorf("JAAS file %s: %w", path, err)
	}
	name := c.jaasSection
	if name == "" {
		name = "Server"
	}
	entries, ok := sections[name]
	if !ok {
		return []string{fmt.Sprintf("JAAS file %s has no %q section: SASL is off, as in Apache ZooKeeper", path, name)}, nil
	}
	users := map[string]string{}
	for _, e := range entries {
		if e.class != digestLoginModule {
			what := e.class
			if strings.HasSuffix(e.class, ".Krb5LoginModule") {
				what = "Kerberos (" + e.class + ")"
			}
			return nil, fmt.Errorf("JAAS file %s: section %s: %s is not supported by the zksh server, only %s (SASL DIGEST-MD5)",
				path, name, what, digestLoginModule)
		}
		for k, v := range e.options {
			if user, ok := strings.CutPrefix(k, "user_"); ok {
				users[user] = v
			}
		}
	}
	c.SASLUsers = users
	return nil, nil
}

// parseJAAS parses a JAAS login configuration into its sections (a name given twice adds entries).
func parseJAAS(text string) (map[string][]jaasEntry, error) {
	toks, err := jaasTokens(text)
	if err != nil {
		return nil, err
	}
	out := map[string][]jaasEntry{}
	i := 0
	next := func() jaasToken {
		if i < len(toks) {
			i++
			return toks[i-1]
		}
		return jaasToken{line: -1}
	}
	expect := func(what string, t jaasToken) error {
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
			e := jaasEntry{class: t.text, options: map[string]string{}}
			flag := next()
			switch strings.ToLower(flag.text) {
			case "required", "requisite", "sufficient", "optional":
				if !flag.word || flag.quoted {
					return nil, expect("a control flag (required, requisite, sufficient or optional)", flag)
				}
				e.flag = strings.ToLower(flag.text)
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
				e.options[k.text] = v.text
			}
			out[name.text] = append(out[name.text], e)
		}
		if t := next(); t.word || t.text != ";" {
			return nil, expect("';' after the section's '}'", t)
		}
	}
	return out, nil
}

type jaasToken struct {
	text   string
	word   bool // a name or value; else one of { } ; =
	quoted bool
	line   int
}

// jaasTokens splits a JAAS file into words, quoted strings (backslash escapes) and { } ; =,
// dropping // and /* */ comments.
func jaasTokens(s string) ([]jaasToken, error) {
	var out []jaasToken
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
			out = append(out, jaasToken{text: string(c), line: line})
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
			out = append(out, jaasToken{text: b.String(), word: true, quoted: true, line: start})
		case isJAASWordByte(c):
			start := i
			for i < len(s) && isJAASWordByte(s[i]) {
				i++
			}
			out = append(out, jaasToken{text: s[start:i], word: true, line: line})
		default:
			return nil, fmt.Errorf("line %d: unexpected %q", line, c)
		}
	}
	return out, nil
}

func isJAASWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-' || c == '$' || c == '*' || c >= 0x80
}

// JAASLogin is one login module of a JAAS section: its class and options.
type JAASLogin struct {
	Class   string
	Options map[string]string
}

// ReadJAASSection reads the named section of a JAAS login configuration file (a client's Client
// section); ok is false when the file has no such section. Errors never show the file's words.
func ReadJAASSection(path, name string) (logins []JAASLogin, ok bool, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("JAAS file: %w", err)
	}
	sections, err := parseJAAS(string(b))
	if err != nil {
		return nil, false, fmt.Errorf("JAAS file %s: %w", path, err)
	}
	entries, ok := sections[name]
	for _, e := range entries {
		logins = append(logins, JAASLogin{Class: e.class, Options: e.options})
	}
	return logins, ok, nil
}
