package commands

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/internal/znodetree"
	"github.com/zksh/zksh/render"
)

// Writing a plan: creates level by level (a level only once the one above exists) in multi requests
// of up to writeBatch operations, batchesInFlight of them outstanding; containers and TTL znodes one
// request each (go-zookeeper's multi cannot carry them); data updates in multi requests, each
// conditional on the data version read; ACL updates one request each, conditional on the ACL version
// read; deletes deepest level first, in multi requests.

const (
	writeBatch      = 1000
	writeSessions   = 4         // sessions the batches are spread over
	batchesInFlight = 4         // per session
	maxBatchBytes   = 512 << 10 // well below ZooKeeper's default jute.maxbuffer of 1 MiB
)

// planSteps lists a plan as the printer shows it, with absolute paths under root.
func planSteps(root string, p *znodetree.Plan) []render.Step {
	var steps []render.Step
	for _, l := range p.Creates {
		for _, n := range l {
			what := []string{string(n.Mode)}
			if n.Mode == znodetree.TTL {
				what[0] = fmt.Sprintf("ttl=%dms", n.TTL)
			}
			steps = append(steps, render.Step{Op: "create", Path: znodetree.Join(root, n.Path), What: what})
		}
	}
	for _, u := range p.Updates {
		var what []string
		if u.Data {
			what = append(what, "data")
		}
		if u.ACL {
			what = append(what, "acl")
		}
		steps = append(steps, render.Step{Op: "update", Path: znodetree.Join(root, u.Path), What: what})
	}
	for _, l := range p.Deletes {
		for _, d := range l {
			steps = append(steps, render.Step{Op: "delete", Path: znodetree.Join(root, d)})
		}
	}
	for _, s := range p.Skipped {
		steps = append(steps, render.Step{Op: "skip", Path: znodetree.Join(root, s), What: []string{"ephemeral"}})
	}
	for _, m := range p.Modes {
		steps = append(steps, render.Step{Op: "keep", Path: znodetree.Join(root, m), What: []string{"mode differs"}})
	}
	return steps
}

// applied counts what a plan's writing did, for the messages.
type applied struct {
	created, updated, deleted atomic.Int64
	progress                  func(int)
}

func (a *applied) total() int64 { return a.created.Load() + a.updated.Load() + a.deleted.Load() }

func (a *applied) add(n *atomic.Int64, k int) {
	n.Add(int64(k))
	if a.progress != nil {
		a.progress(int(a.total()))
	}
}

func (a *applied) counts() render.Applied {
	return render.Applied{Created: int(a.created.Load()), Updated: int(a.updated.Load()), Deleted: int(a.deleted.Load())}
}

func (a *applied) String() string { return a.counts().String() }

// stepError is a write the server refused or whose outcome is unknown, with the path it concerns.
type stepError struct {
	op   string // create, update, delete
	path string // absolute
	err  error
}

func (e *stepError) Error() string { return e.op + " " + e.path + ": " + describe(e.err) }
func (e *stepError) Unwrap() error { return e.err }

// writePlan writes p under root.
func writePlan(ctx context.Context, c *zkclient.Client, root string, p *znodetree.Plan, a *applied) error {
	cs := []*zkclient.Client{c}
	if creates, _, deletes := p.Counts(); creates+deletes > writeBatch {
		var done func()
		cs, done = c.Spread(ctx, writeSessions)
		defer done()
	}
	for _, level := range p.Creates {
		if err := createLevel(ctx, cs, root, level, a); err != nil {
			return err
		}
	}
	if err := updateAll(ctx, c, root, p.Updates, a); err != nil {
		return err
	}
	for _, level := range p.Deletes {
		if err := deleteLevel(ctx, cs, root, level, a); err != nil {
			return err
		}
	}
	return nil
}

// batches splits n items into runs of at most writeBatch whose sizes (size(i)) stay below
// maxBatchBytes.
func batches(n int, size func(i int) int) [][2]int {
	var out [][2]int
	for start := 0; start < n; {
		end, bytes := start, 0
		for end < n && end-start < writeBatch && (end == start || bytes+size(end) <= maxBatchBytes) {
			bytes += size(end)
			end++
		}
		out = append(out, [2]int{start, end})
		start = end
	}
	return out
}

// multiStep sends one multi request of ops for the paths (absolute) and names the refused one.
func multiStep(c *zkclient.Client, op string, paths []string, ops []any) error {
	_, failed, err := c.Multi(ops...)
	if err == nil {
		return nil
	}
	path := paths[0]
	if failed >= 0 {
		path = paths[failed]
	}
	if zkclient.ReplyLost(err) || zkclient.SendFailed(err) {
		path = fmt.Sprintf("%s (a multi request of %d)", paths[0], len(paths))
	}
	return &stepError{op: op, path: path, err: err}
}

