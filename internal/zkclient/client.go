package zkclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
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
	// TLS, if set, makes every connection (the session, helper sessions, the pipelined session) a
	// TLS one. Without a ServerName, each server is verified against its name in the connect string.
	TLS *tls.Config

	// Logf, if set, receives go-zookeeper's log lines (verbose mode).
	Logf func(format string, args ...any)
	// OnExpired is called by the first Wait after the server expired the session and a new session
	// was opened in its place (the ephemeral znodes of the old one are gone).
	OnExpired func()
}

// Client is one ZooKeeper session and everything sent over it, or over the sessions it opens beside
// it (helper sessions for big walks, the pipelined session for the opcodes go-zookeeper cannot
// send). Paths are the user's: the chroot of the connect string is added and removed here.
type Client struct {
	cfg    Config
	chroot string
	conn   *zk.Conn
	dials  *dialWatch
	dialer *dialer // opens every connection

	stateCh chan struct{} // pinged on every session event and connection attempt
	ready   chan struct{} // closed once the first Wait has set the session up (or failed)
	expired atomic.Bool   // the session expired; the next Wait says so once
	closed  atomic.Bool   // Close was called, or the first Wait failed

	mu      sync.Mutex
	started bool     // the first Wait is setting the session up
	auth    []string // Config.Auth and what AddAuth added
}

// New starts a session to cfg.Server without waiting for it; Wait waits. A malformed connect string
// is an error here, as is a server name that cannot be resolved (an UnavailableError).
func New(cfg Config) (*Client, error) {
	servers, chroot, err := ParseConnectString(cfg.Server)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, chroot: chroot, auth: append([]string(nil), cfg.Auth...),
		stateCh: make(chan struct{}, 1), ready: make(chan struct{})}
	hosts := zk.NewDNSHostProvider()
	c.dials = &dialWatch{hosts: hosts, ping: c.ping}
	c.dialer = newDialer(cfg.TLS, servers)
	c.dials.dialer = c.dialer
	c.dialer.onAlert = c.dials.tlsFailed
	var logger zk.Logger = nopLogger{}
	if cfg.Logf != nil {
		logger = funcLogger(cfg.Logf)
	}
	logger = handshakeLogger{c.dials, logger}
	c.conn, _, err = zk.Connect(servers, cfg.SessionTimeout,
		zk.WithHostProvider(hosts),
		zk.WithDialer(c.dials.dial),
		zk.WithLogger(logger),
		zk.WithLogInfo(cfg.Logf != nil),
		zk.WithEventCallback(func(ev zk.Event) {
			if ev.Type != zk.EventSession {
				return
			}
			if ev.State == zk.StateExpired {
				c.expired.Store(true)
			}
			c.ping()
		}))
	if err != nil {
		return nil, &UnavailableError{fmt.Sprintf("connect %s: %v", cfg.Server, err)}
	}
	return c, nil
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
// it) and every later call fails. After the server expired the session, go-zookeeper opens a new
// one (and re-adds the credentials): the first Wait after that calls Config.OnExpired.
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
			if err := c.conn.AddAuth(scheme, []byte(cred)); err != nil {
				c.Close()
				return &AuthError{Scheme: scheme, Err: err}
			}
		}
	}
	if c.expired.CompareAndSwap(true, false) && c.cfg.OnExpired != nil {
		c.cfg.OnExpired()
	}
	return nil
}

