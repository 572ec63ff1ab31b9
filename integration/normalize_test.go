package integration

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Normalization: how observations are written so that two faithful servers
// write the same lines.

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

// children renders a child list; the target's prefix, which differs between
// targets, appears as PREFIX when the root's children are listed.
func (s *S) children(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		if "/"+n == s.tg.prefix {
			n = "PREFIX"
		}
		out[i] = n
	}
	return fmtNames(out)
}

// fmtNames renders children (or paths) sorted: Apache does not order them.
func fmtNames(names []string) string {
	sorted := append([]string{}, names...)
	sort.Strings(sorted)
	return "[" + strings.Join(sorted, " ") + "]"
}
