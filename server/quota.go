package server

import (
	"sort"
	"strconv"
	"strings"

	"github.com/zksh/zksh/internal/znodepath"
	"github.com/zksh/zksh/jute"
)

// Quotas, as Apache's DataTree keeps them: a quota on path X is the node
// /zookeeper/quota/X/zookeeper_limits (written by clients such as zkCli's setquota); the server
// maintains /zookeeper/quota/X/zookeeper_stats, "count=N,bytes=M" over X's subtree, on every
// create, delete and setData below X. The stats node's data changes without a zxid or version, as
// in Apache. Enforcement is off by default, as in Apache 3.8; Config.EnforceQuota (Apache's
// zookeeper.enforceQuota) turns it on: see checkQuota.

const (
	quotaRoot      = "/zookeeper/quota"
	quotaLimitNode = "zookeeper_limits"
	quotaStatNode  = "zookeeper_stats"
)

// quotaCreated updates quota bookkeeping after n was linked.
func (t *tree) quotaCreated(n *znode) {
	parent := n.parent.path
	if strings.HasPrefix(parent, quotaRoot) {
		switch n.name {
		case quotaLimitNode:
			t.quotas[parent[len(quotaRoot):]] = struct{}{}
		case quotaStatNode:
			t.recountQuota(parent[len(quotaRoot):])
		}
	}
	if p := t.quotaPrefix(n.path); p != "" {
		t.addQuotaStat(p, int64(len(n.data)), 1)
	}
}

// quotaRemoved updates quota bookkeeping after n was unlinked.
func (t *tree) quotaRemoved(n *znode) {
	if parent := n.parent.path; strings.HasPrefix(parent, "/zookeeper") && n.name == quotaLimitNode {
		delete(t.quotas, strings.TrimPrefix(parent, quotaRoot))
	}
	if p := t.quotaPrefix(n.path); p != "" {
		t.addQuotaStat(p, -int64(len(n.data)), -1)
	}
}

// quotaDataChanged accounts for a node's data changing size.
func (t *tree) quotaDataChanged(path string, diff int64) {
	if p := t.quotaPrefix(path); p != "" && diff != 0 {
		t.addQuotaStat(p, diff, 0)
	}
}

// quotaPrefix is the longest quota path that is path or one of its ancestors ("" if none, or if
// it is the root), as PathTrie.findMaxPrefix.
func (t *tree) quotaPrefix(path string) string {
	if len(t.quotas) == 0 {
		return ""
	}
	for p := path; p != "/" && p != ""; p = znodepath.Parent(p) {
		if _, ok := t.quotas[p]; ok {
			return p
		}
	}
	return ""
}

// addQuotaStat adds to the counts in X's stats node, if it exists (DataTree.updateQuotaStat: a
// missing count or bytes counts from -1).
func (t *tree) addQuotaStat(x string, bytes int64, count int64) {
	n := t.nodes[quotaRoot+x+"/"+quotaStatNode]
	if n == nil {
		return
	}
	st, _ := parseStatsTrack(n.data) // where Apache throws applying the write, entries are skipped
	st.set(statCount, st.get(statCount)+count)
	st.set(statBytes, st.get(statBytes)+bytes)
	t.setStatsData(n, st.String())
}

// recountQuota sets X's stats node from a walk of X's subtree (DataTree.updateQuotaForPath).
func (t *tree) recountQuota(x string) {
	n := t.nodes[quotaRoot+x+"/"+quotaStatNode]
	if n == nil {
		return
	}
	var count, bytes int64
	var walk func(z *znode)
	walk = func(z *znode) {
		count++
		bytes += int64(len(z.data))
		for _, c := range z.children {
			walk(c)
		}
	}
	root := t.nodes[x]
	if x == "" { // a quota on the root: Apache's DataTree also keeps the root under ""
		root = t.root
	}
	if root != nil {
		walk(root)
	}
	t.setStatsData(n, statsTrack{statCount: count, statBytes: bytes}.String())
}

func (t *tree) setStatsData(n *znode, s string) {
	t.dataSize += int64(len(s) - len(n.data))
	n.data = []byte(s)
}

// rebuildQuotas finds the quota paths after a snapshot load (DataTree.setupQuota).
func (t *tree) rebuildQuotas() {
	for p, n := range t.nodes {
		if n.name == quotaLimitNode && strings.HasPrefix(p, quotaRoot+"/") {
			t.quotas[n.parent.path[len(quotaRoot):]] = struct{}{}
		}
	}
}

// Keys of a StatsTrack.
const (
	statCount          = "count"
	statBytes          = "bytes"
	statCountHardLimit = "countHardLimit"
	statByteHardLimit  = "byteHardLimit"
)

// statsTrack is Apache's StatsTrack: key=value pairs separated by runs of ',' or ';'. A missing
// key reads as -1. A value after a second '=' is ignored ("bytes=5=" is 5), an empty one is -1.
type statsTrack map[string]int64

