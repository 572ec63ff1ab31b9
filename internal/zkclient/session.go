package zkclient

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/jute"
)

// session is the user's ZooKeeper session, spoken natively with the jute codec: the handshake
// (protocol version, last zxid seen, timeout, session id and password, read-only flag), pings at a
// third of the negotiated timeout, many requests in flight matched to their replies by xid, watch
// events, reconnecting across the servers of the connect string with the same session (credentials
// re-sent, watches re-armed with SetWatches2 from the last zxid seen), a new session when the
// server expired the old one, and closeSession on close. Paths here are the server's.
//
// Connection loss, as commands rely on it: a request whose frame went out and whose reply was lost
// fails with zk.ErrConnectionClosed (ReplyLost); one whose frame could not be written whole fails
// with the write's *net.OpError (SendFailed); one that found no connection within the session
// timeout was never sent and fails with zk.ErrNoServer.
type session struct {
	servers        []string
	timeout        time.Duration // requested session timeout
	connectTimeout time.Duration // bound of one dial and handshake
	dial           func(ctx context.Context, addr string) (net.Conn, error)
	logf           func(format string, args ...any)
	changed        func()        // called on every change of state and every connection attempt
	expired        func()        // called when the server expired the session
	closing        chan struct{} // closed by close
	loopDone       chan struct{} // closed when the connection loop ends

	mu         sync.Mutex
	conn       *sconn        // the connection, while the session is on one
	up         chan struct{} // closed when conn is set; replaced when it is lost
	closed     bool
	id         int64
	passwd     []byte
	negotiated time.Duration
	lastZxid   int64
	xid        int32
	auth       []jute.AuthPacket // accepted credentials, re-sent on every connection
	sasl       *SASL             // the SASL login run on every connection, nil for none
	watches    watchSet

	failed       int          // dials that failed since the last successful one
	lastDialErr  error        // why the last one failed
	handshakeErr string       // why the last handshake failed, "" if it did not
	saslErr      *saslRefused // the server refused the SASL login on the last connection
}

// sconn is one connection of the session.
type sconn struct {
	net.Conn
	server  string
	wmu     sync.Mutex      // one frame at a time
	pending map[int32]*call // guarded by session.mu
	authq   []chan error    // waiters for auth replies, in order; guarded by session.mu
	dead    chan struct{}   // closed once the connection is lost
	once    sync.Once
}

// call is one request waiting for its reply.
type call struct {
	op   int32
	resp jute.Record      // decoded from the reply when it succeeds (and for multi always)
	onOK func(code int32) // run by the reader before the reply is delivered (watch registration)
	done chan struct{}
	hdr  jute.ReplyHeader
	err  error
}

// maxFrame bounds a reply frame of the user's session (multiRead replies go to the pipelined one).
const maxFrame = 64 << 20

func newSession(servers []string, timeout, connectTimeout time.Duration,
	dial func(ctx context.Context, addr string) (net.Conn, error)) *session {
	s := &session{
		servers: append([]string(nil), servers...), timeout: timeout, connectTimeout: connectTimeout, dial: dial,
		changed: func() {}, expired: func() {}, logf: func(string, ...any) {},
		closing: make(chan struct{}), loopDone: make(chan struct{}), up: make(chan struct{}),
		passwd: make([]byte, 16), watches: newWatchSet(),
	}
	rand.Shuffle(len(s.servers), func(i, j int) { s.servers[i], s.servers[j] = s.servers[j], s.servers[i] })
	return s
}

func (s *session) start() { go s.loop() }

// loop keeps the session on a connection until close: it tries the servers in turn, serves a
// connection until it is lost, and tries again (at once on the next server, after a pause once
// every server failed).
func (s *session) loop() {
	defer close(s.loopDone)
	misses := 0 // connection attempts failed in a row
	for i := 0; ; i++ {
		select {
		case <-s.closing:
			return
		default:
		}
		addr := s.servers[i%len(s.servers)]
		c, err := s.connect(addr)
		if errors.Is(err, errExpired) {
			continue // a new session, at once
		}
		if err != nil {
			s.logf("connect %s: %v", addr, err)
			s.changed()
			if misses++; misses%len(s.servers) == 0 && !s.pause(time.Duration(250+rand.IntN(750))*time.Millisecond) {
				return
			}
			continue
		}
		misses = 0
		s.serve(c)
		s.changed()
	}
}

