package integration

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

// Quotas: the /zookeeper/quota/X/zookeeper_stats bookkeeping (every server keeps it), and its
// enforcement when Apache runs with -Dzookeeper.enforceQuota=true (the bundled server with
// Config.EnforceQuota): hard limits refuse creates and sets with QuotaExceeded, soft limits do not.

// quota gives path (a scenario path) a quota as zkCli's setquota does: the nodes leading to
// /zookeeper/quota/PATH, created quietly, then zookeeper_limits holding limits and
// zookeeper_stats holding stats (which the server recounts on its creation), both logged.
func (s *S) quota(c *client, path, limits, stats string) {
	qp := s.quotaPath(path)
	parts := strings.Split(strings.TrimPrefix(qp, "/zookeeper/quota/"), "/")
	for i := range parts {
		p := "/zookeeper/quota/" + strings.Join(parts[:i+1], "/")
		if !s.exists(c, p) {
			var e encoder
			e.string(p)
			e.buffer(nil)
			e.acls(openACL)
			e.int32(modePersistent)
			if f, err := c.callQuiet(opCreate, e.bytes()); err != nil || f.err != 0 {
				s.fatalf("create %s: %v %s", p, err, errName(f.err))
			}
		}
	}
	c.Create(qp+"/zookeeper_limits", limits, modePersistent)
	if stats != "-" {
		c.Create(qp+"/zookeeper_stats", stats, modePersistent)
	}
}

// stats logs path's quota stats node.
func (s *S) stats(c *client, path string) { c.Get(s.quotaPath(path)+"/zookeeper_stats", false) }

// Bookkeeping, with or without enforcement: the stats node's format as Apache's StatsTrack
// writes it (count and bytes first, then the other keys sorted after a "=;" marker), missing
// keys counted from -1, ";" as a separator, nested quotas (only the deepest is updated).
var quotaStatsScenarios = []scenario{
	{"quota_stats_format", func(s *S) {
		c := s.Connect(0)
		c.Create("q", "abc", modePersistent)
		s.quota(c, "q", "count=-1,bytes=-1=;countHardLimit=100", "")
		s.stats(c, "q")
		c.Set(s.quotaPath("q")+"/zookeeper_stats", "count=1;bytes=2;zeta=1;alpha=2", -1)
		c.Create("q/x", "12", modePersistent)
		s.stats(c, "q")
		c.Set("q/x", "12345", -1)
		s.stats(c, "q")
		c.Set(s.quotaPath("q")+"/zookeeper_stats", "", -1)
		c.Create("q/y", "", modePersistent)
		s.stats(c, "q")
		c.Set(s.quotaPath("q")+"/zookeeper_stats", "bytes=5=", -1)
		c.Delete("q/y", -1)
		s.stats(c, "q")
		c.Set(s.quotaPath("q")+"/zookeeper_stats", "count=7,,bytes=1;;", -1)
		c.Create("q/z", "z", modePersistent)
		s.stats(c, "q")
	}},
	{"quota_stats_nested", func(s *S) {
		c := s.Connect(0)
		c.Create("q", "a", modePersistent)
		c.Create("q/sub", "bb", modePersistent)
		c.Create("q/sub/x", "ccc", modePersistent)
		s.quota(c, "q/sub", "count=10,bytes=-1", "")
		s.quota(c, "q", "count=10,bytes=-1", "")
		s.stats(c, "q")
		s.stats(c, "q/sub")
		c.Create("q/sub/y", "dddd", modePersistent)
		c.Create("q/z", "eeeee", modePersistent)
		s.stats(c, "q")
		s.stats(c, "q/sub")
		c.Delete(s.quotaPath("q/sub")+"/zookeeper_limits", -1)
		c.Create("q/sub/w", "ffffff", modePersistent)
		c.Delete("q/sub/x", -1)
		s.stats(c, "q")
		s.stats(c, "q/sub")
	}},
	{"quota_stats_before_node", func(s *S) {
		c := s.Connect(0)
		s.quota(c, "later", "count=-1,bytes=-1", "count=9,bytes=9")
		s.stats(c, "later")
		c.Create("later", "12", modePersistent)
		c.Create("later/k", "3", modeEphemeral)
		s.stats(c, "later")
		c.Close()
		s.Connect(0).Get(s.quotaPath("later")+"/zookeeper_stats", false)
	}},
	{"quota_stats_node_without_limits", func(s *S) {
		c := s.Connect(0)
		c.Create("q", "abc", modePersistent)
		s.quota(c, "q", "count=1,bytes=1", "-")
		c.Create("q/a", "x", modePersistent)
		c.Create(s.quotaPath("q")+"/zookeeper_stats", "", modePersistent)
		s.stats(c, "q")
		c.Delete(s.quotaPath("q")+"/zookeeper_limits", -1)
		c.Create(s.quotaPath("q")+"/zookeeper_stats/kid", "", modePersistent)
		c.Create("q/b", "y", modePersistent)
		s.stats(c, "q")
	}},
}

