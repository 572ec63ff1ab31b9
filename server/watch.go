package server

import (
	"strings"

	"github.com/zksh/zksh/internal/znodepath"
	"github.com/zksh/zksh/jute"
)

// watchMode is WatcherMode: a one-shot watch, or an addWatch persistent (recursive) one.
type watchMode uint8

const (
	watchStandard watchMode = iota
	watchPersistent
	watchRecursive
)

// watchTable is one of Apache's two WatchManagers (data watches, child watches): per path, the
// connections watching it and each one's mode. Guarded by Server.mu.
type watchTable struct {
	byPath    map[string]map[*conn]watchMode
	byConn    map[*conn]map[string]struct{}
	recursive int
}

func newWatchTable() *watchTable {
	return &watchTable{byPath: make(map[string]map[*conn]watchMode), byConn: make(map[*conn]map[string]struct{})}
}

// add registers c on path; the newest mode replaces an older one, as in Apache.
func (w *watchTable) add(path string, c *conn, mode watchMode) {
	set := w.byPath[path]
	if set == nil {
		set = make(map[*conn]watchMode, 1)
		w.byPath[path] = set
	}
	if old, ok := set[c]; ok && old == watchRecursive {
		w.recursive--
	}
	if mode == watchRecursive {
		w.recursive++
	}
	set[c] = mode
	paths := w.byConn[c]
	if paths == nil {
		paths = make(map[string]struct{})
		w.byConn[c] = paths
	}
	paths[path] = struct{}{}
}

// contains is Apache 3.8.0's WatchManager.containsWatcher, which checkWatches asks: true when any
// connection watches path itself, or c watches it recursively. Its walk up the path's parents
// (one step unless the table has a recursive watch) fails on a path without '/': bad reports
// that, which Apache answers with MarshallingError.
func (w *watchTable) contains(path string, c *conn) (found, bad bool) {
	recursive := w.byPath[path][c] == watchRecursive
	p, level := path, 0
	for p != "" && (level < 1 || w.recursive > 0) {
		local := p
		level++
		if p == "/" {
			p = ""
		} else {
			i := strings.LastIndexByte(p, '/')
			if i < 0 {
				return false, true
			}
			if p = p[:i]; p == "" {
				p = "/"
			}
		}
		if level == 1 && len(w.byPath[local]) > 0 || recursive {
			return true, false
		}
	}
	return false, false
}

func (w *watchTable) remove(path string, c *conn) bool {
	set := w.byPath[path]
	mode, ok := set[c]
	if !ok {
		return false
	}
	if mode == watchRecursive {
		w.recursive--
	}
	delete(set, c)
	if len(set) == 0 {
		delete(w.byPath, path)
	}
	if paths := w.byConn[c]; paths != nil {
		delete(paths, path)
		if len(paths) == 0 {
			delete(w.byConn, c)
		}
	}
	return true
}

// removeConn drops every watch of a closed connection.
func (w *watchTable) removeConn(c *conn) {
	for p := range w.byConn[c] {
		set := w.byPath[p]
		if set[c] == watchRecursive {
			w.recursive--
		}
		delete(set, c)
		if len(set) == 0 {
			delete(w.byPath, p)
		}
	}
	delete(w.byConn, c)
}

// trigger collects the connections to notify of an event on path, removing one-shot watches, as
// WatchManager.triggerWatch does (recursive watches on path and its ancestors; child-changed events
// never reach recursive watches).
func (w *watchTable) trigger(path string, typ int32, into map[*conn]struct{}) map[*conn]struct{} {
	visit := func(p string, atParent bool) {
		set := w.byPath[p]
		for c, mode := range set {
			switch {
			case mode == watchRecursive:
				if typ != jute.EventNodeChildrenChanged {
					into = addConn(into, c)
				}
			case !atParent:
				into = addConn(into, c)
				if mode == watchStandard {
					delete(set, c)
					if paths := w.byConn[c]; paths != nil {
						delete(paths, p)
						if len(paths) == 0 {
							delete(w.byConn, c)
						}
					}
				}
			}
		}
		if set != nil && len(set) == 0 {
			delete(w.byPath, p)
		}
	}
	visit(path, false)
	if w.recursive > 0 {
		for p := path; p != "/"; {
			p = znodepath.Parent(p)
			visit(p, true)
		}
	}
	return into
}

func addConn(m map[*conn]struct{}, c *conn) map[*conn]struct{} {
	if m == nil {
		m = make(map[*conn]struct{}, 1)
	}
	m[c] = struct{}{}
	return m
}

// notify sends one event to each connection in set, skipping those in suppress.
func notify(set, suppress map[*conn]struct{}, typ int32, path string) {
	for c := range set {
		if _, skip := suppress[c]; skip {
			continue
		}
		c.sendEvent(typ, path)
	}
}

// watches holds both tables.
type watches struct {
	data  *watchTable
	child *watchTable
}

func newWatches() *watches { return &watches{data: newWatchTable(), child: newWatchTable()} }

func (ws *watches) nodeCreated(path string) {
	notify(ws.data.trigger(path, jute.EventNodeCreated, nil), nil, jute.EventNodeCreated, path)
	pp := znodepath.Parent(path)
	notify(ws.child.trigger(pp, jute.EventNodeChildrenChanged, nil), nil, jute.EventNodeChildrenChanged, pp)
}

func (ws *watches) nodeDeleted(path string) {
	done := ws.data.trigger(path, jute.EventNodeDeleted, nil)
	notify(done, nil, jute.EventNodeDeleted, path)
	notify(ws.child.trigger(path, jute.EventNodeDeleted, nil), done, jute.EventNodeDeleted, path)
	pp := znodepath.Parent(path)
	notify(ws.child.trigger(pp, jute.EventNodeChildrenChanged, nil), nil, jute.EventNodeChildrenChanged, pp)
}

func (ws *watches) dataChanged(path string) {
	notify(ws.data.trigger(path, jute.EventNodeDataChanged, nil), nil, jute.EventNodeDataChanged, path)
}

func (ws *watches) removeConn(c *conn) {
	ws.data.removeConn(c)
	ws.child.removeConn(c)
}

func (ws *watches) count() int {
	n := 0
	for _, set := range ws.data.byPath {
		n += len(set)
	}
	for _, set := range ws.child.byPath {
		n += len(set)
	}
	return n
}
