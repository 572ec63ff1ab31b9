package commands

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"
)

// go-zookeeper/zk cannot send multiRead (opcode 22), which answers many getChildren in one request.
// Tree walks use this small client of their own for it: a plain session that speaks just enough of
// ZooKeeper's protocol (connect, auth, multiRead of getChildren, close) and pipelines its requests.
// Where it is not available (a server without multiRead, a connection problem), walks fall back to
// go-zookeeper's getChildren with many requests in flight.

const (
	opGetChildren  = 8
	opMultiRead    = 22
	opCloseSession = -11
	opAuth         = 100
	xidAuth        = -4

	// multiReadBatch is how many getChildren one multiRead carries.
	multiReadBatch = 256
)

// errNoMultiRead means the server does not understand multiRead.
var errNoMultiRead = errors.New("server does not support multiRead")

// readSession is a pipelined session for multiRead of getChildren.
type readSession struct {
	conn net.Conn
	r    *bufio.Reader
	xid  int32
}

type juteWriter struct{ b []byte }

func (j *juteWriter) int(v int32)  { j.b = binary.BigEndian.AppendUint32(j.b, uint32(v)) }
func (j *juteWriter) long(v int64) { j.b = binary.BigEndian.AppendUint64(j.b, uint64(v)) }
func (j *juteWriter) bool(v bool) {
	if v {
		j.b = append(j.b, 1)
	} else {
		j.b = append(j.b, 0)
	}
}
func (j *juteWriter) buf(v []byte) { j.int(int32(len(v))); j.b = append(j.b, v...) }

// frame finishes a packet started with begin: it fills in the length prefix.
func (j *juteWriter) frame(start int) {
	binary.BigEndian.PutUint32(j.b[start:], uint32(len(j.b)-start-4))
}

func (j *juteWriter) begin() int { start := len(j.b); j.int(0); return start }

// juteReader decodes one reply.
type juteReader struct {
	b   []byte
	err error
}

func (r *juteReader) int() int32 {
	if len(r.b) < 4 {
		r.err = io.ErrUnexpectedEOF
		return 0
	}
	v := int32(binary.BigEndian.Uint32(r.b))
	r.b = r.b[4:]
	return v
}

