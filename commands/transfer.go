package commands

import (
	"context"
	"errors"
	"io"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/internal/znodepath"
	"github.com/zksh/zksh/internal/znodetree"
)

// The operands of export, import, diff, apply, cp and mirror: a znode in the current cluster, a
// znode on another cluster (a zk:// URL) or an export file.

type locationKind int

const (
	atZnode locationKind = iota // a path in the current cluster
	atURL                       // zk://[scheme:cred@]hosts[/path], or zk+plain://
	atFile                      // an export file ("-": stdin or stdout)
)

type location struct {
	kind   locationKind
	path   string // the znode (atZnode, atURL) or the file name (atFile)
	server string // atURL: the hosts
	auth   string // atURL: "scheme:credential", or ""
	plain  bool   // atURL: zk+plain://, the cluster's plain client port whatever the TLS settings say
}

// The schemes of another cluster's URL. zk:// is reached as the current cluster is, with the
// command line's TLS and SASL settings (flags, client configuration, CLIENT_JVMFLAGS): the clusters
// of one fleet share a CA and a JAAS file. zk+plain:// is a cluster without TLS (its clientPort),
// for copying from or to one while the settings say TLS; SASL still applies.
const (
	zkScheme      = "zk://"
	zkPlainScheme = "zk+plain://"
)

// String shows the location without credentials.
func (l location) String() string {
	switch l.kind {
	case atURL:
		cred := ""
		if l.auth != "" {
			scheme, _, _ := strings.Cut(l.auth, ":")
			cred = scheme + ":***@"
		}
		if l.path == "/" {
			return l.scheme() + cred + l.server
		}
		return l.scheme() + cred + l.server + l.path
	case atFile:
		if l.path == "-" {
			return "(stdin)"
		}
		return l.path
	}
	return l.path
}

// scheme is the URL scheme of an atURL location.
func (l location) scheme() string {
	if l.plain {
		return zkPlainScheme
	}
	return zkScheme
}

// parseLocation reads an operand: "zk://..." is another cluster, "file:NAME", "-" or a name ending
// in .jsonl is an export file, anything else a znode path (relative to the current znode).
func parseLocation(env *Env, cmdPath, arg string) (location, error) {
	switch {
	case zkURL(arg):
		return parseZkURL(cmdPath, arg)
	case strings.HasPrefix(arg, "file:"):
		name := strings.TrimPrefix(arg, "file:")
		if name == "" {
			return location{}, usageErrorf(cmdPath, "%q: no file name after file:", arg)
		}
		return location{kind: atFile, path: name}, nil
	case fileOperand(arg):
		return location{kind: atFile, path: arg}, nil
	}
	p, err := znodepath.Resolve(env.Cwd, arg)
	if err != nil {
		return location{}, usageErrorf(cmdPath, "%s: %v", showPath(arg), err)
	}
	return location{kind: atZnode, path: p}, nil
}

// fileOperand reports whether an operand names an export file: "file:NAME", "-" or a name ending
// in .jsonl that is not a cluster's URL (zk://host/a.jsonl is a znode). --read-only trusts it to
// say that a copy writes no znode, so it must classify as parseLocation does.
func fileOperand(arg string) bool {
	if zkURL(arg) {
		return false
	}
	return strings.HasPrefix(arg, "file:") || arg == "-" || strings.HasSuffix(arg, ".jsonl")
}

// zkURL reports whether an operand is another cluster's URL (zk:// or zk+plain://).
func zkURL(arg string) bool {
	return strings.HasPrefix(arg, zkScheme) || strings.HasPrefix(arg, zkPlainScheme)
}

