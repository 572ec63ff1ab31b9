package commands

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/render"
)

// ZooKeeper's quotas, kept by clients under /zookeeper/quota: for a path /a/b, the limits are the
// data of /zookeeper/quota/a/b/zookeeper_limits and the usage the server tracks is the data of
// /zookeeper/quota/a/b/zookeeper_stats, both as "count=N,bytes=N" and, since 3.7, hard limits after
// it: "count=10,bytes=-1=;byteHardLimit=-1;countHardLimit=5" (-1: no limit). The logic here is
// zkCli's (setquota, listquota, delquota), so that both tools write the same znodes.

const (
	quotaRoot      = "/zookeeper/quota"
	quotaLimitNode = "zookeeper_limits"
	quotaStatNode  = "zookeeper_stats"
)

// The quota fields, as ZooKeeper names them in the znodes' data.
const (
	quotaCount          = "count"
	quotaBytes          = "bytes"
	quotaCountHardLimit = "countHardLimit"
	quotaByteHardLimit  = "byteHardLimit"
)

// quotaValues is a quota znode's data: the fields it holds (absent = -1).
type quotaValues map[string]int64

var quotaSeparators = regexp.MustCompile(`[,;]+`)

// parseQuotaValues reads a quota znode's data as ZooKeeper's StatsTrack does: pairs key=value
// separated by , or ;, an empty value meaning -1.
func parseQuotaValues(data string) (quotaValues, error) {
	q := quotaValues{}
	if data == "" {
		return q, nil
	}
	for _, pair := range quotaSeparators.Split(data, -1) {
		if pair == "" {
			continue
		}
		parts := strings.Split(pair, "=")
		v := "-1"
		if len(parts) > 1 && parts[1] != "" {
			v = parts[1]
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("malformed quota data %q: %q is not key=number", data, pair)
		}
		q[parts[0]] = n
	}
	return q, nil
}

func (q quotaValues) get(key string) int64 {
	if v, ok := q[key]; ok {
		return v
	}
	return -1
}

// String is the data as ZooKeeper writes it: count and bytes first (what clients before 3.7 read),
// then, after an "=" older parsers ignore, the other fields sorted by name.
func (q quotaValues) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s=%d,%s=%d", quotaCount, q.get(quotaCount), quotaBytes, q.get(quotaBytes))
	var rest []string
	for k := range q {
		if k != quotaCount && k != quotaBytes {
			rest = append(rest, k)
		}
	}
	if len(rest) > 0 {
		sort.Strings(rest)
		b.WriteString("=")
		for _, k := range rest {
			fmt.Fprintf(&b, ";%s=%d", k, q[k])
		}
	}
	return b.String()
}

func (q quotaValues) render() render.QuotaValues {
	return render.QuotaValues{Count: q.get(quotaCount), Bytes: q.get(quotaBytes),
		CountHardLimit: q.get(quotaCountHardLimit), ByteHardLimit: q.get(quotaByteHardLimit)}
}

// quotaDir is the znode under /zookeeper/quota that mirrors path.
func quotaDir(path string) string {
	if path == "/" {
		return quotaRoot
	}
	return quotaRoot + path
}

func limitPath(path string) string { return quotaDir(path) + "/" + quotaLimitNode }
func statPath(path string) string  { return quotaDir(path) + "/" + quotaStatNode }

// pathSegments are path's names ("/a/b" → a, b).
func pathSegments(path string) []string {
	var out []string
	for _, s := range strings.Split(path, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// errQuotaMissing: the path has no quota (listquota's "quota for /a does not exist.").
var errQuotaMissing = errors.New("no quota")

// readQuota reads a path's limits and usage.
func readQuota(c *zkclient.Client, path string) (limits, stats quotaValues, err error) {
	data, _, err := c.Get(limitPath(path))
	if errors.Is(err, zk.ErrNoNode) {
		return nil, nil, errQuotaMissing
	}
	if err != nil {
		return nil, nil, err
	}
	if limits, err = parseQuotaValues(string(data)); err != nil {
		return nil, nil, err
	}
	data, _, err = c.Get(statPath(path))
	if errors.Is(err, zk.ErrNoNode) {
		return nil, nil, errQuotaMissing
	}
	if err != nil {
		return nil, nil, err
	}
	stats, err = parseQuotaValues(string(data))
	return limits, stats, err
}

// quotaConflict is zkCli's check that no ancestor and no descendant of path has a quota already.
func quotaConflict(c *zkclient.Client, path string) error {
	// Descendants: any zookeeper_limits below path's quota znode, other than path's own.
	own := quotaDir(path)
	var walk func(dir string) error
	walk = func(dir string) error {
		children, _, err := c.Children(dir)
		if errors.Is(err, zk.ErrNoNode) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, child := range children {
			if child == quotaLimitNode && dir != own {
				return &quotaRefusal{fmt.Sprintf("%s has a child %s which has a quota", path, strings.TrimPrefix(dir, quotaRoot))}
			}
		}
		for _, child := range children {
			if child == quotaLimitNode || child == quotaStatNode {
				continue
			}
			if err := walk(dir + "/" + child); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(own); err != nil {
		return err
	}
	// Ancestors.
	segs := pathSegments(path)
	dir := quotaRoot
	for i := 0; i+1 < len(segs); i++ {
		dir += "/" + segs[i]
		children, _, err := c.Children(dir)
		if errors.Is(err, zk.ErrNoNode) || err == nil && len(children) == 0 {
			return nil
		}
		if err != nil {
			return err
		}
		for _, child := range children {
			if child == quotaLimitNode {
				return &quotaRefusal{fmt.Sprintf("%s has a parent %s which has a quota", path, strings.TrimPrefix(dir, quotaRoot))}
			}
		}
	}
	return nil
}

// quotaRefusal is a quota command refused by zkCli's rules (exit 1), with zkCli's text.
type quotaRefusal struct{ msg string }

func (e *quotaRefusal) Error() string { return e.msg }

// quotaWarnings are zkCli's warnings when a new limit is already below the usage.
func quotaWarnings(limits, stats quotaValues) []string {
	var out []string
	count, bytes := stats.get(quotaCount), stats.get(quotaBytes)
	if n := limits.get(quotaCount); n > -1 && n < count || limits.get(quotaCountHardLimit) > -1 && limits.get(quotaCountHardLimit) < count {
		out = append(out, fmt.Sprintf("the count quota you create is less than the existing count: %d", count))
	}
	if n := limits.get(quotaBytes); n > -1 && n < bytes || limits.get(quotaByteHardLimit) > -1 && limits.get(quotaByteHardLimit) < bytes {
		out = append(out, fmt.Sprintf("the bytes quota you create is less than the existing bytes: %d", bytes))
	}
	return out
}
