package server

import (
	"strconv"
	"strings"

	"github.com/zksh/zksh/internal/znodepath"
)

// Quotas, as Apache's DataTree keeps them: a quota on path X is the node
// /zookeeper/quota/X/zookeeper_limits (written by clients such as zkCli's setquota); the server
// maintains /zookeeper/quota/X/zookeeper_stats, "count=N,bytes=M" over X's subtree, on every
// create, delete and setData below X. Enforcement is off in 3.8 by default, so quotas are only
// counted. The stats node's data changes without a zxid or version, as in Apache.

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

// addQuotaStat adds to the counts in X's stats node, if it exists.
func (t *tree) addQuotaStat(x string, bytes int64, count int64) {
	n := t.nodes[quotaRoot+x+"/"+quotaStatNode]
	if n == nil {
		return
	}
	st := parseStatsTrack(string(n.data))
	st.count += count
	st.bytes += bytes
	t.setStatsData(n, st.String())
}

// recountQuota sets X's stats node from a walk of X's subtree (DataTree.updateQuotaForPath).
func (t *tree) recountQuota(x string) {
	n := t.nodes[quotaRoot+x+"/"+quotaStatNode]
	if n == nil {
		return
	}
	var st statsTrack
	var walk func(z *znode)
	walk = func(z *znode) {
		st.count++
		st.bytes += int64(len(z.data))
		for _, c := range z.children {
			walk(c)
		}
	}
	if root := t.nodes[x]; root != nil {
		walk(root)
	}
	t.setStatsData(n, st.String())
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

// statsTrack is StatsTrack: count and bytes first, then any other key=value pairs.
type statsTrack struct {
	count, bytes int64
	extra        []string
}

func parseStatsTrack(s string) statsTrack {
	var st statsTrack
	if s == "" {
		return st
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "count":
			st.count = n
		case "bytes":
			st.bytes = n
		default:
			st.extra = append(st.extra, kv)
		}
	}
	return st
}

func (st statsTrack) String() string {
	s := "count=" + strconv.FormatInt(st.count, 10) + ",bytes=" + strconv.FormatInt(st.bytes, 10)
	for _, kv := range st.extra {
		s += "," + kv
	}
	return s
}
