package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/go-zookeeper/zk"
)

// Exit codes, documented in README and `zksh help exit-codes`.
const (
	ExitOK          = 0   // success
	ExitRefused     = 1   // ZooKeeper refused the operation
	ExitUsage       = 2   // unknown command, bad flag, malformed path
	ExitUnavailable = 3   // could not connect, session expired or lost, timed out
	ExitInterrupted = 130 // cancelled by Ctrl-C (SIGINT), as shells report it
)

// ExitError is an error that knows its exit code. Op and Path name what failed, so the message reads
// "get /a/b: node does not exist".
type ExitError struct {
	Code int
	Op   string // command name, e.g. "get"
	Path string // znode path, may be empty
	Err  error
}

func (e *ExitError) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		if e.Path != "" {
			b.WriteString(" ")
			b.WriteString(e.Path)
		}
		b.WriteString(": ")
	}
	b.WriteString(describe(e.Err))
	return b.String()
}

func (e *ExitError) Unwrap() error { return e.Err }

// UsageError marks a mistake in how zksh was invoked; it exits with code 2 and PrintError adds a hint.
type UsageError struct {
	Cmd         string // full command path for the hint, e.g. "zksh get"
	Err         error
	Interactive bool // inside the REPL: the hint says "help get", not "zksh get --help"
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// usageErrorf builds a usage error for the command cmdPath ("" for the root).
func usageErrorf(cmdPath, format string, args ...any) error {
	return &UsageError{Cmd: cmdPath, Err: fmt.Errorf(format, args...)}
}

// errUnavailable reports that no session could be had within the connect timeout.
type unavailableError struct{ msg string }

func (e *unavailableError) Error() string { return e.msg }

// opError wraps an error from ZooKeeper (or from waiting for it) with the command and path.
func pathError(path string, err error) error {
	if err == nil {
		return nil
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return err
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		return err
	}
	return &ExitError{Code: classify(err), Path: path, Err: err}
}

// writeLostError is a write whose request went out and whose reply was lost with the connection:
// the server may have applied it or not, and zksh cannot tell which.
type writeLostError struct {
	detail string // what else is known, e.g. what a read after reconnecting found
}

func (e *writeLostError) Error() string {
	return "connection lost after the request was sent: it may or may not have been applied" + e.detail
}

// writeError is pathError for the reply to a write request: a lost connection is an unknown outcome
// (exit 3), never a refusal and never a success. detail, when not empty, adds what else is known.
func writeError(path string, err error, detail string) error {
	if errors.Is(err, zk.ErrConnectionClosed) {
		return &ExitError{Code: ExitUnavailable, Path: path, Err: &writeLostError{detail}}
	}
	if sendFailed(err) {
		// The request did not all go out: the server cannot have read it.
		return &ExitError{Code: ExitUnavailable, Path: path,
			Err: fmt.Errorf("connection lost while the request was being sent: it was not applied%s", detail)}
	}
	return pathError(path, err)
}

// sendFailed reports whether err is go-zookeeper's failure to write a request to the socket (the
// connection closed or reset while sending), which leaves the server with part of a request.
func sendFailed(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && ne.Op == "write"
}

// classify maps an error to its exit code; the one place where that decision is made.
func classify(err error) int {
	var ee *ExitError
	var ue *UsageError
	var un *unavailableError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &ue):
		return ExitUsage
	case errors.As(err, &un):
		return ExitUnavailable
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, zk.ErrSessionExpired),
		errors.Is(err, zk.ErrConnectionClosed),
		errors.Is(err, zk.ErrClosing),
		errors.Is(err, zk.ErrNoServer),
		errors.Is(err, zk.ErrSessionMoved),
		errors.Is(err, zk.ErrNothing):
		return ExitUnavailable
	case isZKError(err):
		return ExitRefused
	case isNetError(err):
		return ExitUnavailable
	case isCobraUsage(err):
		return ExitUsage
	}
	return ExitRefused
}

// isNetError reports a failure of the connection itself (go-zookeeper returns some as they are).
func isNetError(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne)
}

// ExitCode maps an error returned by a command to the process exit code:
// 0 ok, 1 ZooKeeper refused, 2 usage, 3 connection/session/timeout, 130 interrupted.
func ExitCode(err error) int { return classify(err) }

// zkMessages are the texts shown for ZooKeeper's refusals, in the words of the zkCli manual.
var zkMessages = map[error]string{
	zk.ErrNoNode:                  "node does not exist",
	zk.ErrNodeExists:              "node already exists",
	zk.ErrBadVersion:              "version does not match (bad version)",
	zk.ErrNotEmpty:                "node not empty (use deleteall)",
	zk.ErrNoAuth:                  "not authorized (no auth)",
	zk.ErrInvalidACL:              "invalid ACL",
	zk.ErrNoChildrenForEphemerals: "ephemeral nodes cannot have children",
	zk.ErrAuthFailed:              "authentication failed",
	zk.ErrInvalidFlags:            "invalid flags",
	zk.ErrBadArguments:            "bad arguments",
	zk.ErrSessionExpired:          "session expired",
	zk.ErrConnectionClosed:        "connection lost",
	zk.ErrClosing:                 "session closing",
	zk.ErrNoServer:                "could not connect to any server",
	zk.ErrSessionMoved:            "session moved to another server",
	zk.ErrAPIError:                "API error",
	zk.ErrReconfigDisabled:        "reconfiguration disabled",
}

// isZKError reports whether err is one of ZooKeeper's refusals (some read like cobra's usage errors:
// go-zookeeper's ErrBadArguments says "invalid arguments").
func isZKError(err error) bool {
	for e := range zkMessages {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func describe(err error) string {
	for e, msg := range zkMessages {
		if errors.Is(err, e) {
			return msg
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "interrupted"
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "unknown error: -6") {
		return "not supported by the server (unimplemented)"
	}
	return strings.TrimPrefix(msg, "zk: ")
}

// ScriptLineError is the error of a script's line: PrintError shows "zksh: line 12: get /a: ...".
type ScriptLineError struct {
	Line int // from 1, every input line counted
	Err  error
}

func (e *ScriptLineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *ScriptLineError) Unwrap() error { return e.Err }

// PrintError writes err to w as "zksh: get /a/b: node does not exist"; usage errors add a hint.
func PrintError(w io.Writer, err error) {
	if err == nil {
		return
	}
	where := ""
	var le *ScriptLineError
	if errors.As(err, &le) {
		where, err = fmt.Sprintf("line %d: ", le.Line), le.Err
	}
	msg := describe(err)
	var ee *ExitError
	if errors.As(err, &ee) {
		msg = ee.Error()
	}
	fmt.Fprintf(w, "zksh: %s%s\n", where, msg)
	var ue *UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(w, "Run '%s' for usage.\n", ue.helpCommand())
	}
}

// helpCommand is the command that shows the usage the hint points to.
func (e *UsageError) helpCommand() string {
	cmd := e.Cmd
	if cmd == "" {
		cmd = "zksh"
	}
	if !e.Interactive {
		return cmd + " --help"
	}
	if sub, ok := strings.CutPrefix(cmd, "zksh "); ok {
		return "help " + sub
	}
	if cmd == "zksh" {
		return "help"
	}
	return "help " + cmd
}