// parseStatsTrack parses as StatsTrack's constructor does; ok is false where that throws (an
// entry without '=' and a value, a value that is not a number), and such entries are skipped.
func parseStatsTrack(data []byte) (st statsTrack, ok bool) {
	st, ok = statsTrack{}, true
	if len(data) == 0 {
		return st, ok
	}
	for _, kv := range javaSplit(string(data), func(r rune) bool { return r == ',' || r == ';' }) {
		parts := javaSplit(kv, func(r rune) bool { return r == '=' })
		if len(parts) < 2 {
			ok = false
			continue
		}
		v := int64(-1)
		if parts[1] != "" {
			n, err := strconv.ParseInt(parts[1], 10, 64)
			if err != nil {
				ok = false
				continue
			}
			v = n
		}
		st[parts[0]] = v
	}
	return st, ok
}

// javaSplit is Java's String.split on a pattern matching one run of separators: an empty field
// before a leading separator is kept, trailing empty fields are dropped.
func javaSplit(s string, sep func(rune) bool) []string {
	var out []string
	start, inSep := 0, false
	for i, r := range s {
		switch {
		case sep(r) && !inSep:
			out = append(out, s[start:i])
			inSep = true
		case !sep(r) && inSep:
			start, inSep = i, false
		}
	}
	if !inSep {
		out = append(out, s[start:])
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

func (st statsTrack) get(key string) int64 {
	if v, ok := st[key]; ok {
		return v
	}
	return -1
}

func (st statsTrack) set(key string, v int64) { st[key] = v }

// String is StatsTrack.toString: count and bytes first; any other keys follow, sorted, each as
// ";key=value", after an "=" that marks the new format ("count=1,bytes=2=;countHardLimit=5").
func (st statsTrack) String() string {
	var b strings.Builder
	b.WriteString("count=" + strconv.FormatInt(st.get(statCount), 10) + ",bytes=" + strconv.FormatInt(st.get(statBytes), 10))
	var keys []string
	for k := range st {
		if k != statCount && k != statBytes {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		sort.Strings(keys)
		b.WriteString("=")
		for _, k := range keys {
			b.WriteString(";" + k + "=" + strconv.FormatInt(st[k], 10))
		}
	}
	return b.String()
}

// quotaState is what a quota check reads for one quota path: its limits and stats nodes' data
// (nil when the node is missing).
type quotaState struct{ limits, stats []byte }

// committedQuotas copies every quota's limits and stats, for the checks of a multi's ops, which
// Apache makes against the tree as it was before the multi (ZooKeeperServer.checkQuota reads the
// committed DataTree, not the multi's pending changes).
func (t *tree) committedQuotas() map[string]quotaState {
	m := make(map[string]quotaState, len(t.quotas))
	for x := range t.quotas {
		var q quotaState
		if n := t.nodes[quotaRoot+x+"/"+quotaLimitNode]; n != nil {
			q.limits = n.data
		}
		if n := t.nodes[quotaRoot+x+"/"+quotaStatNode]; n != nil {
			q.stats = n.data
		}
		m[x] = q
	}
	return m
}

// checkQuota is ZooKeeperServer.checkQuota, run when the server enforces quotas: a create (count
// 1) or a data change (count 0) under the deepest quota above path is refused with QuotaExceeded
// when it would take that quota's count or bytes above its hard limit; above a soft limit (count,
// bytes) it is only logged. A zero change is not checked. Without a limits or stats node, nothing
// is checked.
func (s *Server) checkQuota(path string, bytesDiff, countDiff int64) int32 {
	if !s.cfg.EnforceQuota {
		return jute.ErrOK
	}
	var x string
	var q quotaState
	if s.txn != nil && s.txn.quotas != nil {
		for p := path; p != "/" && p != ""; p = znodepath.Parent(p) {
			if v, ok := s.txn.quotas[p]; ok {
				x, q = p, v
				break
			}
		}
	} else if x = s.tree.quotaPrefix(path); x != "" {
		if n := s.tree.nodes[quotaRoot+x+"/"+quotaLimitNode]; n != nil {
			q.limits = n.data
		}
		if n := s.tree.nodes[quotaRoot+x+"/"+quotaStatNode]; n != nil {
			q.stats = n.data
		}
	}
	if x == "" || q.limits == nil {
		return jute.ErrOK
	}
	limits, ok := parseStatsTrack(q.limits)
	if !ok {
		return jute.ErrMarshallingError // Apache fails the request on the exception StatsTrack throws
	}
	checkCount := countDiff != 0 && (limits.get(statCount) > -1 || limits.get(statCountHardLimit) > -1)
	checkBytes := bytesDiff != 0 && (limits.get(statBytes) > -1 || limits.get(statByteHardLimit) > -1)
	if !checkCount && !checkBytes || q.stats == nil {
		return jute.ErrOK
	}
	current, ok := parseStatsTrack(q.stats)
	if !ok {
		return jute.ErrMarshallingError
	}
	for _, c := range []struct {
		check            bool
		what, soft, hard string
		diff             int64
	}{{checkCount, "count", statCount, statCountHardLimit, countDiff}, {checkBytes, "bytes", statBytes, statByteHardLimit, bytesDiff}} {
		if !c.check {
			continue
		}
		total := current.get(c.soft) + c.diff
		limit, hard := limits.get(c.hard), true
		if limit <= -1 {
			limit, hard = limits.get(c.soft), false
		}
		if total <= limit {
			continue
		}
		s.log.Warn("quota exceeded", "quota", x, c.what, total, "limit", limit, "hard", hard)
		if hard {
			return jute.ErrQuotaExceeded
		}
	}
	return jute.ErrOK
}
