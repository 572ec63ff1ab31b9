package integration

import (
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

func apacheTarget(t *testing.T, name, addr string) *target {
	tg := &target{name: name, addr: addr, prefix: "/zkit-" + name}
	tg.advance = time.Sleep
	tg.wall = true
	prepare(t, tg)
	return tg
}

// prepare creates the target's prefix node.
func prepare(t *testing.T, tg *target) {
	t.Helper()
	c, err := dial(tg.addr, 4000, 0, nil, 0)
	if err != nil {
		t.Fatalf("%s: %v", tg.name, err)
	}
	defer c.nc.Close()
	var e encoder
	e.string(tg.prefix)
	e.buffer(nil)
	e.acls(openACL)
	e.int32(0)
	f, err := c.call(0, opCreate, e.bytes())
	if err != nil || (f.err != 0 && f.err != -110) {
		t.Fatalf("%s: create %s: %v %d", tg.name, tg.prefix, err, f.err)
	}
	c.call(0, opCloseSession, nil)
}

// targets returns the reference (Apache) and the target under test, both
// configured as zktest configures Apache, plus the zoo.cfg lines extra (given
// to the bundled server as tweak).
func targets(t *testing.T, extra []string, tweak func(*server.Config)) (ref, ours *target) {
	// A dedicated Apache, fresh like the bundled server: scenarios also
	// change system nodes (/zookeeper), which must start equal on both.
	ref = apacheTarget(t, "apache", zktest.StartApache(t, zktest.Options{Extra: extra}).Addr)
	name, addr, advance := bundled(t, extra, tweak)
	ours = &target{name: name, addr: addr, prefix: "/zkit-" + name}
	ours.wall = advance == nil
	ours.advance = func(d time.Duration) {
		if advance == nil {
			time.Sleep(d)
			return
		}
		advance(d)
		ours.offset.Add(int64(d))
	}
	prepare(t, ours)
	return ref, ours
}
