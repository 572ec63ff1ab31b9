package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Credentials never leak: passwords come from files (--auth-file, --sasl-password-file, --jaas),
// the environment (ZKSH_AUTH) or a prompt without echo, and no message repeats one. A password given
// inline (--auth digest:user:pass, as zkCli users' scripts do) still works, with a warning on a
// terminal that other users see it in ps.

// digestWithoutPassword reports a digest credential that names only its user (digest:USER): its
// password is asked for.
func digestWithoutPassword(scheme, cred string) (user string, missing bool) {
	if scheme != "digest" || cred == "" || strings.Contains(cred, ":") {
		return "", false
	}
	return cred, true
}

// resolveCredentials completes s.Auth before anything is sent: it adds the lines of each --auth-file
// (then forgets the files, so a shell reads them once), and asks for the password of each digest:USER
// on the terminal (when canPrompt: stdin and stderr are terminals), else refuses it naming the ways to
// give one. inlineFlag says the --auth values came from the command line: an inline digest password
// there is warned about, on a terminal only (a script's log would repeat it on every run).
func resolveCredentials(ctx context.Context, s *Settings, streams *IOStreams, inlineFlag, canPrompt bool) error {
	if inlineFlag && streams.ErrTTY {
		for _, a := range s.Auth {
			scheme, cred, _ := strings.Cut(a, ":")
			if user, _, ok := strings.Cut(cred, ":"); scheme == "digest" && ok {
				fmt.Fprintf(streams.ErrOut, "zksh: warning: the password in --auth digest:%s:... is visible to other users (ps); "+
					"give --auth digest:%s to be asked for it, or use --auth-file FILE or ZKSH_AUTH\n", user, user)
			}
		}
	}
	// fromFile[i] names the --auth-file line s.Auth[i] came from ("" for --auth and ZKSH_AUTH).
	fromFile := make([]string, len(s.Auth))
	for _, path := range s.AuthFiles {
		lines, numbers, err := readAuthFile(path)
		if err != nil {
			return err
		}
		s.Auth = append(s.Auth, lines...)
		for _, n := range numbers {
			fromFile = append(fromFile, fmt.Sprintf("--auth-file %s, line %d", path, n))
		}
	}
	s.AuthFiles = nil
	for i, a := range s.Auth {
		scheme, cred, _ := strings.Cut(a, ":")
		user, missing := digestWithoutPassword(scheme, cred)
		if !missing {
			continue
		}
		if !canPrompt || !streams.InTTY || !streams.ErrTTY {
			// The user is not repeated: a password typed without its user would look like one.
			if fromFile[i] != "" {
				return fmt.Errorf("%s: digest:USER has no password, and there is no terminal to ask for it on: "+
					"write the line as digest:USER:PASSWORD", fromFile[i])
			}
			return errors.New("--auth digest:USER has no password, and there is no terminal to ask for it on: " +
				"give digest:USER:PASSWORD in --auth-file FILE or ZKSH_AUTH")
		}
		password, err := readHiddenPassword(ctx, streams, fmt.Sprintf("Password for digest user %s: ", user))
		if err != nil {
			return fmt.Errorf("--auth digest:%s: reading the password: %w", user, err)
		}
		s.Auth[i] = "digest:" + user + ":" + password
	}
	return nil
}

// readAuthFile reads the credentials of an --auth-file: one scheme:credential a line, as ZKSH_AUTH;
// empty lines are skipped and a line's CR LF ending is not part of it. A refused line is named by
// its number, never shown. numbers are the lines' numbers in the file, from 1.
func readAuthFile(path string) (out []string, numbers []int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--auth-file: %w", err)
	}
	for n, line := range strings.Split(string(b), authSeparator) {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		if err := checkAuth(line); err != nil {
			return nil, nil, fmt.Errorf("--auth-file %s, line %d: %v", path, n+1, err)
		}
		out = append(out, line)
		numbers = append(numbers, n+1)
	}
	return out, numbers, nil
}

// readHiddenPassword asks for a password on the terminal (stdin) without echoing it; the terminal's
// modes are restored before it returns.
func readHiddenPassword(ctx context.Context, streams *IOStreams, prompt string) (string, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	io.WriteString(streams.ErrOut, prompt)
	password, err := readPassword(ctx, int(os.Stdin.Fd()))
	fmt.Fprintln(streams.ErrOut)
	return password, err
}
