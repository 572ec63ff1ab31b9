package integration

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"sort"
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

// Note adds a free-form observation to the transcript.
func (s *S) Note(format string, a ...any) { s.logf("# "+format, a...) }

// abs resolves a scenario path: "" is the root, "a/b" is under the root,
// "/x" is absolute.
func (s *S) abs(p string) string {
	switch {
	case p == "":
		return s.root
	case strings.HasPrefix(p, "!"): // sent as written, e.g. a malformed path
		return p[1:]
	case strings.HasPrefix(p, "/"):
		return p
	}
	return s.root + "/" + p
}

func (s *S) absAll(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = s.abs(p)
	}
	return out
}

// path renders a server path with the root written as R.
func (s *S) path(p string) string {
	if q := "/zookeeper/quota" + s.tg.prefix; p == q {
		return "/zookeeper/quota/PREFIX"
	}
	i := strings.Index(p, s.root)
	if i < 0 {
		return p
	}
	if rest := p[i+len(s.root):]; rest == "" || rest[0] == '/' {
		return p[:i] + "R" + rest // also inside /zookeeper/quota
	}
	return p
}

// quotaPath is where ZooKeeper keeps the quota of a scenario path.
func (s *S) quotaPath(p string) string { return "/zookeeper/quota" + s.abs(p) }

func (s *S) pathAll(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = s.path(p)
	}
	return out
}

// zx renders a zxid relative to the zxid that created the scenario's root.
func (s *S) zx(z int64) string {
	switch {
	case z == 0 || z == -1:
		return fmt.Sprint(z)
	case s.base == 0:
		return "z?"
	case z < s.base:
		return "old"
	case s.settled != 0 && z >= s.settled:
		return fmt.Sprintf("t+%d", z-s.settled)
	}
	return fmt.Sprintf("z+%d", z-s.base)
}

// sess names a session id by the order the scenario opened it.
func (s *S) sess(id int64) string {
	if id == 0 {
		return "0"
	}
	if n, ok := s.names[id]; ok {
		return n
	}
	switch {
	case uint64(id)>>56 == 0xff: // EphemeralType.TTL
		return fmt.Sprintf("ttl(%d)", id&0xffffffffff)
	case uint64(id) == 1<<63: // EphemeralType.CONTAINER
		return "container"
	}
	return "other"
}

// when renders a node time as a fact that holds on any faithful server.
func (s *S) when(ms int64) string {
	if ms == 0 {
		return "0"
	}
	t := time.UnixMilli(ms)
	switch {
	case t.Before(s.start.Add(-2 * time.Second)):
		return "past"
	case t.After(s.tg.now().Add(2 * time.Second)):
		return "future"
	}
	return "now"
}

func (s *S) stat(st *Stat) string {
	if st == nil {
		return "stat=nil"
	}
	mt := "=ct"
	switch {
	case st.Mzxid == st.Czxid && st.Mtime != st.Ctime:
		mt = "!=ct"
	case st.Mzxid != st.Czxid && st.Mtime >= st.Ctime:
		mt = ">=ct"
	case st.Mzxid != st.Czxid:
		mt = "<ct"
	}
	return fmt.Sprintf("{cz=%s mz=%s pz=%s ct=%s mt%s v=%d cv=%d av=%d eph=%s len=%d nc=%d}",
		s.zx(st.Czxid), s.zx(st.Mzxid), s.zx(st.Pzxid), s.when(st.Ctime), mt,
		st.Version, st.Cversion, st.Aversion, s.sess(st.EphemeralOwner), st.DataLength, st.NumChildren)
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

func digestID(user, pass string) string {
	h := sha1.Sum([]byte(user + ":" + pass))
	return user + ":" + base64.StdEncoding.EncodeToString(h[:])
}

func sameACL(a, b []ACL) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func fmtACL(acl []ACL) string {
	if acl == nil {
		return "nil"
	}
	parts := make([]string, len(acl))
	for i, a := range acl {
		parts[i] = fmt.Sprintf("%s:%s:%d", a.Scheme, a.ID, a.Perms)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func fmtData(b []byte) string {
	if b == nil {
		return "data=nil"
	}
	if len(b) > 64 {
		return fmt.Sprintf("<%d bytes sha1 %x>", len(b), sha1.Sum(b))
	}
	return fmt.Sprintf("%q", b)
}

// fmtNames renders children (or paths) sorted: Apache does not order them.
func fmtNames(names []string) string {
	sorted := append([]string{}, names...)
	sort.Strings(sorted)
	return "[" + strings.Join(sorted, " ") + "]"
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
	admin := s.Connect(10000)
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

// compareTranscripts reports a readable diff between two transcripts.
func compareTranscripts(want, got []string) string {
	if strings.Join(want, "\n") == strings.Join(got, "\n") {
		return ""
	}
	return lineDiff(want, got)
}

// lineDiff is a small LCS diff: "-" lines only Apache wrote, "+" lines only ours.
func lineDiff(a, b []string) string {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out.WriteString("  " + a[i] + "\n")
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out.WriteString("+ " + b[j] + "\n")
			j++
		default:
			out.WriteString("- " + a[i] + "\n")
			i++
		}
	}
	return out.String()
}

// knownDiffs lists the checks where the bundled server still differs from
// Apache ZooKeeper, with the reason. They are skipped unless ZKSH_STRICT is
// set; the list is the bundled server's to-do list, not a place to hide bugs.
// Keys are scenario names, or the real-client test names.
var knownDiffs = map[string]string{
	"acl_other_schemes": "an ip ACL with an IPv6 address (ip:::1) is INVALIDACL on Apache 3.8 (its ip provider validates IPv4 only); zksh accepts it",
}

// knownDiff skips t when name is a known difference, unless ZKSH_STRICT is set.
func knownDiff(t *testing.T, name, diff string) {
	t.Helper()
	if why, ok := knownDiffs[name]; ok && os.Getenv("ZKSH_STRICT") == "" {
		t.Skipf("known difference (%s); set ZKSH_STRICT=1 to fail on it:\n%s", why, diff)
	}
}

func TestConformance(t *testing.T) {
	ref, ours := targets(t, nil, nil)
	compareScenarios(t, ref, ours, scenarios)
}

// compareScenarios runs each scenario on both targets at once and compares
// the transcripts.
func compareScenarios(t *testing.T, ref, ours *target, list []scenario) {
	for _, sc := range list {
		t.Run(sc.name, func(t *testing.T) {
			var want, got []string
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); want = runScenario(ref, sc) }()
			go func() { defer wg.Done(); got = runScenario(ours, sc) }()
			wg.Wait()
			if os.Getenv("ZKSH_IT_SHOW") != "" {
				t.Logf("%s transcript:\n%s", ref.name, strings.Join(want, "\n"))
			}
			for _, l := range want {
				if strings.HasPrefix(l, "ABORT") {
					t.Fatalf("scenario aborted on %s:\n%s", ref.name, strings.Join(want, "\n"))
				}
			}
			if d := compareTranscripts(want, got); d != "" {
				knownDiff(t, sc.name, d)
				t.Errorf("%s (-) and %s (+) differ:\n%s", ref.name, ours.name, d)
			}
		})
	}
}
