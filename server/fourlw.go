package server

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Version is what the four-letter words report as the server version.
const Version = "3.8.0-zksh, built on 2026-01-01 00:00 UTC"

// fourLetterWords are the commands answered on the client port before a session is established,
// each with its handler. A handler reads the disk and the OS first, then takes the server mutex
// itself if it reports server state; the answer is queued once it returns.
var fourLetterWords = map[string]func(s *Server, b *strings.Builder){
	"ruok": func(_ *Server, b *strings.Builder) { b.WriteString("imok") },
	"isro": func(_ *Server, b *strings.Builder) { b.WriteString("rw") },
	"gtmk": func(_ *Server, b *strings.Builder) { b.WriteString(strconv.Itoa(traceMask)) }, // no newline, as Apache
	"srvr": func(s *Server, b *strings.Builder) { s.srvr(b, false) },
	"stat": func(s *Server, b *strings.Builder) { s.srvr(b, true) },
	"mntr": (*Server).mntr,
	"conf": (*Server).conf,
	"cons": (*Server).cons,
	"crst": (*Server).crst,
	"srst": (*Server).srst,
	"envi": (*Server).envi,
	"wchs": (*Server).wchs,
	"wchc": (*Server).wchc,
	"wchp": (*Server).wchp,
	"dump": (*Server).dump,
	"dirs": (*Server).dirs,
}

// traceMask is what gtmk answers: Apache's default trace mask (this server does not trace).
const traceMask = 306

func isFourLetterWord(w string) bool {
	_, ok := fourLetterWords[w]
	return ok
}

// fourLetterEnabled applies the whitelist; srvr is always enabled, as in Apache.
func (s *Server) fourLetterEnabled(w string) bool {
	if w == "srvr" {
		return true
	}
	for _, x := range s.cfg.FourLetterWords {
		if x == "*" || x == w {
			return true
		}
	}
	return false
}

// fourLetterWord answers one command in Apache's format and leaves the connection to be closed.
func (s *Server) fourLetterWord(c *conn, w string) {
	if !s.fourLetterEnabled(w) {
		c.enqueueRaw([]byte(w + " is not executed because it is not in the whitelist.\n"))
		return
	}
	s.mu.Lock()
	s.stats.received++ // counted before it is answered: srvr reports itself
	s.mu.Unlock()
	var b strings.Builder
	fourLetterWords[w](s, &b)
	s.mu.Lock()
	c.enqueueRaw([]byte(b.String()))
	// Apache forgets a four-letter-word connection once it has answered, before closing it.
	s.forget(c)
	s.mu.Unlock()
}

// serverLatency is the server's request latency so far.
func (s *Server) serverLatency() latency {
	s.latMu.Lock()
	defer s.latMu.Unlock()
	return s.latency
}

