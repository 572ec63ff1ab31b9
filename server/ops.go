package server

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/zksh/zksh/server/jute"
)

// handle processes one request frame from an established connection. It returns false when the
// connection must close once its replies are flushed.
func (s *Server) handle(c *conn, frame []byte) bool {
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
	sess := c.session
	if sess == nil || s.closed {
		return false
	}
	s.touch(sess)
	s.stats.received++
	keep := s.dispatch(c, sess, h, body)
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
		return false
	case jute.OpAuth:
		return s.opAuth(c, h.Xid, body)
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
			id := Digest(string(p.Auth))
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

// writeOp applies one write within the current txn and returns its reply body or error code.
func (s *Server) writeOp(c *conn, typ int32, body []byte) (jute.Record, int32) {
	switch typ {
	case jute.OpCreate, jute.OpCreate2, jute.OpCreateContainer:
		var r jute.CreateRequest
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		return s.createResult(c, typ, r.Path, r.Data, r.ACL, r.Flags, -1)
	case jute.OpCreateTTL:
		var r jute.CreateTTLRequest
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		return s.createResult(c, typ, r.Path, r.Data, r.ACL, r.Flags, r.TTL)
	case jute.OpDelete:
		var r jute.PathVersionRequest
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		return nil, s.delete(c, r.Path, r.Version)
	case jute.OpDeleteContainer:
		return nil, s.deleteContainer(string(body))
	case jute.OpSetData:
		var r jute.SetDataRequest
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		n, code := s.setData(c, r.Path, r.Data, r.Version)
		if code != jute.ErrOK {
			return nil, code
		}
		return &jute.StatResponse{Stat: n.stat()}, jute.ErrOK
	case jute.OpSetACL:
		var r jute.SetACLRequest
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		n, code := s.setACL(c, r.Path, r.ACL, r.Version)
		if code != jute.ErrOK {
			return nil, code
		}
		return &jute.StatResponse{Stat: n.stat()}, jute.ErrOK
	case jute.OpCheck:
		var r jute.PathVersionRequest
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		return nil, s.check(c, r.Path, r.Version)
	case jute.OpMulti:
		var r jute.MultiRequest
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		return s.multi(c, &r)
	case jute.OpReconfig:
		var r jute.ReconfigRequest
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		// Standalone Apache ZooKeeper runs with reconfigEnabled=false.
		return nil, jute.ErrReconfigDisabled
	}
	return nil, jute.ErrUnimplemented
}

func (s *Server) createResult(c *conn, typ int32, path string, data []byte, acl []jute.ACL, flags int32, ttl int64) (jute.Record, int32) {
	n, code := s.create(c, typ, path, data, acl, flags, ttl)
	if code != jute.ErrOK {
		return nil, code
	}
	if typ == jute.OpCreate {
		return &jute.PathRecord{Path: n.path}, jute.ErrOK
	}
	return &jute.Create2Response{Path: n.path, Stat: n.stat()}, jute.ErrOK
}

// create is PrepRequestProcessor.pRequest2TxnCreate followed by DataTree.createNode, with the
// checks in Apache's order.
func (s *Server) create(c *conn, typ int32, path string, data []byte, acl []jute.ACL, flags int32, ttl int64) (*znode, int32) {
	if flags < jute.FlagPersistent || flags > jute.FlagPersistentSequentialWithTTL {
		return nil, jute.ErrBadArguments
	}
	isTTL := flags == jute.FlagPersistentWithTTL || flags == jute.FlagPersistentSequentialWithTTL
	if isTTL && !s.cfg.ExtendedTypesEnabled {
		return nil, jute.ErrUnimplemented
	}
	if isTTL {
		if ttl <= 0 || ttl > maxTTL {
			return nil, jute.ErrBadArguments
		}
	} else if ttl >= 0 {
		return nil, jute.ErrBadArguments
	}
	parentP, ok := splitParent(path)
	if !ok {
		return nil, jute.ErrBadArguments
	}
	acl, code := fixupACL(acl, c.auth)
	if code != jute.ErrOK {
		return nil, code
	}
	parent := s.tree.get(parentP)
	if parent == nil {
		return nil, jute.ErrNoNode
	}
	if code := checkACL(parent.acl, jute.PermCreate, c.auth); code != jute.ErrOK {
		return nil, code
	}
	switch flags {
	case jute.FlagPersistentSequential, jute.FlagEphemeralSequential, jute.FlagPersistentSequentialWithTTL:
		path += fmt.Sprintf("%010d", parent.cversion)
	}
	if !validPath(path) {
		return nil, jute.ErrBadArguments
	}
	if s.tree.get(path) != nil {
		return nil, jute.ErrNodeExists
	}
	if isSessionOwner(parent.owner) {
		return nil, jute.ErrNoChildrenForEphemerals
	}
	var owner int64
	switch {
	case typ == jute.OpCreateContainer:
		owner = containerOwner
	case typ == jute.OpCreateTTL:
		owner = ttlOwnerMask | ttl
	case flags == jute.FlagEphemeral || flags == jute.FlagEphemeralSequential:
		owner = c.session.id
	}
	return s.doCreate(parent, path, data, acl, owner), jute.ErrOK
}

func (s *Server) delete(c *conn, path string, version int32) int32 {
	parentP, ok := splitParent(path)
	if !ok || isSpecialPath(path) {
		return jute.ErrBadArguments
	}
	parent := s.tree.get(parentP)
	if parent == nil {
		return jute.ErrNoNode
	}
	if code := checkACL(parent.acl, jute.PermDelete, c.auth); code != jute.ErrOK {
		return code
	}
	n := s.tree.get(path)
	if n == nil {
		return jute.ErrNoNode
	}
	if version != -1 && version != n.version {
		return jute.ErrBadVersion
	}
	if len(n.children) > 0 {
		return jute.ErrNotEmpty
	}
	s.doDelete(n)
	return jute.ErrOK
}

// deleteContainer is the request the container manager issues for an empty container or an
// expired TTL node.
func (s *Server) deleteContainer(path string) int32 {
	parentP, ok := splitParent(path)
	if !ok || isSpecialPath(path) {
		return jute.ErrBadArguments
	}
	n := s.tree.get(path)
	if n == nil || s.tree.get(parentP) == nil {
		return jute.ErrNoNode
	}
	if len(n.children) > 0 {
		return jute.ErrNotEmpty
	}
	if n.owner != containerOwner && !isTTLOwner(n.owner) {
		return jute.ErrBadVersion
	}
	s.doDelete(n)
	return jute.ErrOK
}

func (s *Server) setData(c *conn, path string, data []byte, version int32) (*znode, int32) {
	if !validPath(path) {
		return nil, jute.ErrBadArguments
	}
	n := s.tree.get(path)
	if n == nil {
		return nil, jute.ErrNoNode
	}
	if code := checkACL(n.acl, jute.PermWrite, c.auth); code != jute.ErrOK {
		return nil, code
	}
	if version != -1 && version != n.version {
		return nil, jute.ErrBadVersion
	}
	s.doSetData(n, data)
	return n, jute.ErrOK
}

func (s *Server) setACL(c *conn, path string, acl []jute.ACL, version int32) (*znode, int32) {
	if !validPath(path) {
		return nil, jute.ErrBadArguments
	}
	acl, code := fixupACL(acl, c.auth)
	if code != jute.ErrOK {
		return nil, code
	}
	n := s.tree.get(path)
	if n == nil {
		return nil, jute.ErrNoNode
	}
	if code := checkACL(n.acl, jute.PermAdmin, c.auth); code != jute.ErrOK {
		return nil, code
	}
	if version != -1 && version != n.aversion {
		return nil, jute.ErrBadVersion
	}
	s.doSetACL(n, acl)
	return n, jute.ErrOK
}

func (s *Server) check(c *conn, path string, version int32) int32 {
	if !validPath(path) {
		return jute.ErrBadArguments
	}
	n := s.tree.get(path)
	if n == nil {
		return jute.ErrNoNode
	}
	if code := checkACL(n.acl, jute.PermRead, c.auth); code != jute.ErrOK {
		return code
	}
	if version != -1 && version != n.version {
		return jute.ErrBadVersion
	}
	return jute.ErrOK
}

// multi applies ops all-or-nothing and encodes per-op results as Apache does: on failure, the ops
// before the failing one report 0, the failing one its code, the rest RuntimeInconsistency.
func (s *Server) multi(c *conn, r *jute.MultiRequest) (jute.Record, int32) {
	for i, op := range r.Ops {
		if op.Type == jute.OpGetData || op.Type == jute.OpGetChildren {
			return nil, jute.ErrMarshallingError // "Invalid type of op" in Apache
		}
		norm, ok := normalizeMultiCreate(op)
		if !ok {
			return nil, jute.ErrMarshallingError
		}
		r.Ops[i] = norm
	}
	results := make([]jute.OpResult, len(r.Ops))
	failed := -1
	var failCode int32
	for i, op := range r.Ops {
		res, code := s.multiOp(c, op)
		if code != jute.ErrOK {
			failed, failCode = i, code
			break
		}
		results[i] = res
	}
	if failed >= 0 {
		s.rollback()
		for i := range results {
			code := jute.ErrOK
			switch {
			case i == failed:
				code = failCode
			case i > failed:
				code = jute.ErrRuntimeInconsistency
			}
			results[i] = jute.OpResult{Type: jute.OpError, Err: code}
		}
	}
	return &jute.MultiResponse{Results: results}, jute.ErrOK
}

// normalizeMultiCreate retypes a create inside a multi as Apache's MultiOperationRecord does: the
// flags, not the op code on the wire, decide between create, createContainer and createTTL, and a
// create2 answers like a create (path only).
func normalizeMultiCreate(op jute.Op) (jute.Op, bool) {
	modeOf := func(flags int32) int32 {
		if flags < jute.FlagPersistent || flags > jute.FlagPersistentSequentialWithTTL {
			return jute.FlagPersistent
		}
		return flags
	}
	isTTL := func(mode int32) bool {
		return mode == jute.FlagPersistentWithTTL || mode == jute.FlagPersistentSequentialWithTTL
	}
	switch req := op.Req.(type) {
	case *jute.CreateRequest:
		mode := modeOf(req.Flags)
		switch {
		case isTTL(mode):
			return op, false // a TTL create without a ttl fails to convert in Apache
		case mode == jute.FlagContainer:
			op.Type = jute.OpCreateContainer
		default:
			op.Type = jute.OpCreate
		}
	case *jute.CreateTTLRequest:
		mode := modeOf(req.Flags)
		if isTTL(mode) {
			op.Type = jute.OpCreateTTL
			break
		}
		op.Req = &jute.CreateRequest{Path: req.Path, Data: req.Data, ACL: req.ACL, Flags: req.Flags}
		op.Type = jute.OpCreate
		if mode == jute.FlagContainer {
			op.Type = jute.OpCreateContainer
		}
	}
	return op, true
}

func (s *Server) multiOp(c *conn, op jute.Op) (jute.OpResult, int32) {
	switch req := op.Req.(type) {
	case *jute.CreateRequest:
		if op.Type != jute.OpCreate && op.Type != jute.OpCreate2 && op.Type != jute.OpCreateContainer {
			break
		}
		n, code := s.create(c, op.Type, req.Path, req.Data, req.ACL, req.Flags, -1)
		if code != jute.ErrOK {
			return jute.OpResult{}, code
		}
		if op.Type == jute.OpCreate {
			return jute.OpResult{Type: jute.OpCreate, Path: n.path}, jute.ErrOK
		}
		return jute.OpResult{Type: jute.OpCreate2, Path: n.path, Stat: n.stat()}, jute.ErrOK
	case *jute.CreateTTLRequest:
		n, code := s.create(c, op.Type, req.Path, req.Data, req.ACL, req.Flags, req.TTL)
		if code != jute.ErrOK {
			return jute.OpResult{}, code
		}
		return jute.OpResult{Type: jute.OpCreate2, Path: n.path, Stat: n.stat()}, jute.ErrOK
	case *jute.PathVersionRequest:
		if op.Type == jute.OpDelete {
			return jute.OpResult{Type: jute.OpDelete}, s.delete(c, req.Path, req.Version)
		}
		return jute.OpResult{Type: jute.OpCheck}, s.check(c, req.Path, req.Version)
	case *jute.SetDataRequest:
		n, code := s.setData(c, req.Path, req.Data, req.Version)
		if code != jute.ErrOK {
			return jute.OpResult{}, code
		}
		return jute.OpResult{Type: jute.OpSetData, Stat: n.stat()}, jute.ErrOK
	}
	return jute.OpResult{}, jute.ErrBadArguments
}

// readOp answers a request that changes no data.
func (s *Server) readOp(c *conn, sess *session, typ int32, body []byte) (jute.Record, int32) {
	switch typ {
	case jute.OpExists:
		var r jute.PathWatchRequest
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		if strings.IndexByte(r.Path, 0) >= 0 {
			return nil, jute.ErrBadArguments
		}
		if r.Watch {
			s.watches.data.add(r.Path, c, watchStandard)
		}
		n := s.tree.get(r.Path)
		if n == nil {
			return nil, jute.ErrNoNode
		}
		return &jute.StatResponse{Stat: n.stat()}, jute.ErrOK
	case jute.OpGetData:
		var r jute.PathWatchRequest
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		n, code := s.getData(c, r.Path, r.Watch)
		if code != jute.ErrOK {
			return nil, code
		}
		return &jute.GetDataResponse{Data: n.data, Stat: n.stat()}, jute.ErrOK
	case jute.OpGetChildren, jute.OpGetChildren2:
		var r jute.PathWatchRequest
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		n, code := s.getChildren(c, r.Path, r.Watch)
		if code != jute.ErrOK {
			return nil, code
		}
		if typ == jute.OpGetChildren {
			return &jute.StringsResponse{Strings: n.childNames()}, jute.ErrOK
		}
		return &jute.GetChildren2Response{Children: n.childNames(), Stat: n.stat()}, jute.ErrOK
	case jute.OpGetACL:
		var r jute.PathRecord
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		return s.getACL(c, r.Path)
	case jute.OpSync:
		var r jute.PathRecord
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		return &jute.PathRecord{Path: r.Path}, jute.ErrOK
	case jute.OpGetAllChildrenNumber:
		var r jute.PathRecord
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		n := s.tree.get(r.Path)
		if n == nil {
			return nil, jute.ErrNoNode
		}
		if code := checkACL(n.acl, jute.PermRead, c.auth); code != jute.ErrOK {
			return nil, code
		}
		total := len(s.tree.nodes) - 1
		if n != s.tree.root {
			total = countDescendants(n)
		}
		return &jute.IntRecord{Value: int32(total)}, jute.ErrOK
	case jute.OpGetEphemerals:
		var r jute.PathRecord
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		prefix := strings.TrimSpace(r.Path)
		out := []string{}
		for _, p := range s.tree.ephemeralPaths(sess.id) {
			if prefix == "" || prefix == "/" || strings.HasPrefix(p, r.Path) {
				out = append(out, p)
			}
		}
		return &jute.StringsResponse{Strings: out}, jute.ErrOK
	case jute.OpWhoAmI:
		infos := make([]jute.ClientInfo, 0, len(c.auth))
		for _, id := range c.auth {
			user := ""
			switch id.Scheme {
			case "digest":
				user, _, _ = strings.Cut(id.ID, ":")
			case "ip":
				user = id.ID
			}
			infos = append(infos, jute.ClientInfo{AuthScheme: id.Scheme, User: user})
		}
		return &jute.WhoAmIResponse{ClientInfo: infos}, jute.ErrOK
	case jute.OpMultiRead:
		var r jute.MultiRequest
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		return s.multiRead(c, &r)
	case jute.OpSetWatches, jute.OpSetWatches2:
		r := jute.SetWatches{V2: typ == jute.OpSetWatches2}
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		s.setWatches(c, &r)
		return nil, jute.ErrOK
	case jute.OpAddWatch:
		var r jute.PathIntRequest
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		switch r.Value {
		case jute.AddWatchPersistent:
			s.watches.data.add(r.Path, c, watchPersistent)
			s.watches.child.add(r.Path, c, watchPersistent)
		case jute.AddWatchPersistentRecursive:
			// 3.8.0 registers recursive watches in both tables (3.9 only in the data table).
			s.watches.data.add(r.Path, c, watchRecursive)
			s.watches.child.add(r.Path, c, watchRecursive)
		default:
			return nil, jute.ErrMarshallingError
		}
		return &jute.IntRecord{Value: 0}, jute.ErrOK
	case jute.OpCheckWatches, jute.OpRemoveWatches:
		var r jute.PathIntRequest
		if !decode(body, &r) {
			return nil, jute.ErrMarshallingError
		}
		if r.Value < jute.WatcherChildren || r.Value > jute.WatcherAny {
			return nil, jute.ErrMarshallingError
		}
		found := false
		for _, tbl := range []struct {
			t    *watchTable
			kind int32
		}{{s.watches.child, jute.WatcherChildren}, {s.watches.data, jute.WatcherData}} {
			if r.Value != jute.WatcherAny && r.Value != tbl.kind {
				continue
			}
			if typ == jute.OpCheckWatches {
				found = found || tbl.t.contains(r.Path, c)
			} else if tbl.t.remove(r.Path, c) {
				found = true
			}
		}
		if !found {
			return nil, jute.ErrNoWatcher
		}
		return nil, jute.ErrOK
	}
	return nil, jute.ErrUnimplemented
}

func (s *Server) getData(c *conn, path string, watch bool) (*znode, int32) {
	n := s.tree.get(path)
	if n == nil {
		return nil, jute.ErrNoNode
	}
	if code := checkACL(n.acl, jute.PermRead, c.auth); code != jute.ErrOK {
		return nil, code
	}
	if watch {
		s.watches.data.add(path, c, watchStandard)
	}
	return n, jute.ErrOK
}

func (s *Server) getChildren(c *conn, path string, watch bool) (*znode, int32) {
	n := s.tree.get(path)
	if n == nil {
		return nil, jute.ErrNoNode
	}
	if code := checkACL(n.acl, jute.PermRead, c.auth); code != jute.ErrOK {
		return nil, code
	}
	if watch {
		s.watches.child.add(path, c, watchStandard)
	}
	return n, jute.ErrOK
}

func (s *Server) getACL(c *conn, path string) (jute.Record, int32) {
	n := s.tree.get(path)
	if n == nil {
		return nil, jute.ErrNoNode
	}
	if code := checkACL(n.acl, jute.PermRead|jute.PermAdmin, c.auth); code != jute.ErrOK {
		return nil, code
	}
	acl := n.acl
	if checkACL(n.acl, jute.PermAdmin, c.auth) != jute.ErrOK {
		redacted := make([]jute.ACL, len(acl))
		for i, a := range acl {
			if a.ID.Scheme == "digest" {
				user, _, _ := strings.Cut(a.ID.ID, ":")
				a.ID.ID = user + ":x"
			}
			redacted[i] = a
		}
		acl = redacted
	}
	return &jute.GetACLResponse{ACL: acl, Stat: n.stat()}, jute.ErrOK
}

// multiRead answers each read independently; failures become error results.
func (s *Server) multiRead(c *conn, r *jute.MultiRequest) (jute.Record, int32) {
	results := make([]jute.OpResult, 0, len(r.Ops))
	for _, op := range r.Ops {
		req, ok := op.Req.(*jute.PathWatchRequest)
		if !ok {
			return nil, jute.ErrMarshallingError
		}
		switch op.Type {
		case jute.OpGetChildren:
			n, code := s.getChildren(c, req.Path, req.Watch)
			if code != jute.ErrOK {
				results = append(results, jute.OpResult{Type: jute.OpError, Err: code})
				continue
			}
			results = append(results, jute.OpResult{Type: jute.OpGetChildren, Children: n.childNames()})
		case jute.OpGetData:
			n, code := s.getData(c, req.Path, req.Watch)
			if code != jute.ErrOK {
				results = append(results, jute.OpResult{Type: jute.OpError, Err: code})
				continue
			}
			results = append(results, jute.OpResult{Type: jute.OpGetData, Data: n.data, Stat: n.stat()})
		}
	}
	return &jute.MultiResponse{Results: results}, jute.ErrOK
}

// setWatches re-registers a reconnected client's watches, firing at once those whose node changed
// after relativeZxid (DataTree.setWatches).
func (s *Server) setWatches(c *conn, r *jute.SetWatches) {
	for _, p := range r.Data {
		n := s.tree.get(p)
		switch {
		case n == nil:
			c.sendEvent(jute.EventNodeDeleted, p)
		case n.mzxid > r.RelativeZxid:
			c.sendEvent(jute.EventNodeDataChanged, p)
		default:
			s.watches.data.add(p, c, watchStandard)
		}
	}
	for _, p := range r.Exist {
		if s.tree.get(p) != nil {
			c.sendEvent(jute.EventNodeCreated, p)
		} else {
			s.watches.data.add(p, c, watchStandard)
		}
	}
	for _, p := range r.Child {
		n := s.tree.get(p)
		switch {
		case n == nil:
			c.sendEvent(jute.EventNodeDeleted, p)
		case n.pzxid > r.RelativeZxid:
			c.sendEvent(jute.EventNodeChildrenChanged, p)
		default:
			s.watches.child.add(p, c, watchStandard)
		}
	}
	for _, p := range r.Persistent {
		s.watches.data.add(p, c, watchPersistent)
		s.watches.child.add(p, c, watchPersistent)
	}
	for _, p := range r.PersistentRecursive {
		s.watches.data.add(p, c, watchRecursive)
		s.watches.child.add(p, c, watchRecursive)
	}
}

// sweepContainers removes empty containers that once had a child and expired TTL nodes, each as its
// own deleteContainer write (ContainerManager).
func (s *Server) sweepContainers() {
	now := s.nowMs()
	var due []string
	for p := range s.tree.containers {
		if n := s.tree.get(p); n != nil && n.cversion > 0 && len(n.children) == 0 {
			due = append(due, p)
		}
	}
	if s.cfg.ExtendedTypesEnabled {
		for p := range s.tree.ttls {
			n := s.tree.get(p)
			if n == nil || len(n.children) > 0 {
				continue
			}
			if ttl := ttlOf(n.owner); ttl != 0 && now-n.mtime > ttl {
				due = append(due, p)
			}
		}
	}
	for _, p := range due {
		s.beginWrite()
		if code := s.deleteContainer(p); code != jute.ErrOK {
			s.rollback()
		}
		s.commit()
	}
}
