package server

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/zksh/zksh/jute"
)

// session is a client session; it outlives connections until it expires or is closed.
type session struct {
	id       int64
	passwd   []byte
	timeout  int32 // negotiated, ms
	expireAt int64 // server clock, ms
	conn     *conn
}

// passwdFor derives a session's 16-byte password from the server secret.
func (s *Server) passwdFor(id int64) []byte {
	var b [24]byte
	copy(b[:16], s.secret[:])
	binary.BigEndian.PutUint64(b[16:], uint64(id))
	sum := sha256.Sum256(b[:])
	return sum[:16]
}

// touch pushes a session's expiry out by its timeout, rounded up to the next tick as Apache's
// ExpiryQueue does.
func (s *Server) touch(sess *session) {
	tick := s.cfg.TickTime.Milliseconds()
	if tick <= 0 {
		tick = 1
	}
	t := s.nowMs() + int64(sess.timeout)
	sess.expireAt = (t/tick + 1) * tick
}

func (s *Server) clampTimeout(requested int32) int32 {
	lo := int32(s.cfg.MinSessionTimeout.Milliseconds())
	hi := int32(s.cfg.MaxSessionTimeout.Milliseconds())
	if requested < lo {
		requested = lo
	}
	if requested > hi {
		requested = hi
	}
	return requested
}

// connect handles a ConnectRequest. It returns the response and whether the connection stays open;
// a nil response means close without answering (client ahead of our zxid).
func (s *Server) connect(c *conn, req *jute.ConnectRequest) (*jute.ConnectResponse, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.LastZxidSeen > s.zxid {
		s.log.Info("refusing session: client has seen a later zxid", "client", c.remote,
			"clientZxid", req.LastZxidSeen, "zxid", s.zxid)
		return nil, false
	}
	timeout := s.clampTimeout(req.TimeOut)
	resp := &jute.ConnectResponse{HasReadOnly: req.HasReadOnly}
	if req.SessionID == 0 {
		id := s.nextSessionID
		for {
			if _, used := s.sessions[id]; !used && id != containerOwner {
				break
			}
			id++
		}
		s.nextSessionID = id + 1
		sess := &session{id: id, passwd: s.passwdFor(id), timeout: timeout}
		t := s.beginWrite()
		s.sessions[id] = sess
		t.effects = append(t.effects, effect{kind: effCreateSession, session: id, timeout: timeout, data: sess.passwd})
		t.undo = append(t.undo, func() { delete(s.sessions, id) })
		s.commit()
		s.touch(sess)
		s.attach(c, sess)
		resp.TimeOut, resp.SessionID, resp.Passwd = timeout, id, sess.passwd
		s.log.Debug("session created", "session", id, "timeout", timeout)
		return resp, true
	}
	sess := s.sessions[req.SessionID]
	if sess == nil || !equalBytes(sess.passwd, req.Passwd) {
		resp.Passwd = make([]byte, 16)
		return resp, false
	}
	if old := sess.conn; old != nil && old != c {
		old.session = nil
		s.watches.removeConn(old)
		old.closeNow()
	}
	sess.timeout = timeout
	s.touch(sess)
	s.attach(c, sess)
	resp.TimeOut, resp.SessionID, resp.Passwd = timeout, sess.id, sess.passwd
	return resp, true
}

func (s *Server) attach(c *conn, sess *session) {
	sess.conn = c
	c.session = sess
	c.auth = c.auth[:0]
	if id, ok := x509ID(c.nc); ok {
		c.auth = append(c.auth, jute.ID{Scheme: "x509", ID: id})
	}
	c.auth = append(c.auth, jute.ID{Scheme: "ip", ID: c.ip})
}

func equalBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// expireSessions closes every session whose time is up.
func (s *Server) expireSessions() {
	now := s.nowMs()
	var due []*session
	for _, sess := range s.sessions {
		if sess.expireAt <= now {
			due = append(due, sess)
		}
	}
	for _, sess := range due {
		s.log.Info("session expired", "session", sess.id)
		s.closeSession(sess)
		if c := sess.conn; c != nil {
			c.session = nil
			s.watches.removeConn(c)
			c.closeAfterFlush()
		}
	}
}

// closeSession is the closeSession transaction: a zxid, the session's ephemerals deleted (with
// their watches), the session forgotten.
func (s *Server) closeSession(sess *session) {
	t := s.beginWrite()
	for _, p := range s.tree.ephemeralPaths(sess.id) {
		if n := s.tree.get(p); n != nil && len(n.children) == 0 {
			s.doDelete(n)
		}
	}
	delete(s.sessions, sess.id)
	t.effects = append(t.effects, effect{kind: effCloseSession, session: sess.id})
	s.commit()
}
