package commands

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/znodepath"
)

// Env is one per process and lives across REPL lines: the settings, the current znode and the lazily
// opened ZooKeeper session.
type Env struct {
	IO          *IOStreams
	Settings    Settings
	Cwd         string            // current znode, "/" initially
	Interactive bool              // inside the REPL: watch events go to Notify, nothing waits for them
	InShell     bool              // in the REPL or a script: -w sets the watch and returns; Notify prints the event
	Notify      func(line string) // prints a line above the prompt; nil → IO.ErrOut
	OnWrite     func(path string) // called with the parent whose children changed; nil = no-op

	prevCwd       string // for "cd -"
	mu            sync.Mutex
	conn          *zk.Conn
	chroot        string
	expired       atomic.Bool   // the session expired; the next Conn says so once
	stateCh       chan struct{} // pinged on every session event
	ready         chan struct{} // closed once a new session has its credentials (or failed)
	line          *Settings     // the settings of the command line being run (per-line -o etc.)
	dials         *dialWatch    // the session's connection attempts
	closers       []func()
	wantREPL      bool
	stdinCommands bool                // stdin holds the commands (REPL or script): "-" cannot read data from it
	getenv        func(string) string // Main's command line: fills the flags not given from ZKSH_*
	localStarted  bool
}

// NewEnv returns an Env with the given streams and settings, at "/".
func NewEnv(streams *IOStreams, s Settings) *Env {
	return &Env{IO: streams, Settings: s, Cwd: "/"}
}

// settings returns the settings of the line being run.
func (e *Env) settings() Settings {
	if e.line != nil {
		return *e.line
	}
	return e.Settings
}

func (e *Env) notify(line string) {
	if e.Notify != nil {
		e.Notify(line)
		return
	}
	fmt.Fprintln(e.IO.ErrOut, line)
}

func (e *Env) wrote(parent string) {
	if e.OnWrite != nil {
		e.OnWrite(parent)
	}
}

// checkCredential catches credentials that cannot be what the user meant (the credential itself is
// never repeated in the message: it may be a password).
func checkCredential(scheme, cred string) error {
	switch {
	case scheme == "":
		return errors.New("no scheme (digest, ip, ...)")
	case scheme == "digest":
		if user, _, ok := strings.Cut(cred, ":"); !ok || user == "" {
			return errors.New("digest credentials are user:password")
		}
	}
	return nil
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

type stderrLogger struct{ e *Env }

func (l stderrLogger) Printf(format string, args ...any) {
	fmt.Fprintf(l.e.IO.ErrOut, "zk: "+format+"\n", args...)
}

// parseConnectString splits "h1:2181,h2/chroot" into servers and a chroot ("" for none).
func parseConnectString(s string) (servers []string, chroot string, err error) {
	hosts := s
	if i := strings.IndexByte(s, '/'); i >= 0 {
		hosts, chroot = s[:i], s[i:]
		if chroot == "/" {
			chroot = ""
		} else if err := znodepath.Validate(chroot); err != nil {
			return nil, "", usageErrorf("", "server %q: chroot %v", s, err)
		}
	}
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if strings.Contains(h, ":") { // else go-zookeeper adds :2181
			host, port, err := net.SplitHostPort(h)
			if err != nil {
				return nil, "", usageErrorf("", "server %q: %q is not host:port", s, h)
			}
			if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 || host == "" {
				return nil, "", usageErrorf("", "server %q: %q is not host:port (port 1 to 65535)", s, h)
			}
		}
		servers = append(servers, h)
	}
	if len(servers) == 0 {
		return nil, "", usageErrorf("", "server %q: no host given", s)
	}
	return servers, chroot, nil
}

