// Package server is an in-process, single-node ZooKeeper server that speaks Apache ZooKeeper 3.8's
// client protocol, so that zkCli.sh, kazoo and go-zookeeper/zk work against it unchanged. Programs
// import it in their tests, as miniredis is used for Redis:
//
//	srv := server.RunT(t)                 // in memory, free loopback port, closed with the test
//	conn, _, _ := zk.Connect([]string{srv.Addr()}, time.Second)
//	srv.FastForward(time.Minute)          // expire sessions and TTL nodes without sleeping
//	data, stat, err := srv.Get("/app")    // direct helpers: Get, Children, Exists, ACL, Create, Set, Delete
//
// New(Config) binds and opens the store, Start serves, Close stops; ParseConfig and LoadConfigFile
// read a zoo.cfg. With Config.TLS a second port serves the same clients over TLS (zoo.cfg's
// secureClientPort and ssl.* keys), and a client verified by its certificate has Apache's x509
// identity (tls.go). With a DataDir the tree, the sessions and the zxid survive a restart: every write
// is appended to a checksummed log, and no reply, event or read that depends on it leaves the
// server before the log is fsynced (group commit); a large log is compacted into a snapshot when
// the store opens or closes.
//
// Behaviour follows Apache ZooKeeper 3.8.0 (the Debian package) as observed on the wire, including
// its quirks: cversion reported as creates*2-children, containers and TTL nodes showing no
// ephemeral owner, children in java.util.HashSet order, creates inside a multi retyped by their
// flags, checkWatches answering for any connection's watch, whoAmI in hash order, and a
// successful stand-alone check (opcode 13) getting no reply at all. SASL is DIGEST-MD5 from a JAAS
// Server section (Config.SASLUsers, LoadJAAS; sasl.go, jaas.go), with the sasl: ACL scheme of
// Apache's SASLAuthenticationProvider. Not implemented: Kerberos, read-only mode, and reconfig
// (answered as standalone Apache does: ReconfigDisabled, or Unimplemented with reconfigEnabled=true).
//
// It is the project's largest package because it is a whole server; it is laid out by concern, a
// file each: connections and framing (conn.go, request.go), the operations (ops.go, read.go and
// write.go), the tree (tree.go), sessions (session.go), watches (watch.go), ACLs (acl.go), SASL
// (sasl.go, jaas.go),
// quotas (quota.go), persistence (store.go, logdamage.go, snapshot.go, txn.go), configuration (config.go) and the
// four-letter words (fourlw.go).
//
// Requests are served from one table, operations (ops.go): opcode, name, kind (read, write or
// session-level) and handler. Four-letter words are a map of word to handler (fourlw.go).
//
// Locking. One mutex, Server.mu, guards the data tree, the sessions, the watches, the connection
// set and the per-connection fields marked "s.mu"; exported methods take it and call unexported
// ones that assume it is held. Each connection has a reader goroutine, which handles one request
// at a time, whole, under the mutex (so replies leave in request order), and a writer goroutine
// that waits until what its queued replies and events depend on is durable, then sends them.
// Server.mu is never held across disk I/O: append only queues a log record in memory, and the log
// is written and fsynced by a group commit outside it (see store); four-letter words read the
// disk and /proc before taking it; Close compacts the log after releasing it (taking it again
// only to encode the snapshot). Three small locks are taken inside it or alone, never the other
// way round, and held only to touch what they guard: latMu (latency counters), a connection's
// outMu (its outbox) and the store's mu (pending records). A client that does not read its
// replies is throttled: its reader stops taking requests while about 1 MB of replies waits for it.
package server