func (c *Client) waitSession(ctx context.Context) error {
	if c.conn.State() == zk.StateHasSession {
		return nil
	}
	refused := func() error {
		if err := c.dials.tlsFailure(); err != nil {
			return &UnavailableError{fmt.Sprintf("could not connect to %s: %v", c.cfg.Server, err)}
		}
		if err := c.dials.allFailed(); err != nil {
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
			if c.conn.State() == zk.StateHasSession {
				return nil
			}
			if err := refused(); err != nil {
				return err
			}
		case <-timer.C:
			msg := fmt.Sprintf("could not connect to %s within %v", c.cfg.Server, c.cfg.ConnectTimeout)
			if why := c.dials.handshakeFailure(); why != "" {
				msg += " (" + why + ")"
			}
			return &UnavailableError{msg}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// abandon drops a session that never was, without waiting: go-zookeeper's Close waits up to a
// second for the answer to a close request that nothing will answer, and the connect timeout the
// user gave would be overrun by that second.
func (c *Client) abandon() {
	c.closed.Store(true)
	go c.conn.Close()
}

// Close ends the session.
func (c *Client) Close() {
	c.closed.Store(true)
	c.conn.Close()
}

// Closed reports whether the Client was closed, or never got its session: a new one is needed.
func (c *Client) Closed() bool { return c.closed.Load() }

// Connected reports whether the session exists and the connection to it is up.
func (c *Client) Connected() bool { return c.conn.State() == zk.StateHasSession }

// Expired reports whether the server expired the session (not yet reported by Wait).
func (c *Client) Expired() bool { return c.expired.Load() }

// Server is the server connected to ("" if none).
func (c *Client) Server() string { return c.conn.Server() }

// SessionID is the session's id.
func (c *Client) SessionID() int64 { return c.conn.SessionID() }

// Auth is the credentials the session has: Config.Auth and those AddAuth added.
func (c *Client) Auth() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.auth...)
}

// AddAuth adds credentials to the session, and to the sessions opened beside it from now on.
func (c *Client) AddAuth(scheme, cred string) error {
	if err := c.conn.AddAuth(scheme, []byte(cred)); err != nil {
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
	servers, _, err := ParseConnectString(c.cfg.Server)
	if err != nil {
		return nil
	}
	stateCh := make(chan struct{}, 1)
	h, _, err := zk.Connect(servers, c.cfg.SessionTimeout, zk.WithLogger(nopLogger{}), zk.WithLogInfo(false),
		zk.WithDialer(c.dialer.dial),
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

type funcLogger func(format string, args ...any)

func (f funcLogger) Printf(format string, args ...any) { f(format, args...) }

// dialWatch records the session's connection attempts, so that Wait fails at once when every
// server refused the connection (a closed port, a host that does not answer) instead of waiting for
// the connect timeout while go-zookeeper tries again and again.
type dialWatch struct {
	hosts  *zk.DNSHostProvider
	ping   func() // wakes waitSession
	dialer *dialer

	mu        sync.Mutex
	failed    int // dials that failed since the last successful one
	lastErr   error
	handshake string    // why the last handshake failed, if it did
	tlsErr    *TLSError // a server refused the client's certificate (or its lack of one)
}

// tlsFailed records a server's TLS alert after the handshake (with TLS 1.3 a server refuses the
// client's certificate then) and wakes waitSession, which reports it at once: the servers of an
// ensemble share their TLS settings, and trying again will not change the answer.
func (d *dialWatch) tlsFailed(err *TLSError) {
	d.mu.Lock()
	d.tlsErr = err
	d.mu.Unlock()
	d.ping()
}

// tlsFailure is the TLS failure of the session's connections, nil if none.
func (d *dialWatch) tlsFailure() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tlsErr == nil {
		return nil
	}
	return d.tlsErr
}

// handshakeLogger notes go-zookeeper's handshake failures (a server that accepts the connection and
// closes it: not serving yet, over its connection limit, not ZooKeeper) for the timeout message.
type handshakeLogger struct {
	d    *dialWatch
	next zk.Logger
}

func (l handshakeLogger) Printf(format string, args ...any) {
	if strings.HasPrefix(format, "authentication failed") {
		l.d.mu.Lock()
		l.d.handshake = fmt.Sprintf(format, args...)
		l.d.mu.Unlock()
	} else if strings.HasPrefix(format, "authenticated") {
		l.d.mu.Lock()
		l.d.handshake = ""
		l.d.mu.Unlock()
	}
	l.next.Printf(format, args...)
}

// handshakeFailure describes the last failed handshake, "" if none.
func (d *dialWatch) handshakeFailure() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.handshake == "" {
		return ""
	}
	return "the server closed the connection during the handshake: " + strings.TrimPrefix(d.handshake, "authentication failed: ")
}

func (d *dialWatch) dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	// A failed TLS handshake counts as a failed dial: the next server may have a good certificate.
	c, err := d.dialer.dial(network, addr, timeout)
	d.mu.Lock()
	if err == nil {
		d.failed, d.lastErr = 0, nil
	} else {
		// go-zookeeper tries the addresses in turn: as many failures in a row as there are
		// addresses means every one has been tried.
		d.failed, d.lastErr = d.failed+1, err
	}
	d.mu.Unlock()
	d.ping()
	return c, err
}

// allFailed returns why, when every server address failed to connect since the last success.
func (d *dialWatch) allFailed() error {
	n := d.hosts.Len()
	d.mu.Lock()
	defer d.mu.Unlock()
	if n == 0 || d.failed < n {
		return nil
	}
	return dialReason(d.lastErr)
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
