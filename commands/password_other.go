//go:build !linux

package commands

import (
	"context"
	"os"
	"strings"

	"golang.org/x/term"
)

// readPassword reads one line from the terminal fd without echo (Ctrl-C takes effect after Enter).
func readPassword(ctx context.Context, fd int) (string, error) {
	b, err := term.ReadPassword(fd)
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return string(b), nil
}

// readTerminalLine reads one line from the terminal fd, echoing it when echo (Ctrl-C takes effect
// after Enter).
func readTerminalLine(ctx context.Context, fd int, echo bool) (string, error) {
	if !echo {
		return readPassword(ctx, fd)
	}
	var line []byte
	b := make([]byte, 1)
	f := os.NewFile(uintptr(fd), "stdin")
	for {
		if _, err := f.Read(b); err != nil {
			return "", err
		}
		if b[0] == '\n' {
			break
		}
		line = append(line, b[0])
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(line), "\r"), nil
}
