package commands

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zkclient"
)

// Env is one per process and lives across REPL lines: the settings, the current znode and the lazily
// opened ZooKeeper session (a zkclient.Client).
type Env struct {
	IO          *IOStreams
	Settings    Settings
	Cwd         string            // current znode, "/" initially
	Interactive bool              // inside the REPL: watch events go to Notify, nothing waits for them
	InShell     bool              // in the REPL or a script: -w sets the watch and returns; Notify prints the event
	Notify      func(line string) // prints a line above the prompt; nil → IO.ErrOut
	OnWrite     func(path string) // called with the parent whose children changed; nil = no-op

	prevCwd string // for "cd -"
	mu      sync.Mutex
	client  *zkclient.Client // the session; nil until a command needs one, and after close
	line    *Settings        // the settings of the command line being run (per-line -o etc.)
	// typedPasswords are the --sasl-user passwords typed at a prompt for the line being run, by user:
	// a line that opens several sessions (cp, mirror, diff between clusters) asks once.
	typedPasswords map[string]string
	closers        []func()
	wantREPL       bool
	stdinCommands  bool                // stdin holds the commands (REPL or script): "-" cannot read data from it
	getenv         func(string) string // Main's command line: fills the flags not given from ZKSH_*
	localStarted   bool
	hideWatches    atomic.Bool     // printwatches off: the shell prints no watch event
	warned         map[string]bool // the warnings printed (warnOnce), under mu
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

// notifyWatch prints a watch event's line above the prompt, unless printwatches is off.
func (e *Env) notifyWatch(line string) {
	if !e.hideWatches.Load() {
		e.notify(line)
	}
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

// parseConnectString checks a connect string: a malformed one is a usage error.
func parseConnectString(s string) (servers []string, chroot string, err error) {
	servers, chroot, err = zkclient.ParseConnectString(s)
	if err != nil {
		return nil, "", &UsageError{Err: err}
	}
	return servers, chroot, nil
}

// Client opens (once) or reuses the session, and waits until it exists, honouring ctx and the
// connect timeout. After the server expired the session, a new one is opened (with the same
// credentials); the first Client after that tells the user once.
func (e *Env) Client(ctx context.Context) (*zkclient.Client, error) {
	e.mu.Lock()
	c := e.client
	if c == nil {
		s := e.Settings
		if _, _, err := parseConnectString(s.Server); err != nil {
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
		tlsConf, err := clientTLS(s, warnOnce{e})
		if err != nil {
			e.mu.Unlock()
			return nil, usageErrorf("", "%v", err)
		}
		login, err := clientSASL(ctx, s, e)
		if err != nil {
			e.mu.Unlock()
			if errors.Is(err, context.Canceled) { // Ctrl-C at the password prompt
				return nil, context.Canceled
			}
			return nil, usageErrorf("", "%v", err)
		}
		cfg := zkclient.Config{
			SASL:           login,
			TLS:            tlsConf,
			Server:         s.Server,
			SessionTimeout: s.SessionTimeout,
			ConnectTimeout: s.ConnectTimeout,
			Auth:           s.Auth,
			OnExpired: func() {
				e.notify("session expired; opened a new session (ephemeral nodes of the old session are gone)")
			},
		}
		if cfg.SessionTimeout <= 0 {
			cfg.SessionTimeout = DefaultSessionTimeout
		}
		if cfg.ConnectTimeout <= 0 {
			cfg.ConnectTimeout = DefaultConnectTimeout
		}
		if s.Verbose {
			cfg.Logf = func(format string, args ...any) {
				fmt.Fprintf(e.IO.ErrOut, "zk: "+format+"\n", args...)
			}
		}
		if c, err = zkclient.New(cfg); err != nil {
			e.mu.Unlock()
			return nil, err
		}
		e.client = c
	}
	e.mu.Unlock()

	if err := c.Wait(ctx); err != nil {
		if c.Closed() {
			e.mu.Lock()
			if e.client == c {
				e.client = nil
			}
			e.mu.Unlock()
		}
		var ae *zkclient.AuthError
		if errors.As(err, &ae) {
			op := "--auth"
			if ae.User != "" {
				op = "sasl"
			}
			return nil, &ExitError{Code: classify(ae.Err), Op: op, Err: loginRefusal(ae)}
		}
		return nil, err
	}
	return c, nil
}

// sessionTLS is the TLS configuration the session would use with s (flags, client configuration,
// JVM flags), for the connections a command makes beside it (four-letter words, other clusters'
// sessions); nil for plain TCP.
func (e *Env) sessionTLS(s Settings) (*tls.Config, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	conf, err := clientTLS(s, warnOnce{e})
	if err != nil {
		return nil, usageErrorf("", "%v", err)
	}
	return conf, nil
}

// warnOnce writes each warning (one Write, as fmt.Fprint* makes it) to stderr the first time only:
// the settings are read again for each session and four-letter word. The caller holds e.mu.
type warnOnce struct{ e *Env }

func (w warnOnce) Write(b []byte) (int, error) {
	if w.e.warned == nil {
		w.e.warned = map[string]bool{}
	}
	if w.e.warned[string(b)] {
		return len(b), nil
	}
	w.e.warned[string(b)] = true
	return w.e.IO.ErrOut.Write(b)
}

// loginRefusal says why a session's login failed: a SASL login (naming the user), or an --auth
// (or zk:// URL) credential, which is never repeated.
func loginRefusal(ae *zkclient.AuthError) error {
	switch {
	case ae.User != "" && !errors.Is(ae.Err, zk.ErrAuthFailed): // not a refusal: the exchange could not be had
		return fmt.Errorf("SASL login of user %s failed: %s", ae.User, describe(ae.Err))
	case ae.User != "":
		return fmt.Errorf("the server refused the SASL credentials of user %s (%s)", ae.User, describe(ae.Err))
	}
	return fmt.Errorf("the server refused the %s credentials (%s)", ae.Scheme, describe(ae.Err))
}

// CachedClient returns the current session if it is connected, else nil; it never dials.
func (e *Env) CachedClient() *zkclient.Client {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.client == nil || !e.client.Connected() {
		return nil
	}
	return e.client
}

// State is the session state as the prompt shows it: CONNECTED, CONNECTING, EXPIRED or CLOSED.
func (e *Env) State() string {
	e.mu.Lock()
	c := e.client
	e.mu.Unlock()
	switch {
	case c == nil:
		return "CLOSED"
	case c.Expired():
		return "EXPIRED"
	case c.Connected():
		return "CONNECTED"
	}
	return "CONNECTING"
}

// Host is the server the prompt shows: the one connected to, else the connect string.
func (e *Env) Host() string {
	e.mu.Lock()
	c, server := e.client, e.Settings.Server
	e.mu.Unlock()
	if c != nil {
		if h := c.Server(); h != "" && c.Connected() {
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
	c := e.client
	e.client = nil
	e.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// shutdown closes the session and stops what Main started (the --local server).
func (e *Env) shutdown() {
	e.Close()
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
	e.closers = nil
}
