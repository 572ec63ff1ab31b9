package server_test

import (
	"fmt"
	"testing"

	"github.com/zksh/zksh/jute"
	"github.com/zksh/zksh/server"
)

func evs(list []jute.WatcherEvent) string {
	s := ""
	for _, e := range list {
		s += fmt.Sprintf("%d:%s ", e.Type, e.Path)
	}
	return s
}

func TestOneShotWatchesAndEventsBeforeReply(t *testing.T) {
	srv := server.RunT(t)
	c := newRaw(t, srv)
	c.mustCreate("/w", nil, 0)
	wantCode(t, "getData watch", c.call(jute.OpGetData, &jute.PathWatchRequest{Path: "/w", Watch: true}, nil), 0)
	wantCode(t, "children watch", c.call(jute.OpGetChildren, &jute.PathWatchRequest{Path: "/w", Watch: true}, nil), 0)
	wantCode(t, "exists watch on missing", c.call(jute.OpExists, &jute.PathWatchRequest{Path: "/w/k", Watch: true}, nil), jute.ErrNoNode)
	wantCode(t, "getData on missing", c.call(jute.OpGetData, &jute.PathWatchRequest{Path: "/missing", Watch: true}, nil), jute.ErrNoNode)
	// The write's own events arrive before its reply, in Apache's order.
	c.mustCreate("/w/k", nil, 0)
	if got := evs(c.takeEvents()); got != "1:/w/k 4:/w " {
		t.Fatalf("events %q", got)
	}
	wantCode(t, "set", c.call(jute.OpSetData, &jute.SetDataRequest{Path: "/w", Version: -1}, nil), 0)
	if got := evs(c.takeEvents()); got != "3:/w " {
		t.Fatalf("events %q", got)
	}
	// One-shot: a second change fires nothing.
	wantCode(t, "set again", c.call(jute.OpSetData, &jute.SetDataRequest{Path: "/w", Version: -1}, nil), 0)
	c.mustCreate("/w/k2", nil, 0)
	if got := c.takeEvents(); len(got) != 0 {
		t.Fatalf("one-shot watch fired twice: %v", evs(got))
	}
	// A data and a child watch on a deleted node yield one NodeDeleted.
	c.call(jute.OpExists, &jute.PathWatchRequest{Path: "/w/k", Watch: true}, nil)
	c.call(jute.OpGetChildren, &jute.PathWatchRequest{Path: "/w/k", Watch: true}, nil)
	c.call(jute.OpGetChildren, &jute.PathWatchRequest{Path: "/w", Watch: true}, nil)
	wantCode(t, "delete", c.call(jute.OpDelete, &jute.PathVersionRequest{Path: "/w/k", Version: -1}, nil), 0)
	if got := evs(c.takeEvents()); got != "2:/w/k 4:/w " {
		t.Fatalf("events %q", got)
	}
	// The watcher on another connection hears it too, the writer does not.
	o := newRaw(t, srv)
	o.call(jute.OpExists, &jute.PathWatchRequest{Path: "/w", Watch: true}, nil)
	wantCode(t, "set", c.call(jute.OpSetData, &jute.SetDataRequest{Path: "/w", Version: -1}, nil), 0)
	if got := evs(o.waitEvents(1)); got != "3:/w " {
		t.Fatalf("other connection events %q", got)
	}
}

func TestPersistentAndRecursiveWatches(t *testing.T) {
	srv := server.RunT(t)
	c := newRaw(t, srv)
	w := newRaw(t, srv)
	var r jute.IntRecord
	wantCode(t, "addWatch persistent", w.call(jute.OpAddWatch, &jute.PathIntRequest{Path: "/p", Value: jute.AddWatchPersistent}, &r), 0)
	wantCode(t, "addWatch recursive", w.call(jute.OpAddWatch, &jute.PathIntRequest{Path: "/r", Value: jute.AddWatchPersistentRecursive}, &r), 0)
	wantCode(t, "addWatch bad mode", w.call(jute.OpAddWatch, &jute.PathIntRequest{Path: "/r", Value: 7}, nil), jute.ErrMarshallingError)
	c.mustCreate("/p", nil, 0)
	c.mustCreate("/p/a", nil, 0)
	c.call(jute.OpSetData, &jute.SetDataRequest{Path: "/p", Version: -1}, nil)
	c.call(jute.OpSetData, &jute.SetDataRequest{Path: "/p", Version: -1}, nil)
	c.mustCreate("/r", nil, 0)
	c.mustCreate("/r/x", nil, 0)
	c.mustCreate("/r/x/y", nil, 0)
	c.call(jute.OpSetData, &jute.SetDataRequest{Path: "/r/x/y", Version: -1}, nil)
	c.call(jute.OpDelete, &jute.PathVersionRequest{Path: "/r/x/y", Version: -1}, nil)
	want := "1:/p 4:/p 3:/p 3:/p 1:/r 1:/r/x 1:/r/x/y 3:/r/x/y 2:/r/x/y "
	if got := evs(w.waitEvents(9)); got != want {
		t.Fatalf("events\n got %q\nwant %q", got, want)
	}
	wantCode(t, "checkWatches", w.call(jute.OpCheckWatches, &jute.PathIntRequest{Path: "/p", Value: jute.WatcherChildren}, nil), 0)
	wantCode(t, "removeWatches", w.call(jute.OpRemoveWatches, &jute.PathIntRequest{Path: "/p", Value: jute.WatcherAny}, nil), 0)
	wantCode(t, "checkWatches gone", w.call(jute.OpCheckWatches, &jute.PathIntRequest{Path: "/p", Value: jute.WatcherAny}, nil), jute.ErrNoWatcher)
	wantCode(t, "removeWatches none", w.call(jute.OpRemoveWatches, &jute.PathIntRequest{Path: "/nothing", Value: jute.WatcherData}, nil), jute.ErrNoWatcher)
	wantCode(t, "bad type", w.call(jute.OpCheckWatches, &jute.PathIntRequest{Path: "/p", Value: 9}, nil), jute.ErrMarshallingError)
}

func TestSetWatchesRelativeZxid(t *testing.T) {
	srv := server.RunT(t)
	c := newRaw(t, srv)
	c.mustCreate("/same", nil, 0)
	c.mustCreate("/changed", nil, 0)
	rel := srv.Zxid()
	c.call(jute.OpSetData, &jute.SetDataRequest{Path: "/changed", Version: -1}, nil)
	c.mustCreate("/same/kid", nil, 0)
	c.call(jute.OpSetData, &jute.SetDataRequest{Path: "/same", Version: -1}, nil)

	w := newRaw(t, srv)
	req := &jute.SetWatches{RelativeZxid: rel,
		Data:  []string{"/changed", "/gone"},
		Exist: []string{"/same", "/absent"},
		Child: []string{"/changed", "/same", "/gone"},
	}
	w.send(jute.OpSetWatches, req)
	if h := w.read(nil); h.Err != 0 {
		t.Fatalf("setWatches: %d", h.Err)
	}
	want := "3:/changed 2:/gone 1:/same 4:/same 2:/gone "
	if got := evs(w.takeEvents()); got != want {
		t.Fatalf("events\n got %q\nwant %q", got, want)
	}
	// The watches that did not fire are registered: /absent (exist) and /changed (child).
	c.mustCreate("/absent", nil, 0)
	c.mustCreate("/changed/k", nil, 0)
	if got := evs(w.waitEvents(2)); got != "1:/absent 4:/changed " {
		t.Fatalf("registered watches fired %q", got)
	}
}