// pause waits d, false if the session is closed meanwhile.
func (s *session) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.closing:
		return false
	}
}

// errExpired is the handshake's answer for a session the server no longer has.
var errExpired = errors.New("session expired")

// dialServer dials one server: the one place a connection is made, so TLS wraps here.
func (s *session) dialServer(addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.connectTimeout)
	defer cancel()
	go func() { // close ends a dial in progress
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	return s.dial(ctx, addr)
}

// connect dials addr, shakes hands and, when the session is established, publishes the connection.
func (s *session) connect(addr string) (*sconn, error) {
	nc, err := s.dialServer(addr)
	if err != nil {
		s.mu.Lock()
		s.failed++
		s.lastDialErr = err
		s.mu.Unlock()
		return nil, err
	}
	s.mu.Lock()
	s.failed, s.lastDialErr = 0, nil
	req := jute.ConnectRequest{LastZxidSeen: s.lastZxid, TimeOut: int32(s.timeout.Milliseconds()),
		SessionID: s.id, Passwd: append([]byte(nil), s.passwd...), HasReadOnly: true}
	s.mu.Unlock()
	c := &sconn{Conn: nc, server: addr, pending: map[int32]*call{}, dead: make(chan struct{})}
	r := bufio.NewReaderSize(nc, 64<<10)
	nc.SetDeadline(time.Now().Add(max(s.connectTimeout, time.Second)))
	shaken := make(chan struct{})
	go func() { // close ends a handshake in progress
		select {
		case <-s.closing:
			nc.Close()
		case <-shaken:
		}
	}()
	defer close(shaken)
	resp, err := handshake(nc, r, &req)
	if err != nil {
		nc.Close()
		s.mu.Lock()
		s.handshakeErr = err.Error()
		s.mu.Unlock()
		return nil, fmt.Errorf("handshake: %v", err) // not a dial failure: Wait goes on
	}
	if resp.TimeOut <= 0 {
		nc.Close()
		s.expire()
		return nil, errExpired
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return nil, zk.ErrClosing
	}
	s.handshakeErr = ""
	s.id, s.passwd = resp.SessionID, resp.Passwd
	s.negotiated = time.Duration(resp.TimeOut) * time.Millisecond
	auth := append([]jute.AuthPacket(nil), s.auth...)
	rearm := s.watches.setWatches(s.lastZxid)
	s.mu.Unlock()
	// After the handshake, before the connection is used (still within the handshake's deadline):
	// the authentication steps, then the watches.
	if err := s.authenticate(c, r, auth); err != nil {
		nc.Close()
		var refused *saslRefused
		if errors.As(err, &refused) {
			s.mu.Lock()
			s.saslErr = refused
			s.mu.Unlock()
		}
		return nil, err
	}
	if err := rearmWatches(c, rearm); err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return nil, zk.ErrClosing
	}
	s.conn = c
	s.saslErr = nil
	close(s.up)
	s.mu.Unlock()
	go s.read(c, r)
	go s.ping(c)
	s.logf("session 0x%x on %s, timeout %v", resp.SessionID, addr, time.Duration(resp.TimeOut)*time.Millisecond)
	return c, nil
}

// handshake sends the connect request and reads the server's answer.
func handshake(nc net.Conn, r *bufio.Reader, req *jute.ConnectRequest) (*jute.ConnectResponse, error) {
	if _, err := nc.Write(jute.AppendFrame(nil, req)); err != nil {
		return nil, err
	}
	body, err := jute.ReadFrame(r, 1<<20, nil)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errors.New("connection closed")
		}
		return nil, err
	}
	var resp jute.ConnectResponse
	if err := jute.Unmarshal(body, &resp); err != nil {
		// An older server sends no read-only flag; Unmarshal tolerates that. Anything else is
		// not ZooKeeper.
		return nil, fmt.Errorf("not a ZooKeeper handshake answer: %v", err)
	}
	return &resp, nil
}

