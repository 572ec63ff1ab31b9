package commands

import (
	"encoding/binary"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
)

// Request opcodes the cutting proxy recognises (ZooKeeper's OpCode).
const (
	opcodeCreate    = 1
	opcodeDelete    = 2
	opcodeSetData   = 5
	opcodeSetACL    = 7
	opcodeMulti     = 14
	opcodeCreate2   = 15
	opcodeContainer = 19
	opcodeTTL       = 21
)

// cuttingProxy forwards ZooKeeper connections frame by frame. Armed with opcodes, it cuts the
// connection at the next request with one of them: after the server has answered it, without
// passing the answer on (the write is applied, its reply lost), or instead of forwarding it (the
// write never reaches the server). It disarms after one cut, so the client reconnects through it.
type cuttingProxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	ops     map[int32]bool
	forward bool // forward the request, then cut before its reply
	cuts    int
	conns   []net.Conn
}

func newCuttingProxy(t *testing.T, target string) *cuttingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttingProxy{ln: ln, target: target}
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go p.serve(c, s)
		}
	}()
	return p
}

func (p *cuttingProxy) addr() string { return p.ln.Addr().String() }

// arm makes the proxy cut at the next request with one of ops.
func (p *cuttingProxy) arm(forward bool, ops ...int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ops = map[int32]bool{}
	for _, op := range ops {
		p.ops[op] = true
	}
	p.forward = forward
}

func (p *cuttingProxy) cutCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts
}

// readFrame reads one length-prefixed frame, the prefix included.
func readFrame(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > 64<<20 {
		return nil, io.ErrUnexpectedEOF
	}
	b := make([]byte, 4+int(n))
	copy(b, hdr[:])
	_, err := io.ReadFull(r, b[4:])
	return b, err
}

func (p *cuttingProxy) serve(c, s net.Conn) {
	cut := func() { c.Close(); s.Close() }
	defer cut()
	lost := make(chan int32, 1) // the xid whose reply is not passed on
	go func() {
		defer cut()
		first := true
		drop := int32(-100)
		for {
			f, err := readFrame(s)
			if err != nil {
				return
			}
			if !first && len(f) >= 8 {
				select {
				case x := <-lost:
					drop = x
				default:
				}
				if int32(binary.BigEndian.Uint32(f[4:8])) == drop {
					return // the server answered: cut before the client hears it
				}
			}
			first = false
			if _, err := c.Write(f); err != nil {
				return
			}
		}
	}()
	first := true
	for {
		f, err := readFrame(c)
		if err != nil {
			return
		}
		if !first && len(f) >= 12 {
			xid := int32(binary.BigEndian.Uint32(f[4:8]))
			op := int32(binary.BigEndian.Uint32(f[8:12]))
			p.mu.Lock()
			hit, forward := p.ops[op], p.forward
			if hit {
				p.ops, p.cuts = nil, p.cuts+1
			}
			p.mu.Unlock()
			if hit && !forward {
				return
			}
			if hit {
				lost <- xid
			}
		}
		first = false
		if _, err := s.Write(f); err != nil {
			return
		}
	}
}

// servers returns the address of Apache ZooKeeper and of a bundled server started for the test.
func bothServers(t *testing.T) map[string]string {
	t.Helper()
	return zktest.Targets(t, bundled(t))
}

