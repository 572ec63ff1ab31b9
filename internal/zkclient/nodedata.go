package zkclient

import (
	"bufio"
	"context"
	"fmt"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/jute"
)

// NodeData is one znode's data, ACL and stat as a NodeReader reads them; Err is zk.ErrNoNode for a
// znode that does not exist (any more) and zk.ErrNoAuth for one the session may not read.
type NodeData struct {
	Data []byte
	ACL  []zk.ACL
	Stat *zk.Stat
	Err  error
}

// NodeReader reads the data, ACL and stat of many znodes over a pipelined session of its own (the
// Client's credentials): every getData and getACL request is sent without waiting, the replies
// are read as they come. Close ends the session.
type NodeReader struct {
	c  *Client
	rs *readSession
}

// NodeReader opens a NodeReader; ErrUnsupported when its session cannot be had (the caller reads
// with Get and GetACL instead).
func (c *Client) NodeReader(ctx context.Context) (*NodeReader, error) {
	rs, err := c.pipelined(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	return &NodeReader{c: c, rs: rs}, nil
}

// Close ends the NodeReader's session.
func (r *NodeReader) Close() { r.rs.close() }

// Read reads every path (user paths): getData in multiRead requests of multiReadBatch, getACL one
// request per znode (multiRead cannot carry it), all sent without waiting. An error of the session
// fails the whole read.
func (r *NodeReader) Read(ctx context.Context, paths []string) ([]NodeData, error) {
	return r.read(ctx, paths, true)
}

// ReadACL reads the ACL and stat of every path, as Read does without the data (NodeData.Data
// stays nil): one getACL request per znode, all sent without waiting.
func (r *NodeReader) ReadACL(ctx context.Context, paths []string) ([]NodeData, error) {
	return r.read(ctx, paths, false)
}

func (r *NodeReader) read(ctx context.Context, paths []string, data bool) ([]NodeData, error) {
	s := r.rs
	out := make([]NodeData, len(paths))
	nbatch := (len(paths) + multiReadBatch - 1) / multiReadBatch
	nmulti := 0
	if data {
		nmulti = nbatch
	}
	first := s.xid + 1
	s.xid += int32(nmulti + len(paths))
	werr := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(s.conn, 64<<10)
		var frame []byte
		var req jute.MultiRequest
		xid := first
		for b := 0; b < nbatch; b++ {
			batch := paths[b*multiReadBatch : min((b+1)*multiReadBatch, len(paths))]
			frame = frame[:0]
			if data {
				req.Ops = req.Ops[:0]
				for _, p := range batch {
					req.Ops = append(req.Ops, jute.Op{Type: jute.OpGetData, Req: &jute.PathWatchRequest{Path: r.c.ServerPath(p)}})
				}
				frame = jute.AppendFrame(frame, &jute.RequestHeader{Xid: xid, Type: jute.OpMultiRead}, &req)
				xid++
			}
			for _, p := range batch {
				frame = jute.AppendFrame(frame, &jute.RequestHeader{Xid: xid, Type: jute.OpGetACL}, &jute.PathRecord{Path: r.c.ServerPath(p)})
				xid++
			}
			if _, err := w.Write(frame); err != nil {
				werr <- err
				return
			}
		}
		werr <- w.Flush()
	}()
	stop := context.AfterFunc(ctx, func() { s.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var multi jute.MultiResponse
	var acl jute.GetACLResponse
	xid := first
	for b := 0; b < nbatch; b++ {
		base := b * multiReadBatch
		n := min(multiReadBatch, len(paths)-base)
		if data {
			if err := r.readData(ctx, &multi, xid, paths[base:base+n], out[base:base+n]); err != nil {
				return nil, err
			}
			xid++
		}
		for k := 0; k < n; k++ {
			o := &out[base+k]
			h, d, err := s.reply(ctx)
			switch {
			case err != nil:
				return nil, err
			case h.Xid != xid:
				return nil, fmt.Errorf("getACL: reply %d out of order", h.Xid)
			}
			xid++
			switch h.Err {
			case 0:
			case jute.ErrNoNode:
				o.Err = zk.ErrNoNode // deleted between the two reads
				continue
			case jute.ErrNoAuth:
				if o.Err == nil {
					o.Err = zk.ErrNoAuth
				}
				continue
			default:
				return nil, fmt.Errorf("getACL %s: %s", paths[base+k], jute.ErrName(h.Err))
			}
			if o.Err != nil {
				continue
			}
			acl.Decode(d)
			if d.Err != nil {
				return nil, d.Err
			}
			o.ACL = make([]zk.ACL, len(acl.ACL))
			for j, a := range acl.ACL {
				o.ACL[j] = zk.ACL{Perms: a.Perms, Scheme: a.ID.Scheme, ID: a.ID.ID}
			}
			if !data { // the stat comes with the ACL
				st := zk.Stat(acl.Stat)
				o.Stat = &st
			}
		}
	}
	if err := <-werr; err != nil {
		return nil, err
	}
	return out, nil
}

// readData reads the reply to one multiRead of getData (xid) into out, one NodeData per path.
func (r *NodeReader) readData(ctx context.Context, multi *jute.MultiResponse, xid int32, paths []string, out []NodeData) error {
	h, d, err := r.rs.reply(ctx)
	switch {
	case err != nil:
		return err
	case h.Xid != xid:
		return fmt.Errorf("multiRead: reply %d out of order", h.Xid)
	case h.Err == jute.ErrUnimplemented:
		return errNoMultiRead
	case h.Err != 0:
		return fmt.Errorf("multiRead: %s", jute.ErrName(h.Err))
	}
	multi.Decode(d)
	if d.Err != nil {
		return d.Err
	}
	if len(multi.Results) != len(paths) {
		return fmt.Errorf("multiRead: %d results for %d requests", len(multi.Results), len(paths))
	}
	for k, res := range multi.Results {
		o := &out[k]
		switch {
		case res.Type == jute.OpError && res.Err == jute.ErrNoNode:
			o.Err = zk.ErrNoNode
		case res.Type == jute.OpError && res.Err == jute.ErrNoAuth:
			o.Err = zk.ErrNoAuth
		case res.Type == jute.OpError:
			return fmt.Errorf("getData %s: %s", paths[k], jute.ErrName(res.Err))
		default:
			o.Data = res.Data
			st := zk.Stat(res.Stat)
			o.Stat = &st
		}
	}
	return nil
}
