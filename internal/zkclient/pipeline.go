package zkclient

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/jute"
)

// go-zookeeper/zk cannot send multiRead (opcode 22, many getChildren in one request), whoAmI or
// getAllChildrenNumber. A Client sends them over a small session of its own: a plain session that
// speaks just enough of ZooKeeper's protocol (connect, auth, the requests, close) and pipelines its
// requests, encoded with the jute codec. Where it is not available (an older server, a connection
// problem), walks fall back to go-zookeeper's getChildren with many requests in flight.

// multiReadBatch is how many getChildren one multiRead carries.
const multiReadBatch = 256

// maxReplyFrame bounds a reply frame: a multiRead of multiReadBatch big levels can be far larger
// than the requests' jute.maxbuffer.
const maxReplyFrame = 256 << 20

// errNoMultiRead means the server does not understand multiRead.
var errNoMultiRead = errors.New("server does not support multiRead")

// readSession is a pipelined session for multiRead of getChildren.
type readSession struct {
	conn net.Conn
	r    *bufio.Reader
	xid  int32
	buf  []byte // the last reply frame; reused
}

// dialReadSession opens a session to server with the given credentials ("scheme:credential").
func dialReadSession(ctx context.Context, dial func(context.Context, string) (net.Conn, error), server string,
	timeout time.Duration, auth []string, login *SASL) (*readSession, error) {
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	conn, err := dial(dctx, server)
	cancel()
	if err != nil {
		return nil, err
	}
	s := &readSession{conn: conn, r: bufio.NewReaderSize(conn, 256<<10)}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	} else {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
	}
	out := jute.AppendFrame(nil, &jute.ConnectRequest{
		TimeOut: int32(timeout.Milliseconds()),
		Passwd:  make([]byte, 16),
	})
	for _, a := range auth {
		scheme, cred, _ := strings.Cut(a, ":")
		out = jute.AppendFrame(out,
			&jute.RequestHeader{Xid: jute.XidAuth, Type: jute.OpAuth},
			&jute.AuthPacket{Scheme: scheme, Auth: []byte(cred)})
	}
	fail := func(err error) (*readSession, error) {
		conn.Close()
		return nil, err
	}
	if _, err := conn.Write(out); err != nil {
		return fail(err)
	}
	body, err := s.frame()
	if err != nil {
		return fail(err)
	}
	var resp jute.ConnectResponse
	d2 := jute.NewDecoder(body)
	resp.Decode(d2)
	if d2.Err != nil || resp.TimeOut <= 0 {
		return fail(fmt.Errorf("session refused"))
	}

	for range auth {
		body, err := s.frame()
		if err != nil {
			return fail(err)
		}
		var h jute.ReplyHeader
		if jute.Unmarshal(body, &h) != nil || h.Xid != jute.XidAuth || h.Err != 0 {
			return fail(fmt.Errorf("authentication failed"))
		}
	}
	if login != nil {
		// After the replies to the handshake and the auth packets sent with it.
		send := func(b []byte) error { _, err := conn.Write(b); return err }
		xid := func() int32 { s.xid++; return s.xid }
		if err := saslExchange(login, server, send, func() ([]byte, error) { return s.frame() }, xid); err != nil {
			return fail(err)
		}
	}
	conn.SetDeadline(time.Time{})
	return s, nil
}

func (s *readSession) frame() ([]byte, error) {
	b, err := jute.ReadFrame(s.r, maxReplyFrame, s.buf)
	if err == nil {
		s.buf = b
	}
	return b, err
}

// reply reads the next reply frame, maps a cancelled context to its error, and returns the decoder
// positioned after the reply header.
func (s *readSession) reply(ctx context.Context) (jute.ReplyHeader, *jute.Decoder, error) {
	var h jute.ReplyHeader
	body, err := s.frame()
	if err != nil {
		if ctx.Err() != nil {
			return h, nil, ctx.Err()
		}
		return h, nil, err
	}
	d := jute.NewDecoder(body)
	h.Decode(d)
	return h, d, d.Err
}

