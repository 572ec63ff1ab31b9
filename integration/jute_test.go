package integration

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A minimal client-side jute codec: just what the raw test client sends and
// reads. It is written from zookeeper.jute's record layouts (big-endian ints,
// length-prefixed buffers and strings, -1 for a null buffer or vector).

type encoder struct{ b []byte }

func (e *encoder) int32(v int32) { e.b = binary.BigEndian.AppendUint32(e.b, uint32(v)) }
func (e *encoder) int64(v int64) { e.b = binary.BigEndian.AppendUint64(e.b, uint64(v)) }
func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *encoder) buffer(v []byte) {
	if v == nil {
		e.int32(-1)
		return
	}
	e.int32(int32(len(v)))
	e.b = append(e.b, v...)
}

func (e *encoder) string(v string) {
	e.int32(int32(len(v)))
	e.b = append(e.b, v...)
}

func (e *encoder) strings(v []string) {
	if v == nil {
		e.int32(-1)
		return
	}
	e.int32(int32(len(v)))
	for _, s := range v {
		e.string(s)
	}
}

func (e *encoder) acls(v []ACL) {
	if v == nil {
		e.int32(-1)
		return
	}
	e.int32(int32(len(v)))
	for _, a := range v {
		e.int32(a.Perms)
		e.string(a.Scheme)
		e.string(a.ID)
	}
}

var errShort = errors.New("short record")

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) need(n int) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || len(d.b) < n {
		d.err = errShort
		return false
	}
	return true
}

func (d *decoder) int32() int32 {
	if !d.need(4) {
		return 0
	}
	v := int32(binary.BigEndian.Uint32(d.b))
	d.b = d.b[4:]
	return v
}

