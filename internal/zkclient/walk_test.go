package zkclient

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
)

// TestWalkMultiRead checks that a walk listing big levels with multiRead finds exactly what the
// getChildren walk finds, and that DeleteTree (which lists refused batches with multiRead too)
// deletes all of it, on Apache ZooKeeper and on the bundled server.
func TestWalkMultiRead(t *testing.T) {
	for name, addr := range servers(t) {
		c := open(t, addr)
		root := testRoot(t, c)
		want := []string{root + "/big"}
		for i := 0; i < MultiReadThreshold+44; i++ {
			p := fmt.Sprintf("%s/big/n%03d", root, i)
			want = append(want, p)
			if i%100 == 0 {
				want = append(want, p+"/a", p+"/b")
			}
		}
		mustCreate(t, c, want...)
		sort.Strings(want)
		for _, useMultiRead := range []bool{true, false} {
			w := c.Walker()
			w.noReads = !useMultiRead
			var mu sync.Mutex
			found := 0
			w.Progress = func(n int) { mu.Lock(); found = max(found, n); mu.Unlock() } // called concurrently
			levels, err := w.Walk(context.Background(), root+"/big")
			if err != nil {
				t.Fatal(err)
			}
			if usedMultiRead := w.reads != nil; usedMultiRead != useMultiRead {
				t.Errorf("%s: multiRead used %v, want %v", name, usedMultiRead, useMultiRead)
			}
			w.Close()
			var got []string
			for _, l := range levels {
				got = append(got, l...)
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, want) || found != len(want) {
				t.Errorf("%s multiRead=%v: %d paths (progress %d), want %d", name, useMultiRead, len(got), found, len(want))
			}
		}
		deleted, err := c.DeleteTree(context.Background(), []string{root + "/big"}, 100, nil)
		if err != nil || deleted != len(want) {
			t.Errorf("%s: DeleteTree deleted %d (%v), want %d", name, deleted, err, len(want))
		}
		if ok, _, _ := c.Exists(root + "/big"); ok {
			t.Errorf("%s: DeleteTree left the tree", name)
		}
	}
}
