package zkclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"
)

// Config is what a Client is opened with.
type Config struct {
	Server         string        // connect string: "h1:2181,h2:2181/chroot"
	SessionTimeout time.Duration // requested session timeout
	ConnectTimeout time.Duration // how long Wait waits for a session
	Auth           []string      // "scheme:credential", added to the session (and to helper sessions)
	// SASL, if set, is a DIGEST-MD5 login run on every connection of the session (again after each
	// reconnect) and of the pipelined session, before anything else is sent. Helper sessions
	// (go-zookeeper cannot run SASL) are not opened: walks use the session and the pipelined one.
	SASL *SASL

	// Dialer, if set, makes every connection to a server (network "tcp"), for the user's
	// session, the helper sessions and the pipelined one alike: the one place to wrap them (TLS).
	Dialer func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLS, if set (and Dialer is not), makes every connection (the session, helper sessions, the
	// pipelined session) a TLS one. Without a ServerName, each server is verified against its name
	// in the connect string.
	TLS *tls.Config

	// Logf, if set, receives the session's log lines (verbose mode).
	Logf func(format string, args ...any)
	// OnExpired is called by the first Wait after the server expired the session and a new session
	// was opened in its place (the ephemeral znodes of the old one are gone).
	OnExpired func()
}

// Client is one ZooKeeper session, the user's, spoken natively (session.go), and everything sent
// over it or over the sessions it opens beside it (helper sessions and a pipelined one for big
// walks). Paths are the user's: the chroot of the connect string is added and removed here.
type Client struct {
	cfg    Config
	chroot string
	s      *session
	dialer *dialer // plain TCP or TLS: every connection goes through it (see dial)

	tlsMu  sync.Mutex
	tlsErr *TLSError // a server refused the client's certificate after the handshake (TLS 1.3)

	stateCh chan struct{} // pinged on every session event and connection attempt
	ready   chan struct{} // closed once the first Wait has set the session up (or failed)
	expired atomic.Bool   // the session expired; the next Wait says so once
	closed  atomic.Bool   // Close was called, or the first Wait failed

	mu      sync.Mutex
	started bool     // the first Wait is setting the session up
	auth    []string // Config.Auth and what AddAuth added
}

// defaultPort is added to a server given without one.
const defaultPort = "2181"

// New starts a session to cfg.Server without waiting for it; Wait waits. A malformed connect string
// is an error here.
func New(cfg Config) (*Client, error) {
	servers, chroot, err := ParseConnectString(cfg.Server)
	if err != nil {
		return nil, err
	}
	for i, h := range servers {
		if _, _, err := net.SplitHostPort(h); err != nil {
			servers[i] = net.JoinHostPort(h, defaultPort)
		}
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = cfg.SessionTimeout
	}
	c := &Client{cfg: cfg, chroot: chroot, auth: append([]string(nil), cfg.Auth...),
		stateCh: make(chan struct{}, 1), ready: make(chan struct{})}
	c.dialer = newDialer(cfg.TLS, servers)
	c.dialer.onAlert = c.tlsFailed
	c.s = newSession(servers, cfg.SessionTimeout, min(cfg.ConnectTimeout, max(cfg.SessionTimeout, time.Second)), c.dial)
	c.s.sasl = cfg.SASL
	c.s.changed = c.ping
	c.s.expired = func() { c.expired.Store(true) }
	if cfg.Logf != nil {
		c.s.logf = cfg.Logf
	}
	c.s.start()
	return c, nil
}

// dial connects to one server: every connection the Client makes goes through here.
func (c *Client) dial(ctx context.Context, addr string) (net.Conn, error) {
	if c.cfg.Dialer != nil {
		return c.cfg.Dialer(ctx, "tcp", addr)
	}
	timeout := time.Second // one server's TCP connection, unless the caller allows less
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = time.Until(dl)
	}
	return c.dialer.connect(ctx, "tcp", addr, timeout)
}

// tlsFailed records a server's TLS alert after the handshake (with TLS 1.3 a server refuses the
// client's certificate then) and wakes Wait, which reports it at once: the servers of an ensemble
// share their TLS settings, and trying again will not change the answer.
func (c *Client) tlsFailed(err *TLSError) {
	c.tlsMu.Lock()
	c.tlsErr = err
	c.tlsMu.Unlock()
	c.ping()
}

// tlsFailure is the TLS failure tlsFailed recorded, nil if none.
func (c *Client) tlsFailure() error {
	c.tlsMu.Lock()
	defer c.tlsMu.Unlock()
	if c.tlsErr == nil {
		return nil
	}
	return c.tlsErr
}

func (c *Client) ping() {
	select {
	case c.stateCh <- struct{}{}:
	default:
	}
}

