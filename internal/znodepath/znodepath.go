// Package znodepath holds the one rule for znode paths that the client and the bundled server share:
// Apache ZooKeeper's PathUtils.validatePath, plus joining, parents and the shell's relative paths.
//
// Apache checks a path as a Java string, that is in UTF-16 code units: a character outside the Basic
// Multilingual Plane (an emoji) is a surrogate pair and therefore refused, and bytes that are not
// UTF-8 decode to U+FFFD, which is refused too. Validate follows that, so that a path zksh accepts is
// one the server accepts.
package znodepath

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Errors Validate returns; each names what is wrong in words a user can act on.
var (
	ErrEmpty         = errors.New("empty path")
	ErrNotAbsolute   = errors.New("path must start with /")
	ErrTrailingSlash = errors.New("path must not end with /")
	ErrNUL           = errors.New("path contains a NUL character")
	ErrEmptyName     = errors.New("empty node name in path")
)

// InvalidCharError is a character ZooKeeper refuses in a path.
type InvalidCharError struct{ Char rune }

func (e *InvalidCharError) Error() string {
	return fmt.Sprintf("invalid character in path (%U)", e.Char)
}

// RelativeError is a "." or ".." component left in an absolute path.
type RelativeError struct{ Component string }

func (e *RelativeError) Error() string { return `path contains "` + e.Component + `"` }

// Validate checks an absolute path as Apache ZooKeeper's server does. It does not allocate for a
// valid path (the server calls it on every request).
func Validate(p string) error {
	switch {
	case p == "":
		return ErrEmpty
	case p[0] != '/':
		return ErrNotAbsolute
	case p == "/":
		return nil
	case p[len(p)-1] == '/':
		return ErrTrailingSlash
	}
	for start := 1; start <= len(p); {
		end := strings.IndexByte(p[start:], '/')
		if end < 0 {
			end = len(p)
		} else {
			end += start
		}
		if err := validateName(p[start:end]); err != nil {
			return err
		}
		start = end + 1
	}
	return nil
}

func validateName(name string) error {
	switch name {
	case "":
		return ErrEmptyName
	case ".", "..":
		return &RelativeError{Component: name}
	}
	for i := 0; i < len(name); {
		r, size := utf8.DecodeRuneInString(name[i:])
		i += size
		switch {
		case r == 0:
			return ErrNUL
		case refusedChar(r):
			return &InvalidCharError{Char: r}
		}
	}
	return nil
}

// refusedChar reports the characters PathUtils refuses: C0 and C1 controls, DEL, the surrogate and
// private-use block, the specials block (which holds U+FFFD, what invalid UTF-8 decodes to), and
// anything beyond the BMP (a surrogate pair in Java).
func refusedChar(r rune) bool {
	return (r > 0 && r <= 0x1f) || (r >= 0x7f && r <= 0x9f) || (r >= 0xd800 && r <= 0xf8ff) ||
		r >= 0xfff0
}

// Join joins a parent path and a child's name.
func Join(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}

// Parent returns the parent of an absolute path: "/" for a top-level node and for "/" itself.
func Parent(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

// Name returns the last component of an absolute path ("" for "/").
func Name(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

// Resolve turns p into an absolute, validated path: a relative p is joined to cwd component by
// component, resolving "." and ".." as a file system does (".." of "/" is "/"). An absolute p must
// already be canonical: "." and ".." are resolved only in what the user wrote relative to cwd.
func Resolve(cwd, p string) (string, error) {
	if p == "" {
		return "", ErrEmpty
	}
	if p[0] != '/' {
		if strings.IndexByte(p, 0) >= 0 {
			return "", ErrNUL
		}
		if cwd == "" {
			cwd = "/"
		}
		parts := strings.Split(strings.TrimSuffix(cwd, "/"), "/")
		for _, c := range strings.Split(p, "/") {
			switch c {
			case ".":
			case "..":
				if len(parts) > 1 {
					parts = parts[:len(parts)-1]
				}
			default:
				parts = append(parts, c)
			}
		}
		p = strings.Join(parts, "/")
		if p == "" {
			p = "/"
		}
	}
	if err := Validate(p); err != nil {
		return "", err
	}
	return p, nil
}