func (r *juteReader) long() int64 {
	if len(r.b) < 8 {
		r.err = io.ErrUnexpectedEOF
		return 0
	}
	v := int64(binary.BigEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

func (r *juteReader) bool() bool {
	if len(r.b) < 1 {
		r.err = io.ErrUnexpectedEOF
		return false
	}
	v := r.b[0] != 0
	r.b = r.b[1:]
	return v
}

func (r *juteReader) str() string {
	n := r.int()
	if n < 0 || r.err != nil {
		return ""
	}
	if int(n) > len(r.b) {
		r.err = io.ErrUnexpectedEOF
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// dialReadSession opens a session to server with the given credentials ("scheme:credential").
func dialReadSession(ctx context.Context, server string, timeout time.Duration, auth []string) (*readSession, error) {
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "tcp", server)
	if err != nil {
		return nil, err
	}
	s := &readSession{conn: conn, r: bufio.NewReaderSize(conn, 256<<10)}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	} else {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
	}
	var j juteWriter
	start := j.begin()
	j.int(0)                             // protocol version
	j.long(0)                            // last zxid seen
	j.int(int32(timeout.Milliseconds())) // session timeout
	j.long(0)                            // session id: a new session
	j.buf(make([]byte, 16))              // password
	j.frame(start)
	for _, a := range auth {
		scheme, cred, _ := strings.Cut(a, ":")
		start := j.begin()
		j.int(xidAuth)
		j.int(opAuth)
		j.int(0)
		j.buf([]byte(scheme))
		j.buf([]byte(cred))
		j.frame(start)
	}
	if _, err := conn.Write(j.b); err != nil {
		conn.Close()
		return nil, err
	}
	body, err := s.frame()
	if err != nil {
		conn.Close()
		return nil, err
	}
	r := juteReader{b: body}
	r.int() // protocol version
	negotiated := r.int()
	if r.long(); r.err != nil || negotiated <= 0 {
		conn.Close()
		return nil, fmt.Errorf("session refused")
	}
	for range auth {
		body, err := s.frame()
		if err != nil {
			conn.Close()
			return nil, err
		}
		r := juteReader{b: body}
		if xid, _, code := r.int(), r.long(), r.int(); r.err != nil || xid != xidAuth || code != 0 {
			conn.Close()
			return nil, fmt.Errorf("authentication failed")
		}
	}
	conn.SetDeadline(time.Time{})
	return s, nil
}

func (s *readSession) frame() ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(s.r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > 256<<20 {
		return nil, fmt.Errorf("reply of %d bytes", size)
	}
	b := make([]byte, size)
	_, err := io.ReadFull(s.r, b)
	return b, err
}

// children lists the children of every path (nil for a path that does not exist), sending all
// multiRead requests at once and reading the replies as they come.
func (s *readSession) children(ctx context.Context, paths []string) ([][]string, error) {
	out := make([][]string, len(paths))
	nbatch := (len(paths) + multiReadBatch - 1) / multiReadBatch
	first := s.xid + 1
	werr := make(chan error, 1)
	go func() {
		var j juteWriter
		for b := 0; b < nbatch; b++ {
			j.b = j.b[:0]
			s.xid++
			start := j.begin()
			j.int(s.xid)
			j.int(opMultiRead)
			for _, p := range paths[b*multiReadBatch : min((b+1)*multiReadBatch, len(paths))] {
				j.int(opGetChildren)
				j.bool(false)
				j.int(-1)
				j.buf([]byte(p))
				j.bool(false) // no watch
			}
			j.int(-1)
			j.bool(true)
			j.int(-1)
			j.frame(start)
			if _, err := s.conn.Write(j.b); err != nil {
				werr <- err
				return
			}
		}
		werr <- nil
	}()
	stop := context.AfterFunc(ctx, func() { s.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	for b := 0; b < nbatch; b++ {
		body, err := s.frame()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		r := juteReader{b: body}
		xid, _, code := r.int(), r.long(), r.int()
		switch {
		case r.err != nil:
			return nil, r.err
		case code == -6: // unimplemented
			return nil, errNoMultiRead
		case code != 0:
			return nil, fmt.Errorf("multiRead: error %d", code)
		case xid != first+int32(b):
			return nil, fmt.Errorf("multiRead: reply %d out of order", xid)
		}
		for i := b * multiReadBatch; ; i++ {
			typ, done, opErr := r.int(), r.bool(), r.int()
			if r.err != nil {
				return nil, r.err
			}
			if done {
				break
			}
			if i >= len(paths) {
				return nil, fmt.Errorf("multiRead: too many results")
			}
			if typ == -1 {
				code := r.int()
				if code != -101 { // no node: it went away meanwhile
					return nil, fmt.Errorf("getChildren %s: error %d", paths[i], code)
				}
				_ = opErr
				continue
			}
			n := r.int()
			names := make([]string, 0, max(n, 0))
			for k := int32(0); k < n && r.err == nil; k++ {
				names = append(names, r.str())
			}
			if r.err != nil {
				return nil, r.err
			}
			if names == nil {
				names = []string{}
			}
			out[i] = names
		}
	}
	if err := <-werr; err != nil {
		return nil, err
	}
	return out, nil
}

// close ends the session; the server removes it at once instead of after its timeout.
func (s *readSession) close() {
	var j juteWriter
	start := j.begin()
	s.xid++
	j.int(s.xid)
	j.int(opCloseSession)
	j.frame(start)
	s.conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := s.conn.Write(j.b); err == nil {
		_, _ = s.frame()
	}
	s.conn.Close()
}

const opWhoAmI = 107

// ClientInfo is one identity the server associates with a session (whoAmI).
type ClientInfo struct {
	Scheme string `json:"scheme"`
	User   string `json:"user"`
}

// whoAmI asks the server which identities the session has.
func (s *readSession) whoAmI(ctx context.Context) ([]ClientInfo, error) {
	var j juteWriter
	start := j.begin()
	s.xid++
	j.int(s.xid)
	j.int(opWhoAmI)
	j.frame(start)
	stop := context.AfterFunc(ctx, func() { s.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := s.conn.Write(j.b); err != nil {
		return nil, err
	}
	body, err := s.frame()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	r := juteReader{b: body}
	_, _, code := r.int(), r.long(), r.int()
	switch {
	case r.err != nil:
		return nil, r.err
	case code == -6:
		return nil, errors.New("not supported by the server (whoAmI needs ZooKeeper 3.7 or later)")
	case code != 0:
		return nil, fmt.Errorf("whoAmI: error %d", code)
	}
	n := r.int()
	var out []ClientInfo
	for i := int32(0); i < n && r.err == nil; i++ {
		out = append(out, ClientInfo{Scheme: r.str(), User: r.str()})
	}
	return out, r.err
}

const opGetAllChildrenNumber = 104

// request sends one request with a path operand and returns the reply's body after its header; a
// ZooKeeper error code becomes go-zookeeper's error for it where zksh names it.
func (s *readSession) request(ctx context.Context, op int32, path string) (*juteReader, error) {
	var j juteWriter
	start := j.begin()
	s.xid++
	j.int(s.xid)
	j.int(op)
	j.buf([]byte(path))
	j.frame(start)
	stop := context.AfterFunc(ctx, func() { s.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := s.conn.Write(j.b); err != nil {
		return nil, err
	}
	body, err := s.frame()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	r := &juteReader{b: body}
	_, _, code := r.int(), r.long(), r.int()
	switch {
	case r.err != nil:
		return nil, r.err
	case code == -6:
		return nil, errUnimplemented
	case code == -101:
		return nil, zk.ErrNoNode
	case code == -102:
		return nil, zk.ErrNoAuth
	case code != 0:
		return nil, fmt.Errorf("error %d", code)
	}
	return r, nil
}

// errUnimplemented means the server does not know the request (an older ZooKeeper).
var errUnimplemented = errors.New("not supported by the server (unimplemented)")

// allChildrenNumber asks the server how many znodes are below path (getAllChildrenNumber, 3.6+): one
// request, counted by the server whatever the ACLs below path.
func (s *readSession) allChildrenNumber(ctx context.Context, path string) (int, error) {
	r, err := s.request(ctx, opGetAllChildrenNumber, path)
	if err != nil {
		return 0, err
	}
	n := r.int()
	return int(n), r.err
}
