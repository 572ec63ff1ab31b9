package commands

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"
)

// Resolve turns p into an absolute znode path: relative paths are joined with Cwd and "." and ".."
// resolved as in a file system; the result is then validated. A malformed path is a usage error.
func (e *Env) Resolve(p string) (string, error) {
	abs, err := resolvePath(e.Cwd, p)
	if err != nil {
		return "", &UsageError{Err: fmt.Errorf("%s: %v", strconv.Quote(p), err)}
	}
	return abs, nil
}

// resolveArg resolves a command's path operand; a malformed one is a usage error naming the command.
func resolveArg(cmd *cobra.Command, env *Env, p string) (string, error) {
	abs, err := resolvePath(env.Cwd, p)
	if err != nil {
		return "", &UsageError{Cmd: cmd.CommandPath(), Err: fmt.Errorf("%s %s: %v", cmd.Name(), showPath(p), err)}
	}
	return abs, nil
}

func resolvePath(cwd, p string) (string, error) {
	if p == "" {
		return "", errors.New("empty path")
	}
	if strings.IndexByte(p, 0) >= 0 {
		return "", errors.New("path contains a NUL character")
	}
	if !strings.HasPrefix(p, "/") {
		if cwd == "" {
			cwd = "/"
		}
		// Join component by component so that only the user's "." and ".." are resolved; an absolute
		// path must already be canonical.
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
	if err := validatePath(p); err != nil {
		return "", err
	}
	return p, nil
}

// validatePath checks an absolute path the way ZooKeeper's PathUtils does.
func validatePath(p string) error {
	switch {
	case p == "":
		return errors.New("empty path")
	case p[0] != '/':
		return errors.New("path must start with /")
	case p == "/":
		return nil
	case strings.HasSuffix(p, "/"):
		return errors.New("path must not end with /")
	case strings.IndexByte(p, 0) >= 0:
		return errors.New("path contains a NUL character")
	}
	for _, c := range strings.Split(p[1:], "/") {
		switch c {
		case "":
			return errors.New("empty node name in path")
		case ".", "..":
			return errors.New("path contains " + quote(c))
		}
	}
	for _, r := range p {
		if (r > 0 && r <= 0x1f) || (r >= 0x7f && r <= 0x9f) || (r >= 0xd800 && r <= 0xf8ff) || (r >= 0xfff0 && r <= 0xffff) {
			return errors.New("invalid character in path")
		}
	}
	return nil
}

// showPath is a path as error messages show it: as typed, or Go-quoted when it holds characters a
// terminal would not show (control characters, invalid UTF-8).
func showPath(p string) string {
	if p == "" || !utf8.ValidString(p) || strings.IndexFunc(p, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) >= 0 {
		return strconv.Quote(p)
	}
	return p
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// parentOf returns the parent of an absolute path ("/" for top-level nodes).
func parentOf(p string) string {
	d := path.Dir(p)
	if d == "." {
		return "/"
	}
	return d
}

// joinChild joins a parent and a child name.
func joinChild(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}
