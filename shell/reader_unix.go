//go:build unix

package shell

import (
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	prompt "github.com/elk-language/go-prompt"
	"github.com/elk-language/go-prompt/term"
	"golang.org/x/sys/unix"
)

// ttyReader is go-prompt's input on Unix: the controlling terminal in raw mode, plus the keys the shell
// presses. go-prompt polls its reader and sleeps 10 ms after each attempt; this reader instead waits (up
// to readWait) for a key or an injected one, so a key is handled the moment it arrives.
type ttyReader struct {
	t        *terminal
	mu       sync.Mutex
	fd       int // -1 when closed
	wakeR    int // self-pipe: press writes a byte to wake a waiting Read
	wakeW    int
	pipeOnce sync.Once
	pipeErr  error
	openTTY  func() (int, error) // the terminal to read; the controlling one unless a test says otherwise
	ended    bool                // the last key ended the line (Enter, Ctrl-D): go-prompt is about to stop reading
	pending  []byte              // read from the terminal, not yet handed to go-prompt
}

// readWait bounds one Read. go-prompt stops its reading goroutine (between two Reads) before it runs a
// command, so the Read after a line-ending key does not wait at all.
const readWait = 100 // ms

var errNoInput = errors.New("no input")

func (t *terminal) newReader() prompt.Reader {
	return newTTYReader(t, controllingTTY)
}

func newTTYReader(t *terminal, open func() (int, error)) *ttyReader {
	r := &ttyReader{t: t, fd: -1, wakeR: -1, wakeW: -1, openTTY: open}
	t.pressed = r.poke
	t.suspend = r.suspend
	return r
}

// controllingTTY opens /dev/tty (go-prompt's choice: it works when stdin was redirected), else stdin.
func controllingTTY() (int, error) {
	fd, err := syscall.Open("/dev/tty", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return syscall.Dup(int(os.Stdin.Fd()))
	}
	return fd, nil
}

func (r *ttyReader) Open() error {
	r.pipeOnce.Do(func() {
		var p [2]int
		if r.pipeErr = unix.Pipe(p[:]); r.pipeErr != nil {
			return // no wake-ups: injected keys wait for the next poll
		}
		for _, fd := range p {
			unix.CloseOnExec(fd)
			_ = unix.SetNonblock(fd, true)
		}
		r.wakeR, r.wakeW = p[0], p[1]
	})
	fd, err := r.openTTY()
	if err != nil {
		return err
	}
	if err := term.SetRaw(fd); err != nil {
		syscall.Close(fd)
		return err
	}
	r.mu.Lock()
	r.fd = fd
	r.mu.Unlock()
	return nil
}

// Close restores the terminal's mode.
func (r *ttyReader) Close() error {
	r.mu.Lock()
	fd := r.fd
	r.fd = -1
	r.mu.Unlock()
	if fd < 0 {
		return nil
	}
	err := term.RestoreFD(fd)
	syscall.Close(fd)
	return err
}

func (r *ttyReader) GetWinSize() *prompt.WinSize {
	r.mu.Lock()
	fd := r.fd
	r.mu.Unlock()
	if fd >= 0 {
		if ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); err == nil && ws.Col > 0 {
			return &prompt.WinSize{Row: ws.Row, Col: ws.Col}
		}
	}
	return &prompt.WinSize{Row: prompt.DefRowCount, Col: prompt.DefColCount}
}

// suspend stops the process group (as the terminal's Ctrl-Z would, were it not in raw mode) with the
// terminal in its normal mode, and puts it back in raw mode when the group is continued.
func (r *ttyReader) suspend() {
	r.mu.Lock()
	fd := r.fd
	r.mu.Unlock()
	if fd < 0 || !underJobControl() {
		return
	}
	cont := make(chan os.Signal, 1)
	signal.Notify(cont, unix.SIGCONT)
	defer signal.Stop(cont)
	_ = term.RestoreFD(fd)
	_ = unix.Kill(0, unix.SIGTSTP)
	// The stop lands on some thread after kill returns; raw mode goes back once continued (the shell
	// set the terminal its way meanwhile). Should the stop not happen, the wait ends on its own.
	select {
	case <-cont:
	case <-time.After(time.Second):
	}
	_ = term.SetRaw(fd)
	r.t.requestRedraw() // the window may have changed size while zksh was stopped
}

// rawMode puts the controlling terminal in raw mode (go-prompt's reader does it again when it opens).
func (t *terminal) rawMode() {
	fd, err := controllingTTY()
	if err != nil {
		return
	}
	_ = term.SetRaw(fd)
	syscall.Close(fd)
}

