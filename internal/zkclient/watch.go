package zkclient

import (
	"sync"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/znodepath"
	"github.com/zksh/zksh/jute"
)

// The events a Client makes itself when a watch is removed (RemoveWatches), ZooKeeper's numbers.
const (
	EventDataWatchRemoved       = zk.EventType(jute.EventDataWatchRemoved)
	EventChildWatchRemoved      = zk.EventType(jute.EventChildWatchRemoved)
	EventPersistentWatchRemoved = zk.EventType(jute.EventPersistentWatchRemoved)
)

// AddWatchMode is the kind of persistent watch AddWatch sets.
type AddWatchMode int32

const (
	Persistent          AddWatchMode = AddWatchMode(jute.AddWatchPersistent)          // the znode's events
	PersistentRecursive AddWatchMode = AddWatchMode(jute.AddWatchPersistentRecursive) // the subtree's (no child events)
)

// WatcherType is the kind of watch RemoveWatches removes (zkCli's removewatches -c -d -a -p -r).
type WatcherType int32

const (
	WatchChildren            WatcherType = 1
	WatchData                WatcherType = 2
	WatchAny                 WatcherType = 3
	WatchPersistent          WatcherType = 4
	WatchPersistentRecursive WatcherType = 5
)

// watchSet is the session's watches, by kind and server path: one-shot ones as channels that get
// one event and close, persistent ones as streams. Guarded by session.mu.
type watchSet struct {
	data, exist, child    map[string][]chan zk.Event
	persistent, recursive map[string][]*stream
}

func newWatchSet() watchSet {
	return watchSet{data: map[string][]chan zk.Event{}, exist: map[string][]chan zk.Event{},
		child: map[string][]chan zk.Event{}, persistent: map[string][]*stream{}, recursive: map[string][]*stream{}}
}

// fired is the watches an event (or their end) goes to.
type fired struct {
	chans   []chan zk.Event
	paths   []string // of chans, for end
	streams []*stream
	spaths  []string
}

func (f *fired) takeChans(m map[string][]chan zk.Event, path string) {
	for _, ch := range m[path] {
		f.chans = append(f.chans, ch)
		f.paths = append(f.paths, path)
	}
	delete(m, path)
}

// fire picks the watches an event of the server goes to, and forgets the one-shot ones.
func (w *watchSet) fire(typ int32, path string) fired {
	var f fired
	switch typ {
	case jute.EventNodeCreated, jute.EventNodeDataChanged:
		f.takeChans(w.data, path)
		f.takeChans(w.exist, path)
	case jute.EventNodeDeleted:
		f.takeChans(w.data, path)
		f.takeChans(w.exist, path)
		f.takeChans(w.child, path)
	case jute.EventNodeChildrenChanged:
		f.takeChans(w.child, path)
	default:
		return f
	}
	f.streams = append(f.streams, w.persistent[path]...)
	if typ != jute.EventNodeChildrenChanged {
		for p := path; ; p = znodepath.Parent(p) {
			f.streams = append(f.streams, w.recursive[p]...)
			if p == "/" {
				break
			}
		}
	}
	return f
}

// send delivers a fired event: once to each one-shot watch (which then closes), to each stream.
func (f fired) send(ev zk.Event) {
	for _, ch := range f.chans {
		ch <- ev
		close(ch)
	}
	for _, st := range f.streams {
		st.push(ev)
	}
}

// end delivers the last event of removed watches, each with its own path, and closes them.
func (f fired) end(ev zk.Event) {
	for i, ch := range f.chans {
		e := ev
		e.Path = f.paths[i]
		ch <- e
		close(ch)
	}
	for i, st := range f.streams {
		e := ev
		e.Path = f.spaths[i]
		st.end(e)
	}
}

// clear forgets every watch and returns them, to end.
func (w *watchSet) clear() fired {
	var f fired
	for _, m := range []map[string][]chan zk.Event{w.data, w.exist, w.child} {
		for p := range m {
			f.takeChans(m, p)
		}
	}
	for _, m := range []map[string][]*stream{w.persistent, w.recursive} {
		for p, sts := range m {
			for _, st := range sts {
				f.streams = append(f.streams, st)
				f.spaths = append(f.spaths, p)
			}
			delete(m, p)
		}
	}
	return f
}

