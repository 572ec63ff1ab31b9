package commands

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"sort"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
)

// TestWalkMultiRead checks that a walk listing big levels with multiRead finds exactly what the
// getChildren walk finds, on Apache ZooKeeper and on the bundled server.
func TestWalkMultiRead(t *testing.T) {
	root := testRoot(t)
	c := client(t)
	paths := []string{root + "/big"}
	var want []string
	want = append(want, root+"/big")
	for i := 0; i < multiReadThreshold+44; i++ {
		p := fmt.Sprintf("%s/big/n%03d", root, i)
		paths = append(paths, p)
		want = append(want, p)
		if i%100 == 0 {
			paths = append(paths, p+"/a", p+"/b")
			want = append(want, p+"/a", p+"/b")
		}
	}
	mustCreateAll(t, c, paths...)
	sort.Strings(want)

	local, stop, err := startLocalServer("", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	lc, _, err := zk.Connect([]string{local}, 4e9, zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Close()
	mustCreate(t, lc, root, nil)
	mustCreateAll(t, lc, paths...)

	for _, server := range []string{zktest.Apache(t), local} {
		streams, _, _ := fakeIO("", false)
		s, _ := DefaultSettings(func(string) string { return "" })
		s.Server = server
		env := NewEnv(streams, s)
		conn, err := env.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, useMultiRead := range []bool{true, false} {
			w := env.newWalker(conn)
			w.noReads = !useMultiRead
			levels, err := w.walk(context.Background(), root+"/big", nil)
			if err != nil {
				t.Fatal(err)
			}
			if usedMultiRead := w.reads != nil; usedMultiRead != useMultiRead {
				t.Errorf("%s: multiRead used %v, want %v", server, usedMultiRead, useMultiRead)
			}
			w.close()
			var got []string
			for _, l := range levels {
				got = append(got, l...)
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s multiRead=%v: %d paths, want %d", server, useMultiRead, len(got), len(want))
			}
		}
		// deleteall lists the refused batches with multiRead too.
		var res struct{ Deleted int }
		decode(t, zksh(t, "-s", server, "-o", "json", "deleteall", root+"/big").must(t).out, &res)
		if res.Deleted != len(want) {
			t.Errorf("%s: deleteall deleted %d, want %d", server, res.Deleted, len(want))
		}
		if ok, _, _ := conn.Exists(root + "/big"); ok {
			t.Errorf("%s: deleteall left the tree", server)
		}
		env.Close()
	}
}

// TestWalkMultiReadNoAuth: a node the session may not list fails the walk as getChildren would.
func TestWalkMultiReadNoAuth(t *testing.T) {
	root := testRoot(t)
	c := client(t)
	paths := []string{root + "/big"}
	for i := 0; i < multiReadThreshold; i++ {
		paths = append(paths, fmt.Sprintf("%s/big/n%03d", root, i))
	}
	mustCreateAll(t, c, paths...)
	if _, err := c.Create(root+"/big/n000/secret", nil, 0, zk.DigestACL(zk.PermAll, "u", "p")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetACL(root+"/big/n001", zk.WorldACL(zk.PermWrite), -1); err != nil {
		t.Fatal(err)
	}
	zksh(t, "ls", "-R", root+"/big").fails(t, 1, "not authorized")
}
