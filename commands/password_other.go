//go:build !linux

package commands

import (
	"context"

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
