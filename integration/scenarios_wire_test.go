package integration

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// Wire-level behaviour: the handshake with and without the trailing readOnly
// byte, pipelined requests answered in order, oversized and malformed frames
// closing only their own connection, and sasl (102) on a server without SASL.

// rawDial opens a bare TCP connection, for scenarios that write frames by hand.
func (s *S) rawDial() net.Conn {
	nc, err := net.DialTimeout("tcp", s.tg.addr, replyWait)
	if err != nil {
		s.fatalf("dial: %v", err)
	}
	s.raws = append(s.raws, nc)
	return nc
}

// tryHandshake opens a connection and sends a connect request: a server at
// its connection limit may refuse at once (the dial or the write fails) or
// close after reading; both are "connection closed".
func (s *S) tryHandshake() string {
	nc, err := net.DialTimeout("tcp", s.tg.addr, replyWait)
	if err != nil {
		return "connection closed"
	}
	s.raws = append(s.raws, nc)
	if err := writeFrame(nc, connectRequest(true, 4000)); err != nil {
		return "connection closed"
	}
	return s.readOutcome(nc, 2*time.Second)
}

// readOutcome reads one frame and describes it, or how the connection ended.
func (s *S) readOutcome(nc net.Conn, wait time.Duration) string {
	nc.SetReadDeadline(time.Now().Add(wait))
	b, err := readFrame(nc)
	switch {
	case err == nil:
		return fmt.Sprintf("frame of %d bytes", len(b))
	case strings.Contains(err.Error(), "timeout"):
		return "nothing (connection open)"
	}
	return "connection closed"
}

func connectRequest(readOnly bool, timeoutMs int32) []byte {
	var e encoder
	e.int32(0)
	e.int64(0)
	e.int32(timeoutMs)
	e.int64(0)
	e.buffer(make([]byte, 16))
	if readOnly {
		e.bool(false)
	}
	return e.bytes()
}

// replyBody renders the body of a reply to op.
func (c *client) replyBody(op int32) func(d *decoder) string {
	switch op {
	case opGetData:
		return func(d *decoder) string { return fmtData(d.buffer()) + " " + c.s.stat(d.stat()) }
	case opSetData, opExists:
		return func(d *decoder) string { return c.s.stat(d.stat()) }
	case opCreate, opSync:
		return func(d *decoder) string { return c.s.path(d.string()) }
	case opCreate2:
		return func(d *decoder) string { return c.s.path(d.string()) + " " + c.s.stat(d.stat()) }
	case opGetChildren:
		return func(d *decoder) string { return fmtNames(d.strings()) }
	}
	return nil
}