import (
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a running ZooKeeper server.
type Server struct {
	cfg        Config
	log        *slog.Logger
	ln         net.Listener // nil with NoClientPort
	addr       string
	tlsLn      net.Listener // the secure port's, nil without TLS
	secureAddr string

	mu            sync.Mutex
	tree          *tree
	watches       *watches
	sessions      map[int64]*session
	conns         map[*conn]struct{}
	live          int // conns not forgotten
	perIP         map[string]int
	zxid          int64
	nextSessionID int64
	clockOffset   time.Duration
	store         *store
	durable       *store // the store, kept for connection writers after Close
	txn           *txn   // the write being applied, nil otherwise
	spareTxn      txn    // what txn points to during a write
	started       bool
	closed        bool
	startTime     time.Time
	secret        [16]byte
	stats         serverStats
	// latMu guards every latency counter (the server's and each connection's). Taken after s.mu
	// or alone (connection writers record a write's latency once it is durable), held only to add.
	latMu     sync.Mutex
	latency   latency
	lastSweep time.Time

	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// serverStats are the request counters the four-letter words report.
type serverStats struct {
	received, sent int64
}

// New binds the listener (so Addr is known) and opens the store; Start serves.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{
		cfg:       cfg,
		log:       logger,
		tree:      newTree(),
		watches:   newWatches(),
		sessions:  make(map[int64]*session),
		conns:     make(map[*conn]struct{}),
		perIP:     make(map[string]int),
		done:      make(chan struct{}),
		startTime: time.Now(),
	}
	if _, err := rand.Read(s.secret[:]); err != nil {
		return nil, err
	}
	if cfg.DataDir != "" {
		st, err := openStore(cfg.DataDir, cfg.DataLogDir, cfg.RepairLog, s)
		if err != nil {
			return nil, err
		}
		s.store = st
		s.durable = st
	}
	s.nextSessionID = initialSessionID(time.Now())
	fail := func(err error) (*Server, error) {
		for _, ln := range []net.Listener{s.ln, s.tlsLn} {
			if ln != nil {
				ln.Close()
			}
		}
		if s.store != nil {
			s.store.close()
		}
		return nil, err
	}
	if err := cfg.checkEnforceAuth(); err != nil {
		return fail(err)
	}
	if cfg.TLS == nil && cfg.NoClientPort {
		return fail(errors.New("server: no client port and no secure client port"))
	}
	if !cfg.NoClientPort {
		ln, err := net.Listen("tcp", net.JoinHostPort(cfg.ClientPortAddress, strconv.Itoa(cfg.ClientPort)))
		if err != nil {
			return fail(err)
		}
		s.ln = ln
		s.addr = ln.Addr().String()
	}
	if cfg.TLS != nil {
		ln, err := net.Listen("tcp", net.JoinHostPort(cfg.SecureClientPortAddress, strconv.Itoa(cfg.SecureClientPort)))
		if err != nil {
			return fail(fmt.Errorf("secure client port: %w", err))
		}
		// The handshake runs on the connection's first read, in its own reader goroutine, within
		// the connect timeout: a client that fails it loses only its own connection.
		s.tlsLn = tls.NewListener(ln, cfg.TLS.Clone())
		s.secureAddr = ln.Addr().String()
	}
	return s, nil
}

// initialSessionID builds the first session id as Apache's SessionTrackerImpl does for server id 1:
// the millisecond clock shifted into bits 16..55, the server id in the top byte.
func initialSessionID(now time.Time) int64 {
	ms := now.UnixMilli()
	return int64(uint64(ms)<<24>>8) | 1<<56
}

// Start serves connections in background goroutines.
func (s *Server) Start() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errors.New("server: closed")
	}
	if s.started {
		s.mu.Unlock()
		return errors.New("server: already started")
	}
	s.started = true
	s.lastSweep = s.now()
	s.mu.Unlock()
	s.wg.Add(1)
	go s.tickLoop()
	for _, ln := range []net.Listener{s.ln, s.tlsLn} {
		if ln != nil {
			s.wg.Add(1)
			go s.acceptLoop(ln)
		}
	}
	s.log.Info("zksh server listening", "addr", s.addr, "secureAddr", s.secureAddr, "dataDir", s.cfg.DataDir)
	return nil
}

// Addr is the address clients connect to, "127.0.0.1:PORT"; "" with NoClientPort.
func (s *Server) Addr() string { return s.addr }

// SecureAddr is the address clients connect to over TLS; "" without Config.TLS.
func (s *Server) SecureAddr() string { return s.secureAddr }