// underJobControl reports whether a job-control shell started zksh: its parent is in the same session
// but another process group. Otherwise the kernel would discard the stop (an orphaned process group) or
// nothing would continue zksh, so Ctrl-Z does nothing.
func underJobControl() bool {
	ppid := unix.Getppid()
	psid, err1 := unix.Getsid(ppid)
	sid, err2 := unix.Getsid(0)
	ppgid, err3 := unix.Getpgid(ppid)
	if err1 != nil || err2 != nil || err3 != nil {
		return false
	}
	return psid == sid && ppgid != unix.Getpgrp()
}

// poke wakes a Read waiting for input.
func (r *ttyReader) poke() {
	if r.wakeW >= 0 {
		_, _ = unix.Write(r.wakeW, []byte{0})
	}
}

func (r *ttyReader) Read(b []byte) (int, error) {
	if k, ok := r.t.injected(); ok {
		return copy(b, k), nil
	}
	r.mu.Lock()
	fd := r.fd
	r.mu.Unlock()
	if fd < 0 {
		return 0, errNoInput
	}
	if len(r.pending) > 0 {
		return r.next(b), nil
	}
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	if r.wakeR >= 0 {
		fds = append(fds, unix.PollFd{Fd: int32(r.wakeR), Events: unix.POLLIN})
	}
	wait := readWait
	if r.ended {
		wait, r.ended = 0, false
	}
	if _, err := unix.Poll(fds, wait); err != nil {
		return 0, errNoInput // EINTR (a signal, e.g. a resize): go-prompt reads again
	}
	if len(fds) > 1 && fds[1].Revents != 0 {
		var drain [64]byte
		for {
			if n, err := unix.Read(r.wakeR, drain[:]); n <= 0 || err != nil {
				break
			}
		}
		if k, ok := r.t.injected(); ok {
			return copy(b, k), nil
		}
	}
	if fds[0].Revents&(unix.POLLIN|unix.POLLHUP|unix.POLLERR) == 0 {
		return 0, errNoInput
	}
	n, err := syscall.Read(fd, b)
	if err != nil || n <= 0 {
		return 0, errNoInput
	}
	r.pending = append(r.pending, b[:n]...)
	return r.next(b), nil
}

// next hands go-prompt the next key of what was read. go-prompt takes each read as one key, and a read
// it does not recognise as a key is inserted as text, control bytes included; keys arrive together
// when typed fast over a slow link, when a terminal multiplexer sends them, or when lines are pasted.
// So a run of printable text goes as one piece, every control key and escape sequence alone, and a
// line end alone, so that pasted lines run one by one: what follows waits in pending, across the
// command the line end starts.
func (r *ttyReader) next(b []byte) int {
	k := keyLen(r.pending)
	if r.t.fixBefore(r.pending[:k]) {
		return copy(b, fixKey) // the key itself follows on the next Read
	}
	n := copy(b, r.pending[:k])
	r.pending = r.pending[n:]
	if len(r.pending) == 0 {
		r.pending = nil
	}
	if n == 1 && (b[0] == '\r' || b[0] == '\n' || b[0] == 0x04) {
		r.ended = true
	}
	return r.t.filterKey(b, n)
}

// keyLen returns the length of the key p starts with: an escape sequence, one control byte, or a run of
// printable text.
func keyLen(p []byte) int {
	const esc = 0x1b
	switch {
	case p[0] == esc:
		if len(p) == 1 {
			return 1
		}
		switch p[1] {
		case '[': // CSI: parameter and intermediate bytes, then a final byte
			for j := 2; j < len(p); j++ {
				if p[j] >= 0x40 && p[j] <= 0x7e {
					return j + 1
				}
				if p[j] < 0x20 || p[j] > 0x3f {
					return j
				}
			}
			return len(p)
		case 'O': // SS3: one more byte
			return min(3, len(p))
		}
		return 2 // Alt+key
	case p[0] < 0x20 || p[0] == 0x7f:
		return 1
	}
	for j := 1; j < len(p); j++ {
		if p[j] < 0x20 || p[j] == 0x7f {
			return j
		}
	}
	return len(p)
}

// requestRedraw has go-prompt draw the prompt and the line again: it redraws on a window-size change
// (SIGWINCH) without touching the line or the selected suggestion, which a pressed key would accept.
func (t *terminal) requestRedraw() {
	_ = unix.Kill(os.Getpid(), unix.SIGWINCH)
}
