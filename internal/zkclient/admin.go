package zkclient

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// The administrative side of a ZooKeeper server: four-letter words (a word sent on a fresh TCP
// connection to a member's client port, answered with text and the connection closed) and the
// AdminServer's HTTP commands.

// FourLetterTimeout bounds one word's exchange: a member that accepts and then says nothing is down.
const FourLetterTimeout = 5 * time.Second

// NotWhitelistedError is a member's refusal of a word missing from its 4lw.commands.whitelist.
type NotWhitelistedError struct{ Word, Member string }

func (e *NotWhitelistedError) Error() string {
	return fmt.Sprintf("%s is not in the 4lw.commands.whitelist of %s", e.Word, e.Member)
}

// FourLetter sends word to addr (host:port; a host alone gets 2181) and returns the whole reply.
// With conf the exchange is over TLS, as a session's with the same configuration (a member's secure
// client port answers four-letter words over TLS); a failed handshake is a *TLSError.
func FourLetter(ctx context.Context, addr, word string, conf *tls.Config) (string, error) {
	addr = DefaultPort(addr)
	var refused *TLSError // with TLS 1.3 a refused client certificate arrives with the first read
	d := dialer{tls: conf, onAlert: func(e *TLSError) { refused = e }}
	conn, err := d.connect(ctx, "tcp", addr, FourLetterTimeout)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	deadline := time.Now().Add(FourLetterTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	if _, err := io.WriteString(conn, word); err != nil {
		return "", err
	}
	b, err := io.ReadAll(bufio.NewReader(conn))
	if err != nil && len(b) == 0 {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if refused != nil {
			return "", refused
		}
		return "", err
	}
	reply := string(b)
	if strings.Contains(reply, "is not executed because it is not in the whitelist") {
		return reply, &NotWhitelistedError{word, addr}
	}
	return reply, nil
}

// DefaultPort adds ZooKeeper's client port to a host given without one, as the client does.
func DefaultPort(addr string) string {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return net.JoinHostPort(addr, "2181")
	}
	return addr
}

// Unreachable says in a few words why a member did not answer.
func Unreachable(err error) string {
	var ne net.Error
	var te *TLSError
	switch {
	case errors.As(err, &te):
		return te.Error()
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "no reply (timed out)"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	}
	return strings.TrimPrefix(err.Error(), "dial tcp ")
}

// SameAddr is an address as members are compared: localhost and 127.0.0.1 are the same member.
func SameAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "localhost" || host == "::1" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// AdminError is the AdminServer's refusal of a command (unknown, or failed), in its words.
type AdminError struct{ Msg string }

func (e *AdminError) Error() string { return e.Msg }

// AdminCommand asks Apache's AdminServer at base (http://host:8080) for /commands/NAME and returns
// its JSON reply. A server that cannot be reached is an *UnavailableError; a command it refuses an
// *AdminError.
func AdminCommand(ctx context.Context, base, name string) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, FourLetterTimeout)
	defer cancel()
	base = strings.TrimRight(base, "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/commands/"+name, nil)
	if err != nil {
		return nil, &AdminError{fmt.Sprintf("%s: %v", base, err)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, ctx.Err()
		}
		return nil, &UnavailableError{Msg: fmt.Sprintf("AdminServer %s: %s", base, Unreachable(err))}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, &UnavailableError{Msg: fmt.Sprintf("AdminServer %s: %v", base, err)}
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, &AdminError{fmt.Sprintf("the AdminServer at %s has no command %q (see %s/commands)", base, name, base)}
	}
	if !json.Valid(body) {
		return nil, &AdminError{fmt.Sprintf("the AdminServer at %s answered %s with %q, not JSON", base, resp.Status, firstLine(string(body)))}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &AdminError{fmt.Sprintf("the AdminServer at %s answered %s: %s", base, resp.Status, firstLine(string(body)))}
	}
	// A command the AdminServer does not have, or that failed, comes back 200 with "error" set.
	var reply struct {
		Error *string `json:"error"`
	}
	if json.Unmarshal(body, &reply) == nil && reply.Error != nil {
		return nil, &AdminError{fmt.Sprintf("the AdminServer at %s: %s", base, *reply.Error)}
	}
	return body, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