// srvr answers srvr, and stat (with the clients) when withClients.
func (s *Server) srvr(b *strings.Builder, withClients bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lat := s.serverLatency()
	fmt.Fprintf(b, "Zookeeper version: %s\n", Version)
	if withClients {
		b.WriteString("Clients:\n")
		for _, cc := range s.sortedConns() {
			b.WriteString(s.connInfo(cc, true))
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "Latency min/avg/max: %d/%s/%d\n", lat.minimum(), javaDouble(lat.average()), lat.max)
	fmt.Fprintf(b, "Received: %d\nSent: %d\nConnections: %d\nOutstanding: 0\nZxid: 0x%x\nMode: standalone\nNode count: %d\n",
		s.stats.received, s.stats.sent, s.live, s.zxid, s.nodeCount())
}

func (s *Server) mntr(b *strings.Builder) {
	openFDs, maxFDs := countOpenFDs(), maxFDs() // from /proc, before taking the mutex
	s.mu.Lock()
	defer s.mu.Unlock()
	lat := s.serverLatency()
	ephemerals := 0
	for _, set := range s.tree.ephemerals {
		ephemerals += len(set)
	}
	lines := [][2]string{
		{"zk_version", Version},
		{"zk_server_state", "standalone"},
		{"zk_ephemerals_count", strconv.Itoa(ephemerals)},
		{"zk_num_alive_connections", strconv.Itoa(s.live)},
		{"zk_avg_latency", javaDouble(lat.average())},
		{"zk_outstanding_requests", "0"},
		{"zk_znode_count", strconv.Itoa(s.nodeCount())},
		{"zk_global_sessions", strconv.Itoa(len(s.sessions))},
		{"zk_packets_sent", strconv.FormatInt(s.stats.sent, 10)},
		{"zk_packets_received", strconv.FormatInt(s.stats.received, 10)},
		{"zk_watch_count", strconv.Itoa(s.watches.count())},
		{"zk_min_latency", strconv.FormatInt(lat.minimum(), 10)},
		{"zk_max_latency", strconv.FormatInt(lat.max, 10)},
		{"zk_approximate_data_size", strconv.FormatInt(s.tree.dataSize, 10)},
		{"zk_local_sessions", "0"},
		{"zk_open_file_descriptor_count", strconv.Itoa(openFDs)},
		{"zk_max_file_descriptor_count", strconv.FormatUint(maxFDs, 10)},
		{"zk_uptime", strconv.FormatInt(time.Since(s.startTime).Milliseconds(), 10)},
	}
	for _, l := range lines {
		fmt.Fprintf(b, "%s\t%s\n", l[0], l[1])
	}
}

// conf reports the configuration, which does not change once the server is made, and the
// directories' sizes: no server state, so no mutex.
func (s *Server) conf(b *strings.Builder) {
	// Apache names its version-2 subdirectories, where its files are; this server keeps its
	// files in the directories themselves, so it names them.
	dataDir, logDir := s.cfg.DataDir, s.cfg.DataLogDir
	fmt.Fprintf(b, "clientPort=%d\nsecureClientPort=-1\ndataDir=%s\ndataDirSize=%d\ndataLogDir=%s\ndataLogSize=%d\n",
		s.port(), dataDir, readDirSize(dataDir), logDir, readDirSize(logDir))
	fmt.Fprintf(b, "tickTime=%d\nmaxClientCnxns=%d\nminSessionTimeout=%d\nmaxSessionTimeout=%d\nclientPortListenBacklog=-1\nserverId=0\n",
		s.cfg.TickTime.Milliseconds(), s.cfg.MaxClientCnxns, s.cfg.MinSessionTimeout.Milliseconds(), s.cfg.MaxSessionTimeout.Milliseconds())
}

func (s *Server) dirs(b *strings.Builder) {
	fmt.Fprintf(b, "datadir_size: %d\nlogdir_size: %d\n", readDirSize(s.cfg.DataDir), readDirSize(s.cfg.DataLogDir))
}

func (s *Server) cons(b *strings.Builder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, cc := range s.sortedConns() {
		b.WriteString(s.connInfo(cc, false))
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

func (s *Server) crst(b *strings.Builder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latMu.Lock()
	for cc := range s.conns {
		cc.latency = latency{}
	}
	s.latMu.Unlock()
	for cc := range s.conns {
		cc.received.Store(0)
		cc.sent.Store(0)
	}
	b.WriteString("Connection stats reset.\n")
}

func (s *Server) srst(b *strings.Builder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = serverStats{}
	s.latMu.Lock()
	s.latency = latency{}
	s.latMu.Unlock()
	b.WriteString("Server stats reset.\n")
}

// envi reports the process's environment: no server state, so no mutex.
func (s *Server) envi(b *strings.Builder) {
	host, _ := os.Hostname()
	wd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	b.WriteString("Environment:\n")
	for _, kv := range [][2]string{
		{"zookeeper.version", Version}, {"host.name", host}, {"go.version", runtime.Version()},
		{"os.name", runtime.GOOS}, {"os.arch", runtime.GOARCH}, {"user.name", os.Getenv("USER")},
		{"user.home", home}, {"user.dir", wd}, {"java.io.tmpdir", os.TempDir()},
	} {
		fmt.Fprintf(b, "%s=%s\n", kv[0], kv[1])
	}
}

func (s *Server) wchs(b *strings.Builder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for _, paths := range s.watches.data.byConn {
		total += len(paths)
	}
	fmt.Fprintf(b, "%d connections watching %d paths\nTotal watches:%d\n",
		len(s.watches.data.byConn), len(s.watches.data.byPath), total)
}

func (s *Server) wchc(b *strings.Builder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, cc := range s.sortedConns() {
		paths := s.watches.data.byConn[cc]
		if len(paths) == 0 {
			continue
		}
		fmt.Fprintf(b, "0x%x\n", cc.sessionID())
		for _, p := range sortedKeys(paths) {
			fmt.Fprintf(b, "\t%s\n", p)
		}
	}
	b.WriteString("\n")
}

func (s *Server) wchp(b *strings.Builder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	paths := make([]string, 0, len(s.watches.data.byPath))
	for p := range s.watches.data.byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fmt.Fprintf(b, "%s\n", p)
		ids := []int64{}
		for cc := range s.watches.data.byPath[p] {
			ids = append(ids, cc.sessionID())
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			fmt.Fprintf(b, "\t0x%x\n", id)
		}
	}
	b.WriteString("\n")
}

// dump reports the sessions, the ephemeral nodes and the connections.
func (s *Server) dump(b *strings.Builder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b.WriteString("SessionTracker dump:\n")
	byExpiry := map[int64][]int64{}
	for _, sess := range s.sessions {
		byExpiry[sess.expireAt] = append(byExpiry[sess.expireAt], sess.id)
	}
	times := make([]int64, 0, len(byExpiry))
	for t := range byExpiry {
		times = append(times, t)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	fmt.Fprintf(b, "Session Sets (%d)/(%d):\n", len(times), len(s.sessions))
	for _, t := range times {
		ids := byExpiry[t]
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		fmt.Fprintf(b, "%d expire at %s:\n", len(ids), time.UnixMilli(t).UTC().Format("Mon Jan 02 15:04:05 MST 2006"))
		for _, id := range ids {
			fmt.Fprintf(b, "\t0x%x\n", id)
		}
	}
	b.WriteString("ephemeral nodes dump:\n")
	owners := make([]int64, 0, len(s.tree.ephemerals))
	for id := range s.tree.ephemerals {
		owners = append(owners, id)
	}
	sort.Slice(owners, func(i, j int) bool { return owners[i] < owners[j] })
	fmt.Fprintf(b, "Sessions with Ephemerals (%d):\n", len(owners))
	for _, id := range owners {
		fmt.Fprintf(b, "0x%x:\n", id)
		for _, p := range s.tree.ephemeralPaths(id) {
			fmt.Fprintf(b, "\t%s\n", p)
		}
	}
	b.WriteString("Connections dump:\n")
	conns := s.sortedConns()
	fmt.Fprintf(b, "Connections Sets (%d)/(%d):\n", len(conns), len(conns))
	for _, cc := range conns {
		fmt.Fprintf(b, "1 expire at %s:\n\tip: /%s sessionId: 0x%x\n",
			cc.established.UTC().Format("Mon Jan 02 15:04:05 MST 2006"), cc.remote, cc.sessionID())
	}
}

func (c *conn) sessionID() int64 {
	if c.session == nil {
		return 0
	}
	return c.session.id
}

// connInfo is ServerCnxn.dumpConnectionInfo.
func (s *Server) connInfo(c *conn, brief bool) string {
	interest := 1
	if c.session == nil {
		interest = 0
	}
	out := fmt.Sprintf(" /%s[%d](queued=0,recved=%d,sent=%d", c.remote, interest, c.received.Load(), c.sent.Load())
	if !brief && c.session != nil {
		s.latMu.Lock()
		lat := c.latency
		s.latMu.Unlock()
		out += fmt.Sprintf(",sid=0x%x,lop=%s,est=%d,to=%d,lcxid=0x%x,lzxid=0x%x,lresp=%d,llat=0,minlat=%d,avglat=%d,maxlat=%d",
			c.session.id, c.lastOp, c.established.UnixMilli(), c.session.timeout, c.lastCxid, c.lastZxid,
			time.Since(s.startTime).Milliseconds(), lat.minimum(), lat.averageMs(), lat.max)
	}
	return out + ")"
}

func (s *Server) sortedConns() []*conn {
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		if !c.forgotten {
			conns = append(conns, c)
		}
	}
	sort.Slice(conns, func(i, j int) bool { return conns[i].established.Before(conns[j].established) })
	return conns
}

func sortedKeys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// nodeCount is DataTree.getNodeCount: Apache's node map holds the root twice ("" and "/").
func (s *Server) nodeCount() int { return len(s.tree.nodes) + 1 }

// javaDouble formats a float as Java's Double.toString does for ordinary values ("0.0", "2.1892").
func javaDouble(f float64) string {
	if f == float64(int64(f)) {
		return strconv.FormatInt(int64(f), 10) + ".0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func (s *Server) port() int {
	_, p, _ := strings.Cut(s.addr, "]:")
	if p == "" {
		i := strings.LastIndexByte(s.addr, ':')
		p = s.addr[i+1:]
	}
	n, _ := strconv.Atoi(p)
	return n
}

// The disk and /proc reads the four-letter words report, as variables so that a test can check
// that none runs under the server mutex.
var (
	readDirSize  = dirSize
	countOpenFDs = openFDs
)

// dirSize is the total size of the files in dir.
func dirSize(dir string) int64 {
	if dir == "" {
		return 0
	}
	var total int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && !info.IsDir() {
			total += info.Size()
		}
	}
	return total
}