func init() {
	register(
		scenario{"handshake_read_only_byte", func(s *S) {
			for _, ro := range []bool{false, true} {
				nc := s.rawDial()
				writeFrame(nc, connectRequest(ro, 1000))
				nc.SetReadDeadline(time.Now().Add(replyWait))
				b, err := readFrame(nc)
				if err != nil {
					s.logf("readOnly byte sent=%v -> %v", ro, err)
					continue
				}
				d := newDecoder(b)
				proto, timeout := d.int32(), d.int32()
				sid, passwd := d.int64(), d.buffer()
				s.logf("readOnly byte sent=%v -> response of %d bytes: protocol=%d timeout=%d sid!=0:%v passwd=%d bytes",
					ro, len(b), proto, timeout, sid != 0, len(passwd))
				var e encoder
				e.int32(1)
				e.int32(opCloseSession)
				writeFrame(nc, e.bytes())
				s.logf("  closeSession -> %s", s.readOutcome(nc, replyWait))
			}
		}},
		scenario{"request_pipelined_with_handshake", func(s *S) {
			nc := s.rawDial()
			var req encoder
			req.int32(1)
			req.int32(opExists)
			req.string(s.root)
			req.bool(false)
			var bye encoder
			bye.int32(2)
			bye.int32(opCloseSession)
			var all []byte
			for _, b := range [][]byte{connectRequest(false, 4000), req.bytes(), bye.bytes()} {
				all = append(all, byte(len(b)>>24), byte(len(b)>>16), byte(len(b)>>8), byte(len(b)))
				all = append(all, b...)
			}
			nc.Write(all)
			nc.SetReadDeadline(time.Now().Add(replyWait))
			for i := 0; i < 3; i++ {
				b, err := readFrame(nc)
				if err != nil {
					s.logf("frame %d: %v", i, err)
					break
				}
				if i == 0 {
					s.logf("connect response of %d bytes", len(b))
					continue
				}
				d := newDecoder(b)
				xid, zxid, code := d.int32(), d.int64(), d.int32()
				s.logf("reply xid=%d err=%s zxid=%s body=%d bytes", xid, errName(code), s.zx(zxid), len(d.rest()))
			}
		}},
		scenario{"handshake_garbage", func(s *S) {
			nc := s.rawDial()
			writeFrame(nc, []byte{1, 2, 3})
			s.logf("short connect request -> %s", s.readOutcome(nc, 2*time.Second))
			c := s.Connect(0)
			c.Exists("", false)
		}},
		scenario{"frame_oversized", func(s *S) {
			nc := s.rawDial()
			nc.Write([]byte{0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0})
			s.logf("handshake frame of 2GiB -> %s", s.readOutcome(nc, 2*time.Second))
			nc = s.rawDial()
			nc.Write([]byte{0xff, 0xff, 0xff, 0xf0})
			s.logf("negative frame length -> %s", s.readOutcome(nc, 2*time.Second))
			c := s.Connect(1000)
			c.Create("a", "", modePersistent)
			big := make([]byte, 0x100000+16)
			var e encoder
			e.string(s.abs("a"))
			e.buffer(big)
			e.int32(-1)
			c.Raw("setData R/a <1MiB+16 bytes>", opSetData, e.bytes())
			o := s.Connect(0)
			o.Get("a", false)
		}},
		scenario{"data_near_max_buffer", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "", modePersistent)
			c.SetQuiet("a", strings.Repeat("x", 0xfffff-100), -1)
			c.Exists("a", false)
			c.SetQuiet("a", strings.Repeat("y", 0xfffff-30), -1)
			c.Exists("a", false)
		}},
		scenario{"request_malformed_body", func(s *S) {
			c := s.Connect(1000)
			c.Create("a", "", modePersistent)
			c.Raw("getData with a 2-byte body", opGetData, []byte{0, 1})
			o := s.Connect(0)
			o.Exists("a", false)
		}},
		scenario{"pipelined_requests", func(s *S) {
			c, w := s.Connect(0), s.Connect(0)
			c.Create("a", "0", modePersistent)
			w.Get("a", true)
			var reqs []byte
			ops := map[int32]int32{}
			add := func(xid, op int32, body func(e *encoder)) {
				ops[xid] = op
				var e encoder
				e.int32(xid)
				e.int32(op)
				body(&e)
				b := e.bytes()
				reqs = append(reqs, byte(len(b)>>24), byte(len(b)>>16), byte(len(b)>>8), byte(len(b)))
				reqs = append(reqs, b...)
			}
			path := func(p string) func(e *encoder) { return func(e *encoder) { e.string(s.abs(p)); e.bool(true) } }
			add(101, opGetData, path("a"))
			add(102, opSetData, func(e *encoder) { e.string(s.abs("a")); e.buffer([]byte("1")); e.int32(-1) })
			add(103, opExists, path("b"))
			add(104, opCreate, func(e *encoder) { e.string(s.abs("b")); e.buffer(nil); e.acls(openACL); e.int32(0) })
			add(105, opGetChildren, path(""))
			add(106, opDelete, func(e *encoder) { e.string(s.abs("b")); e.int32(-1) })
			add(107, opSync, func(e *encoder) { e.string(s.abs("a")) })
			add(108, opGetData, path("missing"))
			c.nc.Write(reqs)
			for i := 0; i < 8; i++ {
				select {
				case f := <-c.in:
					c.logEventList(f.before)
					s.logf("reply xid=%d %s", f.xid, c.result(f, nil, c.replyBody(ops[f.xid])))
				case <-time.After(replyWait):
					s.logf("missing reply")
				}
			}
			c.Events()
			w.Events()
		}},
		scenario{"sasl_without_sasl", func(s *S) {
			c := s.Connect(1000)
			var e encoder
			e.buffer([]byte("token"))
			c.Raw("sasl", opSASL, e.bytes())
		}},
		scenario{"set_watches_relative_zero", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			c.Create("p", "", modePersistent)
			c.Create("p/k", "", modePersistent)
			w.SetWatches(0, []string{"a", "missing"}, []string{"a", "nope"}, []string{"p", "gone"})
			w.Events()
			c.Set("a", "x", -1)
			c.Create("nope", "", modePersistent)
			w.Events()
		}},
	)
}
