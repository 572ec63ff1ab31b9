package server

import (
	"github.com/zksh/zksh/internal/znodepath"
	"github.com/zksh/zksh/jute"
)

// effect is one change to the tree or the sessions, as logged by the store and replayed at start.
type effect struct {
	kind    uint8
	path    string
	data    []byte
	acl     []jute.ACL
	owner   int64
	session int64
	timeout int32
	version int32
	time    int64
}

const (
	effCreate uint8 = iota + 1
	effDelete
	effSetData
	effSetACL
	effCreateSession
	effCloseSession
)

// pendingEvent is a watch trigger held back until its write commits.
type pendingEvent struct {
	typ  int32
	path string
}

// txn is the write being applied: its zxid and time, the effects to log, the watch events to fire
// once it commits, and how to undo it if a multi fails part way.
type txn struct {
	zxid    int64
	time    int64
	effects []effect
	events  []pendingEvent
	undo    []func()
	// quotas, in a multi under quota enforcement: the quotas as they were before it (checkQuota).
	quotas map[string]quotaState
}

// beginWrite allocates the next zxid, as Apache does for every write, failed or not.
// The txn is the server's one reusable record (writes never nest), so a write allocates no
// bookkeeping once the slices have grown.
func (s *Server) beginWrite() *txn {
	s.zxid++
	t := &s.spareTxn
	*t = txn{zxid: s.zxid, time: s.nowMs(), effects: reuse(t.effects), events: reuse(t.events), undo: reuse(t.undo)}
	s.txn = t
	return t
}

// reuse empties a slice for the next write, dropping what its elements refer to, and lets go of
// one that a large multi grew.
func reuse[T any](v []T) []T {
	if cap(v) > 256 {
		return nil
	}
	clear(v)
	return v[:0]
}

// rollback undoes the current write's changes (its zxid stays used) and drops its events.
func (s *Server) rollback() {
	t := s.txn
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.undo, t.effects, t.events = reuse(t.undo), reuse(t.effects), reuse(t.events)
}

// commit logs the write and fires its watch events.
func (s *Server) commit() {
	t := s.txn
	s.txn = nil
	if s.store != nil {
		if err := s.store.append(t.zxid, t.time, t.effects); err != nil {
			s.log.Error("store append failed", "err", err)
		}
	}
	for _, ev := range t.events {
		switch ev.typ {
		case jute.EventNodeCreated:
			s.watches.nodeCreated(ev.path)
		case jute.EventNodeDeleted:
			s.watches.nodeDeleted(ev.path)
		case jute.EventNodeDataChanged:
			s.watches.dataChanged(ev.path)
		}
	}
}

// doCreate links a node under parent within the current write.
func (s *Server) doCreate(parent *znode, path string, data []byte, acl []jute.ACL, owner int64) *znode {
	t := s.txn
	oldCversion, oldPzxid, oldSeq, oldCap := parent.cversion, parent.pzxid, parent.nextSeq, parent.childCap
	n := s.tree.create(parent, path, data, acl, owner, t.zxid, t.time)
	t.effects = append(t.effects, effect{kind: effCreate, path: path, data: data, acl: acl, owner: owner})
	t.events = append(t.events, pendingEvent{jute.EventNodeCreated, path})
	t.undo = append(t.undo, func() {
		s.tree.remove(n, 0)
		parent.cversion, parent.pzxid, parent.nextSeq, parent.childCap = oldCversion, oldPzxid, oldSeq, oldCap
	})
	return n
}

// doDelete unlinks a childless node within the current write.
func (s *Server) doDelete(n *znode) {
	t := s.txn
	parent := n.parent
	oldPzxid := parent.pzxid
	s.tree.remove(n, t.zxid)
	t.effects = append(t.effects, effect{kind: effDelete, path: n.path})
	t.events = append(t.events, pendingEvent{jute.EventNodeDeleted, n.path})
	t.undo = append(t.undo, func() {
		s.tree.relink(parent, n)
		s.tree.quotaCreated(n)
		parent.pzxid = oldPzxid
	})
}

// doSetData replaces a node's data within the current write.
func (s *Server) doSetData(n *znode, data []byte) {
	t := s.txn
	oldData, oldVersion, oldMzxid, oldMtime := n.data, n.version, n.mzxid, n.mtime
	s.tree.setData(n, data, n.version+1, t.zxid, t.time)
	t.effects = append(t.effects, effect{kind: effSetData, path: n.path, data: data, version: n.version})
	t.events = append(t.events, pendingEvent{jute.EventNodeDataChanged, n.path})
	t.undo = append(t.undo, func() {
		s.tree.setData(n, oldData, oldVersion, oldMzxid, oldMtime)
	})
}

// doSetACL replaces a node's ACL within the current write.
func (s *Server) doSetACL(n *znode, acl []jute.ACL) {
	t := s.txn
	n.acl = acl
	n.aversion++
	t.effects = append(t.effects, effect{kind: effSetACL, path: n.path, acl: acl, version: n.aversion})
}

// relink puts a removed node back exactly where it was (multi rollback).
func (t *tree) relink(parent *znode, n *znode) {
	if parent.children == nil {
		parent.children = make(map[string]*znode)
	}
	parent.children[n.name] = n
	parent.order = nil
	t.nodes[n.path] = n
	t.dataSize += int64(len(n.path) + len(n.data))
	switch {
	case n.owner == containerOwner:
		t.containers[n.path] = struct{}{}
	case isTTLOwner(n.owner):
		t.ttls[n.path] = struct{}{}
	case n.owner != 0:
		set := t.ephemerals[n.owner]
		if set == nil {
			set = make(map[string]struct{})
			t.ephemerals[n.owner] = set
		}
		set[n.path] = struct{}{}
	}
}

// applyEffect replays a logged effect onto the tree (no watches, no undo).
func (s *Server) applyEffect(zxid, now int64, e effect) error {
	switch e.kind {
	case effCreate:
		parent := s.tree.get(znodepath.Parent(e.path))
		if parent == nil || s.tree.get(e.path) != nil {
			return errReplay(e)
		}
		s.tree.create(parent, e.path, e.data, e.acl, e.owner, zxid, now)
	case effDelete:
		n := s.tree.get(e.path)
		if n == nil || n == s.tree.root {
			return errReplay(e)
		}
		s.tree.remove(n, zxid)
	case effSetData:
		n := s.tree.get(e.path)
		if n == nil {
			return errReplay(e)
		}
		s.tree.setData(n, e.data, e.version, zxid, now)
	case effSetACL:
		n := s.tree.get(e.path)
		if n == nil {
			return errReplay(e)
		}
		n.acl, n.aversion = e.acl, e.version
	case effCreateSession:
		sess := &session{id: e.session, passwd: e.data, timeout: e.timeout}
		s.sessions[e.session] = sess
	case effCloseSession:
		delete(s.sessions, e.session)
	default:
		return errReplay(e)
	}
	return nil
}
