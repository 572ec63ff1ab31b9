package integration

import (
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zksh/zksh/internal/zktest"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// target is one server under test: Apache ZooKeeper or the bundled server.
type target struct {
	name   string
	addr   string
	prefix string // every scenario's root lives under it
	// advance moves the server's clock: a real sleep on Apache, FastForward on ours.
	advance func(d time.Duration)
	offset  atomic.Int64 // how far advance moved the clock ahead of the wall clock
	// wall: the server runs on wall time and reaps TTL and container nodes
	// from a timer (Apache), so a reap can be issued twice, the second
	// attempt failing as a write of its own that moves the zxid.
	wall bool
	seq  atomic.Int64
}

func (tg *target) now() time.Time {
	return time.Now().Add(time.Duration(tg.offset.Load()))
}

// scenario is one conformance check: run against each target, it must write
// the same transcript.
type scenario struct {
	name string
	run  func(s *S)
}

var scenarios []scenario

// register adds scenarios; scenario files call it from init.
func register(list ...scenario) { scenarios = append(scenarios, list...) }

// S is one scenario run against one target. Its transcript holds only
// normalized observations: paths relative to the scenario's root ("R"), zxids
// relative to the root's creation ("z+N"), session ids by name ("s1"), times
// as facts ("now", "=ct").
type S struct {
	tg      *target
	root    string
	base    int64
	settled int64 // zxid after the server's own removals settled (see WaitGone)
	start   time.Time
	lines   []string
	names   map[int64]string
	ended   map[int64]bool // sessions known closed or expired
	nsess   int
	clients []*client
	gozk    []*zk.Conn
	raws    []net.Conn
	mu      sync.Mutex
}

type abort struct{ msg string }

// fatalf stops the scenario; the harness reports it as a failure.
func (s *S) fatalf(format string, a ...any) {
	panic(abort{fmt.Sprintf(format, a...)})
}

func (s *S) logf(format string, a ...any) {
	s.mu.Lock()
	s.lines = append(s.lines, fmt.Sprintf(format, a...))
	s.mu.Unlock()
}

// Connect opens a new session (timeout in ms; 0 means 4000) and names it sN.
func (s *S) Connect(timeoutMs int32) *client {
	if timeoutMs == 0 {
		timeoutMs = 4000
	}
	c, err := dial(s.tg.addr, timeoutMs, 0, nil, 0)
	if err != nil {
		s.fatalf("connect: %v", err)
	}
	s.adopt(c)
	if s.base != 0 {
		s.logf("%s connect timeout=%d -> negotiated %d", c.name, timeoutMs, c.timeout)
	}
	return c
}

// adopt names a new session's client and makes it the scenario's.
func (s *S) adopt(c *client) *client {
	s.nsess++
	c.s = s
	c.name = fmt.Sprintf("s%d", s.nsess)
	s.names[c.sid] = c.name
	s.clients = append(s.clients, c)
	return c
}

// Reattach opens a new connection to c's session, as a client does after a
// disconnect; lastZxid is the last zxid the client saw.
func (s *S) Reattach(c *client, lastZxid int64) *client {
	n, err := dial(s.tg.addr, c.timeout, c.sid, c.passwd, lastZxid)
	if err != nil {
		s.fatalf("reattach: %v", err)
	}
	n.s = s
	n.name = c.name
	s.clients = append(s.clients, n)
	state := "attached"
	if n.sid != c.sid {
		state = "new session " + s.sess(n.sid)
	}
	if n.timeout == 0 {
		state = "refused (timeout 0)"
	}
	s.logf("%s reattach -> %s timeout=%d", c.name, state, n.timeout)
	return n
}

// Advance moves the server's clock forward: sleeps on Apache.
func (s *S) Advance(d time.Duration) {
	s.tg.advance(d)
}

// exists reports whether path exists, without logging.
func (s *S) exists(c *client, path string) bool {
	var e encoder
	e.string(s.abs(path))
	e.bool(false)
	f, err := c.callQuiet(opExists, e.bytes())
	if err != nil {
		s.fatalf("exists %s: %v", path, err)
	}
	return f.err == 0
}

// WaitGone lets the server's clock run until path is removed by the server
// itself (session expiry, container or TTL reaping), polling with c.
func (s *S) WaitGone(c *client, path string, max time.Duration) {
	var waited time.Duration
	for s.exists(c, path) {
		if waited >= max {
			s.logf("%s still exists after %v", s.path(s.abs(path)), max)
			return
		}
		s.Advance(50 * time.Millisecond)
		waited += 50 * time.Millisecond
		time.Sleep(2 * time.Millisecond) // let a server with a moved clock act
	}
	s.logf("%s removed by the server", s.path(s.abs(path)))
	s.settle(c)
}

// settle ends the window in which Apache's reaper may still issue a second,
// failing removal for a node it already removed (its timer does not wait
// for the first to be applied): zxids from here on are written t+N,
// relative to the zxid once that window has passed, so that a duplicate
// attempt does not shift them. Zxids before stay relative to the root.
func (s *S) settle(c *client) {
	if s.tg.wall {
		time.Sleep(300 * time.Millisecond)
	}
	var e encoder
	e.string(s.root)
	e.bool(false)
	f, err := c.callQuiet(opExists, e.bytes())
	if err != nil {
		s.fatalf("settle: %v", err)
	}
	s.settled = f.zxid
}

// Expire lets c's session expire: drops its connection and lets the clock
// run past its timeout until the ephemeral node eph (owned by c) is gone, as
// observed by obs.
func (s *S) Expire(c, obs *client, eph string) {
	c.Drop()
	s.Advance(time.Duration(c.timeout) * time.Millisecond)
	s.WaitGone(obs, eph, 5*time.Second)
	s.ended[c.sid] = true
}

// runScenario runs sc against tg and returns its transcript.
func runScenario(tg *target, sc scenario) (lines []string) {
	s := &S{tg: tg, names: map[int64]string{}, ended: map[int64]bool{}, start: time.Now()}
	s.root = fmt.Sprintf("%s/%s-%d", tg.prefix, sc.name, tg.seq.Add(1))
	defer func() {
		if r := recover(); r != nil {
			a, ok := r.(abort)
			if !ok {
				panic(r)
			}
			s.logf("ABORT: %s", a.msg)
		}
		for _, c := range s.clients {
			c.nc.Close()
		}
		for _, nc := range s.raws {
			nc.Close()
		}
		lines = s.lines
	}()
	// s0 is the harness's own session: it creates the root, whose zxid is the
	// scenario's base, and stays open until the end so nothing else moves zxids.
	// A server with a connection limit may still count the last scenario's
	// closed connections for a moment: retry.
	var admin *client
	for i := 0; admin == nil; i++ {
		c, err := dial(tg.addr, 10000, 0, nil, 0)
		if err == nil {
			admin = s.adopt(c)
		} else if i == 40 {
			s.fatalf("connect: %v", err)
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	admin.name = "s0"
	s.names[admin.sid] = "s0"
	s.nsess = 0
	var e encoder
	e.string(s.root)
	e.buffer(nil)
	e.acls(openACL)
	e.int32(0)
	f, err := admin.call(0, opCreate2, e.bytes())
	if err != nil || f.err != 0 {
		s.fatalf("create root %s: %v %s", s.root, err, errName(f.err))
	}
	s.base = f.zxid
	sc.run(s)
	s.endSessions()
	if os.Getenv("ZKSH_IT_DEBUG") != "" {
		out, _ := zktest.FourLetter(tg.addr, "dump")
		sessions := strings.Count(strings.SplitN(out, "ephemeral nodes dump", 2)[0], "\t0x")
		if sessions > 0 {
			fmt.Fprintf(os.Stderr, "%s on %s left %d sessions:\n%s\n", sc.name, tg.name, sessions, out)
		}
	}
	return lines
}

// endSessions closes every session the scenario left open, reattaching to
// those whose connection was dropped, so that none expires (and moves zxids)
// during a later scenario. Nothing here is logged.
func (s *S) endSessions() {
	for _, c := range s.gozk {
		c.Close()
	}
	for i := len(s.clients) - 1; i >= 0; i-- {
		c := s.clients[i]
		if s.ended[c.sid] {
			continue
		}
		select {
		case <-c.done:
			continue
		default:
		}
		if f, err := c.call(0, opCloseSession, nil); err == nil && f.err == 0 {
			s.ended[c.sid] = true
		}
		c.nc.Close()
	}
	for _, c := range s.clients {
		if s.ended[c.sid] || c.timeout == 0 {
			continue
		}
		s.ended[c.sid] = true
		n, err := dial(s.tg.addr, c.timeout, c.sid, c.passwd, 0)
		if err != nil {
			continue
		}
		if n.timeout != 0 {
			n.call(0, opCloseSession, nil)
		}
		n.nc.Close()
	}
}
