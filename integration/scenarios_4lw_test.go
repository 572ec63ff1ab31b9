package integration

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/zksh/zksh/internal/zktest"
)

// Four-letter words on the client port. Their values mostly describe one
// process (latencies, ports, JVM), so each is reduced to its line format and
// the facts a scenario controls: sessions and their watches and ephemerals,
// node count (as a difference), the last zxid, the configuration.

var (
	hexSID   = regexp.MustCompile(`0x[0-9a-f]+`)
	consLine = regexp.MustCompile(`^ /127\.0\.0\.1:\d+\[(\d)\]\((.*)\)$`)
)

// fourLetter sends word and returns the reply, noting a failure.
func (s *S) fourLetter(word string) string {
	out, err := zktest.FourLetter(s.tg.addr, word)
	if err != nil {
		s.logf("%s -> %v", word, err)
	}
	return out
}

// sids replaces session ids by the scenario's names.
func (s *S) sids(line string) string {
	return hexSID.ReplaceAllStringFunc(line, func(h string) string {
		id, err := strconv.ParseUint(h[2:], 16, 64)
		if err != nil {
			return h
		}
		return s.sess(int64(id))
	})
}

// trailing describes how a reply ends, which clients that parse them rely on.
func trailing(out string) string {
	n := len(out) - len(strings.TrimRight(out, "\n"))
	return fmt.Sprintf("ends with %d newline(s)", n)
}

// consFacts reduces a connection line to its keys and stable values.
func (s *S) consFacts(line string) string {
	m := consLine.FindStringSubmatch(line)
	if m == nil {
		return "unparsed: " + s.sids(line)
	}
	var facts []string
	for _, kv := range strings.Split(m[2], ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "sid":
			facts = append(facts, k+"="+s.sids(v))
		case "lop", "to", "lcxid":
			facts = append(facts, k+"="+v)
		default:
			facts = append(facts, k)
		}
	}
	return fmt.Sprintf("conn[%s](%s)", m[1], strings.Join(facts, ","))
}

// keyed parses "key<sep>value" lines.
func keyed(out, sep string) (keys []string, vals map[string]string) {
	vals = map[string]string{}
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		k, v, ok := strings.Cut(l, sep)
		if !ok {
			continue
		}
		keys = append(keys, k)
		vals[k] = v
	}
	return keys, vals
}

