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

	"github.com/zksh/zksh/server/jute"
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

func (c *client) create(op int32, path, data string, flags int32, acl []ACL, ttl int64) string {
	var e encoder
	e.string(c.s.abs(path))
	e.buffer([]byte(data))
	e.acls(acl)
	e.int32(flags)
	if op == opCreateTTL {
		e.int64(ttl)
	}
	shown := fmt.Sprintf("%q", data)
	if len(data) > 64 {
		shown = fmt.Sprintf("<%d bytes>", len(data))
	}
	what := fmt.Sprintf("%s %s %s flags=%d", opName(op), c.s.path(c.s.abs(path)), shown, flags)
	if ttl != 0 {
		what += fmt.Sprintf(" ttl=%d", ttl)
	}
	if !sameACL(acl, openACL) {
		what += " acl=" + fmtACL(acl)
	}
	var created string
	c.do(what, op, e.bytes(), func(d *decoder) string {
		created = d.string()
		if op == opCreate {
			return c.s.path(created)
		}
		return c.s.path(created) + " " + c.s.stat(d.stat())
	})
	return created
}

// Create sends opcode create (1) with the open ACL.
func (c *client) Create(path, data string, flags int32) string {
	return c.create(opCreate, path, data, flags, openACL, 0)
}

// Create2 sends opcode create2 (15), whose reply carries the Stat.
func (c *client) Create2(path, data string, flags int32) string {
	return c.create(opCreate2, path, data, flags, openACL, 0)
}

// CreateACL sends create2 with the given ACL.
func (c *client) CreateACL(path, data string, flags int32, acl []ACL) string {
	return c.create(opCreate2, path, data, flags, acl, 0)
}

// CreateContainer sends opcode createContainer (19).
func (c *client) CreateContainer(path, data string) string {
	return c.create(opCreateContainer, path, data, modeContainer, openACL, 0)
}

// CreateTTL sends opcode createTTL (21).
func (c *client) CreateTTL(path, data string, flags int32, ttl int64) string {
	return c.create(opCreateTTL, path, data, flags, openACL, ttl)
}

func (c *client) Delete(path string, version int32) {
	var e encoder
	e.string(c.s.abs(path))
	e.int32(version)
	c.do(fmt.Sprintf("delete %s v=%d", c.s.path(c.s.abs(path)), version), opDelete, e.bytes(), nil)
}

func (c *client) pathWatch(op int32, path string, watch bool, ok func(d *decoder) string) frame {
	var e encoder
	e.string(c.s.abs(path))
	e.bool(watch)
	what := opName(op) + " " + c.s.path(c.s.abs(path))
	if watch {
		what += " watch"
	}
	return c.do(what, op, e.bytes(), ok)
}

func (c *client) Exists(path string, watch bool) {
	c.pathWatch(opExists, path, watch, func(d *decoder) string { return c.s.stat(d.stat()) })
}

func (c *client) Get(path string, watch bool) string {
	var data []byte
	c.pathWatch(opGetData, path, watch, func(d *decoder) string {
		data = d.buffer()
		return fmtData(data) + " " + c.s.stat(d.stat())
	})
	return string(data)
}

func (c *client) Children(path string, watch bool) {
	c.pathWatch(opGetChildren, path, watch, func(d *decoder) string { return fmtNames(d.strings()) })
}

func (c *client) Children2(path string, watch bool) {
	c.pathWatch(opGetChildren2, path, watch, func(d *decoder) string {
		return fmtNames(d.strings()) + " " + c.s.stat(d.stat())
	})
}

func (c *client) Set(path, data string, version int32) {
	var e encoder
	e.string(c.s.abs(path))
	e.buffer([]byte(data))
	e.int32(version)
	c.do(fmt.Sprintf("setData %s %q v=%d", c.s.path(c.s.abs(path)), data, version), opSetData, e.bytes(),
		func(d *decoder) string { return c.s.stat(d.stat()) })
}

// SetQuiet is Set for large data: the data is logged by its size.
func (c *client) SetQuiet(path, data string, version int32) {
	var e encoder
	e.string(c.s.abs(path))
	e.buffer([]byte(data))
	e.int32(version)
	c.do(fmt.Sprintf("setData %s <%d bytes> v=%d", c.s.path(c.s.abs(path)), len(data), version), opSetData, e.bytes(),
		func(d *decoder) string { return c.s.stat(d.stat()) })
}

func (c *client) GetACL(path string) {
	var e encoder
	e.string(c.s.abs(path))
	c.do("getACL "+c.s.path(c.s.abs(path)), opGetACL, e.bytes(), func(d *decoder) string {
		return fmtACL(d.acls()) + " " + c.s.stat(d.stat())
	})
}

func (c *client) SetACL(path string, acl []ACL, version int32) {
	var e encoder
	e.string(c.s.abs(path))
	e.acls(acl)
	e.int32(version)
	c.do(fmt.Sprintf("setACL %s %s v=%d", c.s.path(c.s.abs(path)), fmtACL(acl), version), opSetACL, e.bytes(),
		func(d *decoder) string { return c.s.stat(d.stat()) })
}

func (c *client) Sync(path string) {
	var e encoder
	e.string(c.s.abs(path))
	c.do("sync "+c.s.path(c.s.abs(path)), opSync, e.bytes(), func(d *decoder) string { return c.s.path(d.string()) })
}

