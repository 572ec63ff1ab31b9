package server

import "github.com/zksh/zksh/jute"

// operations is every request the server answers, by opcode: the name cons shows as the last
// operation, how the request is processed, and its handler. Adding an operation is one entry here
// and its handler; an opcode missing here is answered as Apache answers one it does not know.
var operations = map[int32]operation{
	jute.OpPing:         {"PING", opSession, (*Server).opPing},
	jute.OpCloseSession: {"CLOS", opSession, (*Server).opCloseSession},
	jute.OpAuth:         {"", opSession, (*Server).opAuth}, // answered outside the pipeline, as SASL
	jute.OpSASL:         {"", opSession, (*Server).opSASL}, // cons keeps the previous operation
	jute.OpSetWatches:   {"SETW", opSession, (*Server).opSetWatches},
	jute.OpSetWatches2:  {"STW2", opSession, (*Server).opSetWatches},

	jute.OpExists:               {"EXIS", opRead, (*Server).opExists},
	jute.OpGetData:              {"GETD", opRead, (*Server).opGetData},
	jute.OpGetChildren:          {"GETC", opRead, (*Server).opGetChildren},
	jute.OpGetChildren2:         {"GETC", opRead, (*Server).opGetChildren},
	jute.OpGetACL:               {"GETA", opRead, (*Server).opGetACL},
	jute.OpSync:                 {"SYNC", opRead, (*Server).opSync},
	jute.OpGetAllChildrenNumber: {"GETACN", opRead, (*Server).opGetAllChildrenNumber},
	jute.OpGetEphemerals:        {"GETE", opRead, (*Server).opGetEphemerals},
	jute.OpWhoAmI:               {"HOMI", opRead, (*Server).opWhoAmI},
	jute.OpMultiRead:            {"MLTR", opRead, (*Server).opMultiRead},
	jute.OpAddWatch:             {"ADDW", opRead, (*Server).opAddWatch},
	jute.OpCheckWatches:         {"CHKW", opRead, (*Server).opWatches},
	jute.OpRemoveWatches:        {"REMW", opRead, (*Server).opWatches},

	jute.OpCreate:          {"CREA", opWrite, (*Server).opCreate},
	jute.OpCreate2:         {"CREA", opWrite, (*Server).opCreate},
	jute.OpCreateContainer: {"CREA", opWrite, (*Server).opCreate},
	jute.OpCreateTTL:       {"CREA", opWrite, (*Server).opCreateTTL},
	jute.OpDelete:          {"DELE", opWrite, (*Server).opDelete},
	jute.OpDeleteContainer: {"DELE", opWrite, (*Server).opDeleteContainer},
	jute.OpSetData:         {"SETD", opWrite, (*Server).opSetData},
	jute.OpSetACL:          {"SETA", opWrite, (*Server).opSetACL},
	jute.OpCheck:           {"CHEC", opWrite, (*Server).opCheck},
	jute.OpMulti:           {"MULT", opWrite, (*Server).opMulti},
	jute.OpReconfig:        {"RECO", opWrite, (*Server).opReconfig},
}

// opIndex is operations as a slice indexed by opcode-opBase, so that dispatch finds an operation
// without hashing; a zero entry (nil handle) is an opcode not served.
var opIndex, opBase = func() ([]operation, int32) {
	lo, hi := int32(0), int32(0)
	for code := range operations {
		lo, hi = min(lo, code), max(hi, code)
	}
	idx := make([]operation, hi-lo+1)
	for code, op := range operations {
		idx[code-lo] = op
	}
	return idx, lo
}()

// lookupOp finds the operation for an opcode.
func lookupOp(code int32) (operation, bool) {
	i := int64(code) - int64(opBase)
	if i < 0 || i >= int64(len(opIndex)) {
		return operation{}, false
	}
	op := opIndex[i]
	return op, op.handle != nil
}

// operation is one entry of the table.
type operation struct {
	name   string // what cons shows as lop; "" leaves the previous one
	kind   opKind
	handle func(s *Server, r *request) (body jute.Record, code int32)
}

// opKind is how a request is processed around its handler.
type opKind uint8

const (
	// opRead changes no data: the reply (body, or code when not ErrOK) carries the current zxid.
	opRead opKind = iota
	// opWrite is applied within a txn: it takes the next zxid, failed or not; on failure its
	// effects are rolled back (the empty write is still logged); the reply carries its zxid.
	opWrite
	// opSession acts on the session or the connection (closeSession runs its own write) and is
	// answered unlike the others: the handler sets the reply's zxid (and xid, if not the request's).
	opSession
)

