package server

import (
	"sort"
	"time"

	"github.com/zksh/zksh/jute"
)

// handle processes one request frame from an established connection. It returns false when the
// connection must close once its replies are flushed.
func (s *Server) handle(c *conn, frame []byte) (keep bool) {
	start := time.Now()
	d := jute.NewDecoder(frame)
	var h jute.RequestHeader
	h.Decode(d)
	if d.Err != nil {
		return false
	}
	body := frame[d.Off:]
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		// A bug must cost one connection, not the server: undo the half-applied write and close.
		if r := recover(); r != nil {
			s.log.Error("panic handling request; closing connection", "op", h.Type, "panic", r)
			if s.txn != nil {
				// Log the write empty rather than drop it: its zxid may already be in replies
				// other clients read, and a restart must not go back behind it.
				s.rollback()
				s.commit()
			}
			keep = false
		}
	}()
	sess := c.session
	if sess == nil || s.closed {
		return false
	}
	s.touch(sess)
	s.stats.received++
	keep = s.dispatch(c, sess, h, body)
	lat := time.Since(start).Milliseconds()
	s.recordLatency(c, lat)
	if h.Xid >= 0 {
		c.lastCxid = h.Xid
	}
	c.lastZxid = s.zxid
	return keep
}

func (s *Server) recordLatency(c *conn, lat int64) {
	st := &s.stats
	st.sent++
	if st.minLatency < 0 || lat < st.minLatency {
		st.minLatency = lat
	}
	if lat > st.maxLatency {
		st.maxLatency = lat
	}
	st.totalLatency += lat
	st.latencyCount++
	if c.minLat < 0 || lat < c.minLat {
		c.minLat = lat
	}
	if lat > c.maxLat {
		c.maxLat = lat
	}
	c.totalLat += lat
	c.latCount++
}

// decode reads a request body; trailing bytes are ignored, as Apache does.
func decode(body []byte, rec jute.Record) bool {
	d := jute.NewDecoder(body)
	rec.Decode(d)
	return d.Err == nil
}

var opNames = map[int32]string{
	jute.OpPing: "PING", jute.OpCreate: "CREA", jute.OpCreate2: "CREA", jute.OpCreateContainer: "CREA",
	jute.OpCreateTTL: "CREA", jute.OpDelete: "DELE", jute.OpDeleteContainer: "DELE", jute.OpSetData: "SETD",
	jute.OpReconfig: "RECO", jute.OpSetACL: "SETA", jute.OpCloseSession: "CLOS", jute.OpSync: "SYNC",
	jute.OpCheck: "CHEC", jute.OpExists: "EXIS", jute.OpGetData: "GETD", jute.OpSetWatches: "SETW",
	jute.OpSetWatches2: "STW2", jute.OpAddWatch: "ADDW", jute.OpGetACL: "GETA", jute.OpGetChildren: "GETC",
	jute.OpGetChildren2: "GETC", jute.OpGetAllChildrenNumber: "GETACN", jute.OpCheckWatches: "CHKW",
	jute.OpRemoveWatches: "REMW", jute.OpWhoAmI: "HOMI", jute.OpGetEphemerals: "GETE", jute.OpMulti: "MULT",
	jute.OpMultiRead: "MLTR", jute.OpAuth: "AUTH",
}

func (s *Server) dispatch(c *conn, sess *session, h jute.RequestHeader, body []byte) bool {
	if name, ok := opNames[h.Type]; ok {
		c.lastOp = name
	}
	switch h.Type {
	case jute.OpPing:
		c.reply(jute.XidPing, s.zxid, jute.ErrOK, nil)
	case jute.OpCloseSession:
		s.closeSession(sess)
		sess.conn = nil
		c.session = nil
		c.reply(h.Xid, s.zxid, jute.ErrOK, nil)
		s.watches.removeConn(c) // at once, as Apache drops a closed session's watches
		return false
	case jute.OpAuth:
		return s.opAuth(c, h.Xid, body)
	case jute.OpSASL:
		// Without SASL configured Apache answers OK with a null token (zxid 0).
		var token saslResponse // GetSASLRequest has the same layout: one buffer
		if !decode(body, &token) {
			return false
		}
		c.reply(h.Xid, 0, jute.ErrOK, &saslResponse{})
	case jute.OpCreate, jute.OpCreate2, jute.OpCreateContainer, jute.OpCreateTTL, jute.OpDelete,
		jute.OpDeleteContainer, jute.OpSetData, jute.OpSetACL, jute.OpCheck, jute.OpMulti, jute.OpReconfig:
		s.beginWrite()
		rec, code := s.writeOp(c, h.Type, body)
		if code != jute.ErrOK {
			s.rollback()
		}
		s.commit()
		if h.Type == jute.OpCheck && code == jute.ErrOK {
			// Apache 3.8 answers a successful stand-alone check with a SetDataResponse holding a
			// null stat, which fails to serialize: the client gets no reply at all. Do the same.
			break
		}
		c.reply(h.Xid, s.zxid, code, rec)
	case jute.OpExists, jute.OpGetData, jute.OpGetACL, jute.OpGetChildren, jute.OpGetChildren2, jute.OpSync,
		jute.OpGetAllChildrenNumber, jute.OpGetEphemerals, jute.OpWhoAmI, jute.OpMultiRead,
		jute.OpSetWatches, jute.OpSetWatches2, jute.OpAddWatch, jute.OpCheckWatches, jute.OpRemoveWatches:
		rec, code := s.readOp(c, sess, h.Type, body)
		c.reply(h.Xid, s.zxid, code, rec)
	default:
		// UnimplementedRequestProcessor: zxid -1, then the connection closes.
		s.log.Warn("unknown request type", "type", h.Type, "client", c.remote)
		c.reply(h.Xid, -1, jute.ErrUnimplemented, nil)
		return false
	}
	return true
}

func (s *Server) opAuth(c *conn, xid int32, body []byte) bool {
	var p jute.AuthPacket
	code := jute.ErrAuthFailed
	if decode(body, &p) {
		switch p.Scheme {
		case "digest":
			id := Digest(jute.JavaString(p.Auth))
			if s.cfg.SuperDigest != "" && id == s.cfg.SuperDigest {
				c.addAuth(jute.ID{Scheme: "super", ID: ""})
			}
			c.addAuth(jute.ID{Scheme: "digest", ID: id})
			code = jute.ErrOK
		case "ip":
			c.addAuth(jute.ID{Scheme: "ip", ID: c.ip})
			code = jute.ErrOK
		}
	}
	c.reply(xid, 0, code, nil)
	return code == jute.ErrOK
}

func (c *conn) addAuth(id jute.ID) {
	for _, have := range c.auth {
		if have == id {
			return
		}
	}
	c.auth = append(c.auth, id)
	sortAuth(c.auth)
}

// sortAuth orders identities as Apache's connection keeps them, a set backed by a
// ConcurrentHashMap of 16 buckets: by bucket of Id.hashCode, then by insertion.
func sortAuth(ids []jute.ID) {
	bucket := func(id jute.ID) uint32 {
		h := 37*(37*17+javaStringHash(id.Scheme)) + javaStringHash(id.ID)
		u := uint32(h)
		return ((u ^ (u >> 16)) & 0x7fffffff) & 15
	}
	sort.SliceStable(ids, func(i, j int) bool { return bucket(ids[i]) < bucket(ids[j]) })
}

// saslResponse is SetSASLResponse with a null token.
type saslResponse struct{}

func (saslResponse) Encode(e *jute.Encoder) { e.Buffer(nil) }
func (saslResponse) Decode(d *jute.Decoder) { d.Buffer() }
