package server

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/zksh/zksh/internal/znodepath"
	"github.com/zksh/zksh/jute"
)

// snapFileName is the snapshot inside DataDir: the whole tree and the sessions as of one zxid, so
// that the log can start again empty. Layout: [crc32c uint32][payload]. The payload is jute
// records: a snapHeader (magic, format version, zxid, store id), a vector of snapNode (parents
// first), then a vector of snapSession.
const snapFileName = "zksh-snapshot"

const (
	snapMagic = "zksh-snapshot"
	// snapVersion 3 added the store id to the header. Version 2 (no store id) and the first
	// format (snapMagicV1: positional fields, no version) are still read: such a snapshot is
	// rewritten in the current format when the store opens, with its log.
	snapVersion = 3
	snapMagicV1 = "zksh-snapshot-v1"
)

// snapshotThreshold is the log size above which opening the store compacts it into a snapshot.
var snapshotThreshold int64 = 64 << 20

// snapHeader opens a snapshot's payload.
type snapHeader struct {
	Magic   string
	Version int32
	Zxid    int64  // the state is as of this zxid
	StoreID []byte // from version 3: the store's id, which its log's header carries too
}

func (h *snapHeader) Encode(e *jute.Encoder) {
	e.String(h.Magic)
	e.Int(h.Version)
	e.Long(h.Zxid)
	e.Buffer(h.StoreID)
}

func (h *snapHeader) Decode(d *jute.Decoder) {
	h.Magic = d.String()
	h.Version = d.Int()
	h.Zxid = d.Long()
	if h.Version >= 3 {
		h.StoreID = d.Buffer()
	}
}

// snapNode is one znode with every field the tree keeps, including what fixes the order in which
// its parent lists its children (Seq, NextSeq, ChildCap: see znode).
type snapNode struct {
	Path     string
	Data     []byte // nil stays nil
	ACL      []jute.ACL
	Czxid    int64
	Mzxid    int64
	Pzxid    int64
	Ctime    int64
	Mtime    int64
	Owner    int64 // session id, or the container / TTL marker
	Version  int32
	Cversion int32 // the stored count of child creates, not the Stat's
	Aversion int32
	Seq      int64
	NextSeq  int64
	ChildCap int32
}

func (n *snapNode) Encode(e *jute.Encoder) {
	e.String(n.Path)
	e.Buffer(n.Data)
	e.ACLs(n.ACL)
	e.Long(n.Czxid)
	e.Long(n.Mzxid)
	e.Long(n.Pzxid)
	e.Long(n.Ctime)
	e.Long(n.Mtime)
	e.Long(n.Owner)
	e.Int(n.Version)
	e.Int(n.Cversion)
	e.Int(n.Aversion)
	e.Long(n.Seq)
	e.Long(n.NextSeq)
	e.Int(n.ChildCap)
}

func (n *snapNode) Decode(d *jute.Decoder) {
	n.Path = d.String()
	n.Data = d.Buffer()
	n.ACL = d.ACLs()
	n.Czxid = d.Long()
	n.Mzxid = d.Long()
	n.Pzxid = d.Long()
	n.Ctime = d.Long()
	n.Mtime = d.Long()
	n.Owner = d.Long()
	n.Version = d.Int()
	n.Cversion = d.Int()
	n.Aversion = d.Int()
	n.Seq = d.Long()
	n.NextSeq = d.Long()
	n.ChildCap = d.Int()
}

// snapSession is one open session.
type snapSession struct {
	ID      int64
	Timeout int32
	Passwd  []byte
}

func (r *snapSession) Encode(e *jute.Encoder) { e.Long(r.ID); e.Int(r.Timeout); e.Buffer(r.Passwd) }
func (r *snapSession) Decode(d *jute.Decoder) {
	r.ID = d.Long()
	r.Timeout = d.Int()
	r.Passwd = d.Buffer()
}

func (n *znode) snapNode() snapNode {
	return snapNode{
		Path: n.path, Data: n.data, ACL: n.acl, Czxid: n.czxid, Mzxid: n.mzxid, Pzxid: n.pzxid,
		Ctime: n.ctime, Mtime: n.mtime, Owner: n.owner, Version: n.version, Cversion: n.cversion,
		Aversion: n.aversion, Seq: int64(n.seq), NextSeq: int64(n.nextSeq), ChildCap: int32(n.childCap),
	}
}

