package commands

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zkclient"
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

// dataError is writeError for create and set, which carry data. A server closes the connection on
// a request larger than its jute.maxbuffer (1 MiB unless configured), which cannot be told from any
// other lost connection, so large data is named as a likely cause, not as a certain one. found is
// what a read after reconnecting shows ("" if nothing could be read).
func dataError(path string, data []byte, err error, found string) error {
	if !zkclient.ReplyLost(err) && !zkclient.SendFailed(err) {
		return pathError(path, err)
	}
	var detail string
	if len(data) > serverDefaultData {
		detail = fmt.Sprintf(" (the data, %d bytes, may be over the server's jute.maxbuffer, 1 MiB by default, "+
			"which makes it close the connection)", len(data))
	}
	if found != "" {
		detail += "; " + found
	}
	return writeError(path, err, detail)
}

// recheckTimeout bounds the read that follows a write whose reply was lost.
const recheckTimeout = 5 * time.Second

// recheck runs read on the session once it is back (go-zookeeper reconnects by itself), to report
// what the server shows after a write with an unknown outcome; "" if it could not be had in time.
// It states what the read found, never whose write that was.
func (e *Env) recheck(ctx context.Context, read func(c *zkclient.Client) (string, error)) string {
	ctx, cancel := context.WithTimeout(ctx, recheckTimeout)
	defer cancel()
	found := make(chan string, 1)
	go func() {
		c, err := e.Client(ctx)
		if err != nil {
			found <- ""
			return
		}
		s, err := read(c)
		if err != nil {
			s = ""
		}
		found <- s
	}()
	select {
	case s := <-found:
		return s
	case <-ctx.Done():
		return ""
	}
}

// recheckData reads path after a create or set of data whose outcome is unknown.
func (e *Env) recheckData(ctx context.Context, path string, data []byte, showVersion bool) string {
	return e.recheck(ctx, func(c *zkclient.Client) (string, error) {
		got, st, err := c.Get(path)
		switch {
		case errors.Is(err, zk.ErrNoNode):
			return "a read after reconnecting does not find " + path, nil
		case err != nil:
			return "", err
		case !bytes.Equal(got, data):
			return "a read after reconnecting finds " + path + " with other data", nil
		case showVersion:
			return fmt.Sprintf("a read after reconnecting finds %s with the data sent (data version %d)", path, st.Version), nil
		}
		return "a read after reconnecting finds " + path + " with the data sent", nil
	})
}

// watchesInBackground reports whether -w returns once the watch is set (the REPL, scripts) rather than
// waiting for the event (one-shot commands).
func (e *Env) watchesInBackground() bool { return e.Interactive || e.InShell }

// eventText is a watch event as p prints it, without the line's end.
func (e *Env) eventText(ev zk.Event, p render.Printer) string {
	var b strings.Builder
	_ = p.Event(&b, render.EventFrom(ev, ev.Path))
	return strings.TrimSuffix(b.String(), "\n")
}

// awaitWatch finishes a -w command. In the REPL or a script the event is printed by Notify when it fires; a
// one-shot command waits for it (bounded by --wait-timeout), prints it on stdout and returns.
func (e *Env) awaitWatch(ctx context.Context, path string, ch <-chan zk.Event) error {
	p, err := e.printer() // this line's printer; later lines may change the format
	if err != nil {
		return err
	}
	if e.watchesInBackground() {
		go func() {
			// A watch ended by close or connect is what the user asked for: say nothing.
			if ev, ok := <-ch; ok && !errors.Is(ev.Err, zk.ErrClosing) {
				e.notifyWatch(e.eventText(ev, p))
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
			return pathError(path, zk.ErrClosing)
		}
		if ev.Err != nil || ev.Type == zk.EventNotWatching {
			// The watch ended without an event (the session expired): nothing happened to the
			// znode, so nothing goes to stdout, where a script reads events.
			err := ev.Err
			if err == nil {
				err = zk.ErrSessionExpired
			}
			return &ExitError{Code: classify(err), Path: path,
				Err: fmt.Errorf("%s while waiting for the watch event (the watch is gone)", describe(err))}
		}
		if _, err := fmt.Fprintln(e.IO.Out, e.eventText(ev, p)); err != nil {
			return pathError(path, err)
		}
		return nil
	case <-timeout:
		return &ExitError{Code: ExitUnavailable, Path: path,
			Err: fmt.Errorf("no watch event within %v (--wait-timeout)", e.settings().WaitTimeout)}
	case <-ctx.Done():
		return pathError(path, ctx.Err())
	}
}

// isText reports whether data is text as grep (without -a) and edit take it: valid UTF-8 without
// NUL bytes, so that it goes through line matching or a text editor unchanged.
func isText(data []byte) bool {
	return bytes.IndexByte(data, 0) < 0 && utf8.Valid(data)
}