// Conn opens (once) or reuses the session. It waits until the session exists, honouring ctx and the
// connect timeout. After the server expired the session, go-zookeeper opens a new one (and re-adds the
// auth it was given); the first Conn after that tells the user once.
func (e *Env) Conn(ctx context.Context) (*zk.Conn, error) {
	e.mu.Lock()
	c := e.conn
	fresh := false
	if c == nil {
		s := e.Settings
		servers, chroot, err := parseConnectString(s.Server)
		if err != nil {
			e.mu.Unlock()
			return nil, err
		}
		for _, a := range s.Auth {
			scheme, cred, ok := strings.Cut(a, ":")
			if !ok {
				e.mu.Unlock()
				return nil, usageErrorf("", "--auth: want scheme:credential, e.g. digest:user:password")
			}
			if err := checkCredential(scheme, cred); err != nil {
				e.mu.Unlock()
				return nil, usageErrorf("", "--auth: %v", err)
			}
		}
		e.stateCh = make(chan struct{}, 1)
		stateCh := e.stateCh
		ping := func() {
			select {
			case stateCh <- struct{}{}:
			default:
			}
		}
		hosts := zk.NewDNSHostProvider()
		e.dials = &dialWatch{hosts: hosts, ping: ping}
		var logger zk.Logger = nopLogger{}
		if s.Verbose {
			logger = stderrLogger{e}
		}
		logger = handshakeLogger{e.dials, logger}
		if s.SessionTimeout <= 0 {
			s.SessionTimeout = DefaultSessionTimeout
		}
		c, _, err = zk.Connect(servers, s.SessionTimeout,
			zk.WithHostProvider(hosts),
			zk.WithDialer(e.dials.dial),
			zk.WithLogger(logger),
			zk.WithLogInfo(s.Verbose),
			zk.WithEventCallback(func(ev zk.Event) {
				if ev.Type != zk.EventSession {
					return
				}
				if ev.State == zk.StateExpired {
					e.expired.Store(true)
				}
				ping()
			}))
		if err != nil {
			e.mu.Unlock()
			return nil, &unavailableError{fmt.Sprintf("connect %s: %v", s.Server, err)}
		}
		e.conn, e.chroot, fresh = c, chroot, true
		e.ready = make(chan struct{})
		e.expired.Store(false)
	}
	stateCh, ready, dials := e.stateCh, e.ready, e.dials
	e.mu.Unlock()

	if !fresh {
		// Another caller is opening this session: wait until it has added the credentials.
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		e.mu.Lock()
		same := e.conn == c
		e.mu.Unlock()
		if !same {
			return nil, &unavailableError{fmt.Sprintf("could not connect to %s", e.Settings.Server)}
		}
	}
	if err := e.waitSession(ctx, c, stateCh, dials); err != nil {
		if fresh {
			e.abandon(c)
			close(ready)
		}
		return nil, err
	}
	if fresh {
		defer close(ready)
		for _, a := range e.Settings.Auth {
			scheme, cred, _ := strings.Cut(a, ":")
			if err := c.AddAuth(scheme, []byte(cred)); err != nil {
				e.Close()
				return nil, &ExitError{Code: classify(err), Op: "--auth",
					Err: fmt.Errorf("the server refused the %s credentials (%s)", scheme, describe(err))}
			}
		}
	}
	if e.expired.CompareAndSwap(true, false) {
		e.notify("session expired; opened a new session (ephemeral nodes of the old session are gone)")
	}
	return c, nil
}