// awaitConnections waits until the server lists n connections (counting the
// one asking): a connection closed by an earlier scenario may linger a moment.
func (s *S) awaitConnections(n int) {
	for i := 0; i < 80; i++ {
		out := s.fourLetter("cons")
		if strings.Count(out, " /") == n {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	s.logf("the server never listed %d connections", n)
}

func nodeCount(s *S) int {
	_, v := keyed(s.fourLetter("srvr"), ": ")
	n, _ := strconv.Atoi(v["Node count"])
	return n
}

// latencyFacts reduces "min/avg/max" to what holds on any server: whole
// milliseconds around an average with at most 4 decimals, in order.
func latencyFacts(minS, avgS, maxS string) string {
	minMs, err1 := strconv.ParseInt(minS, 10, 64)
	maxMs, err2 := strconv.ParseInt(maxS, 10, 64)
	avg, err3 := strconv.ParseFloat(avgS, 64)
	decimals := len(avgS) - strings.IndexByte(avgS, '.') - 1
	if err1 != nil || err2 != nil || err3 != nil || !strings.Contains(avgS, ".") || decimals > 4 {
		return fmt.Sprintf("unparsed %q/%q/%q", minS, avgS, maxS)
	}
	return fmt.Sprintf("whole ms, avg with 1-4 decimals; min<=avg<=max: %v", float64(minMs) <= avg && avg <= float64(maxMs))
}

func init() {
	register(
		scenario{"4lw_ruok_isro", func(s *S) {
			for _, w := range []string{"ruok", "isro"} {
				s.logf("%s -> %q", w, s.fourLetter(w))
			}
		}},
		scenario{"4lw_srvr_stat", func(s *S) {
			before := nodeCount(s)
			c := s.Connect(0)
			c.Create("a", "", modePersistent)
			c.Create("e", "", modeEphemeral)
			s.awaitConnections(3)
			for _, w := range []string{"srvr", "stat"} {
				out := s.fourLetter(w)
				s.logf("%s %s", w, trailing(out))
				var lines []string
				var clients []string // Apache lists connections in no order
				for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
					k, v, _ := strings.Cut(l, ": ")
					switch {
					case strings.HasPrefix(l, " /"):
						clients = append(clients, "  "+s.consFacts(l))
						continue
					case k == "Zookeeper version":
						l = k + ": " + strings.SplitN(v, "-", 2)[0] + "-…"
					case k == "Zxid":
						z, _ := strconv.ParseInt(strings.TrimPrefix(v, "0x"), 16, 64)
						l = k + ": " + s.zx(z)
					case k == "Node count":
						n, _ := strconv.Atoi(v)
						l = fmt.Sprintf("%s: before%+d", k, n-before)
					case k == "Latency min/avg/max", k == "Received", k == "Sent":
						l = k + ": …"
					}
					if clients != nil {
						sort.Strings(clients)
						lines = append(lines, clients...)
						clients = nil
					}
					lines = append(lines, l)
				}
				for _, l := range lines {
					s.logf("  %s", l)
				}
			}
		}},
		scenario{"4lw_mntr", func(s *S) {
			before := nodeCount(s)
			c := s.Connect(0)
			c.Create("a", "", modePersistent)
			c.Create("e", "", modeEphemeral)
			c.Get("a", true)
			s.awaitConnections(3)
			out := s.fourLetter("mntr")
			keys, v := keyed(out, "\t")
			s.logf("mntr %s, every line key<TAB>value: %v", trailing(out),
				len(keys) == len(strings.Split(strings.TrimRight(out, "\n"), "\n")))
			for _, k := range []string{"zk_server_state", "zk_ephemerals_count", "zk_num_alive_connections",
				"zk_outstanding_requests", "zk_watch_count", "zk_global_sessions", "zk_local_sessions"} {
				s.logf("  %s=%s", k, v[k])
			}
			n, _ := strconv.Atoi(v["zk_znode_count"])
			s.logf("  zk_znode_count=before%+d", n-before)
			s.logf("  zk_version starts 3.8.0: %v", strings.HasPrefix(v["zk_version"], "3.8.0"))
			for _, k := range []string{"zk_avg_latency", "zk_max_latency", "zk_min_latency", "zk_packets_received",
				"zk_packets_sent", "zk_approximate_data_size", "zk_open_file_descriptor_count",
				"zk_max_file_descriptor_count", "zk_uptime"} {
				_, ok := v[k]
				s.logf("  %s present: %v", k, ok)
			}
		}},
		scenario{"4lw_gtmk", func(s *S) {
			s.logf("gtmk -> %q", s.fourLetter("gtmk"))
		}},
		scenario{"4lw_latency", func(s *S) {
			latency := regexp.MustCompile(`Latency min/avg/max: (\d+)/([\d.]+)/(\d+)\n`)
			s.logf("srst -> %q", s.fourLetter("srst"))
			s.logf("after srst: %q", latency.FindString(s.fourLetter("srvr")))
			c := s.Connect(0)
			c.Create("a", "", modePersistent)
			for i := 0; i < 5; i++ {
				c.Set("a", "v", -1)
				c.Get("a", false)
			}
			m := latency.FindStringSubmatch(s.fourLetter("srvr"))
			if m == nil {
				s.logf("srvr has no latency line")
				return
			}
			s.logf("srvr latency: %s", latencyFacts(m[1], m[2], m[3]))
			_, v := keyed(s.fourLetter("mntr"), "\t")
			s.logf("mntr latency: %s", latencyFacts(v["zk_min_latency"], v["zk_avg_latency"], v["zk_max_latency"]))
			s.logf("mntr agrees with srvr: %v", v["zk_min_latency"] == m[1] && v["zk_avg_latency"] == m[2] && v["zk_max_latency"] == m[3])
			s.logf("srst -> %q", s.fourLetter("srst"))
			s.logf("after srst: %q", latency.FindString(s.fourLetter("srvr")))
		}},
		scenario{"4lw_conf_envi", func(s *S) {
			out := s.fourLetter("conf")
			keys, v := keyed(out, "=")
			s.logf("conf %s keys %v", trailing(out), keys)
			for _, k := range []string{"secureClientPort", "tickTime", "maxClientCnxns", "minSessionTimeout",
				"maxSessionTimeout", "clientPortListenBacklog", "serverId"} {
				s.logf("  %s=%s", k, v[k])
			}
			s.logf("  clientPort is the port: %v", strings.HasSuffix(s.tg.addr, ":"+v["clientPort"]))
			out = s.fourLetter("envi")
			_, v = keyed(out, "=")
			s.logf("envi %s first line %q", trailing(out), strings.SplitN(out, "\n", 2)[0])
			s.logf("  zookeeper.version starts 3.8.0: %v", strings.HasPrefix(v["zookeeper.version"], "3.8.0"))
			for _, k := range []string{"host.name", "os.name", "os.arch", "user.home", "user.dir", "java.io.tmpdir"} {
				_, ok := v[k]
				s.logf("  %s present: %v", k, ok)
			}
		}},
		scenario{"4lw_cons", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "", modePersistent)
			c.Auth("digest", "u:p") // answered outside the request pipeline: lop stays CREA
			s.awaitConnections(3)
			out := s.fourLetter("cons")
			var lines []string
			for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
				lines = append(lines, s.consFacts(l))
			}
			sort.Strings(lines)
			s.logf("cons %s", trailing(out))
			for _, l := range lines {
				s.logf("  %s", l)
			}
		}},
		scenario{"4lw_watches", func(s *S) {
			for i := 0; i < 80 && !strings.Contains(s.fourLetter("wchs"), "Total watches:0"); i++ {
				time.Sleep(25 * time.Millisecond) // watches of closed sessions go with their connections
			}
			s.logf("wchs before: %q", s.fourLetter("wchs"))
			w1, w2, c := s.Connect(0), s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			c.Create("b", "", modePersistent)
			w1.Get("a", true)
			w1.Children("b", true)
			w1.Exists("missing", true)
			w2.Get("a", true)
			w2.AddWatch("b", 0)
			w2.AddWatch("", 1)
			s.logf("wchs: %q", s.fourLetter("wchs"))
			for _, w := range []string{"wchc", "wchp"} {
				out := s.fourLetter(w)
				var pairs []string
				var head string
				for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
					if strings.HasPrefix(l, "\t") {
						pairs = append(pairs, head+" -> "+s.path(s.sids(l[1:])))
					} else {
						head = s.path(s.sids(l))
					}
				}
				sort.Strings(pairs)
				s.logf("%s %s: %v", w, trailing(out), pairs)
			}
		}},
		scenario{"4lw_dump", func(s *S) {
			c, o := s.Connect(0), s.Connect(0)
			c.Create("e1", "", modeEphemeral)
			c.Create("e2", "", modeEphemeral)
			o.Create("e3", "", modeEphemeral)
			out := s.fourLetter("dump")
			s.logf("dump %s", trailing(out))
			section := ""
			var eph []string
			var owner string
			for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
				switch {
				case l == "SessionTracker dump:" || l == "ephemeral nodes dump:" || l == "Connections dump:":
					section = l
					s.logf("  %s", l)
				case section == "ephemeral nodes dump:" && strings.HasPrefix(l, "Sessions with Ephemerals"):
					s.logf("  %s", l)
				case section == "ephemeral nodes dump:" && strings.HasPrefix(l, "\t"):
					eph = append(eph, owner+" "+s.path(l[1:]))
				case section == "ephemeral nodes dump:":
					owner = s.sids(l)
				}
			}
			sort.Strings(eph)
			s.logf("  ephemerals %v", eph)
		}},
	)
}
