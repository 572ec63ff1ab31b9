package znodepath

import (
	"errors"
	"testing"
	"unicode/utf16"
)

// apacheValid is PathUtils.validatePath's loop as Apache runs it: over the UTF-16 code units of the
// path as Java decoded it from UTF-8 (invalid bytes become U+FFFD). Validate must agree with it.
func apacheValid(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	if len(p) == 1 {
		return true
	}
	if p[len(p)-1] == '/' {
		return false
	}
	chars := utf16.Encode([]rune(p))
	for i := 1; i < len(chars); i++ {
		c, last := chars[i], chars[i-1]
		switch {
		case c == 0:
			return false
		case c == '/' && last == '/':
			return false
		case c == '.' && last == '.':
			if chars[i-2] == '/' && (i+1 == len(chars) || chars[i+1] == '/') {
				return false
			}
		case c == '.':
			if last == '/' && (i+1 == len(chars) || chars[i+1] == '/') {
				return false
			}
		case c > 0 && c <= 0x1f, c >= 0x7f && c <= 0x9f, c >= 0xd800 && c <= 0xf8ff, c >= 0xfff0:
			return false
		}
	}
	return true
}

func TestValidate(t *testing.T) {
	cases := []struct {
		path string
		want error
	}{
		{"/", nil},
		{"/a", nil},
		{"/a/b.c/..d/...", nil},
		{"/zookeeper/quota", nil},
		{"/é/日本", nil},
		{"", ErrEmpty},
		{"a", ErrNotAbsolute},
		{"/a/", ErrTrailingSlash},
		{"/a//b", ErrEmptyName},
		{"/a/\x00", ErrNUL},
		{"/.", &RelativeError{"."}},
		{"/a/../b", &RelativeError{".."}},
		{"/a😀", &InvalidCharError{'😀'}},
		{"/a\x1b[31m", &InvalidCharError{0x1b}},
		{"/a\u0085", &InvalidCharError{0x85}},
		{"/\ue000", &InvalidCharError{0xe000}},
		{"/\xff", &InvalidCharError{0xfffd}},
	}
	for _, c := range cases {
		err := Validate(c.path)
		if (err == nil) != (c.want == nil) || err != nil && err.Error() != c.want.Error() {
			t.Errorf("Validate(%q) = %v, want %v", c.path, err, c.want)
		}
		if (err == nil) != apacheValid(c.path) {
			t.Errorf("Validate(%q) = %v, but Apache's rule says valid=%v", c.path, err, apacheValid(c.path))
		}
	}
}

func TestValidateDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = Validate("/app/config/é/node-0000000001") }); n != 0 {
		t.Fatalf("Validate allocates %v times per call", n)
	}
}

func FuzzValidateAgreesWithApache(f *testing.F) {
	for _, s := range []string{"/", "/a/b", "/a/..", "/.a", "/a😀", "/\xed\xa0\x80", "/a/./b", "//", "/\u009f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if got, want := Validate(p) == nil, apacheValid(p); got != want {
			t.Fatalf("Validate(%q) valid=%v, Apache's rule valid=%v", p, got, want)
		}
	})
}

func TestResolve(t *testing.T) {
	cases := []struct {
		cwd, path, want string
		err             error
	}{
		{"/", "a", "/a", nil},
		{"/app", "conf/x", "/app/conf/x", nil},
		{"/app/conf", "..", "/app", nil},
		{"/app", "../..", "/", nil},
		{"/app", ".", "/app", nil},
		{"", "a", "/a", nil},
		{"/app", "/abs", "/abs", nil},
		{"/app", "/abs/../x", "", &RelativeError{".."}},
		{"/app", "a//b", "", ErrEmptyName},
		{"/app", "a/", "", ErrTrailingSlash},
		{"/app", "", "", ErrEmpty},
		{"/app", "a\x00", "", ErrNUL},
	}
	for _, c := range cases {
		got, err := Resolve(c.cwd, c.path)
		if got != c.want || (err == nil) != (c.err == nil) || err != nil && err.Error() != c.err.Error() {
			t.Errorf("Resolve(%q, %q) = %q, %v; want %q, %v", c.cwd, c.path, got, err, c.want, c.err)
		}
	}
	var rel *RelativeError
	if _, err := Resolve("/", "/a/."); !errors.As(err, &rel) {
		t.Errorf("Resolve of /a/.: %v, want a RelativeError", err)
	}
}

func TestJoinParentName(t *testing.T) {
	for _, c := range []struct{ parent, name, path string }{{"/", "a", "/a"}, {"/a", "b", "/a/b"}, {"/a/b", "c-0001", "/a/b/c-0001"}} {
		p := Join(c.parent, c.name)
		if p != c.path || Parent(p) != c.parent || Name(p) != c.name {
			t.Errorf("Join(%q,%q)=%q Parent=%q Name=%q", c.parent, c.name, p, Parent(p), Name(p))
		}
	}
	if Parent("/") != "/" || Name("/") != "" {
		t.Errorf("Parent(/)=%q Name(/)=%q", Parent("/"), Name("/"))
	}
}
