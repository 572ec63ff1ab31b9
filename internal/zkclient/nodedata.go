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

// Read reads every path (user paths). An error of the session fails the whole read.
func (r *NodeReader) Read(ctx context.Context, paths []string) ([]NodeData, error) {
	s := r.rs
	out := make([]NodeData, len(paths))
	first := s.xid + 1
	s.xid += int32(2 * len(paths))
	werr := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(s.conn, 64<<10)
		var frame []byte
		xid := first
		for _, p := range paths {
			sp := r.c.ServerPath(p)
			frame = jute.AppendFrame(frame[:0], &jute.RequestHeader{Xid: xid, Type: jute.OpGetData}, &jute.PathWatchRequest{Path: sp})
			frame = jute.AppendFrame(frame, &jute.RequestHeader{Xid: xid + 1, Type: jute.OpGetACL}, &jute.PathRecord{Path: sp})
			xid += 2
			if _, err := w.Write(frame); err != nil {
				werr <- err
				return
			}
		}
		werr <- w.Flush()
	}()
	stop := context.AfterFunc(ctx, func() { s.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var data jute.GetDataResponse
	var acl jute.GetACLResponse
	for i := range paths {
		for k := 0; k < 2; k++ {
			h, d, err := s.reply(ctx)
			if err != nil {
				return nil, err
			}
			if h.Xid != first+int32(2*i+k) {
				return nil, fmt.Errorf("read %s: reply %d out of order", paths[i], h.Xid)
			}
			switch h.Err {
			case 0:
			case jute.ErrNoNode:
				out[i].Err = zk.ErrNoNode
				continue
			case jute.ErrNoAuth:
				out[i].Err = zk.ErrNoAuth
				continue
			default:
				return nil, fmt.Errorf("read %s: %s", paths[i], jute.ErrName(h.Err))
			}
			if out[i].Err != nil {
				continue
			}
			if k == 0 {
				data.Decode(d)
				out[i].Data = data.Data
				st := zkStat(&data.Stat)
				out[i].Stat = &st
			} else {
				acl.Decode(d)
				out[i].ACL = make([]zk.ACL, len(acl.ACL))
				for j, a := range acl.ACL {
					out[i].ACL[j] = zk.ACL{Perms: a.Perms, Scheme: a.ID.Scheme, ID: a.ID.ID}
				}
				if out[i].Stat == nil { // changed between the two replies: keep the later stat
					st := zkStat(&acl.Stat)
					out[i].Stat = &st
				}
			}
			if d.Err != nil {
				return nil, d.Err
			}
		}
	}
	if err := <-werr; err != nil {
		return nil, err
	}
	return out, nil
}

func zkStat(s *jute.Stat) zk.Stat {
	return zk.Stat{Czxid: s.Czxid, Mzxid: s.Mzxid, Ctime: s.Ctime, Mtime: s.Mtime, Version: s.Version,
		Cversion: s.Cversion, Aversion: s.Aversion, EphemeralOwner: s.EphemeralOwner, DataLength: s.DataLength,
		NumChildren: s.NumChildren, Pzxid: s.Pzxid}
}
