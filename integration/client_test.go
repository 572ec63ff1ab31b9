package integration

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/zksh/zksh/jute"
)

// client is a raw ZooKeeper client speaking the wire protocol directly, so a
// scenario can send every opcode a 3.8 client may send and see exactly what
// comes back: reply header zxids, error codes and notifications in the order
// they arrive on the socket. Every operation logs one normalized line into
// its scenario's transcript; the notifications that arrived before a reply are
// logged before that reply's line.
type client struct {
	s       *S
	name    string
	nc      net.Conn
	sid     int64
	passwd  []byte
	timeout int32 // negotiated, ms

	xid  int32
	in   chan frame // replies, in order
	done chan struct{}

	mu     sync.Mutex
	last   int64 // highest zxid seen in a reply
	events []event
}

type frame struct {
	xid    int32
	zxid   int64
	err    int32
	body   []byte
	before []event // notifications that arrived after the previous reply and before this one
}

type event struct {
	typ, state int32
	path       string
}

const replyWait = 5 * time.Second

var errLost = errors.New("connection lost")

// dial opens a TCP connection and does the connect handshake. sid and passwd
// are zero for a new session, or those of a session to reattach.
func dial(addr string, timeoutMs int32, sid int64, passwd []byte, lastZxid int64) (*client, error) {
	nc, err := net.DialTimeout("tcp", addr, replyWait)
	if err != nil {
		return nil, err
	}
	var e encoder
	e.int32(0) // protocol version
	e.int64(lastZxid)
	e.int32(timeoutMs)
	e.int64(sid)
	if passwd == nil {
		passwd = make([]byte, 16)
	}
	e.buffer(passwd)
	e.bool(false) // readOnly
	if err := writeFrame(nc, e.bytes()); err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetReadDeadline(time.Now().Add(replyWait))
	body, err := readFrame(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("handshake: %w", err)
	}
	nc.SetReadDeadline(time.Time{})
	d := newDecoder(body)
	d.int32()
	c := &client{nc: nc, in: make(chan frame, 64), done: make(chan struct{})}
	c.timeout = d.int32()
	c.sid = d.int64()
	c.passwd = d.buffer()
	if d.err() != nil {
		nc.Close()
		return nil, fmt.Errorf("handshake: %w", d.err())
	}
	go c.readLoop()
	return c, nil
}

func writeFrame(w io.Writer, body []byte) error {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	_, err := w.Write(append(b, body...))
	return err
}

func readFrame(r io.Reader) ([]byte, error) { return jute.ReadFrame(r, 16<<20, nil) }

func (c *client) readLoop() {
	defer close(c.done)
	for {
		b, err := readFrame(c.nc)
		if err != nil {
			return
		}
		d := newDecoder(b)
		f := frame{xid: d.int32(), zxid: d.int64(), err: d.int32()}
		if d.err() != nil {
			return
		}
		f.body = d.rest()
		c.mu.Lock()
		if f.zxid > c.last {
			c.last = f.zxid
		}
		if f.xid != -1 {
			f.before = c.events
			c.events = nil
		}
		c.mu.Unlock()
		if f.xid == -1 {
			ev := event{typ: d.int32(), state: d.int32(), path: d.string()}
			c.mu.Lock()
			c.events = append(c.events, ev)
			c.mu.Unlock()
			continue
		}
		select {
		case c.in <- f:
		case <-time.After(replyWait):
			return
		}
	}
}

// callQuiet sends a request without logging the notifications that came
// before its reply (they stay queued): for polling.
func (c *client) callQuiet(op int32, body []byte) (frame, error) {
	c.xid++
	var e encoder
	e.int32(c.xid)
	e.int32(op)
	e.append(body)
	if err := writeFrame(c.nc, e.bytes()); err != nil {
		return frame{}, errLost
	}
	select {
	case f := <-c.in:
		c.mu.Lock()
		c.events = append(f.before, c.events...)
		c.mu.Unlock()
		return f, nil
	case <-c.done:
		select {
		case f := <-c.in:
			c.mu.Lock()
			c.events = append(f.before, c.events...)
			c.mu.Unlock()
			return f, nil
		default:
		}
		return frame{}, errLost
	case <-time.After(replyWait):
		return frame{}, errors.New("no reply")
	}
}

