package zkclient

import (
	"context"
	"errors"
	"testing"

	"github.com/go-zookeeper/zk"
)

// TestWatchFiresOnce: a one-shot data watch gets one event and closes; a second change sends nothing.
func TestWatchFiresOnce(t *testing.T) {
	for name, addr := range servers(t) {
		c, other := open(t, addr), open(t, addr)
		root := testRoot(t, c)
		_, _, ch, err := c.GetW(root)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.Set(root, []byte("1"), -1); err != nil {
			t.Fatal(err)
		}
		if ev := next(t, ch); ev.Type != zk.EventNodeDataChanged || ev.Path != root {
			t.Errorf("%s: event %+v", name, ev)
		}
		if _, ok := <-ch; ok {
			t.Errorf("%s: a second event on a one-shot watch", name)
		}
		_, _, cch, err := c.ChildrenW(root)
		if err != nil {
			t.Fatal(err)
		}
		mustCreate(t, other, root+"/kid")
		if ev := next(t, cch); ev.Type != zk.EventNodeChildrenChanged || ev.Path != root {
			t.Errorf("%s: child event %+v", name, ev)
		}
		ok, _, ech, err := c.ExistsW(root + "/later")
		if err != nil || ok {
			t.Fatal(ok, err)
		}
		mustCreate(t, other, root+"/later")
		if ev := next(t, ech); ev.Type != zk.EventNodeCreated || ev.Path != root+"/later" {
			t.Errorf("%s: exists event %+v", name, ev)
		}
	}
}

// TestPersistentRecursiveWatch: a persistent recursive watch delivers each change below it once,
// keeps delivering, and stops after RemoveWatches (whose removal event closes the stream).
func TestPersistentRecursiveWatch(t *testing.T) {
	for name, addr := range servers(t) {
		c, other := open(t, addr), open(t, addr)
		root := testRoot(t, c)
		ch, err := c.AddWatch(context.Background(), root, PersistentRecursive)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		mustCreate(t, other, root+"/a", root+"/a/b")
		if _, err := other.Set(root+"/a/b", []byte("x"), -1); err != nil {
			t.Fatal(err)
		}
		if err := other.Delete(root+"/a/b", -1); err != nil {
			t.Fatal(err)
		}
		want := []struct {
			typ  zk.EventType
			path string
		}{{zk.EventNodeCreated, root + "/a"}, {zk.EventNodeCreated, root + "/a/b"},
			{zk.EventNodeDataChanged, root + "/a/b"}, {zk.EventNodeDeleted, root + "/a/b"}}
		for _, w := range want {
			if ev := next(t, ch); ev.Type != w.typ || ev.Path != w.path {
				t.Errorf("%s: got %v %s, want %v %s", name, ev.Type, ev.Path, w.typ, w.path)
			}
		}
		err = c.RemoveWatches(context.Background(), root, WatchPersistentRecursive, false)
		if errors.Is(err, ErrUnsupported) {
			// ZooKeeper 3.8 (and the bundled server) remove persistent watches with "any" only:
			// types 4 and 5 (zkCli 3.9's -p and -r) came with 3.9.
			t.Logf("%s: %v; removing with WatchAny", name, err)
			err = c.RemoveWatches(context.Background(), root, WatchAny, false)
		}
		if err != nil {
			t.Fatalf("%s: RemoveWatches: %v", name, err)
		}
		if ev := next(t, ch); ev.Type != EventPersistentWatchRemoved || ev.Path != root {
			t.Errorf("%s: removal event %+v", name, ev)
		}
		if ev, ok := <-ch; ok {
			t.Errorf("%s: event after removal: %+v", name, ev)
		}
		if err := c.CheckWatches(context.Background(), root, WatchAny); !errors.Is(err, ErrNoWatcher) {
			t.Errorf("%s: the server still has a watch: %v", name, err)
		}
		if err := c.RemoveWatches(context.Background(), root, WatchAny, false); !errors.Is(err, ErrNoWatcher) || Classify(err) != KindRefused {
			t.Errorf("%s: removing a watch not set: %v", name, err)
		}
	}
}

// TestRemoveWatchesKinds: removewatches -d removes the data watch and not the child watch; -l
// removes here only.
func TestRemoveWatchesKinds(t *testing.T) {
	for name, addr := range servers(t) {
		c, other := open(t, addr), open(t, addr)
		root := testRoot(t, c)
		_, _, dch, _ := c.GetW(root)
		_, _, cch, _ := c.ChildrenW(root)
		if err := c.RemoveWatches(context.Background(), root, WatchData, false); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if ev := next(t, dch); ev.Type != EventDataWatchRemoved {
			t.Errorf("%s: data watch ended with %+v", name, ev)
		}
		if _, err := other.Set(root, []byte("x"), -1); err != nil {
			t.Fatal(err)
		}
		mustCreate(t, other, root+"/k")
		if ev := next(t, cch); ev.Type != zk.EventNodeChildrenChanged {
			t.Errorf("%s: child watch got %+v", name, ev)
		}
		pch, err := c.AddWatch(context.Background(), root, Persistent)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.RemoveWatches(context.Background(), root, WatchPersistent, true); err != nil {
			t.Fatalf("%s: local: %v", name, err)
		}
		if ev := next(t, pch); ev.Type != EventPersistentWatchRemoved {
			t.Errorf("%s: persistent watch ended with %+v", name, ev)
		}
		if err := c.CheckWatches(context.Background(), root, WatchAny); err != nil {
			t.Errorf("%s: -l removed the server's watch too: %v", name, err)
		}
	}
}