// Wait waits until the session exists, honouring ctx and the connect timeout. The first call also
// adds the credentials; the calls made meanwhile wait for that, so nothing is sent before the
// credentials are on the session. When the first call fails, the Client is closed (Closed reports
// it) and every later call fails. After the server expired the session, a new one is opened (with
// the credentials): the first Wait after that calls Config.OnExpired.
func (c *Client) Wait(ctx context.Context) error {
	c.mu.Lock()
	first := !c.started
	c.started = true
	c.mu.Unlock()
	if !first {
		select {
		case <-c.ready:
		case <-ctx.Done():
			return ctx.Err()
		}
		if c.closed.Load() {
			return &UnavailableError{fmt.Sprintf("could not connect to %s", c.cfg.Server)}
		}
	}
	if err := c.waitSession(ctx); err != nil {
		if first {
			c.abandon()
			close(c.ready)
		}
		return err
	}
	if first {
		defer close(c.ready)
		for _, a := range c.Auth() {
			scheme, cred, _ := strings.Cut(a, ":")
			if err := c.s.addAuth(ctx, scheme, []byte(cred)); err != nil {
				c.Close()
				if errors.Is(err, zk.ErrAuthFailed) || errors.As(err, new(CodeError)) {
					return &AuthError{Scheme: scheme, Err: err}
				}
				return err // the connection, not the credentials
			}
		}
	}
	if c.expired.CompareAndSwap(true, false) && c.cfg.OnExpired != nil {
		c.cfg.OnExpired()
	}
	return nil
}

func (c *Client) waitSession(ctx context.Context) error {
	if c.s.connected() {
		return nil
	}
	refused := func() error {
		if r := c.s.saslFailure(); r != nil {
			return &AuthError{Scheme: "sasl", User: r.user, Err: r.err}
		}
		if err := c.tlsFailure(); err != nil {
			return &UnavailableError{fmt.Sprintf("could not connect to %s: %v", c.cfg.Server, err)}
		}
		if err := c.s.allFailed(); err != nil {
			return &UnavailableError{fmt.Sprintf("could not connect to %s: %v", c.cfg.Server, err)}
		}
		return nil
	}
	if err := refused(); err != nil {
		return err
	}
	timer := time.NewTimer(c.cfg.ConnectTimeout)
	defer timer.Stop()
	for {
		select {
		case <-c.stateCh:
			if c.s.connected() {
				return nil
			}
			if err := refused(); err != nil {
				return err
			}
		case <-timer.C:
			msg := fmt.Sprintf("could not connect to %s within %v", c.cfg.Server, c.cfg.ConnectTimeout)
			if why := c.s.handshakeFailure(); why != "" {
				msg += " (" + why + ")"
				if c.cfg.TLS == nil && strings.Contains(why, "connection closed") {
					// A secure client port closes a connection that does not start with TLS.
					msg += "; if it is a secure client port, give the TLS settings (--tls-ca, -client-configuration or CLIENT_JVMFLAGS)"
				}
			}
			return &UnavailableError{msg}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// abandon drops a session that never was, without waiting.
func (c *Client) abandon() {
	c.closed.Store(true)
	go c.s.close()
}

// Close ends the session (closeSession: the server drops it and its ephemerals at once).
func (c *Client) Close() {
	c.closed.Store(true)
	c.s.close()
}

// Closed reports whether the Client was closed, or never got its session: a new one is needed.
func (c *Client) Closed() bool { return c.closed.Load() }

// Connected reports whether the session exists and the connection to it is up.
func (c *Client) Connected() bool { return c.s.connected() }

// Expired reports whether the server expired the session (not yet reported by Wait).
func (c *Client) Expired() bool { return c.expired.Load() }

// Server is the server connected to ("" if none).
func (c *Client) Server() string { return c.s.server() }

// SessionID is the session's id.
func (c *Client) SessionID() int64 { return c.s.sessionID() }

// Auth is the credentials the session has: Config.Auth and those AddAuth added.
func (c *Client) Auth() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.auth...)
}

// AddAuth adds credentials to the session, and to the sessions opened beside it from now on.
func (c *Client) AddAuth(scheme, cred string) error {
	if err := c.s.addAuth(bg, scheme, []byte(cred)); err != nil {
		return err
	}
	c.mu.Lock()
	c.auth = append(c.auth, scheme+":"+cred)
	c.mu.Unlock()
	return nil
}

// helperSession opens one more session to the same servers with the same credentials, for spreading
// a large walk; nil if it cannot be had within a second.
func (c *Client) helperSession(ctx context.Context) *zk.Conn {
	if c.cfg.SASL != nil {
		return nil // go-zookeeper cannot run SASL: without it, the helper would lack the identity
	}
	servers, _, err := ParseConnectString(c.cfg.Server)
	if err != nil {
		return nil
	}
	stateCh := make(chan struct{}, 1)
	h, _, err := zk.Connect(servers, c.cfg.SessionTimeout, zk.WithLogger(nopLogger{}), zk.WithLogInfo(false),
		zk.WithDialer(func(network, addr string, timeout time.Duration) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			return c.dial(ctx, addr)
		}),
		zk.WithEventCallback(func(ev zk.Event) {
			select {
			case stateCh <- struct{}{}:
			default:
			}
		}))
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	for h.State() != zk.StateHasSession {
		select {
		case <-stateCh:
		case <-ctx.Done():
			h.Close()
			return nil
		}
	}
	for _, a := range c.Auth() {
		scheme, cred, _ := strings.Cut(a, ":")
		if err := h.AddAuth(scheme, []byte(cred)); err != nil {
			h.Close()
			return nil
		}
	}
	return h
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