// Check sends opcode check (13) on its own, outside a multi.
func (c *client) Check(path string, version int32) {
	var e encoder
	e.string(c.s.abs(path))
	e.int32(version)
	c.do(fmt.Sprintf("check %s v=%d", c.s.path(c.s.abs(path)), version), opCheck, e.bytes(), nil)
}

// Auth sends an auth packet (xid -4). A failed auth is answered with
// AUTHFAILED and the connection is closed.
func (c *client) Auth(scheme, cred string) {
	var e encoder
	e.int32(0)
	e.string(scheme)
	e.buffer([]byte(cred))
	f, err := c.call(-4, opAuth, e.bytes())
	c.s.logf("%s auth %s %s", c.name, scheme, c.result(f, err, nil))
}

// SetWatches sends opcode setWatches (101, xid -8) and setWatches2 (105) when
// persistent lists are given.
func (c *client) SetWatches(rel int64, data, exist, child []string) {
	var e encoder
	e.int64(rel)
	e.strings(c.s.absAll(data))
	e.strings(c.s.absAll(exist))
	e.strings(c.s.absAll(child))
	f, err := c.call(-8, opSetWatches, e.bytes())
	c.s.logf("%s setWatches rel=%s data=%v exist=%v child=%v %s", c.name, c.s.zx(rel), data, exist, child, c.result(f, err, nil))
}

func (c *client) SetWatches2(rel int64, data, exist, child, persistent, recursive []string) {
	var e encoder
	e.int64(rel)
	e.strings(c.s.absAll(data))
	e.strings(c.s.absAll(exist))
	e.strings(c.s.absAll(child))
	e.strings(c.s.absAll(persistent))
	e.strings(c.s.absAll(recursive))
	f, err := c.call(-8, opSetWatches2, e.bytes())
	c.s.logf("%s setWatches2 rel=%s data=%v exist=%v child=%v persistent=%v recursive=%v %s",
		c.name, c.s.zx(rel), data, exist, child, persistent, recursive, c.result(f, err, nil))
}

// AddWatch sends opcode addWatch (106); mode 0 persistent, 1 recursive.
func (c *client) AddWatch(path string, mode int32) {
	var e encoder
	e.string(c.s.abs(path))
	e.int32(mode)
	c.do(fmt.Sprintf("addWatch %s mode=%d", c.s.path(c.s.abs(path)), mode), opAddWatch, e.bytes(), nil)
}

// CheckWatches (17) and RemoveWatches (18); type 1 children, 2 data, 3 any.
func (c *client) CheckWatches(path string, typ int32) {
	var e encoder
	e.string(c.s.abs(path))
	e.int32(typ)
	c.do(fmt.Sprintf("checkWatches %s type=%d", c.s.path(c.s.abs(path)), typ), opCheckWatches, e.bytes(), nil)
}

func (c *client) RemoveWatches(path string, typ int32) {
	var e encoder
	e.string(c.s.abs(path))
	e.int32(typ)
	c.do(fmt.Sprintf("removeWatches %s type=%d", c.s.path(c.s.abs(path)), typ), opRemoveWatches, e.bytes(), nil)
}

func (c *client) GetEphemerals(prefix string) {
	var e encoder
	e.string(c.s.abs(prefix))
	c.do("getEphemerals "+c.s.path(c.s.abs(prefix)), opGetEphemerals, e.bytes(), func(d *decoder) string {
		return fmtNames(c.s.pathAll(d.strings()))
	})
}

// GetEphemeralsRaw sends a prefix as is (not resolved against the root).
func (c *client) GetEphemeralsRaw(prefix string) {
	var e encoder
	e.string(prefix)
	c.do(fmt.Sprintf("getEphemerals %q", prefix), opGetEphemerals, e.bytes(), func(d *decoder) string {
		return fmtNames(c.s.pathAll(d.strings()))
	})
}

func (c *client) GetAllChildrenNumber(path string) {
	var e encoder
	e.string(c.s.abs(path))
	c.do("getAllChildrenNumber "+c.s.path(c.s.abs(path)), opGetAllChildrenNumber, e.bytes(), func(d *decoder) string {
		return fmt.Sprint(d.int32())
	})
}

func (c *client) WhoAmI() {
	c.do("whoAmI", opWhoAmI, nil, func(d *decoder) string {
		n := d.int32()
		var out []string
		for i := int32(0); i < n && d.err() == nil; i++ {
			out = append(out, d.string()+":"+d.string())
		}
		return fmtNames(out) // Apache keeps auth info in a set: no order
	})
}

// Reconfig sends opcode reconfig (16).
func (c *client) Reconfig(joining, leaving, members string, configID int64) {
	var e encoder
	e.string(joining)
	e.string(leaving)
	e.string(members)
	e.int64(configID)
	c.do(fmt.Sprintf("reconfig join=%q leave=%q members=%q", joining, leaving, members), opReconfig, e.bytes(),
		func(d *decoder) string { return fmtData(d.buffer()) + " " + c.s.stat(d.stat()) })
}

// Raw sends an arbitrary opcode and body and logs the outcome.
func (c *client) Raw(what string, op int32, body []byte) {
	c.do(what, op, body, func(d *decoder) string {
		r := fmt.Sprintf("%x", d.rest())
		d.skipRest()
		return r
	})
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
