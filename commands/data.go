package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/render"
)

// readData turns a data argument into bytes: "-" reads stdin, "@file" reads a file, "@@text" is the
// literal "@text", anything else is the text itself.
func (e *Env) readData(op, arg string) ([]byte, error) {
	switch {
	case arg == "-" && (e.stdinCommands || e.Interactive):
		return nil, &UsageError{Cmd: "zksh " + op, Interactive: e.Interactive, Err: fmt.Errorf(
			"%s: data - (stdin) cannot be read here: zksh reads its commands from stdin; use @FILE", op)}
	case arg == "-":
		b, err := readLimited(e.IO.In)
		if err != nil {
			return nil, &ExitError{Code: ExitUsage, Op: op, Err: fmt.Errorf("reading data from stdin: %w", err)}
		}
		return b, nil
	case strings.HasPrefix(arg, "@@"):
		return []byte(arg[1:]), nil
	case strings.HasPrefix(arg, "@") && len(arg) > 1:
		f, err := os.Open(arg[1:])
		if err != nil {
			return nil, &ExitError{Code: ExitUsage, Op: op, Err: fmt.Errorf("reading data: %w", err)}
		}
		defer f.Close()
		b, err := readLimited(f)
		if err != nil {
			return nil, &ExitError{Code: ExitUsage, Op: op, Err: fmt.Errorf("reading data from %s: %w", arg[1:], err)}
		}
		return b, nil
	}
	return []byte(arg), nil
}

// readLimited reads all of r, but no more than one byte past what a request can carry: enough for
// checkDataSize to refuse it, without reading /dev/zero or an endless pipe forever.
func readLimited(r io.Reader) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, clientMaxData+1))
}

// Data size limits. go-zookeeper cannot send a request larger than its 1.5 MiB buffer; ZooKeeper
// servers close the connection on a request larger than their jute.maxbuffer, 1 MiB unless configured.
const (
	clientMaxData     = 1536*1024 - 1024 // what fits in go-zookeeper's buffer beside the path and ACL
	serverDefaultData = 0xfffff - 1024   // the most that surely fits a default server's jute.maxbuffer
)

// checkDataSize refuses data no request can carry, before anything is sent.
func checkDataSize(op string, data []byte) error {
	if len(data) > clientMaxData {
		return &UsageError{Cmd: "zksh " + op, Err: fmt.Errorf("%s: data is more than %d bytes, the most zksh can send "+
			"(servers take 1 MiB by default: jute.maxbuffer)", op, clientMaxData)}
	}
	return nil
}

// dataError explains a connection lost while sending large data: the server closed it because the
// request was larger than its jute.maxbuffer. Nothing was written.
func dataError(op, path string, data []byte, err error) error {
	if len(data) > serverDefaultData && errors.Is(err, zk.ErrConnectionClosed) {
		return &ExitError{Code: ExitRefused, Op: op, Path: path, Err: fmt.Errorf(
			"the server closed the connection: data of %d bytes is probably larger than its jute.maxbuffer (1 MiB by default); nothing was written", len(data))}
	}
	return opError(op, path, err)
}

// watchesInBackground reports whether -w returns once the watch is set (the REPL, scripts) rather than
// waiting for the event (one-shot commands).
func (e *Env) watchesInBackground() bool { return e.Interactive || e.InShell }

// eventText formats a watch event for the current output format (one line).
func (e *Env) eventText(ev zk.Event, f render.Format) string {
	re := render.EventFrom(ev, e.userPath(ev.Path))
	if f == render.JSON {
		var b strings.Builder
		_ = render.New(render.JSON, render.Options{}).Event(&b, re)
		return strings.TrimSuffix(b.String(), "\n")
	}
	return render.EventLine(re)
}

// awaitWatch finishes a -w command. In the REPL or a script the event is printed by Notify when it fires;
// a one-shot command waits for it (bounded by --wait-timeout), prints it on stdout and returns.
func (e *Env) awaitWatch(ctx context.Context, op, path string, ch <-chan zk.Event) error {
	f := e.format() // this line's format; later lines may change it
	if e.watchesInBackground() {
		go func() {
			// A watch ended by close or connect is what the user asked for: say nothing.
			if ev, ok := <-ch; ok && !errors.Is(ev.Err, zk.ErrClosing) {
				e.notify(e.eventText(ev, f))
			}
		}()
		return nil
	}
	var timeout <-chan time.Time
	if d := e.settings().WaitTimeout; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case ev, ok := <-ch:
		if !ok {
			return opError(op, path, zk.ErrClosing)
		}
		if _, err := fmt.Fprintln(e.IO.Out, e.eventText(ev, f)); err != nil {
			return opError(op, path, err)
		}
		if ev.Err != nil {
			return opError(op, path, ev.Err)
		}
		return nil
	case <-timeout:
		return &ExitError{Code: ExitUnavailable, Op: op, Path: path,
			Err: fmt.Errorf("no watch event within %v (--wait-timeout)", e.settings().WaitTimeout)}
	case <-ctx.Done():
		return opError(op, path, ctx.Err())
	}
}