func (d *decoder) int64() int64 {
	if !d.need(8) {
		return 0
	}
	v := int64(binary.BigEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

func (d *decoder) bool() bool {
	if !d.need(1) {
		return false
	}
	v := d.b[0] != 0
	d.b = d.b[1:]
	return v
}

func (d *decoder) buffer() []byte {
	n := d.int32()
	if n == -1 || d.err != nil {
		return nil
	}
	if !d.need(int(n)) {
		return nil
	}
	v := append([]byte{}, d.b[:n]...)
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string { return string(d.buffer()) }

func (d *decoder) strings() []string {
	n := d.int32()
	if n <= 0 || d.err != nil {
		return nil
	}
	if n > 1<<20 {
		d.err = fmt.Errorf("vector of %d", n)
		return nil
	}
	v := make([]string, 0, n)
	for i := int32(0); i < n && d.err == nil; i++ {
		v = append(v, d.string())
	}
	return v
}

func (d *decoder) acls() []ACL {
	n := d.int32()
	if n <= 0 || d.err != nil {
		return nil
	}
	v := make([]ACL, 0, n)
	for i := int32(0); i < n && d.err == nil; i++ {
		var a ACL
		a.Perms = d.int32()
		a.Scheme = d.string()
		a.ID = d.string()
		v = append(v, a)
	}
	return v
}

// Stat is zookeeper.jute's data.Stat.
type Stat struct {
	Czxid, Mzxid, Ctime, Mtime  int64
	Version, Cversion, Aversion int32
	EphemeralOwner              int64
	DataLength, NumChildren     int32
	Pzxid                       int64
}

func (d *decoder) stat() *Stat {
	var s Stat
	s.Czxid = d.int64()
	s.Mzxid = d.int64()
	s.Ctime = d.int64()
	s.Mtime = d.int64()
	s.Version = d.int32()
	s.Cversion = d.int32()
	s.Aversion = d.int32()
	s.EphemeralOwner = d.int64()
	s.DataLength = d.int32()
	s.NumChildren = d.int32()
	s.Pzxid = d.int64()
	if d.err != nil {
		return nil
	}
	return &s
}

// ACL is zookeeper.jute's data.ACL with its Id flattened.
type ACL struct {
	Perms  int32
	Scheme string
	ID     string
}

// Opcodes (ZooDefs.OpCode).
const (
	opNotification         = 0
	opCreate               = 1
	opDelete               = 2
	opExists               = 3
	opGetData              = 4
	opSetData              = 5
	opGetACL               = 6
	opSetACL               = 7
	opGetChildren          = 8
	opSync                 = 9
	opPing                 = 11
	opGetChildren2         = 12
	opCheck                = 13
	opMulti                = 14
	opCreate2              = 15
	opReconfig             = 16
	opCheckWatches         = 17
	opRemoveWatches        = 18
	opCreateContainer      = 19
	opDeleteContainer      = 20
	opCreateTTL            = 21
	opMultiRead            = 22
	opAuth                 = 100
	opSetWatches           = 101
	opSASL                 = 102
	opGetEphemerals        = 103
	opGetAllChildrenNumber = 104
	opSetWatches2          = 105
	opAddWatch             = 106
	opWhoAmI               = 107
	opCreateSession        = -10
	opCloseSession         = -11
	opError                = -1
)

// Create modes (CreateMode.toFlag).
const (
	modePersistent    = 0
	modeEphemeral     = 1
	modeSequential    = 2
	modeEphSeq        = 3
	modeContainer     = 4
	modeTTL           = 5
	modeTTLSequential = 6
)

// Permissions (ZooDefs.Perms).
const (
	permRead   = 1
	permWrite  = 2
	permCreate = 4
	permDelete = 8
	permAdmin  = 16
	permAll    = 31
)

var openACL = []ACL{{Perms: permAll, Scheme: "world", ID: "anyone"}}

// errNames are KeeperException.Code names, as zkCli and the Java client print them.
var errNames = map[int32]string{
	0: "OK", -1: "SYSTEMERROR", -2: "RUNTIMEINCONSISTENCY", -3: "DATAINCONSISTENCY",
	-4: "CONNECTIONLOSS", -5: "MARSHALLINGERROR", -6: "UNIMPLEMENTED", -7: "OPERATIONTIMEOUT",
	-8: "BADARGUMENTS", -12: "UNKNOWNSESSION", -13: "NEWCONFIGNOQUORUM", -14: "RECONFIGINPROGRESS",
	-100: "APIERROR", -101: "NONODE", -102: "NOAUTH", -103: "BADVERSION",
	-108: "NOCHILDRENFOREPHEMERALS", -110: "NODEEXISTS", -111: "NOTEMPTY",
	-112: "SESSIONEXPIRED", -113: "INVALIDCALLBACK", -114: "INVALIDACL", -115: "AUTHFAILED",
	-118: "SESSIONMOVED", -119: "NOTREADONLY", -120: "EPHEMERALONLOCALSESSION",
	-121: "NOWATCHER", -122: "REQUESTTIMEOUT", -123: "RECONFIGDISABLED",
	-124: "SESSIONCLOSEDREQUIRESASLAUTH", -125: "QUOTAEXCEEDED", -127: "THROTTLEDOP",
}

func errName(code int32) string {
	if n, ok := errNames[code]; ok {
		return n
	}
	return fmt.Sprintf("ERR(%d)", code)
}

var eventNames = map[int32]string{
	-1: "None", 1: "NodeCreated", 2: "NodeDeleted", 3: "NodeDataChanged",
	4: "NodeChildrenChanged", 5: "DataWatchRemoved", 6: "ChildWatchRemoved",
	7: "PersistentWatchRemoved",
}

var stateNames = map[int32]string{
	0: "Disconnected", 3: "SyncConnected", 4: "AuthFailed", 5: "ConnectedReadOnly",
	6: "SaslAuthenticated", -112: "Expired", 7: "Closed",
}

func nameOr(m map[int32]string, v int32) string {
	if n, ok := m[v]; ok {
		return n
	}
	return fmt.Sprintf("?%d", v)
}
