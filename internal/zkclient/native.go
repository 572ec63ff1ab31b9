package zkclient

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/jute"
)

// The operations of the user's session, on server paths, with go-zookeeper's types and errors (so
// that commands see what they saw before). The Walker uses the same methods on helper sessions.

var bg = context.Background()

func stat(s *jute.Stat) *zk.Stat { st := zk.Stat(*s); return &st }

func juteACL(acl []zk.ACL) []jute.ACL {
	out := make([]jute.ACL, len(acl))
	for i, a := range acl {
		out[i] = jute.ACL{Perms: a.Perms, ID: jute.ID{Scheme: a.Scheme, ID: a.ID}}
	}
	return out
}

func zkACL(acl []jute.ACL) []zk.ACL {
	out := make([]zk.ACL, len(acl))
	for i, a := range acl {
		out[i] = zk.ACL{Perms: a.Perms, Scheme: a.ID.Scheme, ID: a.ID.ID}
	}
	return out
}

// oneShot registers a one-shot watch of m on path when the reply's code is one of codes.
func (s *session) oneShot(m func() map[string][]chan zk.Event, path string, ch chan zk.Event, codes ...int32) func(int32) {
	return func(code int32) {
		for _, c := range codes {
			if c == code {
				w := m()
				w[path] = append(w[path], ch)
				return
			}
		}
	}
}

func (s *session) get(path string, ch chan zk.Event) ([]byte, *zk.Stat, error) {
	var resp jute.GetDataResponse
	var reg func(int32)
	if ch != nil {
		reg = s.oneShot(func() map[string][]chan zk.Event { return s.watches.data }, path, ch, 0)
	}
	_, err := s.request(bg, jute.OpGetData, &jute.PathWatchRequest{Path: path, Watch: ch != nil}, &resp, reg)
	if err != nil {
		return nil, nil, err
	}
	return resp.Data, stat(&resp.Stat), nil
}

// Get returns a znode's data and stat.
func (s *session) Get(path string) ([]byte, *zk.Stat, error) { return s.get(path, nil) }

// GetW is Get that also sets a data watch.
func (s *session) GetW(path string) ([]byte, *zk.Stat, <-chan zk.Event, error) {
	ch := make(chan zk.Event, 1)
	data, st, err := s.get(path, ch)
	if err != nil {
		return nil, nil, nil, err
	}
	return data, st, ch, nil
}

func (s *session) children(path string, ch chan zk.Event) ([]string, *zk.Stat, error) {
	var resp jute.GetChildren2Response
	var reg func(int32)
	if ch != nil {
		reg = s.oneShot(func() map[string][]chan zk.Event { return s.watches.child }, path, ch, 0)
	}
	_, err := s.request(bg, jute.OpGetChildren2, &jute.PathWatchRequest{Path: path, Watch: ch != nil}, &resp, reg)
	if err != nil {
		return nil, nil, err
	}
	if resp.Children == nil {
		resp.Children = []string{}
	}
	return resp.Children, stat(&resp.Stat), nil
}

// Children lists a znode's children.
func (s *session) Children(path string) ([]string, *zk.Stat, error) { return s.children(path, nil) }

// ChildrenW is Children that also sets a child watch.
func (s *session) ChildrenW(path string) ([]string, *zk.Stat, <-chan zk.Event, error) {
	ch := make(chan zk.Event, 1)
	names, st, err := s.children(path, ch)
	if err != nil {
		return nil, nil, nil, err
	}
	return names, st, ch, nil
}

func (s *session) exists(path string, ch chan zk.Event) (bool, *zk.Stat, error) {
	var resp jute.StatResponse
	var reg func(int32)
	if ch != nil {
		reg = func(code int32) {
			switch code {
			case 0:
				s.watches.data[path] = append(s.watches.data[path], ch)
			case jute.ErrNoNode:
				s.watches.exist[path] = append(s.watches.exist[path], ch)
			}
		}
	}
	_, err := s.request(bg, jute.OpExists, &jute.PathWatchRequest{Path: path, Watch: ch != nil}, &resp, reg)
	switch {
	case err == zk.ErrNoNode:
		return false, &zk.Stat{}, nil
	case err != nil:
		return false, nil, err
	}
	return true, stat(&resp.Stat), nil
}

// Exists reports whether a znode exists, and its stat if it does.
func (s *session) Exists(path string) (bool, *zk.Stat, error) { return s.exists(path, nil) }