// children lists the children of every path (nil for a path that does not exist, or that the
// session may not list: noAuth holds the indexes of those), sending all multiRead requests at once
// and reading the replies as they come.
func (s *readSession) children(ctx context.Context, paths []string) (out [][]string, noAuth []int, err error) {
	out = make([][]string, len(paths))
	err = s.multiRead(ctx, jute.OpGetChildren, paths, multiReadBatch, func(i int, res *jute.OpResult) error {
		if res.Type == jute.OpError {
			switch res.Err {
			case jute.ErrNoNode: // it went away meanwhile
			case jute.ErrNoAuth:
				noAuth = append(noAuth, i)
			default:
				return fmt.Errorf("getChildren %s: %s", paths[i], jute.ErrName(res.Err))
			}
			return nil
		}
		if res.Children == nil {
			res.Children = []string{}
		}
		out[i] = res.Children
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, noAuth, nil
}

// multiRead sends op (getChildren or getData) for every path, batch of them per multiRead request,
// all requests at once, and calls each with every result as the replies come, in the order of
// paths. each may keep res's slices (they are its own), not res. On an error (from each too) the
// connection is closed, once the requests stopped going out: the session is unusable.
func (s *readSession) multiRead(ctx context.Context, op int32, paths []string, batch int, each func(i int, res *jute.OpResult) error) (err error) {
	nbatch := (len(paths) + batch - 1) / batch
	first := s.xid + 1
	werr := make(chan error, 1)
	writing := true
	defer func() {
		if err != nil {
			s.conn.Close() // stops the writer, if it is still at work
			if writing {
				<-werr
			}
		}
	}()
	go func() {
		var frame []byte
		var req jute.MultiRequest
		for b := 0; b < nbatch; b++ {
			req.Ops = req.Ops[:0]
			for _, p := range paths[b*batch : min((b+1)*batch, len(paths))] {
				req.Ops = append(req.Ops, jute.Op{Type: op, Req: &jute.PathWatchRequest{Path: p}})
			}
			s.xid++
			frame = jute.AppendFrame(frame[:0], &jute.RequestHeader{Xid: s.xid, Type: jute.OpMultiRead}, &req)
			if _, err := s.conn.Write(frame); err != nil {
				werr <- err
				return
			}
		}
		werr <- nil
	}()
	stop := context.AfterFunc(ctx, func() { s.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var resp jute.MultiResponse
	for b := 0; b < nbatch; b++ {
		h, d, err := s.reply(ctx)
		switch {
		case err != nil:
			return err
		case h.Err == jute.ErrUnimplemented:
			return errNoMultiRead
		case h.Err != 0:
			return fmt.Errorf("multiRead: %s", jute.ErrName(h.Err))
		case h.Xid != first+int32(b):
			return fmt.Errorf("multiRead: reply %d out of order", h.Xid)
		}
		resp.Decode(d)
		if d.Err != nil {
			return d.Err
		}
		base := b * batch
		if base+len(resp.Results) > len(paths) {
			return fmt.Errorf("multiRead: too many results")
		}
		for k := range resp.Results {
			if err := each(base+k, &resp.Results[k]); err != nil {
				return err
			}
		}
	}
	writing = false
	return <-werr
}

// close ends the session; the server removes it at once instead of after its timeout.
func (s *readSession) close() {
	s.xid++
	frame := jute.AppendFrame(nil, &jute.RequestHeader{Xid: s.xid, Type: jute.OpCloseSession})
	s.conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := s.conn.Write(frame); err == nil {
		_, _ = s.frame()
	}
	s.conn.Close()
}

// ClientInfo is one identity the server associates with a session (whoAmI).
type ClientInfo struct {
	Scheme string `json:"scheme"`
	User   string `json:"user"`
}

// pipelined opens a pipelined session to the server the Client is connected to, with its
// credentials (for multiRead, which takes big replies off the user's session).
func (c *Client) pipelined(ctx context.Context) (*readSession, error) {
	server := c.s.server()
	if server == "" {
		return nil, zk.ErrNoServer
	}
	return dialReadSession(ctx, c.dial, server, c.cfg.SessionTimeout, c.Auth(), c.cfg.SASL)
}

// WhoAmI asks the server which identities the user's session has (ZooKeeper 3.7+). local is the
// client's address on the session's connection (valid when connected, even if whoAmI failed).
func (c *Client) WhoAmI(ctx context.Context) (ids []ClientInfo, local netip.Addr, err error) {
	if a, ok := c.s.localAddr().(*net.TCPAddr); ok {
		local = a.AddrPort().Addr().Unmap()
	}
	var resp jute.WhoAmIResponse
	_, err = c.s.request(ctx, jute.OpWhoAmI, nil, &resp, nil)
	if errors.Is(err, ErrUnsupported) {
		return nil, local, errors.New("not supported by the server (whoAmI needs ZooKeeper 3.7 or later)")
	}
	if err != nil {
		return nil, local, err
	}
	if a, ok := c.s.localAddr().(*net.TCPAddr); ok && !local.IsValid() {
		local = a.AddrPort().Addr().Unmap()
	}
	for _, ci := range resp.ClientInfo {
		ids = append(ids, ClientInfo{Scheme: ci.AuthScheme, User: ci.User})
	}
	return ids, local, nil
}

// allChildrenNumber asks the server how many znodes are below path (getAllChildrenNumber, ZooKeeper
// 3.6+), on the user's session: one request, counted by the server whatever the ACLs below path.
// ErrUnsupported when the server does not know the request.
func (c *Client) allChildrenNumber(ctx context.Context, path string) (int, error) {
	var n jute.IntRecord
	_, err := c.s.request(ctx, jute.OpGetAllChildrenNumber, &jute.PathRecord{Path: c.ServerPath(path)}, &n, nil)
	return int(n.Value), err
}
