package zkclient

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"
)

// TestRead checks that the data walk reads every znode's data and stat, with multiRead and without,
// through a chroot, down to MaxDepth, gives the stat of a znode whose data may not be read (and
// notes a znode whose children may not be listed), on Apache ZooKeeper and the bundled server.
func TestRead(t *testing.T) {
	for name, addr := range servers(t) {
		c := open(t, addr)
		root := testRoot(t, c)
		want := map[string]string{}
		mustSet := func(p, data string) {
			t.Helper()
			if _, err := c.Create(p, []byte(data), 0, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatalf("create %s: %v", p, err)
			}
			want[p] = data
		}
		mustSet(root+"/big", "big")
		for i := 0; i < readBatch*2+10; i++ {
			p := fmt.Sprintf("%s/big/n%03d", root, i)
			mustSet(p, fmt.Sprintf("data %d", i))
			if i%100 == 0 {
				mustSet(p+"/a", "")
			}
		}
		secret := root + "/big/n050"
		if _, err := c.SetACL(secret, zk.WorldACL(zk.PermAll&^zk.PermRead), -1); err != nil {
			t.Fatal(err)
		}
		if _, err := c.SetACL(root+"/big/n100", zk.WorldACL(zk.PermAll&^zk.PermRead), -1); err != nil {
			t.Fatal(err)
		}
		for _, useMultiRead := range []bool{true, false} {
			for _, chroot := range []string{"", root} {
				cc := c
				if chroot != "" {
					cc = open(t, addr+chroot)
				}
				w := cc.Walker()
				w.SkipNoAuth = true
				w.noReads = !useMultiRead
				got := map[string]string{}
				depths := map[int]int{}
				refusedData := []string{}
				// Through the chroot the walk is given, and gives, paths under it.
				err := w.Read(context.Background(), strings.TrimPrefix(root+"/big", chroot), ReadOptions{MaxDepth: -1, Data: true}, func(nodes []Node) error {
					for _, n := range nodes {
						p := chroot + n.Path
						if n.DataRefused {
							refusedData = append(refusedData, p)
							if n.Stat == nil || n.Data != nil {
								t.Errorf("%s: %s: refused data, stat %v, data %q", name, p, n.Stat, n.Data)
							}
							continue
						}
						got[p] = string(n.Data)
						depths[n.Depth]++
						if int(n.Stat.DataLength) != len(n.Data) {
							t.Errorf("%s: %s: stat says %d bytes, data has %d", name, p, n.Stat.DataLength, len(n.Data))
						}
					}
					return nil
				})
				if err != nil {
					t.Fatalf("%s multiRead=%v chroot=%q: %v", name, useMultiRead, chroot, err)
				}
				if usedMultiRead := w.reads != nil; usedMultiRead != useMultiRead {
					t.Errorf("%s: multiRead used %v, want %v", name, usedMultiRead, useMultiRead)
				}
				if refused := w.Refused(); !reflect.DeepEqual(refused, []string{strings.TrimPrefix(root+"/big/n100", chroot)}) {
					t.Errorf("%s multiRead=%v chroot=%q: children refused %v", name, useMultiRead, chroot, refused)
				}
				w.Close()
				wantRead := map[string]string{}
				for p, d := range want {
					// n100 may not be read: neither its data nor its children.
					if p != secret && p != root+"/big/n100" && p != root+"/big/n100/a" {
						wantRead[p] = d
					}
				}
				sort.Strings(refusedData)
				if !reflect.DeepEqual(got, wantRead) {
					t.Errorf("%s multiRead=%v chroot=%q: read %d znodes, want %d", name, useMultiRead, chroot, len(got), len(wantRead))
				}
				if wantRefused := []string{secret, root + "/big/n100"}; !reflect.DeepEqual(refusedData, wantRefused) {
					t.Errorf("%s multiRead=%v chroot=%q: data refused for %v, want %v", name, useMultiRead, chroot, refusedData, wantRefused)
				}
				if want := map[int]int{0: 1, 1: readBatch*2 + 10 - 2, 2: 2}; !reflect.DeepEqual(depths, want) {
					t.Errorf("%s multiRead=%v chroot=%q: depths %v, want %v", name, useMultiRead, chroot, depths, want)
				}
			}
		}

		// MaxDepth 1: the root and its children; a missing root: ErrNoNode.
		w := c.Walker()
		defer w.Close()
		n := 0
		if err := w.Read(context.Background(), root+"/big", ReadOptions{MaxDepth: 1}, func(nodes []Node) error {
			for _, nd := range nodes {
				if nd.Depth > 1 {
					t.Errorf("%s: MaxDepth 1 read %s", name, nd.Path)
				}
			}
			n += len(nodes)
			return nil
		}); err != nil || n != readBatch*2+10+1 {
			t.Errorf("%s: MaxDepth 1: %d znodes (%v), want %d", name, n, err, readBatch*2+10+1)
		}
		err := w.Read(context.Background(), root+"/nope", ReadOptions{MaxDepth: -1}, func([]Node) error { return nil })
		if !errors.Is(err, zk.ErrNoNode) {
			t.Errorf("%s: missing root: %v, want ErrNoNode", name, err)
		}

		// A znode whose children may not be listed: noted with SkipNoAuth, an error without.
		if _, err := c.SetACL(root+"/big/n100", zk.WorldACL(zk.PermAll), -1); err != nil {
			t.Fatal(err)
		}
		if _, err := c.SetACL(root+"/big", zk.WorldACL(zk.PermAll&^zk.PermRead), -1); err != nil {
			t.Fatal(err)
		}
		w2 := c.Walker()
		err = w2.Read(context.Background(), root, ReadOptions{MaxDepth: -1, Data: true}, func([]Node) error { return nil })
		w2.Close()
		if !errors.Is(err, zk.ErrNoAuth) {
			t.Errorf("%s: unlistable znode without SkipNoAuth: %v, want ErrNoAuth", name, err)
		}
		w3 := c.Walker()
		w3.SkipNoAuth = true
		var paths []string
		err = w3.Read(context.Background(), root, ReadOptions{MaxDepth: -1, Data: true}, func(nodes []Node) error {
			for _, n := range nodes {
				paths = append(paths, n.Path)
			}
			return nil
		})
		w3.Close()
		sort.Strings(paths)
		if err != nil || !reflect.DeepEqual(paths, []string{root, root + "/big"}) || !reflect.DeepEqual(w3.Refused(), []string{root + "/big"}) {
			t.Errorf("%s: unlistable znode with SkipNoAuth: %v (%v), refused %v", name, paths, err, w3.Refused())
		}
		if _, err := c.SetACL(root+"/big", zk.WorldACL(zk.PermAll), -1); err != nil {
			t.Fatal(err)
		}
		if _, err := c.SetACL(secret, zk.WorldACL(zk.PermAll), -1); err != nil {
			t.Fatal(err)
		}
	}
}