// ExistsW is Exists that also sets a watch (on the data, or on the creation).
func (s *session) ExistsW(path string) (bool, *zk.Stat, <-chan zk.Event, error) {
	ch := make(chan zk.Event, 1)
	ok, st, err := s.exists(path, ch)
	if err != nil {
		return false, nil, nil, err
	}
	return ok, st, ch, nil
}

// Create creates a znode and returns its path.
func (s *session) Create(path string, data []byte, flags int32, acl []zk.ACL) (string, error) {
	if flags == zk.FlagTTL || flags == zk.FlagPersistentSequentialWithTTL || flags == zk.FlagContainer {
		return "", fmt.Errorf("Create with TTL or container flag disallowed: %w", zk.ErrInvalidFlags)
	}
	var resp jute.PathRecord
	_, err := s.request(bg, jute.OpCreate, &jute.CreateRequest{Path: path, Data: data, ACL: juteACL(acl), Flags: flags}, &resp, nil)
	return resp.Path, err
}

// CreateContainer creates a container znode.
func (s *session) CreateContainer(path string, data []byte, flags int32, acl []zk.ACL) (string, error) {
	if flags != zk.FlagContainer {
		return "", fmt.Errorf("CreateContainer requires container flag: %w", zk.ErrInvalidFlags)
	}
	var resp jute.PathRecord // Create2Response: the stat after the path is not used
	_, err := s.request(bg, jute.OpCreateContainer, &jute.CreateRequest{Path: path, Data: data, ACL: juteACL(acl), Flags: flags}, &resp, nil)
	return resp.Path, err
}

// CreateTTL creates a znode with a time to live.
func (s *session) CreateTTL(path string, data []byte, flags int32, acl []zk.ACL, ttl time.Duration) (string, error) {
	if flags != zk.FlagTTL && flags != zk.FlagPersistentSequentialWithTTL {
		return "", fmt.Errorf("CreateTTL requires TTL flag: %w", zk.ErrInvalidFlags)
	}
	var resp jute.PathRecord
	_, err := s.request(bg, jute.OpCreateTTL, &jute.CreateTTLRequest{Path: path, Data: data, ACL: juteACL(acl),
		Flags: flags, TTL: ttl.Milliseconds()}, &resp, nil)
	return resp.Path, err
}

// Set replaces a znode's data if its data version is version (-1: any).
func (s *session) Set(path string, data []byte, version int32) (*zk.Stat, error) {
	var resp jute.StatResponse
	if _, err := s.request(bg, jute.OpSetData, &jute.SetDataRequest{Path: path, Data: data, Version: version}, &resp, nil); err != nil {
		return nil, err
	}
	return stat(&resp.Stat), nil
}

// Delete deletes a znode without children if its data version is version (-1: any).
func (s *session) Delete(path string, version int32) error {
	_, err := s.request(bg, jute.OpDelete, &jute.PathVersionRequest{Path: path, Version: version}, nil, nil)
	return err
}

// GetACL returns a znode's ACL and stat.
func (s *session) GetACL(path string) ([]zk.ACL, *zk.Stat, error) {
	var resp jute.GetACLResponse
	if _, err := s.request(bg, jute.OpGetACL, &jute.PathRecord{Path: path}, &resp, nil); err != nil {
		return nil, nil, err
	}
	return zkACL(resp.ACL), stat(&resp.Stat), nil
}

// SetACL replaces a znode's ACL if its ACL version is version (-1: any).
func (s *session) SetACL(path string, acl []zk.ACL, version int32) (*zk.Stat, error) {
	var resp jute.StatResponse
	if _, err := s.request(bg, jute.OpSetACL, &jute.SetACLRequest{Path: path, ACL: juteACL(acl), Version: version}, &resp, nil); err != nil {
		return nil, err
	}
	return stat(&resp.Stat), nil
}

// Sync makes the connected server catch up with the leader for path.
func (s *session) Sync(path string) (string, error) {
	var resp jute.PathRecord
	_, err := s.request(bg, jute.OpSync, &jute.PathRecord{Path: path}, &resp, nil)
	return resp.Path, err
}

