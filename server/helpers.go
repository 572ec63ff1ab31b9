package server

import (
	"github.com/zksh/zksh/jute"
)

// KeeperError is a ZooKeeper error code (KeeperException.Code) returned by the direct helpers.
type KeeperError int32

func (e KeeperError) Error() string { return "KeeperErrorCode = " + jute.ErrName(int32(e)) }

// Direct helpers read and change the tree without a client, as miniredis offers for Redis. Writes
// made through them are ordinary writes: they take a zxid, fire watches and are persisted. They act
// as the super user.

func codeErr(code int32) error {
	if code == jute.ErrOK {
		return nil
	}
	return KeeperError(code)
}

// superConn is the identity the helpers act with.
func superConn() *conn { return &conn{auth: []jute.ID{{Scheme: "super"}}} }

// Get returns a znode's data and stat.
func (s *Server) Get(path string) ([]byte, jute.Stat, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.tree.get(path)
	if n == nil {
		return nil, jute.Stat{}, KeeperError(jute.ErrNoNode)
	}
	return append([]byte(nil), n.data...), n.stat(), nil
}

// Children lists a znode's children in the order clients receive them.
func (s *Server) Children(path string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.tree.get(path)
	if n == nil {
		return nil, KeeperError(jute.ErrNoNode)
	}
	return append([]string(nil), n.childNames()...), nil
}

// Exists reports whether a znode exists.
func (s *Server) Exists(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tree.get(path) != nil
}

// ACL returns a znode's ACL.
func (s *Server) ACL(path string) ([]jute.ACL, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.tree.get(path)
	if n == nil {
		return nil, KeeperError(jute.ErrNoNode)
	}
	return append([]jute.ACL(nil), n.acl...), nil
}

// Create makes a persistent znode open to everyone; its parent must exist.
func (s *Server) Create(path string, data []byte) error {
	return s.helperWrite(func() (int32, error) {
		_, code := s.create(superConn(), jute.OpCreate, path, data, aclOpen, jute.FlagPersistent, -1)
		return code, nil
	})
}

// Set replaces a znode's data (any version).
func (s *Server) Set(path string, data []byte) error {
	return s.helperWrite(func() (int32, error) {
		_, code := s.setData(superConn(), path, data, -1)
		return code, nil
	})
}

// Delete removes a childless znode (any version).
func (s *Server) Delete(path string) error {
	return s.helperWrite(func() (int32, error) {
		return s.delete(superConn(), path, -1), nil
	})
}

// helperWrite applies op as one write and, with a data directory, returns once it is durable
// (as a client's reply would wait), or with the store's error if it cannot be.
func (s *Server) helperWrite(op func() (int32, error)) error {
	s.mu.Lock()
	s.beginWrite()
	code, err := op()
	if code != jute.ErrOK {
		s.rollback()
	}
	s.commit()
	st := s.store
	var seq uint64
	if st != nil {
		seq = st.written.Load()
	}
	s.mu.Unlock()
	if st != nil {
		if err := st.waitSync(seq); err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	return codeErr(code)
}

// Zxid is the last zxid the server assigned.
func (s *Server) Zxid() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.zxid
}

// Sessions lists the ids of the live sessions.
func (s *Server) Sessions() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, 0, len(s.sessions))
	for id := range s.sessions {
		ids = append(ids, id)
	}
	return ids
}
