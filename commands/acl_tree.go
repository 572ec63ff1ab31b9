package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/render"
)

// aclTree prints the ACL of every znode of the subtree at path (getAcl -R), in ls -R's order: the
// walk lists the subtree, then one getACL per znode goes out pipelined over several sessions
// (multiRead cannot carry getACL). Like ls -R it goes past the znodes it may not list or read,
// names them on stderr afterwards, and exits 1.
func aclTree(ctx context.Context, env *Env, c *zkclient.Client, p render.Printer, path string) error {
	prog := env.progress("getAcl -R "+path, "found %d znodes")
	w := c.Walker()
	w.SkipNoAuth = true
	w.Progress = prog.update
	levels, err := w.Walk(ctx, path)
	w.Close()
	prog.done()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return &ExitError{Code: ExitInterrupted, Path: path, Err: errors.New("interrupted while listing the subtree")}
		}
		return pathError(path, err)
	}
	unlisted := w.Refused()
	var paths []string
	for _, l := range levels {
		paths = append(paths, l...)
	}
	sortZkCli(paths, paths[0])
	// The readers stay open across chunks; each chunk's replies are dropped once its ACLs are kept.
	readers := nodeReaders(ctx, c, len(paths) > 1)
	defer func() {
		for _, r := range readers {
			r.Close()
		}
	}()
	t := render.ACLTree{Path: path, Nodes: make([]render.ACL, 0, len(paths))}
	var unreadable []string
	for start := 0; start < len(paths); start += chunk {
		part := paths[start:min(start+chunk, len(paths))]
		acls, err := readACLs(ctx, c, &readers, part)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return &ExitError{Code: ExitInterrupted, Path: path,
					Err: fmt.Errorf("interrupted after reading the ACLs of %s of %d", count(start, "znode"), len(paths))}
			}
			return pathError(path, err)
		}
		for i, a := range acls {
			switch {
			case errors.Is(a.Err, zk.ErrNoNode):
				if start+i == 0 {
					return pathError(path, zk.ErrNoNode)
				}
			case errors.Is(a.Err, zk.ErrNoAuth):
				if start+i == 0 && len(paths) == 1 {
					return pathError(path, zk.ErrNoAuth)
				}
				unreadable = append(unreadable, part[i])
			case a.Err != nil:
				return pathError(part[i], a.Err)
			default:
				t.Nodes = append(t.Nodes, render.ACL{Path: part[i], ACL: a.ACL})
			}
		}
	}
	if err := p.ACLs(env.IO.Out, t); err != nil {
		return pathError(path, err)
	}
	why := map[string]string{}
	for _, r := range unlisted {
		why[r] = "not authorized to list its children"
	}
	for _, r := range unreadable {
		if why[r] != "" {
			why[r] = "not authorized to read its ACL or to list its children"
		} else {
			why[r] = "not authorized to read its ACL"
		}
	}
	named := make([]string, 0, len(why))
	for r := range why {
		named = append(named, r)
	}
	for _, r := range refusedPaths(named, paths[0]) {
		warn(ctx, env.IO.ErrOut, &ExitError{Code: ExitRefused, Path: r, Err: errors.New(why[r])})
	}
	// As ls -R says it: a znode whose children could not be listed is in the listing itself.
	var missing []string
	verb := "are"
	switch n := len(unreadable); {
	case n == 1:
		missing, verb = append(missing, "the ACL of 1 znode"), "is"
	case n > 1:
		missing = append(missing, "the ACLs of "+count(n, "znode"))
	}
	if n := len(unlisted); n > 0 {
		missing, verb = append(missing, "the children of "+count(n, "znode")), "are"
	}
	if len(missing) > 0 {
		return &ExitError{Code: ExitRefused, Path: path,
			Err: fmt.Errorf("%s %s missing from the listing (not authorized: named above)", strings.Join(missing, " and "), verb)}
	}
	return nil
}

// readACLs reads the ACL of every path: over the pipelined sessions when the server allows them,
// else (or when one fails: they are closed and dropped) with getACL requests, many in flight.
func readACLs(ctx context.Context, c *zkclient.Client, readers *[]*zkclient.NodeReader, paths []string) ([]zkclient.NodeData, error) {
	if got, err := overReaders(ctx, readers, paths, (*zkclient.NodeReader).ReadACL); err != nil || got != nil {
		return got, err
	}
	out := make([]zkclient.NodeData, len(paths))
	err := zkclient.ForEach(ctx, len(paths), zkclient.InFlight, func(_, i int) error {
		acl, st, err := c.GetACL(paths[i])
		out[i] = zkclient.NodeData{ACL: acl, Stat: st, Err: err}
		if errors.Is(err, zk.ErrNoNode) || errors.Is(err, zk.ErrNoAuth) {
			return nil
		}
		return err
	})
	return out, err
}
