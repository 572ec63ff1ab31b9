package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/zksh/zksh/internal/zkclient"
)

// The walk behind find, grep, tree and du: zkclient's data walk with progress on stderr (on a
// terminal), the znodes that may not be read noted instead of failing the command, and Ctrl-C
// saying how far it got. The four only read: a read-only mode lets them run.

// treeRead is one read of a subtree for a command.
type treeRead struct {
	env  *Env
	c    *zkclient.Client
	op   string // "find", for the progress line and the interrupted message
	path string

	read        int      // znodes read
	unreadable  []string // znodes whose data the session may not read (when the data is needed)
	unlistedSet []string // znodes whose children the session may not list
}

// run reads the subtree, calling fn with each batch (from one goroutine).
func (r *treeRead) run(ctx context.Context, opts zkclient.ReadOptions, fn func([]zkclient.Node) error) error {
	prog := r.env.progress(r.op+" "+r.path, "read %d znodes")
	w := r.c.Walker()
	w.SkipNoAuth = true // read all that may be read; name the rest
	w.Progress = prog.update
	err := w.Read(ctx, r.path, opts, func(nodes []zkclient.Node) error {
		r.read += len(nodes)
		if opts.Data {
			for _, n := range nodes {
				if n.DataRefused {
					r.unreadable = append(r.unreadable, n.Path)
				}
			}
		}
		return fn(nodes)
	})
	w.Close()
	prog.done()
	r.unlistedSet = w.Refused()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return &ExitError{Code: ExitInterrupted, Path: r.path,
				Err: fmt.Errorf("interrupted after reading %s", count(r.read, "znode"))}
		}
		return pathError(r.path, err)
	}
	return nil
}

// unlisted reports whether the session could not list path's children.
func (r *treeRead) unlisted() map[string]bool {
	m := make(map[string]bool, len(r.unlistedSet))
	for _, p := range r.unlistedSet {
		m[p] = true
	}
	return m
}

// finish names on stderr the znodes that could not be read, after the results were printed, and
// returns the error that makes the exit status 1 when there were any.
func (r *treeRead) finish(ctx context.Context) error {
	for _, p := range refusedPaths(r.unlistedSet, r.path) {
		warn(ctx, r.env.IO.ErrOut, &ExitError{Code: ExitRefused, Path: p,
			Err: errors.New("not authorized to list its children")})
	}
	for _, p := range refusedPaths(r.unreadable, r.path) {
		warn(ctx, r.env.IO.ErrOut, &ExitError{Code: ExitRefused, Path: p,
			Err: errors.New("not authorized to read its data")})
	}
	n := len(r.unlistedSet) + len(r.unreadable)
	if n == 0 {
		return nil
	}
	return &ExitError{Code: ExitRefused, Path: r.path,
		Err: fmt.Errorf("%s could not be read (named above); the results leave them out", count(n, "znode"))}
}