// parseZkURL reads zk://[scheme:cred@]host:port[,host:port...][/path] (or zk+plain://). Characters of the credential
// that a URL reserves ('@', '/', '%') are percent-encoded. A chroot and a path are one path here:
// zksh connects without a chroot to chroot+path, which reads and writes the same znodes. The
// credential is never repeated in a message.
func parseZkURL(cmdPath, arg string) (location, error) {
	scheme := zkScheme
	if strings.HasPrefix(arg, zkPlainScheme) {
		scheme = zkPlainScheme
	}
	rest := strings.TrimPrefix(arg, scheme)
	hosts, path := rest, "/"
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		hosts, path = rest[:i], rest[i:]
	}
	l := location{kind: atURL, path: path, plain: scheme == zkPlainScheme}
	if i := strings.LastIndexByte(hosts, '@'); i >= 0 {
		cred, err := url.PathUnescape(hosts[:i])
		_, c, ok := strings.Cut(cred, ":")
		scheme, _, _ := strings.Cut(hosts[:i], ":") // as typed: shown even when cred cannot be unescaped
		shown := l.scheme() + scheme + ":***@" + hosts[i+1:] + path
		if err != nil || !ok {
			return l, usageErrorf(cmdPath, "%s: want %sscheme:credential@host:port/path (credential percent-encoded)", shown, l.scheme())
		}
		if err := checkCredential(scheme, c); err != nil {
			return l, usageErrorf(cmdPath, "%s: %v", shown, err)
		}
		l.auth, hosts = cred, hosts[i+1:]
	}
	l.server = hosts
	if _, _, err := zkclient.ParseConnectString(hosts); err != nil || hosts == "" {
		if i := strings.LastIndexByte(rest, '@'); i >= 0 && l.auth == "" {
			// Likely a credential whose '/' was not percent-encoded: it is not shown.
			return l, usageErrorf(cmdPath, "%s***@%s: want %s[scheme:credential@]host:port[,host:port...][/path] (a credential's '/', '@' and '%%' percent-encoded)",
				l.scheme(), rest[i+1:], l.scheme())
		}
		return l, usageErrorf(cmdPath, "%s: want %s[scheme:credential@]host:port[,host:port...][/path]", l, l.scheme())
	}
	if host, _, _ := strings.Cut(hosts, ":"); l.auth == "" && authSchemes[host] && strings.Contains(path, "@") {
		// "zk://digest:1234/x@h/a": a credential whose '/' was not percent-encoded, its first part
		// read as host:port. It is not shown.
		return l, usageErrorf(cmdPath, "%s%s:***@%s: want %s[scheme:credential@]host:port[,host:port...][/path] (a credential's '/', '@' and '%%' percent-encoded)",
			l.scheme(), host, path[strings.LastIndexByte(path, '@')+1:], l.scheme())
	}
	if err := znodepath.Validate(path); err != nil {
		return l, usageErrorf(cmdPath, "%s: %v", l, err)
	}
	return l, nil
}

// authSchemes are ZooKeeper's authentication schemes: no cluster's host is named so, and a URL
// whose host is one had a credential in it that was not percent-encoded.
var authSchemes = map[string]bool{"digest": true, "sasl": true, "ip": true, "x509": true, "world": true, "auth": true, "super": true}

// cluster is an open session for a location: the current one, or one opened for a zk:// URL
// (closed by close).
type cluster struct {
	c      *zkclient.Client
	source string // the connect string, without credentials
	close  func()
}

