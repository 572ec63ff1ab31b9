package server

import (
	"strings"

	"github.com/zksh/zksh/jute"
)

// The handlers of the operations that change no data (opRead), and setWatches (opSession).

func (s *Server) opExists(r *request) (jute.Record, int32) {
	var req jute.PathWatchRequest
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	if strings.IndexByte(req.Path, 0) >= 0 {
		return nil, jute.ErrBadArguments
	}
	if req.Watch {
		s.watches.data.add(req.Path, r.c, watchStandard)
	}
	n := s.tree.get(req.Path)
	if n == nil {
		return nil, jute.ErrNoNode
	}
	return &jute.StatResponse{Stat: n.stat()}, jute.ErrOK
}

func (s *Server) opGetData(r *request) (jute.Record, int32) {
	var req jute.PathWatchRequest
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	n, code := s.getData(r.c, req.Path, req.Watch)
	if code != jute.ErrOK {
		return nil, code
	}
	return &jute.GetDataResponse{Data: n.data, Stat: n.stat()}, jute.ErrOK
}

// opGetChildren answers getChildren (names) and getChildren2 (names and stat).
func (s *Server) opGetChildren(r *request) (jute.Record, int32) {
	var req jute.PathWatchRequest
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	n, code := s.getChildren(r.c, req.Path, req.Watch)
	if code != jute.ErrOK {
		return nil, code
	}
	if r.op == jute.OpGetChildren {
		return &jute.StringsResponse{Strings: n.childNames()}, jute.ErrOK
	}
	return &jute.GetChildren2Response{Children: n.childNames(), Stat: n.stat()}, jute.ErrOK
}

func (s *Server) opGetACL(r *request) (jute.Record, int32) {
	var req jute.PathRecord
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	return s.getACL(r.c, req.Path)
}

func (s *Server) opSync(r *request) (jute.Record, int32) {
	var req jute.PathRecord
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	return &jute.PathRecord{Path: req.Path}, jute.ErrOK
}

func (s *Server) opGetAllChildrenNumber(r *request) (jute.Record, int32) {
	var req jute.PathRecord
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	n := s.tree.get(req.Path)
	if n == nil {
		return nil, jute.ErrNoNode
	}
	if code := checkACL(n.acl, jute.PermRead, r.c.auth); code != jute.ErrOK {
		return nil, code
	}
	// Apache counts the keys of its node map that start with path+"/": for "/" every node but
	// the root, for "" (the root's other key) every node, the root included.
	total := len(s.tree.nodes) - 1
	switch {
	case req.Path == "":
		total = len(s.tree.nodes)
	case n != s.tree.root:
		total = countDescendants(n)
	}
	return &jute.IntRecord{Value: int32(total)}, jute.ErrOK
}

func (s *Server) opGetEphemerals(r *request) (jute.Record, int32) {
	var req jute.PathRecord
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	prefix := strings.TrimSpace(req.Path)
	out := []string{}
	for _, p := range s.tree.ephemeralPaths(r.sess.id) {
		if prefix == "" || prefix == "/" || strings.HasPrefix(p, req.Path) {
			out = append(out, p)
		}
	}
	return &jute.StringsResponse{Strings: out}, jute.ErrOK
}

func (s *Server) opWhoAmI(r *request) (jute.Record, int32) {
	infos := make([]jute.ClientInfo, 0, len(r.c.auth))
	for _, id := range r.c.auth {
		user := ""
		switch id.Scheme {
		case "digest":
			user, _, _ = strings.Cut(id.ID, ":")
		case "ip", "x509":
			user = id.ID
		case "sasl":
			// The user name comes from the scheme's provider: none without authProvider.N.
			if s.cfg.SASLACL {
				user = id.ID
			}
		}
		infos = append(infos, jute.ClientInfo{AuthScheme: id.Scheme, User: user})
	}
	return &jute.WhoAmIResponse{ClientInfo: infos}, jute.ErrOK
}

func (s *Server) opMultiRead(r *request) (jute.Record, int32) {
	var req jute.MultiRequest
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	return s.multiRead(r.c, &req)
}

func (s *Server) opAddWatch(r *request) (jute.Record, int32) {
	var req jute.PathIntRequest
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	switch req.Value {
	case jute.AddWatchPersistent:
		s.watches.data.add(req.Path, r.c, watchPersistent)
		s.watches.child.add(req.Path, r.c, watchPersistent)
	case jute.AddWatchPersistentRecursive:
		// 3.8.0 registers recursive watches in both tables (3.9 only in the data table).
		s.watches.data.add(req.Path, r.c, watchRecursive)
		s.watches.child.add(req.Path, r.c, watchRecursive)
	default:
		return nil, jute.ErrMarshallingError
	}
	return &jute.IntRecord{Value: 0}, jute.ErrOK
}

// opWatches answers checkWatches and removeWatches.
func (s *Server) opWatches(r *request) (jute.Record, int32) {
	var req jute.PathIntRequest
	if !decode(r.body, &req) {
		return nil, jute.ErrMarshallingError
	}
	if req.Value < jute.WatcherChildren || req.Value > jute.WatcherAny {
		return nil, jute.ErrMarshallingError
	}
	found := false
	for _, tbl := range []struct {
		t    *watchTable
		kind int32
	}{{s.watches.child, jute.WatcherChildren}, {s.watches.data, jute.WatcherData}} {
		if req.Value != jute.WatcherAny && req.Value != tbl.kind {
			continue
		}
		if r.op == jute.OpCheckWatches {
			// Apache 3.8.0's WatchManager.containsWatcher answers true when any
			// connection watches the path, not only this one.
			ok, bad := tbl.t.contains(req.Path, r.c)
			if bad {
				return nil, jute.ErrMarshallingError
			}
			found = found || ok
		} else if tbl.t.remove(req.Path, r.c) {
			found = true
		}
	}
	if !found {
		return nil, jute.ErrNoWatcher
	}
	return nil, jute.ErrOK
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
		// MultiOperationRecord rebuilds reads as Op.getData(path)/Op.getChildren(path): the
		// watch flag is dropped, so a multiRead never registers watches.
		switch op.Type {
		case jute.OpGetChildren:
			n, code := s.getChildren(c, req.Path, false)
			if code != jute.ErrOK {
				results = append(results, jute.OpResult{Type: jute.OpError, Err: code})
				continue
			}
			results = append(results, jute.OpResult{Type: jute.OpGetChildren, Children: n.childNames()})
		case jute.OpGetData:
			n, code := s.getData(c, req.Path, false)
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
