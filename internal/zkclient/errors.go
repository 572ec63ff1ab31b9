package zkclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/jute"
)

// Kind sorts an error by what it means for the user.
type Kind int

const (
	KindUnknown     Kind = iota // not an error of ZooKeeper or of the connection
	KindRefused                 // ZooKeeper refused the operation (no node, bad version, no auth...)
	KindUnavailable             // no session: could not connect, session expired or lost, timed out
	KindInterrupted             // the caller's context was cancelled
)

// UnavailableError reports that no session could be had (no server answered, the connect timeout
// passed, every server refused the connection).
type UnavailableError struct{ Msg string }

func (e *UnavailableError) Error() string { return e.Msg }

// OutcomeUnknownError is a write whose request went out and whose reply was lost with the
// connection: the server may have applied it or not, and nothing can tell which. Detail adds what
// else is known, e.g. what a read after reconnecting found.
type OutcomeUnknownError struct {
	Detail string
}

func (e *OutcomeUnknownError) Error() string {
	return "connection lost after the request was sent: it may or may not have been applied" + e.Detail
}

// AuthError is the server refusing credentials the session was opened with.
type AuthError struct {
	Scheme string
	User   string // the SASL user, for Scheme "sasl"
	Err    error
}

func (e *AuthError) Error() string {
	if e.User != "" {
		return "the server refused the " + e.Scheme + " credentials of user " + e.User + ": " + e.Err.Error()
	}
	return "the server refused the " + e.Scheme + " credentials: " + e.Err.Error()
}
func (e *AuthError) Unwrap() error { return e.Err }

// ErrUnsupported means the server does not know the request (an older ZooKeeper, or one that
// does not answer our own pipelined session).
var ErrUnsupported = errors.New("not supported by the server (unimplemented)")

// ReplyLost reports whether err is a request's reply lost with the connection: for a write, an
// unknown outcome.
func ReplyLost(err error) bool { return errors.Is(err, zk.ErrConnectionClosed) }

// SendFailed reports whether err is a failure to write a request to the socket (the
// connection closed or reset while sending), which leaves the server with part of a request: a
// write that cannot have been applied.
func SendFailed(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && ne.Op == "write"
}

// Refusals are ZooKeeper's answers that refuse an operation (and go-zookeeper's errors for the
// session), each with the text shown for it, in the words of the zkCli manual.
var Refusals = map[error]string{
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
	ErrNoWatcher:                  "no such watcher",
}

// Describe returns the text for one of ZooKeeper's errors (Refusals), "" for any other error.
func Describe(err error) string {
	for e, msg := range Refusals {
		if errors.Is(err, e) {
			return msg
		}
	}
	return ""
}

// Classify sorts an error of ZooKeeper, of the connection or of waiting for them; KindUnknown for
// any other error.
func Classify(err error) Kind {
	var un *UnavailableError
	switch {
	case err == nil:
		return KindUnknown
	case errors.As(err, &un):
		return KindUnavailable
	case errors.Is(err, context.Canceled):
		return KindInterrupted
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, zk.ErrSessionExpired),
		errors.Is(err, zk.ErrConnectionClosed),
		errors.Is(err, zk.ErrClosing),
		errors.Is(err, zk.ErrNoServer),
		errors.Is(err, zk.ErrSessionMoved),
		errors.Is(err, zk.ErrNothing):
		return KindUnavailable
	case Describe(err) != "":
		return KindRefused
	case isNetError(err):
		return KindUnavailable
	}
	return KindUnknown
}

// isNetError reports a failure of the connection itself (go-zookeeper returns some as they are).
func isNetError(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne)
}

// CodeError is an error code of ZooKeeper that go-zookeeper has no error for; its text is
// go-zookeeper's for such codes, as before.
type CodeError int32

func (e CodeError) Error() string { return fmt.Sprintf("unknown error: %d", int32(e)) }

// Is makes Unimplemented ErrUnsupported.
func (e CodeError) Is(target error) bool {
	return target == ErrUnsupported && int32(e) == jute.ErrUnimplemented
}

// ErrNoWatcher is removeWatches finding no watch of the given type on the path.
var ErrNoWatcher = errors.New("zk: no such watcher")

// codeError is the error for a reply's error code: go-zookeeper's where it has one (so errors.Is
// works as before), else a CodeError (Unimplemented is ErrUnsupported for errors.Is).
func codeError(code int32) error {
	switch code {
	case 0:
		return nil
	case jute.ErrAPIError:
		return zk.ErrAPIError
	case jute.ErrNoNode:
		return zk.ErrNoNode
	case jute.ErrNoAuth:
		return zk.ErrNoAuth
	case jute.ErrBadVersion:
		return zk.ErrBadVersion
	case jute.ErrNoChildrenForEphemerals:
		return zk.ErrNoChildrenForEphemerals
	case jute.ErrNodeExists:
		return zk.ErrNodeExists
	case jute.ErrNotEmpty:
		return zk.ErrNotEmpty
	case jute.ErrSessionExpired:
		return zk.ErrSessionExpired
	case jute.ErrInvalidACL:
		return zk.ErrInvalidACL
	case jute.ErrAuthFailed:
		return zk.ErrAuthFailed
	case jute.ErrSessionMoved:
		return zk.ErrSessionMoved
	case jute.ErrReconfigDisabled:
		return zk.ErrReconfigDisabled
	case jute.ErrBadArguments:
		return zk.ErrBadArguments
	case jute.ErrConnectionLoss:
		return zk.ErrConnectionClosed
	case jute.ErrNoWatcher:
		return ErrNoWatcher
	}
	return CodeError(code)
}

// dialReason shortens "dial tcp 127.0.0.1:1: connect: connection refused" to "connection refused".
func dialReason(err error) error {
	var te *TLSError
	if errors.As(err, &te) {
		return te // it names the problem itself
	}
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errors.New("no answer (timed out)")
	}
	return err
}
