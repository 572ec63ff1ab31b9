package znodetree

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// fastDecode decodes one node line as encoding/json would into a Node, for the lines zksh's own
// Writer produces: import spends most of its time decoding, and encoding/json's reflection is the
// larger part of that. It declines (ok false) anything it is not sure to read exactly as
// encoding/json does (an unknown or repeated key, a null, a lone surrogate, invalid UTF-8, a
// number that is not a plain integer), and the caller then uses encoding/json, whose result and
// error messages stay the reference. FuzzFastDecodeAgrees holds the two to the same answers.
func fastDecode(b []byte) (n *Node, ok bool) {
	if !utf8.Valid(b) {
		return nil, false
	}
	d := decoder{b: b}
	n = new(Node)
	var seen uint8
	if !d.object(func(key []byte) bool {
		var bit uint8
		var good bool
		switch string(key) {
		case "path":
			bit = 1
			n.Path, good = d.str()
		case "mode":
			bit = 2
			var s string
			s, good = d.word()
			n.Mode = Mode(s)
		case "ttl":
			bit = 4
			n.TTL, good = d.int(64)
		case "encoding":
			bit = 8
			n.Encoding, good = d.word()
		case "data":
			bit = 16
			if d.null() {
				n.Null, good = true, true
			} else {
				n.Data, good = d.str()
			}
		case "acl":
			bit = 32
			n.ACL, good = d.acl()
		case "stat":
			bit = 64
			n.Stat, good = d.stat()
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return good
	}) {
		return nil, false
	}
	d.space()
	return n, d.i == len(d.b)
}

// decoder reads JSON from b at i; every method returns false where fastDecode declines.
//
// The three object readers (node, ACL entry, stat) each switch on the key and track repeated keys
// with a bit of their own. A shared key table with the bookkeeping in object() read the same, but
// decoded a third slower (a string search per key instead of the switch's jump): this file exists
// for speed, so the repetition stays.
type decoder struct {
	b []byte
	i int
}

func (d *decoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// next skips white space and consumes c.
func (d *decoder) next(c byte) bool {
	d.space()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// object reads {"key": value, ...}, calling member with each key (unescaped keys only) to read its
// value.
func (d *decoder) object(member func(key []byte) bool) bool {
	if !d.next('{') {
		return false
	}
	if d.next('}') {
		return true
	}
	for {
		if !d.next('"') {
			return false
		}
		start := d.i
		for d.i < len(d.b) && d.b[d.i] != '"' && d.b[d.i] != '\\' && d.b[d.i] >= 0x20 {
			d.i++
		}
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return false
		}
		key := d.b[start:d.i]
		d.i++
		if !d.next(':') || !member(key) {
			return false
		}
		if d.next('}') {
			return true
		}
		if !d.next(',') {
			return false
		}
	}
}

// null consumes a null literal, if that is what comes next.
func (d *decoder) null() bool {
	d.space()
	if len(d.b)-d.i >= 4 && string(d.b[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	return false
}

// str reads a string value.
func (d *decoder) str() (string, bool) {
	raw, s, ok := d.rawStr()
	if raw != nil {
		return string(raw), true
	}
	return s, ok
}

// word reads a string value that is most often one of a few words every line repeats (a mode, an
// encoding, an ACL's parts), without allocating for those.
func (d *decoder) word() (string, bool) {
	raw, s, ok := d.rawStr()
	if raw != nil {
		return intern(raw), true
	}
	return s, ok
}

// rawStr reads a string value: its bytes in b when it has no escapes, else the unescaped string.
func (d *decoder) rawStr() ([]byte, string, bool) {
	if !d.next('"') {
		return nil, "", false
	}
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return d.b[start : d.i-1 : d.i-1], "", true
		case c == '\\':
			s, ok := d.escaped(start)
			return nil, s, ok
		case c < 0x20:
			return nil, "", false
		}
		d.i++
	}
	return nil, "", false
}

// escaped finishes a string that has escapes, from its first backslash at d.i.
func (d *decoder) escaped(start int) (string, bool) {
	out := append(make([]byte, 0, d.i-start+16), d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return string(out), true
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.b) {
			return "", false
		}
		e := d.b[d.i+1]
		d.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", false
			}
			if utf16.IsSurrogate(r) {
				// Only a high surrogate followed by an escaped low one makes a rune; encoding/json
				// turns anything else into U+FFFD, which is left to it.
				if r >= 0xDC00 || d.i+1 >= len(d.b) || d.b[d.i] != '\\' || d.b[d.i+1] != 'u' {
					return "", false
				}
				d.i += 2
				lo, ok := d.hex4()
				if !ok {
					return "", false
				}
				if r = utf16.DecodeRune(r, lo); r == utf8.RuneError {
					return "", false
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", false
		}
	}
	return "", false
}

func (d *decoder) hex4() (rune, bool) {
	if d.i+4 > len(d.b) {
		return 0, false
	}
	var r rune
	for _, c := range d.b[d.i : d.i+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	d.i += 4
	return r, true
}

// int reads an integer that fits in bits: JSON's -?(0|[1-9][0-9]*), with no fraction or exponent.
func (d *decoder) int(bits int) (int64, bool) {
	d.space()
	start := d.i
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	digits := d.i
	for d.i < len(d.b) && '0' <= d.b[d.i] && d.b[d.i] <= '9' {
		d.i++
	}
	if d.i == digits || (d.b[digits] == '0' && d.i > digits+1) {
		return 0, false
	}
	if d.i < len(d.b) {
		switch d.b[d.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	v, err := strconv.ParseInt(string(d.b[start:d.i]), 10, bits)
	return v, err == nil
}

func (d *decoder) int32() (int32, bool) {
	v, ok := d.int(32)
	return int32(v), ok
}

// acl reads an array of ACL entries.
func (d *decoder) acl() ([]ACL, bool) {
	if !d.next('[') {
		return nil, false
	}
	out := make([]ACL, 0, 1)
	if d.next(']') {
		return out, true
	}
	for {
		var a ACL
		var seen uint8
		ok := d.object(func(key []byte) bool {
			var bit uint8
			var ok bool
			switch string(key) {
			case "scheme":
				bit = 1
				a.Scheme, ok = d.word()
			case "id":
				bit = 2
				a.ID, ok = d.word()
			case "perms":
				bit = 4
				a.Perms, ok = d.word()
			default:
				return false
			}
			if seen&bit != 0 {
				return false
			}
			seen |= bit
			return ok
		})
		if !ok {
			return nil, false
		}
		out = append(out, a)
		if d.next(']') {
			return out, true
		}
		if !d.next(',') {
			return nil, false
		}
	}
}

// stat reads a Stat object.
func (d *decoder) stat() (*Stat, bool) {
	st := new(Stat)
	var seen uint16
	ok := d.object(func(key []byte) bool {
		var bit uint16
		var ok bool
		switch string(key) {
		case "czxid":
			bit = 1
			st.Czxid, ok = d.int(64)
		case "mzxid":
			bit = 2
			st.Mzxid, ok = d.int(64)
		case "ctime":
			bit = 4
			st.Ctime, ok = d.int(64)
		case "mtime":
			bit = 8
			st.Mtime, ok = d.int(64)
		case "version":
			bit = 16
			st.Version, ok = d.int32()
		case "cversion":
			bit = 32
			st.Cversion, ok = d.int32()
		case "aversion":
			bit = 64
			st.Aversion, ok = d.int32()
		case "ephemeralOwner":
			bit = 128
			st.EphemeralOwner, ok = d.int(64)
		case "numChildren":
			bit = 256
			st.NumChildren, ok = d.int32()
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return ok
	})
	return st, ok
}

// intern returns the shared copy of a string most lines repeat, saving an allocation per line.
func intern(b []byte) string {
	switch string(b) {
	case "persistent":
		return "persistent"
	case "utf8":
		return "utf8"
	case "base64":
		return "base64"
	case "world":
		return "world"
	case "anyone":
		return "anyone"
	case "cdrwa":
		return "cdrwa"
	case "digest":
		return "digest"
	case "sasl":
		return "sasl"
	case "auth":
		return "auth"
	case "ip":
		return "ip"
	case "ephemeral":
		return "ephemeral"
	case "container":
		return "container"
	case "ttl":
		return "ttl"
	case "r":
		return "r"
	}
	return string(b)
}
