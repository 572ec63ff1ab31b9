package commands

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/znodepath"
)

// Resolve turns p into an absolute znode path: relative paths are joined with Cwd and "." and ".."
// resolved as in a file system; the result is then validated. A malformed path is a usage error.
func (e *Env) Resolve(p string) (string, error) {
	abs, err := znodepath.Resolve(e.Cwd, p)
	if err != nil {
		return "", &UsageError{Err: fmt.Errorf("%s: %v", strconv.Quote(hideURLCredential(p)), err)}
	}
	return abs, nil
}

// resolveArg resolves a command's path operand; a malformed one is a usage error naming the command.
func resolveArg(cmd *cobra.Command, env *Env, p string) (string, error) {
	abs, err := znodepath.Resolve(env.Cwd, p)
	if err != nil {
		return "", &UsageError{Cmd: cmd.CommandPath(), Err: fmt.Errorf("%s %s: %v", cmd.Name(), showPath(p), err)}
	}
	return abs, nil
}

// showPath is a path as error messages show it: as typed, or Go-quoted when it holds characters a
// terminal would not show (control characters, invalid UTF-8); a zk:// URL's credential hidden.
func showPath(p string) string {
	p = hideURLCredential(p)
	if p == "" || !utf8.ValidString(p) || strings.IndexFunc(p, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) >= 0 {
		return strconv.Quote(p)
	}
	return p
}

// hideURLCredential hides what may be the credential of a zk:// URL given where a znode path was
// wanted: everything from the scheme to the last '@' (a credential's '/' may not be encoded).
func hideURLCredential(p string) string {
	if i := strings.LastIndexByte(p, '@'); i >= 0 && zkURL(p) {
		scheme := zkScheme
		if strings.HasPrefix(p, zkPlainScheme) {
			scheme = zkPlainScheme
		}
		return scheme + "***" + p[i:]
	}
	return p
}
