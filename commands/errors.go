package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/zksh/zksh/internal/zkclient"
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
	// Quiet: PrintError prints nothing; the exit code says it all (grep finding no match, diff
	// finding differences it has already printed).
	Quiet bool
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

// pathError wraps an error from ZooKeeper (or from waiting for it) with the path; runWith adds the
// command.
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

// writeError is pathError for the reply to a write request: a lost connection is an unknown outcome
// (exit 3), never a refusal and never a success. detail, when not empty, adds what else is known.
func writeError(path string, err error, detail string) error {
	if zkclient.ReplyLost(err) {
		return &ExitError{Code: ExitUnavailable, Path: path, Err: &zkclient.OutcomeUnknownError{Detail: detail}}
	}
	if zkclient.SendFailed(err) {
		// The request did not all go out: the server cannot have read it.
		return &ExitError{Code: ExitUnavailable, Path: path,
			Err: fmt.Errorf("connection lost while the request was being sent: it was not applied%s", detail)}
	}
	return pathError(path, err)
}

// classify maps an error to its exit code; the one place where that decision is made.
func classify(err error) int {
	var ee *ExitError
	var ue *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &ue):
		return ExitUsage
	}
	switch zkclient.Classify(err) {
	case zkclient.KindUnavailable:
		return ExitUnavailable
	case zkclient.KindInterrupted:
		return ExitInterrupted
	case zkclient.KindRefused:
		return ExitRefused
	}
	if isCobraUsage(err) {
		return ExitUsage
	}
	return ExitRefused
}

// ExitCode maps an error returned by a command to the process exit code:
// 0 ok, 1 ZooKeeper refused, 2 usage, 3 connection/session/timeout, 130 interrupted.
func ExitCode(err error) int { return classify(err) }

func describe(err error) string {
	if msg := zkclient.Describe(err); msg != "" {
		return msg
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
		if ee.Quiet {
			return
		}
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
