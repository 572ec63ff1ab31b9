package server

import (
	"strings"

	"github.com/zksh/zksh/jute"
)

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
		// Apache counts the keys of its node map that start with path+"/": for "/" every node but
		// the root, for "" (the root's other key) every node, the root included.
		total := len(s.tree.nodes) - 1
		switch {
		case r.Path == "":
			total = len(s.tree.nodes)
		case n != s.tree.root:
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
				// Apache 3.8.0's WatchManager.containsWatcher answers true when any
				// connection watches the path, not only this one.
				found = found || len(tbl.t.byPath[r.Path]) > 0 || tbl.t.byPath[r.Path][c] == watchRecursive
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