func (env *Env) cluster(ctx context.Context, l location) (*cluster, error) {
	if l.kind == atZnode {
		c, err := env.Client(ctx)
		if err != nil {
			return nil, pathError(l.path, err)
		}
		return &cluster{c: c, source: env.Server(), close: func() {}}, nil
	}
	s := env.settings()
	cfg := zkclient.Config{Server: l.server, SessionTimeout: s.SessionTimeout, ConnectTimeout: s.ConnectTimeout}
	var err error
	if !l.plain {
		if cfg.TLS, err = env.sessionTLS(s); err != nil {
			return nil, err
		}
	}
	if cfg.SASL, err = clientSASL(ctx, s, env); err != nil {
		if errors.Is(err, context.Canceled) { // Ctrl-C at the password prompt
			return nil, context.Canceled
		}
		return nil, usageErrorf("", "%v", err)
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = DefaultSessionTimeout
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if l.auth != "" {
		cfg.Auth = []string{l.auth}
	}
	c, err := zkclient.New(cfg)
	if err == nil {
		err = c.Wait(ctx)
	}
	if err != nil {
		if c != nil {
			c.Close()
		}
		var ae *zkclient.AuthError
		if errors.As(err, &ae) {
			return nil, &ExitError{Code: classify(ae.Err), Path: l.String(), Err: loginRefusal(ae)}
		}
		return nil, pathError(l.String(), err)
	}
	return &cluster{c: c, source: l.server, close: c.Close}, nil
}

// readOptions say what readLive reads.
type readOptions struct {
	ephemeral bool // include ephemeral znodes
	shape     bool // paths only: no data, ACL or stat (every node reads as persistent)
	recursive bool // the whole subtree (else the root alone)
	// whole: refuse a znode whose ACL the server showed with the password digest hidden (digest
	// IDs read "user:x" without ADMIN permission): a copy would lose it.
	whole bool
}

// chunk is how many znodes readLive reads (data and ACL) before writing them out: memory holds one
// chunk, whatever the size of the tree.
const chunk = 16384

// readLive reads the subtree at root, parents before children (by depth, then by path), and gives
// each znode to emit with its path relative to root. ZooKeeper's own /zookeeper subtree is left
// out. Znodes deleted while reading are left out. It returns zk.ErrNoNode when root does not exist.
func readLive(ctx context.Context, c *zkclient.Client, root string, o readOptions, progress func(int), emit func(*znodetree.Node) error) error {
	levels := [][]string{{root}}
	if o.recursive {
		w := c.Walker()
		var err error
		levels, err = w.Walk(ctx, root)
		w.Close()
		if err != nil {
			return err
		}
	}
	if o.shape {
		if ok, _, err := c.Exists(root); err != nil || !ok {
			if err == nil {
				err = zk.ErrNoNode
			}
			return err
		}
	}
	var done atomic.Int64
	var readers []*zkclient.NodeReader // pipelined reads, when the server allows them
	if !o.shape {
		readers = nodeReaders(ctx, c, o.recursive)
	}
	defer func() {
		for _, r := range readers {
			r.Close()
		}
	}()
	gone := map[string]bool{} // znodes deleted meanwhile, and left out: their children are too
	for depth, level := range levels {
		sort.Strings(level)
		keep := level[:0]
		for _, p := range level {
			if isSystemNode(c.ServerPath(p)) || (depth > 0 && gone[znodepath.Parent(p)]) {
				if depth > 0 && gone[znodepath.Parent(p)] {
					gone[p] = true
				}
				continue
			}
			keep = append(keep, p)
		}
		level = keep
		for start := 0; start < len(level); start += chunk {
			part := level[start:min(start+chunk, len(level))]
			nodes := make([]*znodetree.Node, len(part))
			if o.shape {
				for i, p := range part {
					nodes[i] = &znodetree.Node{Path: znodetree.Rel(root, p), Mode: znodetree.Persistent}
				}
			} else if err := readNodes(ctx, c, &readers, root, part, nodes, o.whole); err != nil {
				return err
			} else if progress != nil {
				progress(int(done.Add(int64(len(part)))))
			}
			for i, n := range nodes {
				switch {
				case n == nil:
					if depth == 0 {
						return zk.ErrNoNode
					}
					gone[part[i]] = true
				case n.Mode == znodetree.Ephemeral && !o.ephemeral:
				default:
					if err := emit(n); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// nodeReaders opens the pipelined sessions readLive reads through: several for a subtree (the
// server answers each session's requests in order, several sessions keep more of its threads at
// work), none when the server does not allow them.
func nodeReaders(ctx context.Context, c *zkclient.Client, recursive bool) []*zkclient.NodeReader {
	n := 1
	if recursive {
		n = readSessions
	}
	var out []*zkclient.NodeReader
	for i := 0; i < n; i++ {
		r, err := c.NodeReader(ctx)
		if err != nil {
			break
		}
		out = append(out, r)
	}
	return out
}

// readSessions is how many pipelined sessions a subtree is read through.
const readSessions = 4

// readNodes reads the data, ACL and stat of paths into nodes (nil for a znode that is gone): over
// the pipelined sessions, or else with Get and GetACL, many in flight.
func readNodes(ctx context.Context, c *zkclient.Client, readers *[]*zkclient.NodeReader, root string, paths []string, nodes []*znodetree.Node, whole bool) error {
	set := func(i int, data []byte, acl []zk.ACL, st *zk.Stat, err error) error {
		if errors.Is(err, zk.ErrNoNode) {
			return nil
		}
		if err != nil {
			return &ExitError{Code: classify(err), Path: paths[i], Err: err}
		}
		if whole && redacted(acl) {
			return &ExitError{Code: ExitRefused, Path: paths[i], Err: errors.New(
				"the server hid the password digest in the znode's ACL (the session has no ADMIN permission on it): a copy would lose it; read with credentials that have (--auth)")}
		}
		nodes[i] = znodetree.FromZk(znodetree.Rel(root, paths[i]), data, acl, st)
		return nil
	}
	got, err := overReaders(ctx, readers, paths, (*zkclient.NodeReader).Read)
	if err != nil {
		return err
	}
	if got != nil {
		for i, d := range got {
			if err := set(i, d.Data, d.ACL, d.Stat, d.Err); err != nil {
				return err
			}
		}
		return nil
	}
	return zkclient.ForEach(ctx, len(paths), zkclient.InFlight, func(_, i int) error {
		data, st, err := c.Get(paths[i])
		var acl []zk.ACL
		if err == nil {
			acl, _, err = c.GetACL(paths[i])
		}
		return set(i, data, acl, st, err)
	})
}

// overReaders reads paths with read, split evenly over the pipelined sessions, in order. It
// returns nil, nil when there are none, or when one failed: then they are closed and dropped, and
// the caller reads another way. ctx's error stops it.
func overReaders(ctx context.Context, readers *[]*zkclient.NodeReader, paths []string,
	read func(*zkclient.NodeReader, context.Context, []string) ([]zkclient.NodeData, error)) ([]zkclient.NodeData, error) {
	rs := *readers
	if len(rs) == 0 {
		return nil, nil
	}
	per := (len(paths) + len(rs) - 1) / len(rs)
	got := make([][]zkclient.NodeData, len(rs))
	errs := make([]error, len(rs))
	var wg sync.WaitGroup
	for k, r := range rs {
		lo, hi := min(k*per, len(paths)), min((k+1)*per, len(paths))
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[k], errs[k] = read(r, ctx, paths[lo:hi])
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if errors.Join(errs...) != nil {
		for _, r := range rs { // a pipelined session failed: go on without them
			r.Close()
		}
		*readers = nil
		return nil, nil
	}
	out := make([]zkclient.NodeData, 0, len(paths))
	for _, g := range got {
		out = append(out, g...)
	}
	return out, nil
}

// redacted reports a digest ACL entry shown as "user:x": ZooKeeper hides the digest from sessions
// without ADMIN permission on the znode.
func redacted(acl []zk.ACL) bool {
	for _, a := range acl {
		if a.Scheme == "digest" && strings.HasSuffix(a.ID, ":x") {
			return true
		}
	}
	return false
}

// loadTree reads a location into memory: a live subtree or an export file. The header says where
// the tree came from.
func loadTree(ctx context.Context, env *Env, l location, o readOptions) (*znodetree.Tree, znodetree.Header, error) {
	if l.kind == atFile {
		return readFileTree(env, l, o.recursive)
	}
	h := znodetree.Header{Root: l.path, Ephemeral: o.ephemeral}
	cl, err := env.cluster(ctx, l)
	if err != nil {
		return nil, h, readError(l, err)
	}
	defer cl.close()
	h.Source = cl.source
	t := znodetree.NewTree()
	prog := env.progress("read "+l.String(), "read %d znodes")
	err = readLive(ctx, cl.c, l.path, o, prog.update, func(n *znodetree.Node) error { return t.Add(n) })
	prog.done()
	if err != nil {
		return nil, h, readError(l, err)
	}
	return t, h, nil
}

// readError names the location a read (or the connection before it) failed at.
func readError(l location, err error) error {
	if errors.Is(err, context.Canceled) || ExitCode(err) == ExitInterrupted { // callers read before they write
		return &ExitError{Code: ExitInterrupted, Path: l.String(), Err: errors.New("interrupted while reading; nothing was changed")}
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return err
	}
	return pathError(l.String(), err)
}

// readFileTree reads an export file (stdin for "-"); not recursive keeps the root only.
func readFileTree(env *Env, l location, recursive bool) (*znodetree.Tree, znodetree.Header, error) {
	var r io.Reader = env.IO.In
	name := "(stdin)"
	if l.path != "-" {
		f, err := os.Open(l.path)
		if err != nil {
			return nil, znodetree.Header{}, &ExitError{Code: ExitUsage, Err: err}
		}
		defer f.Close()
		r, name = f, l.path
	} else if env.stdinCommands {
		return nil, znodetree.Header{}, &UsageError{Err: errors.New("stdin holds the commands: give the export as a file")}
	}
	zr, h, err := znodetree.NewReader(r, name)
	if err != nil {
		return nil, znodetree.Header{}, &ExitError{Code: ExitUsage, Err: err}
	}
	t, err := znodetree.ReadTree(zr)
	if err != nil {
		return nil, h, &ExitError{Code: ExitUsage, Err: err}
	}
	if !recursive {
		t.Nodes = map[string]*znodetree.Node{"/": t.Nodes["/"]}
	}
	return t, h, nil
}

// writeFile writes a tree (or a live subtree, when tree is nil) as an export file: into a temporary
// file beside name, renamed into place once complete, so that a failed export never leaves a file
// that looks whole. "-" writes to stdout.
func writeExport(env *Env, name string, h znodetree.Header, fill func(*znodetree.Writer) error) error {
	h.Time = time.Now().UTC().Truncate(time.Millisecond)
	if name == "-" {
		w, err := znodetree.NewWriter(env.IO.Out, h)
		if err == nil {
			err = fill(w)
		}
		if ferr := w.Flush(); err == nil {
			err = ferr
		}
		return err
	}
	dir, base := ".", name
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		dir, base = name[:i+1], name[i+1:]
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	tmp := f.Name()
	w, err := znodetree.NewWriter(f, h)
	if err == nil {
		err = fill(w)
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