// request is the request being handled, as its handler sees it and may amend its answer.
type request struct {
	c    *conn
	sess *session
	op   int32 // opcode
	body []byte

	xid     int32 // of the reply: the request's unless an opSession handler changes it
	zxid    int64 // of the reply, set by opSession handlers
	noReply bool  // answer nothing
	close   bool  // close the connection once the reply (if any) is flushed
}

// dispatch runs one request through its operation and queues the reply. It returns false when the
// connection must close once its replies are flushed. s.mu held.
func (s *Server) dispatch(c *conn, sess *session, h jute.RequestHeader, body []byte) bool {
	if s.cfg.EnforceAuth && h.Type != jute.OpAuth && h.Type != jute.OpSASL && !s.enforcedAuth(c) {
		// AuthenticationHelper.enforceAuthentication: before the request is even looked at.
		s.log.Warn("closing connection without a required identity", "client", c.remote, "schemes", s.cfg.EnforceAuthSchemes)
		c.reply(h.Xid, 0, jute.ErrSessionClosedRequireSASL, nil)
		return false
	}
	op, ok := lookupOp(h.Type)
	if !ok {
		// UnimplementedRequestProcessor: zxid -1, then the connection closes.
		s.log.Warn("unknown request type", "type", h.Type, "client", c.remote)
		c.reply(h.Xid, -1, jute.ErrUnimplemented, nil)
		return false
	}
	if op.name != "" {
		c.lastOp = op.name
	}
	r := &c.req // one request at a time per connection: reused, so none is allocated
	*r = request{c: c, sess: sess, op: h.Type, body: body, xid: h.Xid}
	var rec jute.Record
	var code int32
	switch op.kind {
	case opRead:
		rec, code = op.handle(s, r)
		r.zxid = s.zxid
	case opWrite:
		s.beginWrite()
		rec, code = op.handle(s, r)
		if code != jute.ErrOK {
			s.rollback()
		}
		s.commit()
		r.zxid = s.zxid
	case opSession:
		rec, code = op.handle(s, r)
	}
	if !r.noReply {
		c.reply(r.xid, r.zxid, code, rec)
	}
	r.body = nil // do not keep the frame
	return !r.close
}

// opPing is answered with the ping xid whatever the request's.
func (s *Server) opPing(r *request) (jute.Record, int32) {
	r.xid, r.zxid = jute.XidPing, s.zxid
	return nil, jute.ErrOK
}

// opCloseSession closes the session (a write), drops the connection's watches at once, as Apache
// does, and closes the connection after the reply.
func (s *Server) opCloseSession(r *request) (jute.Record, int32) {
	s.closeSession(r.sess)
	r.sess.conn = nil
	r.c.session = nil
	s.watches.removeConn(r.c)
	r.zxid, r.close = s.zxid, true
	return nil, jute.ErrOK
}

// opAuth adds a digest or ip identity to the connection; any other scheme fails and closes it.
// The reply carries zxid 0.
func (s *Server) opAuth(r *request) (jute.Record, int32) {
	var p jute.AuthPacket
	code := jute.ErrAuthFailed
	if decode(r.body, &p) {
		switch p.Scheme {
		case "digest":
			id := Digest(jute.JavaString(p.Auth))
			if s.cfg.SuperDigest != "" && id == s.cfg.SuperDigest {
				r.c.addAuth(jute.ID{Scheme: "super", ID: ""})
			}
			r.c.addAuth(jute.ID{Scheme: "digest", ID: id})
			code = jute.ErrOK
		case "ip":
			r.c.addAuth(jute.ID{Scheme: "ip", ID: r.c.ip})
			code = jute.ErrOK
		}
	}
	r.close = code != jute.ErrOK
	return nil, code
}

// opSetWatches re-registers a reconnected client's watches; answered with the current zxid.
func (s *Server) opSetWatches(r *request) (jute.Record, int32) {
	r.zxid = s.zxid
	w := jute.SetWatches{V2: r.op == jute.OpSetWatches2}
	if !decode(r.body, &w) {
		return nil, jute.ErrMarshallingError
	}
	s.setWatches(r.c, &w)
	return nil, jute.ErrOK
}
