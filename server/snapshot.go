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
// that the log can start again empty. Layout: [crc32c uint32][payload]; the payload is a magic
// string, the zxid, the nodes parents first (every field, including what fixes the order in which
// children are listed), then the sessions.
const snapFileName = "zksh-snapshot"

const snapMagic = "zksh-snapshot-v1"

// snapshotThreshold is the log size above which opening the store compacts it into a snapshot.
var snapshotThreshold int64 = 64 << 20

func (s *Server) encodeSnapshot() []byte {
	e := &jute.Encoder{Buf: make([]byte, 4, 1<<16)}
	e.String(snapMagic)
	e.Long(s.zxid)
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
		e.String(n.path)
		e.Buffer(n.data)
		e.ACLs(n.acl)
		for _, v := range []int64{n.czxid, n.mzxid, n.pzxid, n.ctime, n.mtime, n.owner, int64(n.seq), int64(n.nextSeq)} {
			e.Long(v)
		}
		for _, v := range []int32{n.version, n.cversion, n.aversion, int32(n.childCap)} {
			e.Int(v)
		}
	}
	ids := make([]int64, 0, len(s.sessions))
	for id := range s.sessions {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	e.Int(int32(len(ids)))
	for _, id := range ids {
		sess := s.sessions[id]
		e.Long(id)
		e.Int(sess.timeout)
		e.Buffer(sess.passwd)
	}
	binary.BigEndian.PutUint32(e.Buf[:4], crc32.Checksum(e.Buf[4:], crcTable()))
	return e.Buf
}

// loadSnapshot replaces the empty tree with a snapshot's; a missing file is not an error.
func (s *Server) loadSnapshot(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, snapFileName))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(b) < 4 || crc32.Checksum(b[4:], crcTable()) != binary.BigEndian.Uint32(b[:4]) {
		return errors.New("snapshot damaged (checksum mismatch): not starting with less than was acknowledged")
	}
	d := jute.NewDecoder(b[4:])
	if d.String() != snapMagic {
		return errors.New("not a zksh snapshot")
	}
	zxid := d.Long()
	count := d.Int()
	t := &tree{
		nodes:      make(map[string]*znode),
		ephemerals: make(map[int64]map[string]struct{}),
		containers: make(map[string]struct{}),
		ttls:       make(map[string]struct{}),
		quotas:     make(map[string]struct{}),
	}
	for i := int32(0); i < count && d.Err == nil; i++ {
		n := &znode{path: d.String(), data: d.Buffer(), acl: d.ACLs()}
		var l [8]int64
		for j := range l {
			l[j] = d.Long()
		}
		var v [4]int32
		for j := range v {
			v[j] = d.Int()
		}
		if d.Err != nil {
			break
		}
		n.czxid, n.mzxid, n.pzxid, n.ctime, n.mtime, n.owner = l[0], l[1], l[2], l[3], l[4], l[5]
		n.seq, n.nextSeq = uint64(l[6]), uint64(l[7])
		n.version, n.cversion, n.aversion, n.childCap = v[0], v[1], v[2], int(v[3])
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
	sessions := d.Int()
	for i := int32(0); i < sessions && d.Err == nil; i++ {
		sess := &session{id: d.Long(), timeout: d.Int(), passwd: d.Buffer()}
		s.sessions[sess.id] = sess
	}
	if d.Err != nil || t.root == nil {
		return fmt.Errorf("snapshot does not decode: %v", d.Err)
	}
	t.rebuildQuotas()
	s.tree = t
	s.zxid = zxid
	return nil
}

// writeSnapshot saves an encoded snapshot atomically (temporary file, fsync, rename, fsync of the
// directory).
func writeSnapshot(dir string, snap []byte) error {
	tmp := filepath.Join(dir, snapFileName+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(snap); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, snapFileName)); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// compactOnClose folds a large log into a snapshot when the server stops, so the next start
// replays little. st is no longer the server's (no write reaches it); only the encoding takes s.mu.
func (s *Server) compactOnClose(st *store) error {
	if err := st.flush(); err != nil {
		return err
	}
	size, err := st.f.Seek(0, io.SeekCurrent)
	if err != nil || size <= snapshotThreshold {
		return err
	}
	s.mu.Lock()
	snap := s.encodeSnapshot()
	s.mu.Unlock()
	if err := writeSnapshot(s.cfg.DataDir, snap); err != nil {
		return err
	}
	if err := st.f.Truncate(0); err != nil {
		return err
	}
	_, err = st.f.Seek(0, io.SeekStart)
	return err
}