// Close stops accepting, closes every connection and flushes the store. Sessions are not closed:
// with a data directory they survive a restart, as with Apache. Close is idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.done)
		conns := make([]*conn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		for _, ln := range []net.Listener{s.ln, s.tlsLn} {
			if ln != nil {
				ln.Close()
			}
		}
		for _, c := range conns {
			c.closeNow()
		}
		s.wg.Wait()
		s.mu.Lock()
		st := s.store
		s.store = nil // from here on the store is this goroutine's alone
		s.mu.Unlock()
		if st != nil {
			s.closeErr = s.compactOnClose(st)
			if err := st.close(); s.closeErr == nil {
				s.closeErr = err
			}
		}
	})
	return s.closeErr
}

// Run starts an in-memory server on a free loopback port.
func Run() (*Server, error) {
	s, err := New(Config{})
	if err != nil {
		return nil, err
	}
	if err := s.Start(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Tester is the part of *testing.T that RunT uses. It is an interface so that the server, and any
// program that links it, does not import the testing package.
type Tester interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// RunT is Run for tests: it fails t on error and closes the server when the test ends.
func RunT(t Tester) *Server {
	t.Helper()
	s, err := Run()
	if err != nil {
		t.Fatalf("server.Run: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// now is the server clock: wall time moved on by FastForward.
func (s *Server) now() time.Time { return time.Now().Add(s.clockOffset) }

func (s *Server) nowMs() int64 { return s.now().UnixMilli() }

// FastForward moves the server clock on by d, then expires the sessions and removes the TTL and
// container nodes that are due, without sleeping.
func (s *Server) FastForward(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clockOffset += d
	s.expireSessions()
	s.sweepContainers()
}

func (s *Server) acceptLoop(ln net.Listener) {
	defer s.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("accept", "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		s.admit(nc)
	}
}

// admit registers a new connection unless its address already has MaxClientCnxns.
func (s *Server) admit(nc net.Conn) {
	ip := remoteIP(nc)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return
	}
	if s.cfg.MaxClientCnxns > 0 && s.perIP[ip] >= s.cfg.MaxClientCnxns {
		s.mu.Unlock()
		s.log.Warn("too many connections", "ip", ip, "max", s.cfg.MaxClientCnxns)
		nc.Close()
		return
	}
	s.perIP[ip]++
	c := newConn(s, nc, ip)
	s.conns[c] = struct{}{}
	s.live++
	s.wg.Add(2)
	s.mu.Unlock()
	go c.writeLoop()
	go c.readLoop()
}

// remoteIP is the client address as Java's InetAddress.getHostAddress writes it (IPv6 in eight
// uncompressed groups), which is what Apache puts in ip identities.
func remoteIP(nc net.Conn) string {
	if a, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		if v4 := a.IP.To4(); v4 != nil {
			return v4.String()
		}
		if v6 := a.IP.To16(); v6 != nil {
			groups := make([]string, 8)
			for i := range groups {
				groups[i] = strconv.FormatUint(uint64(v6[2*i])<<8|uint64(v6[2*i+1]), 16)
			}
			return strings.Join(groups, ":")
		}
		return a.IP.String()
	}
	host, _, err := net.SplitHostPort(nc.RemoteAddr().String())
	if err != nil {
		return nc.RemoteAddr().String()
	}
	return host
}

// tickLoop expires sessions and sweeps containers and TTL nodes.
func (s *Server) tickLoop() {
	defer s.wg.Done()
	interval := min(s.cfg.TickTime/4, 250*time.Millisecond, s.cfg.ContainerCheckInterval)
	if interval < 10*time.Millisecond {
		interval = 10 * time.Millisecond
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			s.mu.Lock()
			s.expireSessions()
			if now := s.now(); now.Sub(s.lastSweep) >= s.cfg.ContainerCheckInterval {
				s.lastSweep = now
				s.sweepContainers()
			}
			s.mu.Unlock()
		}
	}
}

// String describes the server for logs.
func (s *Server) String() string { return fmt.Sprintf("zksh server %s", s.addr) }