// has reports whether a watch of typ is set on path.
func (w *watchSet) has(path string, typ WatcherType) bool {
	d := len(w.data[path])+len(w.exist[path]) > 0
	c := len(w.child[path]) > 0
	p := len(w.persistent[path]) > 0
	r := len(w.recursive[path]) > 0
	switch typ {
	case WatchChildren:
		return c
	case WatchData:
		return d
	case WatchPersistent:
		return p
	case WatchPersistentRecursive:
		return r
	}
	return d || c || p || r
}

// remove forgets the watches of typ on path and returns them, with the event each ends with.
func (w *watchSet) remove(path string, typ WatcherType) (data, child, persistent fired) {
	if typ == WatchData || typ == WatchAny {
		data.takeChans(w.data, path)
		data.takeChans(w.exist, path)
	}
	if typ == WatchChildren || typ == WatchAny {
		child.takeChans(w.child, path)
	}
	take := func(m map[string][]*stream) {
		for _, st := range m[path] {
			persistent.streams = append(persistent.streams, st)
			persistent.spaths = append(persistent.spaths, path)
		}
		delete(m, path)
	}
	if typ == WatchPersistent || typ == WatchAny {
		take(w.persistent)
	}
	if typ == WatchPersistentRecursive || typ == WatchAny {
		take(w.recursive)
	}
	return data, child, persistent
}

// setWatchesMax bounds the paths of one SetWatches2 request (as Apache's client does), well
// inside any server's jute.maxbuffer.
const setWatchesMax = 128 << 10

// setWatches is the SetWatches2 requests that re-arm every watch (none if there are none).
func (w *watchSet) setWatches(lastZxid int64) []*jute.SetWatches {
	var out []*jute.SetWatches
	var cur *jute.SetWatches
	size := 0
	add := func(list func(r *jute.SetWatches) *[]string, p string) {
		if cur == nil || size+len(p)+4 > setWatchesMax {
			cur = &jute.SetWatches{V2: true, RelativeZxid: lastZxid, Data: []string{}, Exist: []string{},
				Child: []string{}, Persistent: []string{}, PersistentRecursive: []string{}}
			out = append(out, cur)
			size = 0
		}
		l := list(cur)
		*l = append(*l, p)
		size += len(p) + 4
	}
	for p := range w.data {
		add(func(r *jute.SetWatches) *[]string { return &r.Data }, p)
	}
	for p := range w.exist {
		add(func(r *jute.SetWatches) *[]string { return &r.Exist }, p)
	}
	for p := range w.child {
		add(func(r *jute.SetWatches) *[]string { return &r.Child }, p)
	}
	for p := range w.persistent {
		add(func(r *jute.SetWatches) *[]string { return &r.Persistent }, p)
	}
	for p := range w.recursive {
		add(func(r *jute.SetWatches) *[]string { return &r.PersistentRecursive }, p)
	}
	return out
}

// stream is a persistent watch's events: never dropped, never blocking the session's reader (they
// queue until read), closed after the event that ends the watch.
type stream struct {
	out  chan zk.Event
	wake chan struct{}

	mu    sync.Mutex
	queue []zk.Event
	ended bool
}

func newStream() *stream {
	st := &stream{out: make(chan zk.Event), wake: make(chan struct{}, 1)}
	go st.pump()
	return st
}

func (st *stream) push(ev zk.Event) {
	st.mu.Lock()
	if !st.ended {
		st.queue = append(st.queue, ev)
	}
	st.mu.Unlock()
	st.poke()
}

func (st *stream) end(ev zk.Event) {
	st.mu.Lock()
	if !st.ended {
		st.queue = append(st.queue, ev)
		st.ended = true
	}
	st.mu.Unlock()
	st.poke()
}

// stop closes a stream that never got a watch.
func (st *stream) stop() {
	st.mu.Lock()
	st.ended = true
	st.mu.Unlock()
	st.poke()
}

func (st *stream) poke() {
	select {
	case st.wake <- struct{}{}:
	default:
	}
}

func (st *stream) pump() {
	for {
		st.mu.Lock()
		if len(st.queue) == 0 {
			ended := st.ended
			st.mu.Unlock()
			if ended {
				close(st.out)
				return
			}
			<-st.wake
			continue
		}
		ev := st.queue[0]
		st.queue = st.queue[1:]
		st.mu.Unlock()
		st.out <- ev
	}
}