// authenticate sends the session's credentials on a new connection, before it is used. The SASL
// login, when there is one, comes first: its frames are exchanged here, before the reader starts;
// a refusal is a *saslRefused. The replies to the other credentials come to the reader (xid -4),
// which only logs a refusal: the server accepted them before.
func (s *session) authenticate(c *sconn, r *bufio.Reader, auth []jute.AuthPacket) error {
	if s.sasl != nil {
		send := func(b []byte) error { _, err := c.Write(b); return err }
		recv := func() ([]byte, error) {
			b, err := jute.ReadFrame(r, 1<<20, nil)
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, errors.New("connection closed during SASL authentication")
			}
			return b, err
		}
		xid := func() int32 {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.xid++; s.xid <= 0 {
				s.xid = 1
			}
			return s.xid
		}
		if err := saslExchange(s.sasl, c.server, send, recv, xid); err != nil {
			return err
		}
		s.logf("SASL %s: authenticated as %s on %s", s.sasl.Mechanism(), s.sasl.Name(), c.server)
	}
	var out []byte
	for i := range auth {
		out = jute.AppendFrame(out, &jute.RequestHeader{Xid: jute.XidAuth, Type: jute.OpAuth}, &auth[i])
		c.authq = append(c.authq, nil)
	}
	if len(out) == 0 {
		return nil
	}
	_, err := c.Write(out)
	return err
}

// rearmWatches re-registers the session's watches on a new connection (SetWatches2, from the last
// zxid seen: the server fires at once those whose znodes changed meanwhile).
func rearmWatches(c *sconn, reqs []*jute.SetWatches) error {
	var out []byte
	for _, w := range reqs {
		out = jute.AppendFrame(out, &jute.RequestHeader{Xid: jute.XidSetWatches, Type: jute.OpSetWatches2}, w)
	}
	if len(out) == 0 {
		return nil
	}
	_, err := c.Write(out)
	return err
}

// expire forgets a session the server expired: its watches end with ErrSessionExpired, and the
// next connection opens a new session (with the same credentials).
func (s *session) expire() {
	s.mu.Lock()
	s.id, s.passwd, s.lastZxid = 0, make([]byte, 16), 0
	ended := s.watches.clear()
	s.mu.Unlock()
	ended.end(zk.Event{Type: zk.EventNotWatching, State: zk.StateExpired, Err: zk.ErrSessionExpired})
	s.logf("session expired")
	s.expired()
	s.changed()
}

// serve returns once the connection is lost.
func (s *session) serve(c *sconn) {
	s.changed()
	select {
	case <-c.dead:
	case <-s.closing:
		<-c.dead
	}
}

// lose ends a connection: every request waiting on it fails with zk.ErrConnectionClosed (ReplyLost).
func (s *session) lose(c *sconn, why error) {
	c.once.Do(func() {
		c.Close()
		s.mu.Lock()
		if s.conn == c {
			s.conn = nil
			s.up = make(chan struct{})
		}
		pending := c.pending
		c.pending = map[int32]*call{}
		authq := c.authq
		c.authq = nil
		s.mu.Unlock()
		for _, k := range pending {
			k.err = zk.ErrConnectionClosed
			close(k.done)
		}
		for _, w := range authq {
			if w != nil {
				w <- zk.ErrConnectionClosed
			}
		}
		if why != nil {
			s.logf("connection to %s lost: %v", c.server, why)
		}
		close(c.dead)
	})
}

