package server

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/zksh/zksh/jute"
)

// clientResponse is a DIGEST-MD5 client's response to nonce (md5-sess, qop auth, charset utf-8).
func clientResponse(nonce, user, password string) string {
	const cnonce, uri = "Y25vbmNl", "zookeeper/zk-sasl-md5"
	hx := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	h := md5.Sum([]byte(user + ":zk-sasl-md5:" + password))
	ha1 := hx(string(h[:]) + ":" + nonce + ":" + cnonce)
	resp := hx(ha1 + ":" + nonce + ":00000001:" + cnonce + ":auth:" + hx("AUTHENTICATE:"+uri))
	return `charset=utf-8,username="` + user + `",realm="zk-sasl-md5",nonce="` + nonce +
		`",nc=00000001,cnonce="` + cnonce + `",digest-uri="` + uri + `",maxbuf=65536,response=` + resp + `,qop=auth`
}

func TestDigestMD5Exchange(t *testing.T) {
	users := func(u string) (string, bool) { p, ok := map[string]string{"bob": "secret"}[u]; return p, ok }
	for _, tc := range []struct {
		name, user, password, want string // want: the identity, or "" for a failure
	}{
		{"right password", "bob", "secret", "bob"},
		{"wrong password", "bob", "wrong", ""},
		{"unknown user", "eve", "secret", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &digestMD5{}
			chal, _, err := d.evaluate(nil, users)
			if err != nil || !bytes.HasPrefix(chal, []byte(`realm="zk-sasl-md5",nonce="`)) {
				t.Fatalf("challenge %q, %v", chal, err)
			}
			tok, id, err := d.evaluate([]byte(clientResponse(d.nonce, tc.user, tc.password)), users)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("accepted %s/%s as %q", tc.user, tc.password, id)
				}
				return
			}
			if err != nil || id != tc.want || !strings.HasPrefix(string(tok), "rspauth=") {
				t.Fatalf("got %q, %q, %v", tok, id, err)
			}
			if _, _, err := d.evaluate(nil, users); err == nil {
				t.Fatal("a token after completion was accepted")
			}
		})
	}
}

// FuzzSASL feeds a SASL exchange of arbitrary tokens (NONCE in the second is replaced by the
// server's nonce, so that the fuzzer reaches the digest check) to a connection of a server with
// SASL users. Nothing may panic; a failed exchange closes that connection only, and the server
// goes on serving.
func FuzzSASL(f *testing.F) {
	f.Add([]byte{}, []byte(clientResponse("NONCE", "bob", "secret")), []byte{})
	f.Add([]byte{}, []byte(clientResponse("NONCE", "bob", "wrong")), []byte("x"))
	f.Add([]byte("initial"), []byte(`username="bob",nonce="NONCE",nc=1,cnonce="",digest-uri="zookeeper/zk-sasl-md5",response=0,realm=`), []byte{})
	f.Add([]byte{}, []byte(`a="\`), []byte(",,,=,"))
	f.Fuzz(func(t *testing.T, first, second, third []byte) {
		// The exchange alone, without the connection's recover.
		users := func(u string) (string, bool) { p, ok := map[string]string{"bob": "secret", "": ""}[u]; return p, ok }
		d := &digestMD5{}
		d.evaluate(first, users)
		d.evaluate(bytes.ReplaceAll(second, []byte("NONCE"), []byte(d.nonce)), users)
		d.evaluate(third, users)

		// And through a server connection.
		s, err := New(Config{SASLUsers: map[string]string{"bob": "secret"}, SASLACL: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		client, peer := net.Pipe()
		defer client.Close()
		go func() { // discard whatever the server writes
			buf := make([]byte, 4096)
			for {
				if _, err := client.Read(buf); err != nil {
					return
				}
			}
		}()
		c := newConn(s, peer, "127.0.0.1")
		s.wg.Add(1)
		go c.writeLoop()
		s.mu.Lock()
		sess := &session{id: 1 << 56, passwd: make([]byte, 16), timeout: 30000}
		s.sessions[sess.id] = sess
		s.attach(c, sess)
		s.mu.Unlock()
		for i, tok := range [][]byte{first, second, third} {
			if i == 1 && c.sasl != nil {
				tok = bytes.ReplaceAll(tok, []byte("NONCE"), []byte(c.sasl.nonce))
			}
			frame := jute.Marshal(&jute.RequestHeader{Xid: int32(i + 1), Type: jute.OpSASL}, &saslToken{Token: tok})
			if !s.handle(c, frame, time.Now()) {
				s.mu.Lock()
				authed := hasScheme(c.auth, "sasl")
				s.mu.Unlock()
				if authed && i < 2 {
					t.Fatal("the connection closes with a SASL identity")
				}
				break
			}
		}
		if err := s.Create("/after", nil); err != nil {
			t.Fatalf("server stopped working after the exchange: %v", err)
		}
		s.mu.Lock()
		_, stays := s.sessions[sess.id]
		s.mu.Unlock()
		if !stays {
			t.Fatal("a SASL exchange ended the session")
		}
		c.closeNow()
	})
}

func hasScheme(ids []jute.ID, scheme string) bool {
	for _, id := range ids {
		if id.Scheme == scheme {
			return true
		}
	}
	return false
}
