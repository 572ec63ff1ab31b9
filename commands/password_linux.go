//go:build linux

package commands

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"

	"golang.org/x/sys/unix"
)

// readPassword reads one line from the terminal fd without echo, in the terminal's line mode with
// its signals on, so Ctrl-C cancels ctx (the shell's handler) and the read stops at once instead of
// waiting for Enter. The terminal's modes are restored before it returns.
func readPassword(ctx context.Context, fd int) (string, error) {
	return readTerminalLine(ctx, fd, false)
}

// readTerminalLine reads one line from the terminal fd as readPassword does, echoing it when echo
// (a confirmation's answer).
func readTerminalLine(ctx context.Context, fd int, echo bool) (string, error) {
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return "", err
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	if echo {
		quiet.Lflag |= unix.ECHO
	}
	quiet.Lflag |= unix.ICANON | unix.ISIG
	quiet.Iflag |= unix.ICRNL
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return "", err
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, old) //nolint:errcheck // best effort, as x/term
	var line []byte
	buf := make([]byte, 256)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, 100)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return "", err
		case n == 0:
			continue
		}
		k, err := unix.Read(fd, buf)
		switch {
		case errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN):
			continue
		case err != nil:
			return "", err
		case k == 0:
			return "", io.EOF // Ctrl-D on an empty line
		}
		line = append(line, buf[:k]...)
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			return strings.TrimSuffix(string(line[:i]), "\r"), nil
		}
	}
}