func (r *snapNode) znode() *znode {
	return &znode{
		path: r.Path, data: r.Data, acl: r.ACL, czxid: r.Czxid, mzxid: r.Mzxid, pzxid: r.Pzxid,
		ctime: r.Ctime, mtime: r.Mtime, owner: r.Owner, version: r.Version, cversion: r.Cversion,
		aversion: r.Aversion, seq: uint64(r.Seq), nextSeq: uint64(r.NextSeq), childCap: int(r.ChildCap),
	}
}

// encodeSnapshot encodes the state in the current format, as the store id's. s.mu held.
func (s *Server) encodeSnapshot(id []byte) []byte {
	e := &jute.Encoder{Buf: make([]byte, 4, 1<<16)}
	(&snapHeader{Magic: snapMagic, Version: snapVersion, Zxid: s.zxid, StoreID: id}).Encode(e)
	var nodes []*znode
	var walk func(n *znode)
	walk = func(n *znode) {
		nodes = append(nodes, n)
		kids := make([]*znode, 0, len(n.children))
		for _, c := range n.children {
			kids = append(kids, c)
		}
		sort.Slice(kids, func(i, j int) bool { return kids[i].seq < kids[j].seq })
		for _, c := range kids {
			walk(c)
		}
	}
	walk(s.tree.root)
	e.Int(int32(len(nodes)))
	for _, n := range nodes {
		rec := n.snapNode()
		rec.Encode(e)
	}
	ids := make([]int64, 0, len(s.sessions))
	for id := range s.sessions {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	e.Int(int32(len(ids)))
	for _, id := range ids {
		sess := s.sessions[id]
		(&snapSession{ID: id, Timeout: sess.timeout, Passwd: sess.passwd}).Encode(e)
	}
	binary.BigEndian.PutUint32(e.Buf[:4], crc32.Checksum(e.Buf[4:], crcTable()))
	return e.Buf
}

// errSnapshotDecode is a snapshot whose checksum holds but whose records do not decode.
func errSnapshotDecode(err error) error {
	return fmt.Errorf("snapshot does not decode: %v", err)
}

// snapInfo is what loadSnapshot found.
type snapInfo struct {
	found   bool
	version int32  // the format version (1 for the first format)
	legacy  bool   // an earlier format, to be rewritten in the current one
	zxid    int64  // the state is as of this zxid
	id      []byte // the store id; nil before version 3
}

// loadSnapshot replaces the empty tree with a snapshot's; a missing file is not an error.
func (s *Server) loadSnapshot(dir string) (snapInfo, error) {
	b, err := os.ReadFile(filepath.Join(dir, snapFileName))
	if errors.Is(err, os.ErrNotExist) {
		return snapInfo{}, nil
	}
	if err != nil {
		return snapInfo{}, err
	}
	if len(b) < 4 || crc32.Checksum(b[4:], crcTable()) != binary.BigEndian.Uint32(b[:4]) {
		return snapInfo{}, errors.New("snapshot damaged (checksum mismatch): not starting with less than was acknowledged")
	}
	d := jute.NewDecoder(b[4:])
	var h snapHeader
	h.Magic = d.String()
	switch h.Magic {
	case snapMagicV1:
		h.Zxid = d.Long()
		info := snapInfo{found: true, version: 1, legacy: true, zxid: h.Zxid}
		return info, s.loadSnapshotNodes(d, h.Zxid, decodeSnapNodeV1)
	case snapMagic:
		h.Version, h.Zxid = d.Int(), d.Long()
		switch {
		case d.Err != nil:
		case h.Version == snapVersion:
			h.StoreID = d.Buffer()
			if d.Err == nil && len(h.StoreID) != storeIDLen {
				return snapInfo{}, errSnapshotDecode(fmt.Errorf("store id of %d bytes", len(h.StoreID)))
			}
		case h.Version != 2:
			return snapInfo{}, fmt.Errorf("snapshot format version %d is not one this zksh reads (%d): written by a newer zksh?",
				h.Version, snapVersion)
		}
		info := snapInfo{found: true, version: h.Version, legacy: h.Version != snapVersion, zxid: h.Zxid, id: h.StoreID}
		return info, s.loadSnapshotNodes(d, h.Zxid, func(d *jute.Decoder, r *snapNode) { r.Decode(d) })
	}
	return snapInfo{}, errors.New("not a zksh snapshot")
}

// loadSnapshotNodes decodes the nodes and the sessions that follow a snapshot's header.
func (s *Server) loadSnapshotNodes(d *jute.Decoder, zxid int64, decodeNode func(*jute.Decoder, *snapNode)) error {
	count := d.Int()
	if d.Err == nil && count < 0 {
		return errSnapshotDecode(fmt.Errorf("%d nodes", count))
	}
	t := &tree{
		nodes:      make(map[string]*znode),
		ephemerals: make(map[int64]map[string]struct{}),
		containers: make(map[string]struct{}),
		ttls:       make(map[string]struct{}),
		quotas:     make(map[string]struct{}),
	}
	for i := int32(0); i < count && d.Err == nil; i++ {
		var rec snapNode
		decodeNode(d, &rec)
		if d.Err != nil {
			break
		}
		n := rec.znode()
		if n.path == "/" {
			t.root = n
			t.nodes["/"] = n
			continue
		}
		parent := t.nodes[znodepath.Parent(n.path)]
		if parent == nil {
			return fmt.Errorf("snapshot: %s has no parent", n.path)
		}
		n.name = znodepath.Name(n.path)
		n.hash = javaHash(n.name)
		n.parent = parent
		if parent.children == nil {
			parent.children = make(map[string]*znode)
		}
		parent.children[n.name] = n
		t.relink(parent, n)
	}
	sessions := make(map[int64]*session)
	count = d.Int()
	for i := int32(0); i < count && d.Err == nil; i++ {
		var rec snapSession
		rec.Decode(d)
		sessions[rec.ID] = &session{id: rec.ID, timeout: rec.Timeout, passwd: rec.Passwd}
	}
	if d.Err != nil || t.root == nil {
		return errSnapshotDecode(d.Err)
	}
	if d.Remaining() != 0 {
		return errSnapshotDecode(fmt.Errorf("%d bytes after the sessions", d.Remaining()))
	}
	t.rebuildQuotas()
	s.tree = t
	s.zxid = zxid
	for id, sess := range sessions {
		s.sessions[id] = sess
	}
	return nil
}

// decodeSnapNodeV1 reads a node of the first format: the same fields as snapNode, in a different
// order (the longs, then the ints).
func decodeSnapNodeV1(d *jute.Decoder, r *snapNode) {
	r.Path, r.Data, r.ACL = d.String(), d.Buffer(), d.ACLs()
	r.Czxid, r.Mzxid, r.Pzxid, r.Ctime, r.Mtime, r.Owner = d.Long(), d.Long(), d.Long(), d.Long(), d.Long(), d.Long()
	r.Seq, r.NextSeq = d.Long(), d.Long()
	r.Version, r.Cversion, r.Aversion, r.ChildCap = d.Int(), d.Int(), d.Int(), d.Int()
}

// writeSnapshot saves an encoded snapshot durably: a temporary file, fsynced, renamed over the
// snapshot, then the directory fsynced. Only when it returns nil may the log be cut.
func writeSnapshot(dir string, snap []byte) error {
	tmp := filepath.Join(dir, snapFileName+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if _, err := f.Write(snap); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, snapFileName)); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// compactOnClose folds a large log into a snapshot when the server stops, so the next start
// replays little. st is no longer the server's (no write reaches it); only the encoding takes
// s.mu. On an error the log is kept as it was (see compact).
func (s *Server) compactOnClose(st *store) error {
	if err := st.flush(); err != nil {
		return err
	}
	size, err := st.f.Seek(0, io.SeekCurrent)
	if err != nil || size <= snapshotThreshold {
		return err
	}
	nf, err := s.compact(st.f, s.cfg.DataDir, st.path, st.id, true)
	if err != nil {
		return err
	}
	st.mu.Lock()
	for st.syncing {
		st.cond.Wait()
	}
	old := st.f
	st.f = nf
	st.mu.Unlock()
	return old.Close()
}
