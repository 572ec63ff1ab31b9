package server

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zksh/zksh/jute"
)

// A client that sends requests faster than it reads the replies is throttled: once the replies
// queued for it pass outboxHighWater, its reader stops reading requests until the writer has taken
// them (so a pipelining client costs at most about twice that). Watch events, which other sessions'
// writes queue, cannot wait; past maxOutbox the connection is dropped.
const (
	outboxHighWater = 1 << 20
	maxOutbox       = 64 << 20
)

// conn is one client connection. Fields marked "s.mu" are guarded by the server mutex; the outbox
// by outMu.
type conn struct {
	s      *Server
	nc     net.Conn
	ip     string
	remote string

	session   *session   // s.mu
	auth      []jute.ID  // s.mu
	forgotten bool       // s.mu: answered a four-letter word or closed; not counted
	req       request    // s.mu: the request being handled (see dispatch)
	sasl      *digestMD5 // s.mu: the SASL exchange, once one started

	outMu      sync.Mutex
	room       *sync.Cond // on outMu: the outbox was emptied, or the connection is closing
	out        []byte
	enc        jute.Encoder // appends to out, under outMu
	needSeq    uint64       // store records the queued bytes depend on
	closing    bool         // flush what is queued, then close
	closedNow  bool
	wake       chan struct{}
	writerDone chan struct{}

	established time.Time
	received    atomic.Int64
	sent        atomic.Int64
	lastZxid    int64            // s.mu
	lastOp      string           // s.mu
	lastCxid    int32            // s.mu
	latency     latency          // s.latMu
	pendingLat  []pendingLatency // outMu: writes whose latency ends when they are durable
}

// pendingLatency is a write request waiting for its log record (seq) to be durable.
type pendingLatency struct {
	seq      uint64
	received time.Time
}

func newConn(s *Server, nc net.Conn, ip string) *conn {
	c := &conn{
		s: s, nc: nc, ip: ip, remote: nc.RemoteAddr().String(),
		wake: make(chan struct{}, 1), writerDone: make(chan struct{}),
		established: time.Now(), lastOp: "NA", lastZxid: -1, lastCxid: -1,
	}
	c.room = sync.NewCond(&c.outMu)
	return c
}