func init() { register(quotaStatsScenarios...) }

// quotaRootStats: a stats node for the root quota (/zookeeper/quota/zookeeper_stats) counts the
// whole tree, as Apache's DataTree, which files the root under "" too. (A limits node there takes
// Apache 3.8.0 down, so no scenario creates one.) Run on fresh servers, whose trees are equal.
var quotaRootStats = scenario{"quota_stats_root", func(s *S) {
	c := s.Connect(0)
	c.Create("/zookeeper/quota/zookeeper_stats", "", modePersistent)
	c.Get("/zookeeper/quota/zookeeper_stats", false)
	c.Create("x", "abc", modePersistent)
	c.Get("/zookeeper/quota/zookeeper_stats", false)
	c.Delete("/zookeeper/quota/zookeeper_stats", -1)
}}

// Enforcement. Apache checks only the deepest quota above the node (hard limit if set, else the
// soft one, which only logs), refuses when the new total would be above the limit (reaching it is
// allowed), checks a create's count and size and a set's size change (a zero change is never
// checked, a shrink that still leaves the total above the limit is refused), after the ACL check
// and before the version check, and reads the committed stats (so a multi's earlier ops do not
// count against its later ones).
var quotaEnforceScenarios = []scenario{
	// First: it needs a server with no quota yet (a multi sees the quotas from before it).
	{"quota_hard_set_in_same_multi", func(s *S) {
		c := s.Connect(0)
		c.Create("q", "", modePersistent)
		s.quota(c, "q", "count=-1,bytes=-1", "-")
		c.Delete(s.quotaPath("q")+"/zookeeper_limits", -1)
		qp := s.quotaPath("q")
		c.Multi(mCreate(qp+"/zookeeper_limits", "count=-1,bytes=-1=;countHardLimit=1", modePersistent),
			mCreate(qp+"/zookeeper_stats", "", modePersistent), mCreate("q/a", "", modePersistent))
		s.stats(c, "q")
		c.Create("q/b", "", modePersistent)
	}},
	{"quota_hard_count", func(s *S) {
		c := s.Connect(0)
		c.Create("q", "", modePersistent)
		s.quota(c, "q", "count=-1,bytes=-1=;countHardLimit=3", "")
		c.Create("q/a", "", modePersistent)
		c.Create("q/b", "", modePersistent)
		c.Create("q/c", "", modePersistent)
		c.Create("q/s-", "", modeSequential)
		c.Create("q/e", "", modeEphemeral)
		c.Create("q/a", "", modePersistent)
		c.Set("q/a", "some data", -1)
		c.Multi(mCreate("q/m", "", modePersistent))
		c.Delete("q/b", -1)
		c.Create("q/s-", "", modeSequential)
		c.Children2("q", false)
		s.stats(c, "q")
	}},
	{"quota_hard_bytes", func(s *S) {
		c := s.Connect(0)
		c.Create("q", "12345", modePersistent)
		s.quota(c, "q", "count=-1,bytes=-1=;byteHardLimit=10", "")
		c.Create("q/a", "12345", modePersistent)
		c.Create("q/b", "", modePersistent)
		c.Create("q/c", "x", modePersistent)
		c.Set("q/a", "123456", -1)
		c.Set("q/a", "1234", -1)
		c.Set("q/a", "12345", -1)
		c.Set(s.quotaPath("q")+"/zookeeper_limits", "count=-1,bytes=-1=;byteHardLimit=5", -1)
		c.Set("q/a", "1", -1)
		c.Set("q/a", "abcde", -1)
		c.Set("q/a", "123456", 99)
		c.Set("q/a", "1", 99)
		c.Delete("q/a", -1)
		c.Create("q/d", "", modePersistent)
		s.stats(c, "q")
	}},
	{"quota_soft_only", func(s *S) {
		c := s.Connect(0)
		c.Create("q", "", modePersistent)
		s.quota(c, "q", "count=2,bytes=3", "")
		c.Create("q/a", "", modePersistent)
		c.Create("q/b", "12345", modePersistent)
		c.Set("q/b", "123456789", -1)
		s.stats(c, "q")
	}},
	{"quota_hard_and_soft", func(s *S) {
		c := s.Connect(0)
		c.Create("q", "", modePersistent)
		s.quota(c, "q", "count=1,bytes=1;countHardLimit=3;byteHardLimit=4", "")
		c.Create("q/a", "1234", modePersistent)
		c.Create("q/b", "", modePersistent)
		c.Create("q/c", "", modePersistent)
		c.Set("q/a", "12345", -1)
	}},
	{"quota_hard_nested", func(s *S) {
		c := s.Connect(0)
		c.Create("q", "", modePersistent)
		c.Create("q/sub", "", modePersistent)
		s.quota(c, "q", "count=-1,bytes=-1=;countHardLimit=2", "")
		s.quota(c, "q/sub", "count=-1,bytes=-1", "")
		c.Create("q/sub/a", "", modePersistent)
		c.Create("q/sub/b", "", modePersistent)
		c.Create("q/x", "", modePersistent)
		c.Delete(s.quotaPath("q/sub")+"/zookeeper_limits", -1)
		c.Create("q/sub/c", "", modePersistent)
		s.stats(c, "q")
		s.stats(c, "q/sub")
	}},
	{"quota_hard_multi", func(s *S) {
		c := s.Connect(0)
		c.Create("q", "", modePersistent)
		s.quota(c, "q", "count=-1,bytes=-1=;countHardLimit=2;byteHardLimit=3", "")
		c.Multi(mCreate("q/a", "12", modePersistent), mCreate("q/b", "12", modePersistent), mCreate("q/c", "", modePersistent))
		s.stats(c, "q")
		c.Multi(mCreate("q/d", "", modePersistent))
		c.Multi(mSet("q/a", "1", -1), mSet("q/a", "123456", -1))
		c.Multi(mDelete("q/b", -1), mCreate("q/b", "", modePersistent))
		s.stats(c, "q")
	}},
	{"quota_hard_error_order", func(s *S) {
		c, o := s.Connect(0), s.Connect(0)
		c.Create("q", "", modePersistent)
		c.CreateACL("q/ro", "", modePersistent, []ACL{acl(permRead, "world", "anyone")})
		c.Create("q/eph", "", modeEphemeral)
		s.quota(c, "q", "count=-1,bytes=-1=;countHardLimit=1;byteHardLimit=0", "")
		o.Set("q/ro", "x", -1)
		o.Create("q/ro/kid", "", modePersistent)
		o.Create("q/eph/kid", "", modePersistent)
		o.Create("q/eph", "", modePersistent)
		o.Create("q/missing/kid", "", modePersistent)
		o.Set("q/eph", "x", 5)
		o.Set("q/missing", "x", -1)
	}},
	{"quota_hard_without_stats", func(s *S) {
		c := s.Connect(0)
		c.Create("q", "", modePersistent)
		s.quota(c, "q", "count=-1,bytes=-1=;countHardLimit=1", "-")
		c.Create("q/a", "", modePersistent)
		c.Create(s.quotaPath("q")+"/zookeeper_stats", "", modePersistent)
		c.Create("q/b", "", modePersistent)
		c.Set(s.quotaPath("q")+"/zookeeper_limits", "count=-1,bytes=-1=;countHardLimit=x", -1)
		c.Set(s.quotaPath("q")+"/zookeeper_limits", "count=-1,bytes=-1", -1)
		c.Create("q/b", "", modePersistent)
	}},
}