// read reads the replies and events of a connection until it is lost. No frame within two thirds of
// the session timeout (pings go at a third) means the server is gone.
func (s *session) read(c *sconn, r *bufio.Reader) {
	s.mu.Lock()
	recv := s.negotiated * 2 / 3
	s.mu.Unlock()
	var buf []byte
	for {
		c.SetReadDeadline(time.Now().Add(recv))
		body, err := jute.ReadFrame(r, maxFrame, buf)
		if err != nil {
			s.lose(c, err)
			return
		}
		buf = body
		d := jute.NewDecoder(body)
		var h jute.ReplyHeader
		h.Decode(d)
		if d.Err != nil {
			s.lose(c, d.Err)
			return
		}
		switch h.Xid {
		case jute.XidNotification:
			var ev jute.WatcherEvent
			ev.Decode(d)
			if d.Err != nil {
				s.lose(c, d.Err)
				return
			}
			s.mu.Lock()
			fired := s.watches.fire(ev.Type, ev.Path)
			s.mu.Unlock()
			fired.send(zk.Event{Type: zk.EventType(ev.Type), State: zk.State(ev.State), Path: ev.Path})
			continue
		case jute.XidPing, jute.XidSetWatches:
			continue
		case jute.XidAuth:
			s.mu.Lock()
			var w chan error
			if len(c.authq) > 0 {
				w, c.authq = c.authq[0], c.authq[1:]
			}
			s.mu.Unlock()
			if w != nil {
				w <- codeError(h.Err)
			} else if h.Err != 0 {
				s.logf("credentials refused on reconnecting: %s", jute.ErrName(h.Err))
			}
			continue
		}
		s.mu.Lock()
		if h.Zxid > s.lastZxid {
			s.lastZxid = h.Zxid
		}
		k := c.pending[h.Xid]
		delete(c.pending, h.Xid)
		s.mu.Unlock()
		if k == nil {
			s.lose(c, fmt.Errorf("reply to xid %d, which was not asked", h.Xid))
			return
		}
		k.hdr = h
		if k.resp != nil && (h.Err == 0 || k.op == jute.OpMulti) {
			k.resp.Decode(d)
			if d.Err != nil {
				k.err = d.Err
			}
		}
		if k.onOK != nil && k.err == nil {
			s.mu.Lock()
			k.onOK(h.Err)
			s.mu.Unlock()
		}
		close(k.done)
	}
}

// ping keeps the session alive: a ping every third of the negotiated timeout.
func (s *session) ping(c *sconn) {
	s.mu.Lock()
	every := s.negotiated / 3
	s.mu.Unlock()
	t := time.NewTicker(every)
	defer t.Stop()
	frame := jute.AppendFrame(nil, &jute.RequestHeader{Xid: jute.XidPing, Type: jute.OpPing})
	for {
		select {
		case <-c.dead:
			return
		case <-t.C:
			if err := s.write(c, frame); err != nil {
				s.lose(c, err)
				return
			}
		}
	}
}

// write writes one frame whole, bounded by the session timeout (a server that stops reading does
// not hold the writer for ever).
func (s *session) write(c *sconn, frame []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.SetWriteDeadline(time.Now().Add(s.timeout))
	_, err := c.Write(frame)
	return err
}