// waitForRoom blocks the reader while the client has more than outboxHighWater bytes of replies
// it has not taken, unless the connection is closing.
func (c *conn) waitForRoom() {
	c.outMu.Lock()
	for len(c.out) > outboxHighWater && !c.closing && !c.closedNow {
		c.room.Wait()
	}
	c.outMu.Unlock()
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// enqueue appends a frame holding recs to the outbox.
func (c *conn) enqueue(recs ...jute.Record) {
	c.outMu.Lock()
	if c.closing || c.closedNow {
		c.outMu.Unlock()
		return
	}
	c.out = jute.AppendFrame(c.out, recs...)
	c.queued()
}

// queued finishes an append to the outbox: outMu held, released here.
func (c *conn) queued() {
	c.markDurable()
	over := len(c.out) > maxOutbox
	c.outMu.Unlock()
	c.sent.Add(1)
	if over {
		c.s.log.Warn("client is not reading; closing", "client", c.remote)
		c.closeNow()
		return
	}
	c.signal()
}

// enqueueReply appends one frame, a reply header then body (if not nil), encoding straight into
// the outbox: the hot path allocates nothing here.
func (c *conn) enqueueReply(h jute.ReplyHeader, body jute.Record) {
	c.outMu.Lock()
	if c.closing || c.closedNow {
		c.outMu.Unlock()
		return
	}
	start := len(c.out)
	c.enc.Buf = append(c.out, 0, 0, 0, 0)
	h.Encode(&c.enc)
	if body != nil {
		body.Encode(&c.enc)
	}
	binary.BigEndian.PutUint32(c.enc.Buf[start:], uint32(len(c.enc.Buf)-start-4))
	c.out, c.enc.Buf = c.enc.Buf, nil
	c.queued()
}

// reply queues a reply header and optional body.
func (c *conn) reply(xid int32, zxid int64, errCode int32, body jute.Record) {
	if errCode != jute.ErrOK {
		body = nil
	}
	c.enqueueReply(jute.ReplyHeader{Xid: xid, Zxid: zxid, Err: errCode}, body)
}

// sendEvent queues a watch notification.
func (c *conn) sendEvent(typ int32, path string) {
	c.enqueueReply(jute.ReplyHeader{Xid: jute.XidNotification, Zxid: -1},
		&jute.WatcherEvent{Type: typ, State: jute.StateSyncConnected, Path: path})
}

// closeAfterFlush closes the connection once what is queued has been written.
func (c *conn) closeAfterFlush() {
	c.outMu.Lock()
	c.closing = true
	c.room.Broadcast()
	c.outMu.Unlock()
	c.signal()
}

// closeNow drops the connection at once.
func (c *conn) closeNow() {
	c.outMu.Lock()
	c.closedNow = true
	c.room.Broadcast()
	c.outMu.Unlock()
	c.nc.Close()
	c.signal()
}

// markDurable records that what is queued may reflect every write appended so far. outMu held.
func (c *conn) markDurable() {
	if st := c.s.durable; st != nil {
		if seq := st.written.Load(); seq > c.needSeq {
			c.needSeq = seq
		}
	}
}

func (c *conn) writeLoop() {
	defer c.s.wg.Done()
	defer close(c.writerDone)
	var buf []byte
	for range c.wake {
		c.outMu.Lock()
		buf, c.out = c.out, buf[:0]
		closing, closedNow, need := c.closing, c.closedNow, c.needSeq
		lats := c.pendingLat
		c.pendingLat = nil
		c.room.Broadcast()
		c.outMu.Unlock()
		if closedNow {
			c.nc.Close()
			return
		}
		for _, l := range lats {
			need = max(need, l.seq)
		}
		if c.s.durable != nil && (len(buf) > 0 || len(lats) > 0) {
			// Even with need 0: a store that failed an append must not let a reply out.
			if err := c.s.durable.waitSync(need); err != nil {
				c.s.log.Error("store sync failed; closing connection", "err", err)
				c.closeNow()
				return
			}
		}
		if len(lats) > 0 {
			now := time.Now()
			for _, l := range lats {
				c.s.recordLatency(c, l.received, now)
			}
		}
		if len(buf) > 0 {
			c.nc.SetWriteDeadline(time.Now().Add(c.s.cfg.MaxSessionTimeout + 10*time.Second))
			if _, err := c.nc.Write(buf); err != nil {
				c.closeNow() // also wakes a reader waiting for room
				return
			}
			if cap(buf) > 4*outboxHighWater {
				buf = nil // do not keep a burst's buffer for the connection's lifetime
			}
		}
		if closing {
			c.outMu.Lock()
			empty := len(c.out) == 0
			c.outMu.Unlock()
			if empty {
				if tc, ok := c.nc.(*net.TCPConn); ok {
					tc.CloseWrite()
				} else {
					c.nc.Close()
				}
				// The reader drains until the client closes its end, then tears the socket down.
				c.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
				return
			}
			c.signal()
		}
	}
}

func (c *conn) readLoop() {
	defer c.s.wg.Done()
	defer c.cleanup()
	br := bufio.NewReaderSize(c.nc, 64<<10)
	c.nc.SetReadDeadline(time.Now().Add(c.s.cfg.ConnectTimeout))
	var hdr [4]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return
	}
	if word := string(hdr[:]); isFourLetterWord(word) {
		c.received.Add(1)
		c.s.fourLetterWord(c, word)
		c.closeAfterFlush()
		c.drain(br)
		return
	}
	n := int32(binary.BigEndian.Uint32(hdr[:]))
	if n < 0 || int(n) > c.s.cfg.JuteMaxBuffer {
		c.s.log.Warn("bad connect frame length", "client", c.remote, "len", n)
		return
	}
	frame, err := jute.ReadBody(br, int(n), nil)
	if err != nil {
		return
	}
	c.received.Add(1)
	var req jute.ConnectRequest
	d := jute.NewDecoder(frame)
	req.Decode(d)
	if d.Err != nil {
		c.s.log.Warn("bad connect request", "client", c.remote, "err", d.Err)
		return
	}
	resp, ok := c.s.connect(c, &req)
	if resp == nil {
		return
	}
	c.enqueue(resp)
	if !ok {
		c.closeAfterFlush()
		c.drain(br)
		return
	}
	c.nc.SetReadDeadline(time.Time{})
	var buf []byte
	for {
		frame, err := jute.ReadFrame(br, c.s.cfg.JuteMaxBuffer, buf)
		received := time.Now()
		if err != nil {
			if errors.Is(err, jute.ErrLength) {
				c.s.log.Warn("closing connection: bad frame", "client", c.remote, "err", err)
			}
			return
		}
		if cap(frame) <= 64<<10 {
			buf = frame[:0]
		} else {
			buf = nil // an idle connection does not keep its largest request's buffer
		}
		c.received.Add(1)
		if !c.s.handle(c, frame, received) {
			c.closeAfterFlush()
			c.drain(br)
			return
		}
		c.waitForRoom()
	}
}

// drain reads and discards until the peer or the writer closes the socket, so the queued replies
// are not lost to a reset.
func (c *conn) drain(br *bufio.Reader) {
	c.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	io.Copy(io.Discard, br)
}

// forget takes a connection off the books the four-letter words read and maxClientCnxns counts;
// Close still finds it. s.mu held.
func (s *Server) forget(c *conn) {
	if _, ok := s.conns[c]; ok && !c.forgotten {
		c.forgotten = true
		s.live--
		if s.perIP[c.ip]--; s.perIP[c.ip] <= 0 {
			delete(s.perIP, c.ip)
		}
	}
}

// cleanup forgets the connection: its watches go, its session stays until it expires.
func (c *conn) cleanup() {
	c.closeNow()
	s := c.s
	s.mu.Lock()
	s.forget(c)
	delete(s.conns, c)
	s.watches.removeConn(c)
	if c.session != nil && c.session.conn == c {
		c.session.conn = nil
	}
	c.session = nil
	s.mu.Unlock()
}

// durableLatency holds a write's latency until the writer has seen its record (seq) durable.
func (c *conn) durableLatency(seq uint64, received time.Time) {
	c.outMu.Lock()
	c.pendingLat = append(c.pendingLat, pendingLatency{seq, received})
	c.outMu.Unlock()
	c.signal()
}

// enqueueRaw queues bytes without framing (four-letter word answers).
func (c *conn) enqueueRaw(b []byte) {
	c.outMu.Lock()
	c.out = append(c.out, b...)
	c.markDurable()
	c.outMu.Unlock()
	c.signal()
}