// quotaMalformed: limits or stats that Apache's StatsTrack cannot parse fail the checked write
// with MarshallingError (a multi as a whole: header only); what it can parse is read as it does.
// Enforced only: without the check, Apache applies the create and throws on the malformed stats
// (it drops the connection), where the bundled server skips the entry it cannot read.
var quotaMalformed = scenario{"quota_hard_malformed", func(s *S) {
	c := s.Connect(0)
	c.Create("q", "", modePersistent)
	s.quota(c, "q", "count=-1,bytes=-1=;countHardLimit=x", "")
	c.Create("q/a", "", modePersistent)
	c.Multi(mCreate("q/a", "", modePersistent))
	c.Multi(mCreate("q/a", "", modePersistent), mCreate("zz", "", modePersistent))
	c.Multi(mCreate("zz", "", modePersistent), mCreate("q/a", "", modePersistent))
	c.Exists("zz", false)
	c.Set(s.quotaPath("q")+"/zookeeper_limits", "countHardLimit", -1)
	c.Create("q/b", "", modePersistent)
	c.Set("q", "x", -1)
	c.Set(s.quotaPath("q")+"/zookeeper_limits", ",countHardLimit=9", -1)
	c.Create("q/b", "", modePersistent)
	c.Set(s.quotaPath("q")+"/zookeeper_limits", "countHardLimit=1,,count=", -1)
	c.Create("q/c", "", modePersistent)
	c.Set(s.quotaPath("q")+"/zookeeper_limits", " countHardLimit=1;;", -1)
	c.Create("q/d", "", modePersistent)
	c.Set(s.quotaPath("q")+"/zookeeper_limits", "countHardLimit=3", -1)
	c.Set(s.quotaPath("q")+"/zookeeper_stats", "count=1,bytes", -1)
	c.Create("q/e", "", modePersistent)
	c.Set(s.quotaPath("q")+"/zookeeper_stats", "count=1,bytes=2", -1)
	c.Create("q/e", "", modePersistent)
	s.stats(c, "q")
}}

