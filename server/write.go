package server

import (
	"fmt"

	"github.com/zksh/zksh/internal/znodepath"
	"github.com/zksh/zksh/jute"
)

// The handlers of the operations that change data (opWrite): each runs within the current txn.

// opCreate answers create (the path), create2 and createContainer (path and stat).
func (s *Server) opCreate(r *request) (jute.Record, int32) {
	var req jute.CreateRequest
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	return s.createResult(r.c, r.op, req.Path, req.Data, req.ACL, req.Flags, -1)
}

func (s *Server) opCreateTTL(r *request) (jute.Record, int32) {
	var req jute.CreateTTLRequest
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	return s.createResult(r.c, r.op, req.Path, req.Data, req.ACL, req.Flags, req.TTL)
}

func (s *Server) opDelete(r *request) (jute.Record, int32) {
	var req jute.PathVersionRequest
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	return nil, s.delete(r.c, req.Path, req.Version)
}

// opDeleteContainer's body is the bare path, as the container manager sends it.
func (s *Server) opDeleteContainer(r *request) (jute.Record, int32) {
	return nil, s.deleteContainer(string(r.body))
}

func (s *Server) opSetData(r *request) (jute.Record, int32) {
	var req jute.SetDataRequest
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	n, code := s.setData(r.c, req.Path, req.Data, req.Version)
	if code != jute.ErrOK {
		return nil, code
	}
	return &jute.StatResponse{Stat: n.stat()}, jute.ErrOK
}

func (s *Server) opSetACL(r *request) (jute.Record, int32) {
	var req jute.SetACLRequest
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	n, code := s.setACL(r.c, req.Path, req.ACL, req.Version)
	if code != jute.ErrOK {
		return nil, code
	}
	return &jute.StatResponse{Stat: n.stat()}, jute.ErrOK
}

// opCheck: Apache 3.8 answers a successful stand-alone check with a SetDataResponse holding a
// null stat, which fails to serialize: the client gets no reply at all. So does this server.
func (s *Server) opCheck(r *request) (jute.Record, int32) {
	var req jute.PathVersionRequest
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	code := s.check(r.c, req.Path, req.Version)
	r.noReply = code == jute.ErrOK
	return nil, code
}

func (s *Server) opMulti(r *request) (jute.Record, int32) {
	var req jute.MultiRequest
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	return s.multi(r.c, &req)
}

// opReconfig: a standalone server cannot reconfigure. Apache answers ReconfigDisabled when
// reconfigEnabled is false, else Unimplemented (it is no leader), before any ACL check; either
// way the request is a failed write (it takes a zxid) and the connection stays open.
func (s *Server) opReconfig(r *request) (jute.Record, int32) {
	var req jute.ReconfigRequest
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	if s.cfg.ReconfigEnabled {
		return nil, jute.ErrUnimplemented
	}
	return nil, jute.ErrReconfigDisabled
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
	acl, code := fixupACL(acl, c.auth, s.aclSchemes())
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
	if znodepath.Validate(path) != nil {
		return nil, jute.ErrBadArguments
	}
	if s.tree.get(path) != nil {
		return nil, jute.ErrNodeExists
	}
	if isSessionOwner(parent.owner) {
		return nil, jute.ErrNoChildrenForEphemerals
	}
	if code := s.checkQuota(path, int64(len(data)), 1); code != jute.ErrOK {
		return nil, code
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
	if znodepath.Validate(path) != nil {
		return nil, jute.ErrBadArguments
	}
	n := s.tree.get(path)
	if n == nil {
		return nil, jute.ErrNoNode
	}
	if code := checkACL(n.acl, jute.PermWrite, c.auth); code != jute.ErrOK {
		return nil, code
	}
	if code := s.checkQuota(path, int64(len(data)-len(n.data)), 0); code != jute.ErrOK {
		return nil, code
	}
	if version != -1 && version != n.version {
		return nil, jute.ErrBadVersion
	}
	s.doSetData(n, data)
	return n, jute.ErrOK
}

func (s *Server) setACL(c *conn, path string, acl []jute.ACL, version int32) (*znode, int32) {
	if znodepath.Validate(path) != nil {
		return nil, jute.ErrBadArguments
	}
	acl, code := fixupACL(acl, c.auth, s.aclSchemes())
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
	if znodepath.Validate(path) != nil {
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
	if s.cfg.EnforceQuota {
		s.txn.quotas = s.tree.committedQuotas() // empty, not nil, when there is none yet
	}
	results := make([]jute.OpResult, len(r.Ops))
	failed := -1
	var failCode int32
	for i, op := range r.Ops {
		res, code := s.multiOp(c, op)
		if code == jute.ErrMarshallingError {
			// Only a quota check gives it (Apache throws on malformed limits or stats), and an
			// exception that is no KeeperException fails the whole multi.
			return nil, code
		}
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