func (e *Env) waitSession(ctx context.Context, c *zk.Conn, stateCh chan struct{}, dials *dialWatch) error {
	if c.State() == zk.StateHasSession {
		return nil
	}
	refused := func() error {
		if err := dials.allFailed(); err != nil {
			return &unavailableError{fmt.Sprintf("could not connect to %s: %v", e.Server(), err)}
		}
		return nil
	}
	if err := refused(); err != nil {
		return err
	}
	timeout := e.Settings.ConnectTimeout
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case <-stateCh:
			if c.State() == zk.StateHasSession {
				return nil
			}
			if err := refused(); err != nil {
				return err
			}
		case <-timer.C:
			msg := fmt.Sprintf("could not connect to %s within %v", e.Server(), timeout)
			if why := dials.handshakeFailure(); why != "" {
				msg += " (" + why + ")"
			}
			return &unavailableError{msg}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// helperSession opens one more session to the same servers with the same credentials, for spreading
// a large walk; nil if it cannot be had within a second.
func (e *Env) helperSession(ctx context.Context) *zk.Conn {
	s := e.Settings
	servers, _, err := parseConnectString(s.Server)
	if err != nil {
		return nil
	}
	stateCh := make(chan struct{}, 1)
	c, _, err := zk.Connect(servers, s.SessionTimeout, zk.WithLogger(nopLogger{}), zk.WithLogInfo(false),
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
	for c.State() != zk.StateHasSession {
		select {
		case <-stateCh:
		case <-ctx.Done():
			c.Close()
			return nil
		}
	}
	for _, a := range s.Auth {
		scheme, cred, _ := strings.Cut(a, ":")
		if err := c.AddAuth(scheme, []byte(cred)); err != nil {
			c.Close()
			return nil
		}
	}
	return c
}

// CachedConn returns the current session or nil; it never dials.
func (e *Env) CachedConn() *zk.Conn {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.conn == nil || e.conn.State() != zk.StateHasSession {
		return nil
	}
	return e.conn
}

// State is the session state as the prompt shows it: CONNECTED, CONNECTING, EXPIRED or CLOSED.
func (e *Env) State() string {
	e.mu.Lock()
	c := e.conn
	e.mu.Unlock()
	switch {
	case c == nil:
		return "CLOSED"
	case e.expired.Load():
		return "EXPIRED"
	case c.State() == zk.StateHasSession:
		return "CONNECTED"
	}
	return "CONNECTING"
}

// Host is the server the prompt shows: the one connected to, else the connect string.
func (e *Env) Host() string {
	e.mu.Lock()
	c, server := e.conn, e.Settings.Server
	e.mu.Unlock()
	if c != nil {
		if h := c.Server(); h != "" && c.State() == zk.StateHasSession {
			return h
		}
	}
	return server
}

// Server returns the connect string in use (Settings.Server, read under the Env's lock: connect
// changes it while the prompt may be reading it).
func (e *Env) Server() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.Settings.Server
}

// setServer changes the connect string for the sessions opened from now on.
func (e *Env) setServer(s string) {
	e.mu.Lock()
	e.Settings.Server = s
	e.mu.Unlock()
}

// Close ends the session, if any. Commands open a new one when they next need it.
func (e *Env) Close() {
	e.mu.Lock()
	c := e.conn
	e.conn = nil
	e.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// abandon drops c, which never had a session, without waiting: go-zookeeper's Close waits up to a
// second for the answer to a close request that nothing will answer, and the connect timeout the
// user gave would be overrun by that second.
func (e *Env) abandon(c *zk.Conn) {
	e.mu.Lock()
	if e.conn == c {
		e.conn = nil
	}
	e.mu.Unlock()
	go c.Close()
}

// shutdown closes the session and stops what Main started (the --local server).
func (e *Env) shutdown() {
	e.Close()
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
	e.closers = nil
}

// currentChroot is the session's chroot, or without a session the one the next session will have.
func (e *Env) currentChroot() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.conn != nil {
		return e.chroot
	}
	_, ch, _ := parseConnectString(e.Settings.Server)
	return ch
}

// ZKPath maps an absolute path as the user sees it to the server's path, under the chroot of the
// connect string ("/app" with server "h:2181/base" is "/base/app"). Completion lists children with it.
func (e *Env) ZKPath(p string) string { return e.zkPath(p) }

// UserPath maps a server path back to what the user sees (the chroot removed).
func (e *Env) UserPath(p string) string { return e.userPath(p) }

// zkPath maps a user path to the server's, under the chroot.
func (e *Env) zkPath(p string) string {
	ch := e.currentChroot()
	if ch == "" {
		return p
	}
	if p == "/" {
		return ch
	}
	return ch + p
}

// userPath maps a server path back to what the user sees.
func (e *Env) userPath(p string) string {
	ch := e.currentChroot()
	if ch == "" {
		return p
	}
	if p == ch {
		return "/"
	}
	return strings.TrimPrefix(p, ch)
}

// dialWatch records the session's connection attempts, so that a command fails at once when every
// server refused the connection (a closed port, a host that does not answer) instead of waiting for
// the connect timeout while go-zookeeper tries again and again.
type dialWatch struct {
	hosts *zk.DNSHostProvider
	ping  func() // wakes waitSession

	mu        sync.Mutex
	failed    int // dials that failed since the last successful one
	lastErr   error
	handshake string // why the last handshake failed, if it did
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
	if d == nil {
		return ""
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.handshake == "" {
		return ""
	}
	return "the server closed the connection during the handshake: " + strings.TrimPrefix(d.handshake, "authentication failed: ")
}

func (d *dialWatch) dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	c, err := net.DialTimeout(network, addr, timeout)
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
	if d == nil {
		return nil
	}
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