// bundled starts a bundled server of the test's own (in memory, stopped when the test ends).
func bundled(t *testing.T) string {
	t.Helper()
	addr, stop, err := startLocalServer("", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return addr
}

// dial opens a plain go-zookeeper session to addr.
func dial(t *testing.T, addr string) *zk.Conn {
	t.Helper()
	c, ev, err := zk.Connect([]string{addr}, 4*time.Second, zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	for e := range ev {
		if e.State == zk.StateHasSession {
			break
		}
	}
	return c
}

func zkshAt(addr string, args ...string) result {
	streams, out, errOut := fakeIO("", false)
	code := Main(append([]string{"--server", addr, "--timeout", "4s", "--connect-timeout", "5s"}, args...), streams, nil)
	return result{out.String(), errOut.String(), code}
}

const unknownOutcome = "connection lost after the request was sent: it may or may not have been applied"

// TestLostWriteReply: a write whose reply is lost with the connection has an unknown outcome: exit 3
// and a message saying so, whether the server applied it or never saw it; a read after reconnecting
// reports what it finds, and nothing else is claimed. Against Apache and the bundled server.
func TestLostWriteReply(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			root := "/TestLostWriteReply"
			if _, err := c.Create(root, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
				t.Fatal(err)
			}
			t.Cleanup(func() { zkshAt(addr, "deleteall", root) })
			p := newCuttingProxy(t, addr)
			lost := func(forward bool, ops []int32, args ...string) result {
				t.Helper()
				p.arm(forward, ops...)
				before := p.cutCount()
				r := zkshAt(p.addr(), args...)
				args = args[:2] // the command and its path, for the messages
				if p.cutCount() != before+1 {
					t.Fatalf("%q: the proxy did not cut (%+v)", args, r)
				}
				if r.code != ExitUnavailable || !strings.Contains(r.err, unknownOutcome) || r.out != "" {
					t.Fatalf("%q: want exit 3 and %q; got %+v", args, unknownOutcome, r)
				}
				return r
			}
			creates := []int32{opcodeCreate, opcodeCreate2, opcodeContainer, opcodeTTL}

			// Applied, reply lost: the znode is there with every byte.
			data := strings.Repeat("x", 200000)
			r := lost(true, creates, "create", root+"/a", data)
			if got, _, err := c.Get(root + "/a"); err != nil || string(got) != data {
				t.Fatalf("create applied: %d bytes, %v", len(got), err)
			}
			if !strings.Contains(r.err, "a read after reconnecting finds "+root+"/a with the data sent") {
				t.Errorf("create: %q", r.err)
			}
			// Never reached the server: the same unknown outcome, and the read finds nothing.
			r = lost(false, creates, "create", root+"/b", "v")
			if ok, _, _ := c.Exists(root + "/b"); ok {
				t.Fatal("create never forwarded, yet /b exists")
			}
			if !strings.Contains(r.err, "a read after reconnecting does not find "+root+"/b") {
				t.Errorf("create not forwarded: %q", r.err)
			}
			// set: the version moved.
			r = lost(true, []int32{opcodeSetData}, "set", root+"/a", "v2")
			if got, st, err := c.Get(root + "/a"); err != nil || string(got) != "v2" || st.Version != 1 {
				t.Fatalf("set applied: %q %v", got, err)
			}
			if !strings.Contains(r.err, "a read after reconnecting finds "+root+"/a with the data sent (data version 1)") {
				t.Errorf("set: %q", r.err)
			}
			lost(true, []int32{opcodeSetACL}, "setAcl", root+"/a", "world:anyone:cdrwa")
			lost(true, []int32{opcodeDelete}, "delete", root+"/a")
			if ok, _, _ := c.Exists(root + "/a"); ok {
				t.Fatal("delete applied, yet /a exists")
			}
			mustCreateAll(t, c, root+"/t", root+"/t/1", root+"/t/2")
			// setAcl -R: many requests in flight; a lost one makes the whole operation's outcome
			// unknown, and the message is about the subtree, not one child.
			r = lost(true, []int32{opcodeSetACL}, "setAcl", "-R", root+"/t", "world:anyone:cdrwa")
			if !strings.Contains(r.err, "setAcl "+root+"/t: ") || !strings.Contains(r.err, "known set on") {
				t.Errorf("setAcl -R: %q", r.err)
			}
			lost(true, []int32{opcodeMulti}, "deleteall", root+"/t")
		})
	}
}

// TestLostLargeWrite: data over the server's jute.maxbuffer makes it close the connection, which
// looks like any lost connection: exit 3, the unknown outcome, the size named as a likely cause, and
// what a read after reconnecting finds. Nothing is claimed as refused.
func TestLostLargeWrite(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(big, make([]byte, 1200*1024), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			root := "/TestLostLargeWrite"
			if _, err := c.Create(root, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
				t.Fatal(err)
			}
			t.Cleanup(func() { zkshAt(addr, "deleteall", root) })
			// The server closes the connection once it reads the length: zksh may still be sending
			// (then it knows the request did not go out) or be waiting for the reply (unknown).
			const notSent = "connection lost while the request was being sent: it was not applied"
			r := zkshAt(addr, "create", root+"/big", "@"+big)
			if r.code != ExitUnavailable || !strings.Contains(r.err, unknownOutcome) && !strings.Contains(r.err, notSent) ||
				!strings.Contains(r.err, "jute.maxbuffer") {
				t.Fatalf("create: %+v", r)
			}
			ok, _, err := c.Exists(root + "/big")
			if err != nil {
				t.Fatal(err)
			}
			if ok && strings.Contains(r.err, notSent) || ok != strings.Contains(r.err, "finds "+root+"/big") {
				t.Fatalf("exists %v, but zksh said %q", ok, r.err)
			}
			zkshAt(addr, "create", root+"/small", "x").must(t)
			r = zkshAt(addr, "set", root+"/small", "@"+big)
			if r.code != ExitUnavailable || !strings.Contains(r.err, unknownOutcome) && !strings.Contains(r.err, notSent) {
				t.Fatalf("set: %+v", r)
			}
			got, _, err := c.Get(root + "/small")
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "x" || strings.Contains(r.err, unknownOutcome) && !strings.Contains(r.err, "finds "+root+"/small with other data") {
				t.Fatalf("data %d bytes, zksh said %q", len(got), r.err)
			}
		})
	}
}
