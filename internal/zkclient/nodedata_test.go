package zkclient

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/go-zookeeper/zk"
)

// TestNodeReaderReadACL checks that ReadACL gives each znode's ACL and stat as GetACL does, marks a
// missing znode and one the session may not read, and that Read and ReadACL can follow each other
// on one session (the request numbering stays in step), on Apache ZooKeeper and the bundled server.
func TestNodeReaderReadACL(t *testing.T) {
	for name, addr := range servers(t) {
		c := open(t, addr)
		root := testRoot(t, c)
		var paths []string
		for i := 0; i < multiReadBatch+7; i++ {
			p := fmt.Sprintf("%s/n%03d", root, i)
			acl := zk.WorldACL(zk.PermAll)
			switch i % 3 {
			case 1:
				acl = zk.WorldACL(zk.PermRead)
			case 2:
				acl = []zk.ACL{{Perms: zk.PermRead, Scheme: "world", ID: "anyone"}, {Perms: zk.PermAll, Scheme: "ip", ID: "10.1.2.3"}}
			}
			if _, err := c.Create(p, []byte{byte(i)}, 0, acl); err != nil {
				t.Fatal(err)
			}
			paths = append(paths, p)
		}
		secret := root + "/secret"
		if _, err := c.Create(secret, nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "10.9.9.9"}}); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, root+"/gone", secret)

		r, err := c.NodeReader(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer r.Close()
		for round := 0; round < 2; round++ {
			if _, err := r.Read(context.Background(), paths[:3]); err != nil {
				t.Fatalf("%s: Read: %v", name, err)
			}
			got, err := r.ReadACL(context.Background(), paths)
			if err != nil {
				t.Fatalf("%s: ReadACL: %v", name, err)
			}
			for i, p := range paths[:len(paths)-2] {
				acl, st, err := c.GetACL(p)
				if err != nil {
					t.Fatal(err)
				}
				if got[i].Err != nil || got[i].Data != nil || !reflect.DeepEqual(got[i].ACL, acl) || !reflect.DeepEqual(got[i].Stat, st) {
					t.Fatalf("%s: %s: ReadACL gave %+v (stat %+v), GetACL %v %+v", name, p, got[i], got[i].Stat, acl, st)
				}
			}
			if g := got[len(paths)-2]; g.Err != zk.ErrNoNode {
				t.Errorf("%s: a missing znode: %+v, want ErrNoNode", name, g)
			}
			if g := got[len(paths)-1]; g.Err != zk.ErrNoAuth || g.ACL != nil {
				t.Errorf("%s: a znode the session may not read: %+v, want ErrNoAuth", name, g)
			}
		}
	}
}
