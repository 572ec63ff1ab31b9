package commands

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/internal/znodepath"
)

// createParents is create -p's first step: it creates the ancestors of path that do not exist, top
// down, with no data and the open ACL (world:anyone:cdrwa, as kazoo's ensure_path and Curator's
// creatingParentsIfNeeded give them: the ACL given for the znode may not let anyone create children
// under a parent). They go in one multi request; when another client creates one of them meanwhile
// (the multi fails with "node already exists"), they are created one by one and the existing ones
// are taken as they are. The znode itself is left to create, where "node already exists" stays an
// error. Errors name the parent that could not be created; made are the parents this call created.
func (e *Env) createParents(c *zkclient.Client, path string) (made []string, err error) {
	var missing []string // deepest first
	for p := znodepath.Parent(path); p != "/"; p = znodepath.Parent(p) {
		ok, _, err := c.Exists(p)
		if err != nil {
			return nil, parentError(path, p, err)
		}
		if ok {
			break
		}
		missing = append(missing, p)
	}
	if len(missing) == 0 {
		return nil, nil
	}
	ops := make([]any, 0, len(missing))
	for i := len(missing) - 1; i >= 0; i-- {
		ops = append(ops, &zk.CreateRequest{Path: missing[i], Acl: zk.WorldACL(zk.PermAll)})
	}
	res, failedAt, err := c.Multi(ops...)
	switch {
	case err == nil:
		e.wrote(znodepath.Parent(missing[len(missing)-1]))
		for _, p := range missing[:len(missing)-1] {
			e.wrote(p)
		}
		for i := len(missing) - 1; i >= 0; i-- {
			made = append(made, missing[i])
		}
		return made, nil
	case errors.Is(err, zk.ErrNodeExists):
		// Someone else is creating the same parents: one at a time, taking what is there.
		for i := len(missing) - 1; i >= 0; i-- {
			_, err := c.Create(missing[i], nil, 0, zk.WorldACL(zk.PermAll))
			if err != nil && !errors.Is(err, zk.ErrNodeExists) {
				return made, parentError(path, missing[i], err)
			}
			if err == nil {
				made = append(made, missing[i])
			}
			e.wrote(znodepath.Parent(missing[i]))
		}
		return made, nil
	}
	failed := missing[len(missing)-1]
	if i := failedAt; i >= 0 && i < len(missing) {
		failed, err = missing[len(missing)-1-i], res[i].Error
	}
	return nil, parentError(path, failed, err)
}

// parentsLeft adds to the error of create -p's znode that the parents created for it (made) are
// there: the znode failed, but the tree did change.
func parentsLeft(err error, made []string) error {
	var ee *ExitError
	if len(made) == 0 || !errors.As(err, &ee) {
		return err
	}
	ee.Err = fmt.Errorf("%s; the missing parents %s were created and are left", describe(ee.Err), strings.Join(made, ", "))
	return err
}

// parentError is the error of create -p when the parent p of path could not be read or created. A
// lost connection leaves the parents' creation unknown, and the znode itself was not created.
func parentError(path, p string, err error) error {
	if zkclient.ReplyLost(err) || zkclient.SendFailed(err) {
		w := writeError(path, err, "").(*ExitError)
		w.Err = fmt.Errorf("creating the missing parents (from %s): %s; %s was not created", p, describe(w.Err), path)
		return w
	}
	return &ExitError{Code: classify(err), Path: path, Err: fmt.Errorf("parent %s: %s", p, describe(err))}
}
