package integration

import "fmt"

// One method per opcode: each encodes its request, sends it and logs one
// normalized line with the decoded reply.

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
	c.pathWatch(opGetChildren, path, watch, func(d *decoder) string { return c.s.children(d.strings()) })
}

func (c *client) Children2(path string, watch bool) {
	c.pathWatch(opGetChildren2, path, watch, func(d *decoder) string {
		return c.s.children(d.strings()) + " " + c.s.stat(d.stat())
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