// connection waits for the session's connection, at most the session timeout (bounded by ctx).
func (s *session) connection(ctx context.Context) (*sconn, error) {
	var timer <-chan time.Time
	for {
		s.mu.Lock()
		c, up, closed := s.conn, s.up, s.closed
		s.mu.Unlock()
		switch {
		case closed:
			return nil, zk.ErrClosing
		case c != nil:
			return c, nil
		}
		if timer == nil {
			t := time.NewTimer(s.timeout)
			defer t.Stop()
			timer = t.C
		}
		select {
		case <-up:
		case <-s.closing:
		case <-timer:
			return nil, zk.ErrNoServer
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// request sends one request and waits for its reply. resp, if set, is decoded from a successful
// reply; onOK, if set, runs with the reply's error code before the reply is delivered (with s.mu
// held), for watch registration. The error is the reply's (codeError), or the connection's.
func (s *session) request(ctx context.Context, op int32, req, resp jute.Record, onOK func(code int32)) (int64, error) {
	c, err := s.connection(ctx)
	if err != nil {
		return 0, err
	}
	k := &call{op: op, resp: resp, onOK: onOK, done: make(chan struct{})}
	s.mu.Lock()
	if s.conn != c {
		s.mu.Unlock()
		return 0, zk.ErrConnectionClosed // lost just now; nothing sent
	}
	s.xid++
	if s.xid <= 0 {
		s.xid = 1
	}
	xid := s.xid
	c.pending[xid] = k
	s.mu.Unlock()
	if err := s.write(c, jute.AppendFrame(nil, &jute.RequestHeader{Xid: xid, Type: op}, req)); err != nil {
		s.mu.Lock()
		delete(c.pending, xid)
		s.mu.Unlock()
		s.lose(c, err)
		var oe *net.OpError
		if !errors.As(err, &oe) {
			err = &net.OpError{Op: "write", Net: "tcp", Err: err}
		}
		return 0, err
	}
	select {
	case <-k.done:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	if k.err != nil {
		return 0, k.err
	}
	return k.hdr.Zxid, codeError(k.hdr.Err)
}

// addAuth sends credentials and waits for the server's answer; accepted ones are re-sent on every
// later connection.
func (s *session) addAuth(ctx context.Context, scheme string, cred []byte) error {
	c, err := s.connection(ctx)
	if err != nil {
		return err
	}
	p := jute.AuthPacket{Scheme: scheme, Auth: cred}
	w := make(chan error, 1)
	s.mu.Lock()
	if s.conn != c {
		s.mu.Unlock()
		return zk.ErrConnectionClosed
	}
	c.authq = append(c.authq, w)
	s.mu.Unlock()
	if err := s.write(c, jute.AppendFrame(nil, &jute.RequestHeader{Xid: jute.XidAuth, Type: jute.OpAuth}, &p)); err != nil {
		s.lose(c, err)
		return err
	}
	select {
	case err = <-w:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err == nil {
		s.mu.Lock()
		s.auth = append(s.auth, p)
		s.mu.Unlock()
	}
	return err
}

// close sends closeSession (the server drops the session and its ephemerals at once) and ends.
func (s *session) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	c := s.conn
	var k *call
	var xid int32
	if c != nil {
		k = &call{op: jute.OpCloseSession, done: make(chan struct{})}
		s.xid++
		xid = s.xid
		c.pending[xid] = k
	}
	s.mu.Unlock()
	close(s.closing) // no reconnecting from now on
	if c != nil {
		if s.write(c, jute.AppendFrame(nil, &jute.RequestHeader{Xid: xid, Type: jute.OpCloseSession})) == nil {
			t := time.NewTimer(time.Second)
			select {
			case <-k.done:
			case <-t.C:
			}
			t.Stop()
		}
		s.lose(c, nil)
	}
	<-s.loopDone
	s.mu.Lock()
	ended := s.watches.clear()
	s.mu.Unlock()
	ended.end(zk.Event{Type: zk.EventNotWatching, State: zk.StateDisconnected, Err: zk.ErrClosing})
	s.changed()
}

// connected reports whether the session is on a connection.
func (s *session) connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn != nil
}

// server is the address of the server connected to, "" if none.
func (s *session) server() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return ""
	}
	return s.conn.server
}

// sessionID is the session's id (0 before the first handshake and after expiry).
func (s *session) sessionID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// localAddr is the client's address on the connection, nil if none.
func (s *session) localAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	return s.conn.LocalAddr()
}

// allFailed returns why, when the last dials, as many as there are servers, all failed (refused,
// unreachable, unresolvable); nil while a server accepts connections, even if its handshake fails
// (Wait then goes on until the connect timeout).
func (s *session) allFailed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed < len(s.servers) || s.lastDialErr == nil {
		return nil
	}
	return dialReason(s.lastDialErr)
}

// handshakeFailure describes the last failed handshake, "" if none.
// saslFailure is the server's refusal of the SASL login on the last connection, nil if none.
func (s *session) saslFailure() *saslRefused {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saslErr
}

func (s *session) handshakeFailure() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handshakeErr == "" {
		return ""
	}
	return "the handshake failed: " + strings.TrimPrefix(s.handshakeErr, "handshake: ")
}
