package commands

import (
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the three standard streams of one zksh process, with terminal detection that tests can
// override. Commands write data to Out and messages to ErrOut, never to os.Stdout directly.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	InTTY, OutTTY, ErrTTY bool
}

// SystemIO returns the process's standard streams with their terminal status.
func SystemIO() *IOStreams {
	return &IOStreams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		InTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
}
