package integration

import (
	"fmt"

	"github.com/zksh/zksh/jute"
)

// The raw client encodes and decodes with the bundled server's jute codec
// (package jute), so the record layouts are written once. These
// adapters only keep the client's call sites short; any codec bug would show
// up against Apache ZooKeeper, the reference.

type encoder struct{ jute.Encoder }

func (e *encoder) int32(v int32)      { e.Int(v) }
func (e *encoder) int64(v int64)      { e.Long(v) }
func (e *encoder) bool(v bool)        { e.Bool(v) }
func (e *encoder) buffer(v []byte)    { e.Buffer(v) }
func (e *encoder) string(v string)    { e.String(v) }
func (e *encoder) strings(v []string) { e.Strings(v) }
func (e *encoder) bytes() []byte      { return e.Buf }
func (e *encoder) append(b []byte)    { e.Buf = append(e.Buf, b...) }
func (e *encoder) acls(v []ACL) {
	if v == nil {
		e.ACLs(nil)
		return
	}
	out := make([]jute.ACL, len(v))
	for i, a := range v {
		out[i] = jute.ACL{Perms: a.Perms, ID: jute.ID{Scheme: a.Scheme, ID: a.ID}}
	}
	e.ACLs(out)
}

type decoder struct{ jute.Decoder }

func newDecoder(b []byte) *decoder { return &decoder{jute.Decoder{Buf: b}} }

func (d *decoder) err() error        { return d.Err }
func (d *decoder) rest() []byte      { return d.Buf[d.Off:] }
func (d *decoder) skipRest()         { d.Off = len(d.Buf) }
func (d *decoder) int32() int32      { return d.Int() }
func (d *decoder) int64() int64      { return d.Long() }
func (d *decoder) bool() bool        { return d.Bool() }
func (d *decoder) buffer() []byte    { return d.Buffer() }
func (d *decoder) string() string    { return d.String() }
func (d *decoder) strings() []string { return d.Strings() }

func (d *decoder) acls() []ACL {
	in := d.ACLs()
	if in == nil {
		return nil
	}
	out := make([]ACL, len(in))
	for i, a := range in {
		out[i] = ACL{Perms: a.Perms, Scheme: a.ID.Scheme, ID: a.ID.ID}
	}
	return out
}

func (d *decoder) stat() *Stat {
	var s Stat
	s.Decode(&d.Decoder)
	if d.Err != nil {
		return nil
	}
	return &s
}

// Stat is zookeeper.jute's data.Stat.
type Stat = jute.Stat

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
