package integration

import (
	"fmt"
	"net"
	"regexp"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

// Scenarios driven through go-zookeeper/zk v1.0.4, the Go client zksh
// itself uses: its own request encoding, session handshake, watch
// bookkeeping and recipes must work against the bundled server as they do
// against Apache ZooKeeper.

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

// GoZK opens a go-zookeeper/zk session and names it like the raw clients.
func (s *S) GoZK() *zk.Conn { return s.GoZKDialer(nil) }

// GoZKDialer is GoZK with the connections made by dialer (nil: the default).
func (s *S) GoZKDialer(dialer zk.Dialer) *zk.Conn {
	if dialer == nil {
		dialer = net.DialTimeout
	}
	// A long session timeout keeps a loaded machine (the race detector, parallel packages) from
	// timing out a read and reconnecting: go-zookeeper 1.0.4 races with itself when it re-sends
	// watches after a reconnect (lastZxid, conn.go), which -race reports.
	conn, events, err := zk.Connect([]string{s.tg.addr}, 10*time.Second, zk.WithLogger(nopLogger{}), zk.WithDialer(dialer))
	if err != nil {
		s.fatalf("zk.Connect: %v", err)
	}
	timeout := time.After(5 * time.Second)
	for conn.State() != zk.StateHasSession {
		select {
		case <-events:
		case <-timeout:
			conn.Close()
			s.fatalf("zk.Connect: no session")
		}
	}
	go func() {
		for range events {
		}
	}()
	s.nsess++
	name := fmt.Sprintf("s%d", s.nsess)
	s.names[conn.SessionID()] = name
	s.logf("%s go-zookeeper session", name)
	s.gozk = append(s.gozk, conn)
	return conn
}

var guidRE = regexp.MustCompile(`_c_[0-9a-f]{32}-`)

func (s *S) gzPath(p string) string { return guidRE.ReplaceAllString(s.path(p), "_c_GUID-") }

func (s *S) gzStat(st *zk.Stat) string {
	if st == nil {
		return "stat=nil"
	}
	return s.stat(&Stat{
		Czxid: st.Czxid, Mzxid: st.Mzxid, Ctime: st.Ctime, Mtime: st.Mtime,
		Version: st.Version, Cversion: st.Cversion, Aversion: st.Aversion,
		EphemeralOwner: st.EphemeralOwner, DataLength: st.DataLength,
		NumChildren: st.NumChildren, Pzxid: st.Pzxid,
	})
}

func gzErr(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

func (s *S) gzEvent(ch <-chan zk.Event) {
	select {
	case ev := <-ch:
		s.logf("event %s %s %s err=%s", ev.Type, ev.State, s.gzPath(ev.Path), gzErr(ev.Err))
	case <-time.After(5 * time.Second):
		s.logf("no event")
	}
}

func (s *S) gzChildren(names []string) string {
	for i, n := range names {
		names[i] = guidRE.ReplaceAllString(n, "_c_GUID-")
	}
	return fmtNames(names)
}

func init() {
	register(
		scenario{"gozk_crud", func(s *S) {
			c := s.GoZK()
			p, err := c.Create(s.abs("a"), []byte("hello"), 0, zk.WorldACL(zk.PermAll))
			s.logf("create %s %s", s.path(p), gzErr(err))
			_, err = c.Create(s.abs("a"), nil, 0, zk.WorldACL(zk.PermAll))
			s.logf("create again %s", gzErr(err))
			data, st, err := c.Get(s.abs("a"))
			s.logf("get %q %s %s", data, s.gzStat(st), gzErr(err))
			st, err = c.Set(s.abs("a"), []byte("bye"), 0)
			s.logf("set %s %s", s.gzStat(st), gzErr(err))
			_, err = c.Set(s.abs("a"), []byte("x"), 0)
			s.logf("set stale %s", gzErr(err))
			ok, st, err := c.Exists(s.abs("a"))
			s.logf("exists %v %s %s", ok, s.gzStat(st), gzErr(err))
			kids, st, err := c.Children(s.abs(""))
			s.logf("children %v %s %s", kids, s.gzStat(st), gzErr(err))
			s.logf("delete %s", gzErr(c.Delete(s.abs("a"), 5)))
			s.logf("delete %s", gzErr(c.Delete(s.abs("a"), -1)))
			_, _, err = c.Get(s.abs("a"))
			s.logf("get deleted %s", gzErr(err))
			p, err = c.Sync(s.abs(""))
			s.logf("sync %s %s", s.path(p), gzErr(err))
		}},
		scenario{"gozk_watches", func(s *S) {
			c, w := s.GoZK(), s.GoZK()
			c.Create(s.abs("a"), nil, 0, zk.WorldACL(zk.PermAll))
			_, _, dataCh, err := w.GetW(s.abs("a"))
			s.logf("getw %s", gzErr(err))
			_, _, childCh, err := w.ChildrenW(s.abs(""))
			s.logf("childrenw %s", gzErr(err))
			ok, _, existCh, err := w.ExistsW(s.abs("b"))
			s.logf("existsw %v %s", ok, gzErr(err))
			c.Set(s.abs("a"), []byte("x"), -1)
			s.gzEvent(dataCh)
			c.Create(s.abs("b"), nil, 0, zk.WorldACL(zk.PermAll))
			s.gzEvent(existCh)
			s.gzEvent(childCh)
		}},
		scenario{"gozk_multi", func(s *S) {
			c := s.GoZK()
			res, err := c.Multi(
				&zk.CreateRequest{Path: s.abs("a"), Data: []byte("1"), Acl: zk.WorldACL(zk.PermAll)},
				&zk.SetDataRequest{Path: s.abs("a"), Data: []byte("2"), Version: 0},
				&zk.CheckVersionRequest{Path: s.abs("a"), Version: 1},
			)
			s.logf("multi %s", gzErr(err))
			for _, r := range res {
				s.logf("  %s %s %s", s.path(r.String), s.gzStat(r.Stat), gzErr(r.Error))
			}
			res, err = c.Multi(
				&zk.DeleteRequest{Path: s.abs("a"), Version: -1},
				&zk.CheckVersionRequest{Path: s.abs("a"), Version: 9},
			)
			s.logf("multi %s", gzErr(err))
			for _, r := range res {
				s.logf("  %s %s %s", s.path(r.String), s.gzStat(r.Stat), gzErr(r.Error))
			}
		}},
		scenario{"gozk_lock_recipe", func(s *S) {
			a, b := s.GoZK(), s.GoZK()
			la := zk.NewLock(a, s.abs("lock"), zk.WorldACL(zk.PermAll))
			lb := zk.NewLock(b, s.abs("lock"), zk.WorldACL(zk.PermAll))
			s.logf("a lock %s", gzErr(la.Lock()))
			got := make(chan error, 1)
			go func() { got <- lb.Lock() }()
			// b queues behind a: wait until its node exists.
			for i := 0; i < 100; i++ {
				if kids, _, _ := a.Children(s.abs("lock")); len(kids) == 2 {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			kids, _, err := a.Children(s.abs("lock"))
			s.logf("contenders %s %s", s.gzChildren(kids), gzErr(err))
			select {
			case err := <-got:
				s.logf("b locked while a holds it: %v", err)
			case <-time.After(100 * time.Millisecond):
				s.logf("b waits")
			}
			s.logf("a unlock %s", gzErr(la.Unlock()))
			select {
			case err := <-got:
				s.logf("b lock %s", gzErr(err))
			case <-time.After(5 * time.Second):
				s.logf("b never got the lock")
			}
			s.logf("b unlock %s", gzErr(lb.Unlock()))
			kids, _, err = a.Children(s.abs("lock"))
			s.logf("left %v %s", kids, gzErr(err))
		}},
		scenario{"gozk_acl_auth", func(s *S) {
			c, o := s.GoZK(), s.GoZK()
			s.logf("addauth %s", gzErr(c.AddAuth("digest", []byte("u1:p1"))))
			p, err := c.Create(s.abs("d"), []byte("x"), 0, zk.DigestACL(zk.PermAll, "u1", "p1"))
			s.logf("create %s %s", s.path(p), gzErr(err))
			acl, st, err := c.GetACL(s.abs("d"))
			s.logf("getacl %v %s %s", acl, s.gzStat(st), gzErr(err))
			_, _, err = o.Get(s.abs("d"))
			s.logf("other get %s", gzErr(err))
			_, err = o.SetACL(s.abs("d"), zk.WorldACL(zk.PermRead), -1)
			s.logf("other setacl %s", gzErr(err))
			st, err = c.SetACL(s.abs("d"), zk.WorldACL(zk.PermRead), 0)
			s.logf("setacl %s %s", s.gzStat(st), gzErr(err))
			_, _, err = o.Get(s.abs("d"))
			s.logf("other get %s", gzErr(err))
		}},
		scenario{"gozk_modes", func(s *S) {
			c := s.GoZK()
			p, err := c.CreateContainer(s.abs("c"), nil, zk.FlagTTL|zk.FlagSequence, zk.WorldACL(zk.PermAll))
			s.logf("container with bad flags %s %s", s.path(p), gzErr(err))
			p, err = c.CreateContainer(s.abs("c"), nil, 4, zk.WorldACL(zk.PermAll))
			s.logf("container %s %s", s.path(p), gzErr(err))
			p, err = c.CreateTTL(s.abs("t"), nil, zk.FlagTTL, zk.WorldACL(zk.PermAll), time.Minute)
			s.logf("ttl %s %s", s.path(p), gzErr(err))
			p, err = c.Create(s.abs("e"), nil, zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll))
			s.logf("ephemeral sequential %s %s", s.path(p), gzErr(err))
			p, err = c.CreateProtectedEphemeralSequential(s.abs("pe"), nil, zk.WorldACL(zk.PermAll))
			s.logf("protected %s %s", s.gzPath(p), gzErr(err))
			_, st, err := c.Exists(s.abs("t"))
			s.logf("ttl stat %s %s", s.gzStat(st), gzErr(err))
			_, st, err = c.Exists(s.abs("c"))
			s.logf("container stat %s %s", s.gzStat(st), gzErr(err))
			c.Delete(s.abs("t"), -1)
			c.Delete(s.abs("c"), -1)
		}},
		scenario{"gozk_reconnect_set_watches", func(s *S) {
			// Cut go-zookeeper's TCP connection: it reconnects to the same
			// session and re-registers its watches with setWatches.
			var mu sync.Mutex
			var tcp []net.Conn
			dialer := func(network, address string, timeout time.Duration) (net.Conn, error) {
				nc, err := net.DialTimeout(network, address, timeout)
				if err == nil {
					mu.Lock()
					tcp = append(tcp, nc)
					mu.Unlock()
				}
				return nc, err
			}
			w, c := s.GoZKDialer(dialer), s.GoZK()
			c.Create(s.abs("a"), nil, 0, zk.WorldACL(zk.PermAll))
			c.Create(s.abs("p"), nil, 0, zk.WorldACL(zk.PermAll))
			_, _, dataCh, _ := w.GetW(s.abs("a"))
			_, _, existCh, _ := w.ExistsW(s.abs("b"))
			_, _, childCh, _ := w.ChildrenW(s.abs("p"))
			sid := w.SessionID()
			mu.Lock()
			tcp[0].Close()
			mu.Unlock()
			c.Set(s.abs("a"), []byte("x"), -1)
			c.Create(s.abs("b"), nil, 0, zk.WorldACL(zk.PermAll))
			c.Create(s.abs("p/k"), nil, 0, zk.WorldACL(zk.PermAll))
			s.gzEvent(dataCh)
			s.gzEvent(existCh)
			s.gzEvent(childCh)
			ok, _, err := w.Exists(s.abs("b"))
			mu.Lock()
			dials := len(tcp)
			mu.Unlock()
			s.logf("after reconnect: exists b %v %s, same session %v, reconnected %v", ok, gzErr(err), w.SessionID() == sid, dials > 1)
		}},
		scenario{"gozk_session_events", func(s *S) {
			c, o := s.GoZK(), s.GoZK()
			c.Create(s.abs("e"), nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll))
			_, _, ch, err := o.ExistsW(s.abs("e"))
			s.logf("existsw %s", gzErr(err))
			c.Close()
			s.gzEvent(ch)
			ok, _, err := o.Exists(s.abs("e"))
			s.logf("exists after close %v %s", ok, gzErr(err))
		}},
	)
}