func createLevel(ctx context.Context, cs []*zkclient.Client, root string, level []*znodetree.Node, a *applied) error {
	c := cs[0]
	var plain, special []*znodetree.Node
	for _, n := range level {
		if n.Mode == znodetree.Container || n.Mode == znodetree.TTL {
			special = append(special, n)
		} else {
			plain = append(plain, n)
		}
	}
	bs := batches(len(plain), func(i int) int { return len(plain[i].Path) + len(root) + len(plain[i].Data) + 64 })
	err := zkclient.ForEach(ctx, len(bs), batchesInFlight*len(cs), func(worker, b int) error {
		part := plain[bs[b][0]:bs[b][1]]
		ops := make([]any, len(part))
		paths := make([]string, len(part))
		for i, n := range part {
			data, _ := n.Bytes()
			paths[i] = znodetree.Join(root, n.Path)
			ops[i] = &zk.CreateRequest{Path: paths[i], Data: data, Acl: n.ZkACL(), Flags: 0}
		}
		if err := multiStep(cs[worker%len(cs)], "create", paths, ops); err != nil {
			return err
		}
		a.add(&a.created, len(part))
		return nil
	})
	if err != nil {
		return err
	}
	return zkclient.ForEach(ctx, len(special), zkclient.InFlight, func(_, i int) error {
		n := special[i]
		data, _ := n.Bytes()
		path := znodetree.Join(root, n.Path)
		var err error
		if n.Mode == znodetree.Container {
			_, err = c.CreateContainer(path, data, zk.FlagContainer, n.ZkACL())
		} else {
			_, err = c.CreateTTL(path, data, zk.FlagTTL, n.ZkACL(), time.Duration(n.TTL)*time.Millisecond)
		}
		if err != nil {
			return &stepError{op: "create", path: path, err: err}
		}
		a.add(&a.created, 1)
		return nil
	})
}

func updateAll(ctx context.Context, c *zkclient.Client, root string, ups []znodetree.Update, a *applied) error {
	var data, acls []znodetree.Update
	for _, u := range ups {
		if u.Data {
			data = append(data, u)
		}
		if u.ACL {
			acls = append(acls, u)
		}
	}
	bs := batches(len(data), func(i int) int { return len(data[i].Path) + len(root) + len(data[i].Node.Data) + 32 })
	err := zkclient.ForEach(ctx, len(bs), batchesInFlight, func(_, b int) error {
		part := data[bs[b][0]:bs[b][1]]
		ops := make([]any, len(part))
		paths := make([]string, len(part))
		for i, u := range part {
			d, _ := u.Node.Bytes()
			paths[i] = znodetree.Join(root, u.Path)
			ops[i] = &zk.SetDataRequest{Path: paths[i], Data: d, Version: u.Version}
		}
		if err := multiStep(c, "update", paths, ops); err != nil {
			return err
		}
		a.add(&a.updated, len(part))
		return nil
	})
	if err != nil {
		return err
	}
	return zkclient.ForEach(ctx, len(acls), zkclient.InFlight, func(_, i int) error {
		u := acls[i]
		path := znodetree.Join(root, u.Path)
		if _, err := c.SetACL(path, u.Node.ZkACL(), u.Aversion); err != nil {
			return &stepError{op: "update", path: path, err: err}
		}
		if !u.Data {
			a.add(&a.updated, 1)
		}
		return nil
	})
}

func deleteLevel(ctx context.Context, cs []*zkclient.Client, root string, level []string, a *applied) error {
	bs := batches(len(level), func(i int) int { return len(level[i]) + len(root) + 17 })
	return zkclient.ForEach(ctx, len(bs), batchesInFlight*len(cs), func(worker, b int) error {
		part := level[bs[b][0]:bs[b][1]]
		ops := make([]any, len(part))
		paths := make([]string, len(part))
		for i, p := range part {
			paths[i] = znodetree.Join(root, p)
			ops[i] = &zk.DeleteRequest{Path: paths[i], Version: -1}
		}
		if err := multiStep(cs[worker%len(cs)], "delete", paths, ops); err != nil {
			return err
		}
		a.add(&a.deleted, len(part))
		return nil
	})
}

// planError reports a plan's writing that stopped: a refusal (exit 1) names the refused step; a lost
// connection is an unknown outcome (exit 3); both say what was applied.
func planError(root string, err error, a *applied) error {
	done := fmt.Sprintf(" (applied before: %s)", a)
	if errors.Is(err, context.Canceled) {
		return &ExitError{Code: ExitInterrupted, Path: root, Err: fmt.Errorf("interrupted%s; requests in flight may or may not have been applied", done)}
	}
	var se *stepError
	if !errors.As(err, &se) {
		return pathError(root, err)
	}
	if zkclient.ReplyLost(se.err) {
		return writeError(se.op+" "+se.path, se.err, done)
	}
	if zkclient.SendFailed(se.err) {
		return writeError(se.op+" "+se.path, se.err, done)
	}
	if zkclient.Classify(se.err) == zkclient.KindUnavailable {
		return &ExitError{Code: ExitUnavailable, Path: se.op + " " + se.path,
			Err: fmt.Errorf("%s; requests in flight may or may not have been applied%s", describe(se.err), done)}
	}
	return &ExitError{Code: classify(se.err), Path: se.op + " " + se.path, Err: fmt.Errorf("%s: refused%s", describe(se.err), done)}
}
