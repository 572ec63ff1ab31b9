package integration

import (
	"fmt"
	"strings"
)

// mop is one operation of a multi or multiRead request.
type mop struct {
	op      int32
	path    string
	data    string
	flags   int32
	version int32
	acl     []ACL
	ttl     int64
	watch   bool
}

func mCreate(path, data string, flags int32) mop {
	return mop{op: opCreate, path: path, data: data, flags: flags, acl: openACL}
}
func mCreate2(path, data string, flags int32) mop {
	return mop{op: opCreate2, path: path, data: data, flags: flags, acl: openACL}
}
func mDelete(path string, version int32) mop { return mop{op: opDelete, path: path, version: version} }
func mSet(path, data string, version int32) mop {
	return mop{op: opSetData, path: path, data: data, version: version}
}
func mCheck(path string, version int32) mop { return mop{op: opCheck, path: path, version: version} }
func mGet(path string) mop                  { return mop{op: opGetData, path: path} }
func mChildren(path string) mop             { return mop{op: opGetChildren, path: path} }

func (c *client) encodeOps(ops []mop) ([]byte, string) {
	var e encoder
	var what []string
	for _, o := range ops {
		e.int32(o.op)
		e.bool(false)
		e.int32(-1)
		p := c.s.abs(o.path)
		e.string(p)
		rp := c.s.path(p)
		switch o.op {
		case opCreate, opCreate2, opCreateContainer, opCreateTTL:
			e.buffer([]byte(o.data))
			e.acls(o.acl)
			e.int32(o.flags)
			if o.op == opCreateTTL {
				e.int64(o.ttl)
			}
			what = append(what, fmt.Sprintf("op%d %s %q flags=%d", o.op, rp, o.data, o.flags))
		case opDelete, opCheck:
			e.int32(o.version)
			what = append(what, fmt.Sprintf("op%d %s v=%d", o.op, rp, o.version))
		case opSetData:
			e.buffer([]byte(o.data))
			e.int32(o.version)
			what = append(what, fmt.Sprintf("setData %s %q v=%d", rp, o.data, o.version))
		case opGetData, opGetChildren:
			e.bool(o.watch)
			what = append(what, fmt.Sprintf("op%d %s", o.op, rp))
		default:
			what = append(what, fmt.Sprintf("op%d %s", o.op, rp))
		}
	}
	e.int32(-1)
	e.bool(true)
	e.int32(-1)
	return e.bytes(), "[" + strings.Join(what, "; ") + "]"
}

// decodeResults reads a MultiResponse: one header and record per op.
func (c *client) decodeResults(d *decoder) string {
	var res []string
	for d.err() == nil {
		typ := d.int32()
		done := d.bool()
		herr := d.int32()
		if done {
			if typ != -1 || herr != -1 {
				res = append(res, fmt.Sprintf("done-header(%d,%d)", typ, herr))
			}
			break
		}
		var r string
		switch typ {
		case opCreate:
			r = "create " + c.s.path(d.string())
		case opCreate2, opCreateContainer, opCreateTTL:
			r = fmt.Sprintf("op%d %s %s", typ, c.s.path(d.string()), c.s.stat(d.stat()))
		case opDelete:
			r = "delete"
		case opSetData:
			r = "setData " + c.s.stat(d.stat())
		case opCheck:
			r = "check"
		case opGetData:
			r = "getData " + fmtData(d.buffer()) + " " + c.s.stat(d.stat())
		case opGetChildren:
			r = "getChildren " + c.s.children(d.strings())
		case opError:
			r = "error " + errName(d.int32())
		default:
			r = fmt.Sprintf("type%d", typ)
		}
		if herr != 0 {
			r += fmt.Sprintf(" (header err %s)", errName(herr))
		}
		res = append(res, r)
	}
	return "[" + strings.Join(res, "; ") + "]"
}

// Multi sends opcode multi (14).
func (c *client) Multi(ops ...mop) {
	body, what := c.encodeOps(ops)
	c.do("multi "+what, opMulti, body, c.decodeResults)
}

// MultiRead sends opcode multiRead (22).
func (c *client) MultiRead(ops ...mop) {
	body, what := c.encodeOps(ops)
	c.do("multiRead "+what, opMultiRead, body, c.decodeResults)
}
