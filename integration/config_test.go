package integration

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zksh/zksh/server"
)

// Scenarios that need other settings than zktest's defaults, each pair of
// servers started for them: extended types off (createTTL is Unimplemented),
// a per-address connection limit, session timeout bounds and a four-letter
// word whitelist.

var restrictedScenarios = []scenario{
	{"ttl_disabled", func(s *S) {
		c := s.Connect(0)
		c.CreateTTL("t", "", modeTTL, 60000)
		c.create(opCreate2, "t2", "", modeTTL, openACL, 0)
		c.Multi(mop{op: opCreateTTL, path: "t3", flags: modeTTL, ttl: 60000, acl: openACL})
		c.CreateContainer("c", "")
		c.Exists("c", false)
		c.Children("", false)
	}},
	{"session_timeout_bounds", func(s *S) {
		for _, ms := range []int32{500, 1500, 2999, 3001, 60000} {
			s.Connect(ms).Close()
		}
	}},
	{"four_letter_whitelist", func(s *S) {
		for _, w := range []string{"ruok", "srvr", "stat", "mntr", "envi", "zzzz"} {
			out := s.fourLetter(w)
			if w == "srvr" {
				out = fmt.Sprintf("starts with the version: %v", strings.HasPrefix(out, "Zookeeper version: 3.8.0"))
			}
			s.logf("%s -> %q", w, out)
		}
	}},
	{"max_client_cnxns", func(s *S) {
		// s0 holds one connection of the five allowed.
		var cs []*client
		for i := 0; i < 4; i++ {
			cs = append(cs, s.Connect(2000))
		}
		s.logf("sixth connection -> %s", s.tryHandshake())
		cs[0].Close()
		// The server frees the closed connection's slot on its own time.
		for i := 0; i < 40; i++ {
			n, err := dial(s.tg.addr, 4000, 0, nil, 0)
			if err == nil {
				s.adopt(n).Exists("", false)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		s.logf("no connection accepted after one was closed")
	}},
}

func TestRestrictedConfig(t *testing.T) {
	ref, ours := targets(t, []string{"extendedTypesEnabled=false", "maxClientCnxns=5",
		"minSessionTimeout=1500", "maxSessionTimeout=3000", "4lw.commands.whitelist=srvr, ruok"}, func(c *server.Config) {
		c.FourLetterWords = []string{"srvr", "ruok"}
		c.ExtendedTypesEnabled = false
		c.MaxClientCnxns = 5
		c.MinSessionTimeout = 1500 * time.Millisecond
		c.MaxSessionTimeout = 3000 * time.Millisecond
	})
	compareScenarios(t, ref, ours, restrictedScenarios)
}

// TestConfDataDirs: with a data directory, conf names directories that exist and hold what
// dataDirSize and dataLogSize count (Apache names its version-2 subdirectories, where its files
// are; the bundled server its data directory, where its files are).
func TestConfDataDirs(t *testing.T) {
	ref, ours := targets(t, nil, func(c *server.Config) { c.DataDir = t.TempDir() })
	compareScenarios(t, ref, ours, []scenario{{"4lw_conf_dirs", func(s *S) {
		_, v := keyed(s.fourLetter("conf"), "=")
		for _, k := range [][2]string{{"dataDir", "dataDirSize"}, {"dataLogDir", "dataLogSize"}} {
			info, err := os.Stat(v[k[0]])
			s.logf("%s names an existing directory: %v", k[0], err == nil && info.IsDir())
			s.logf("%s is the size of its files: %v", k[1], v[k[1]] == strconv.FormatInt(filesSize(v[k[0]]), 10))
		}
		_, d := keyed(s.fourLetter("dirs"), ": ")
		s.logf("dirs agrees with conf: %v", d["datadir_size"] == v["dataDirSize"] && d["logdir_size"] == v["dataLogSize"])
	}}})
}

func filesSize(dir string) int64 {
	var total int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			total += info.Size()
		}
	}
	return total
}