// Multi sends ops (*zk.CreateRequest, *zk.SetDataRequest, *zk.DeleteRequest, *zk.CheckVersionRequest)
// as one multi request. The error is the first refused operation's, as go-zookeeper's.
func (s *session) Multi(ops ...any) ([]zk.MultiResponse, error) {
	var req jute.MultiRequest
	for _, op := range ops {
		switch o := op.(type) {
		case *zk.CreateRequest:
			req.Ops = append(req.Ops, jute.Op{Type: jute.OpCreate, Req: &jute.CreateRequest{Path: o.Path, Data: o.Data, ACL: juteACL(o.Acl), Flags: o.Flags}})
		case *zk.SetDataRequest:
			req.Ops = append(req.Ops, jute.Op{Type: jute.OpSetData, Req: &jute.SetDataRequest{Path: o.Path, Data: o.Data, Version: o.Version}})
		case *zk.DeleteRequest:
			req.Ops = append(req.Ops, jute.Op{Type: jute.OpDelete, Req: &jute.PathVersionRequest{Path: o.Path, Version: o.Version}})
		case *zk.CheckVersionRequest:
			req.Ops = append(req.Ops, jute.Op{Type: jute.OpCheck, Req: &jute.PathVersionRequest{Path: o.Path, Version: o.Version}})
		default:
			return nil, fmt.Errorf("unknown operation type %T", op)
		}
	}
	var resp jute.MultiResponse
	_, err := s.request(bg, jute.OpMulti, &req, &resp, nil)
	if err != nil {
		return nil, err
	}
	out := make([]zk.MultiResponse, len(resp.Results))
	for i, r := range resp.Results {
		switch r.Type {
		case jute.OpError:
			out[i].Error = codeError(r.Err)
			if r.Err == 0 {
				out[i].Error = nil
			}
			if err == nil && r.Err != 0 {
				err = out[i].Error
			}
		case jute.OpCreate, jute.OpCreate2:
			out[i].String = r.Path
		case jute.OpSetData:
			out[i].Stat = stat(&r.Stat)
		}
	}
	return out, err
}

// Close ends the session (closeSession).
func (s *session) Close() { s.close() }

// addWatch sets a persistent (recursive) watch on path; its events come on the returned channel
// until it is removed or the session ends.
func (s *session) addWatch(ctx context.Context, path string, mode AddWatchMode) (<-chan zk.Event, error) {
	st := newStream()
	var gone atomic.Bool // the caller stopped waiting: nobody would read the stream
	_, err := s.request(ctx, jute.OpAddWatch, &jute.PathIntRequest{Path: path, Value: int32(mode)}, nil, func(code int32) {
		if code != 0 || gone.Load() {
			return
		}
		m := s.watches.persistent
		if mode == PersistentRecursive {
			m = s.watches.recursive
		}
		m[path] = append(m[path], st)
	})
	if err != nil {
		gone.Store(true)
		st.stop()
		return nil, err
	}
	return st.out, nil
}

// removeWatches removes the watches of typ on path: at the server (removeWatches), and here; with
// local, here only (zkCli's -l: when the server cannot be reached). ErrNoWatcher when the session
// has no such watch. The removed watches end with their removal event.
func (s *session) removeWatches(ctx context.Context, path string, typ WatcherType, local bool) error {
	s.mu.Lock()
	has := s.watches.has(path, typ)
	s.mu.Unlock()
	if !has {
		return ErrNoWatcher
	}
	if !local {
		_, err := s.request(ctx, jute.OpRemoveWatches, &jute.PathIntRequest{Path: path, Value: int32(typ)}, nil, nil)
		if typ >= WatchPersistent && errors.Is(err, CodeError(jute.ErrMarshallingError)) {
			return fmt.Errorf("%w: removing persistent watches alone needs ZooKeeper 3.9 (remove any watch of the path instead)", ErrUnsupported)
		}
		if err != nil {
			return err
		}
	}
	s.mu.Lock()
	data, child, persistent := s.watches.remove(path, typ)
	s.mu.Unlock()
	ev := zk.Event{State: zk.StateSyncConnected}
	ev.Type = EventDataWatchRemoved
	data.end(ev)
	ev.Type = EventChildWatchRemoved
	child.end(ev)
	ev.Type = EventPersistentWatchRemoved
	persistent.end(ev)
	return nil
}

// checkWatches asks the server whether it has a watch of typ on path for the session (opcode 17).
func (s *session) checkWatches(ctx context.Context, path string, typ WatcherType) error {
	_, err := s.request(ctx, jute.OpCheckWatches, &jute.PathIntRequest{Path: path, Value: int32(typ)}, nil, nil)
	return err
}