// call sends one request and returns its reply, logging first any
// notification that arrived before it.
func (c *client) call(xid, op int32, body []byte) (frame, error) {
	if xid == 0 {
		c.xid++
		xid = c.xid
	}
	var e encoder
	e.int32(xid)
	e.int32(op)
	e.append(body)
	if err := writeFrame(c.nc, e.bytes()); err != nil {
		c.logEvents()
		return frame{}, errLost
	}
	select {
	case f := <-c.in:
		c.logEventList(f.before)
		if f.xid != xid {
			return f, fmt.Errorf("reply xid %d for request xid %d", f.xid, xid)
		}
		return f, nil
	case <-c.done:
		// The connection may have been closed right after a last reply.
		select {
		case f := <-c.in:
			c.logEventList(f.before)
			return f, nil
		default:
		}
		c.logEvents()
		return frame{}, errLost
	case <-time.After(replyWait):
		c.logEvents()
		return frame{}, errors.New("no reply")
	}
}

func (c *client) lastZxid() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

func (c *client) takeEvents() []event {
	c.mu.Lock()
	defer c.mu.Unlock()
	ev := c.events
	c.events = nil
	return ev
}

func (c *client) logEvents() { c.logEventList(c.takeEvents()) }

func (c *client) logEventList(evs []event) {
	for _, ev := range evs {
		c.s.logf("%s event %s %s %s", c.name, nameOr(eventNames, ev.typ), nameOr(stateNames, ev.state), c.s.path(ev.path))
	}
}

// Events makes a round trip (a ping) and logs the notifications that arrived
// before its reply: everything the server queued for this session so far.
func (c *client) Events() {
	if _, err := c.call(-2, opPing, nil); err != nil {
		c.s.logf("%s ping -> %v", c.name, err)
	}
}

// EventsUnordered is Events for notifications whose order Apache leaves
// open (the ephemerals of a closed or expired session are deleted in hash
// order): they are logged sorted.
func (c *client) EventsUnordered() {
	if _, err := c.callQuiet(opPing, nil); err != nil {
		c.s.logf("%s ping -> %v", c.name, err)
	}
	evs := c.takeEvents()
	sort.Slice(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if a.path != b.path {
			return a.path < b.path
		}
		return a.typ < b.typ
	})
	c.logEventList(evs)
}

// result renders a reply: "-> OK ..." or "-> NONODE", with the reply's zxid.
func (c *client) result(f frame, err error, ok func(d *decoder) string) string {
	if err != nil {
		return "-> " + err.Error()
	}
	z := c.s.zx(f.zxid)
	head := "OK"
	if f.err != 0 {
		head = errName(f.err)
		if len(f.body) == 0 {
			return fmt.Sprintf("-> %s @%s", head, z)
		}
	}
	if ok == nil {
		if len(f.body) != 0 {
			return fmt.Sprintf("-> %s @%s body=%x", head, z, f.body)
		}
		return fmt.Sprintf("-> %s @%s", head, z)
	}
	d := newDecoder(f.body)
	r := ok(d)
	if d.err() != nil {
		return fmt.Sprintf("-> %s @%s undecodable body (%v): %x", head, z, d.err(), f.body)
	}
	if n := len(d.rest()); n != 0 {
		r += fmt.Sprintf(" +%d trailing bytes", n)
	}
	return fmt.Sprintf("-> %s @%s %s", head, z, r)
}

// do sends op and logs "name what result".
func (c *client) do(what string, op int32, body []byte, ok func(d *decoder) string) frame {
	f, err := c.call(0, op, body)
	c.s.logf("%s %s %s", c.name, what, c.result(f, err, ok))
	return f
}

// Close ends the session with closeSession and closes the connection.
func (c *client) Close() {
	f, err := c.call(0, opCloseSession, nil)
	c.s.logf("%s closeSession %s", c.name, c.result(f, err, nil))
	if err == nil && f.err == 0 {
		c.s.ended[c.sid] = true
	}
	c.nc.Close()
	<-c.done
}

// Drop closes the TCP connection without ending the session.
func (c *client) Drop() {
	c.nc.Close()
	<-c.done
	c.s.logf("%s connection dropped", c.name)
}

func opName(op int32) string {
	switch op {
	case opCreate:
		return "create"
	case opCreate2:
		return "create2"
	case opCreateContainer:
		return "createContainer"
	case opCreateTTL:
		return "createTTL"
	case opExists:
		return "exists"
	case opGetData:
		return "getData"
	case opGetChildren:
		return "getChildren"
	case opGetChildren2:
		return "getChildren2"
	}
	return fmt.Sprintf("op%d", op)
}