// enforcing starts Apache with -Dzookeeper.enforceQuota=true and the bundled server with
// EnforceQuota.
func enforcing(t *testing.T) (ref, ours *target) {
	const flags = "-XX:TieredStopAtLevel=1 -Dzookeeper.enforceQuota=true"
	inst := zktest.StartApache(t, zktest.Options{JVMFlags: flags})
	ref = apacheTarget(t, "apache", inst.Addr)
	name, addr := "apache2", ""
	if os.Getenv("ZKSH_IT_AGAINST") == "apache" {
		addr = zktest.StartApache(t, zktest.Options{JVMFlags: flags}).Addr
	} else {
		name, addr, _ = bundled(t, nil, func(c *server.Config) { c.EnforceQuota = true })
	}
	ours = &target{name: name, addr: addr, prefix: "/zkit-" + name, advance: time.Sleep}
	prepare(t, ours)
	return ref, ours
}

func TestQuotaEnforced(t *testing.T) {
	ref, ours := enforcing(t)
	compareScenarios(t, ref, ours, append(append(append([]scenario{quotaRootStats}, quotaEnforceScenarios...), quotaMalformed), quotaStatsScenarios...))
}

// TestQuotaNotEnforcedByDefault: the same scenarios, quotas only counted.
func TestQuotaNotEnforcedByDefault(t *testing.T) {
	ref, ours := targets(t, nil, nil)
	compareScenarios(t, ref, ours, append([]scenario{quotaRootStats}, quotaEnforceScenarios...))
}

// TestQuotaEnforcedFromZooCfg: zoo.cfg's enforceQuota=true, which Apache turns into the system
// property zookeeper.enforceQuota (as any key it does not know), read by the bundled server's
// ParseConfig.
func TestQuotaEnforcedFromZooCfg(t *testing.T) {
	lines := []string{"enforceQuota=true"}
	ref, ours := targets(t, lines, func(c *server.Config) {
		parsed, _, err := server.ParseConfig(strings.NewReader(strings.Join(lines, "\n")))
		if err != nil {
			t.Fatal(err)
		}
		c.EnforceQuota = parsed.EnforceQuota
	})
	compareScenarios(t, ref, ours, quotaEnforceScenarios[:1])
}
