package zkclient

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

const saslTestJAAS = `Server {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    user_bob="secret"
    user_alice="wonder";
};
`

// saslServers are a bundled server and (when installed, always in CI) Apache ZooKeeper, both with
// SASL DIGEST-MD5 users bob/secret and alice/wonder and sasl: ACLs.
func saslServers(t *testing.T) map[string]string {
	t.Helper()
	s, err := server.New(server.Config{SASLACL: true, SASLUsers: map[string]string{"bob": "secret", "alice": "wonder"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	out := map[string]string{"bundled": s.Addr()}
	if zktest.Installed() || os.Getenv("CI") == "true" {
		jaas := filepath.Join(t.TempDir(), "jaas.conf")
		if err := os.WriteFile(jaas, []byte(saslTestJAAS), 0o600); err != nil {
			t.Fatal(err)
		}
		out["apache"] = zktest.StartApache(t, zktest.Options{
			Extra:    []string{"authProvider.1=" + server.SASLAuthenticationProvider},
			JVMFlags: "-XX:TieredStopAtLevel=1 -Djava.security.auth.login.config=" + jaas,
		}).Addr
	}
	return out
}

func openSASL(t *testing.T, connect string, login *SASL) (*Client, error) {
	t.Helper()
	c, err := New(Config{Server: connect, SessionTimeout: 4 * time.Second, ConnectTimeout: 10 * time.Second, SASL: login})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, c.Wait(context.Background())
}

// TestSASLDigest: a session logged in with DIGEST-MD5 has the identity sasl:bob (whoAmI), reads a
// znode only sasl:bob may read (a session without the login may not), keeps the identity after its
// connection is cut and it reconnects (the exchange runs again), and so does the pipelined session
// of walks. A wrong password is an AuthError naming the user, never the password.
func TestSASLDigest(t *testing.T) {
	for name, addr := range saslServers(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			p := newProxy(t, addr)
			c, err := openSASL(t, p.addr(), &SASL{User: "bob", Password: "secret"})
			if err != nil {
				t.Fatal(err)
			}
			ids, _, err := c.WhoAmI(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !hasID(ids, "sasl", "bob") {
				t.Fatalf("whoAmI = %v, want sasl bob", ids)
			}
			root := "/sasl-" + name
			c.DeleteTree(ctx, []string{root}, 100, nil)
			acl := []zk.ACL{{Perms: zk.PermAll, Scheme: "sasl", ID: "bob"}}
			if _, err := c.Create(root, []byte("x"), 0, acl); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Create(root+"/child", []byte("y"), 0, acl); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.DeleteTree(context.Background(), []string{root}, 100, nil) })

			anon := open(t, addr)
			if _, _, err := anon.Get(root); !errors.Is(err, zk.ErrNoAuth) {
				t.Fatalf("get without SASL: %v, want NoAuth", err)
			}
			alice, err := openSASL(t, addr, &SASL{User: "alice", Password: "wonder"})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := alice.Get(root); !errors.Is(err, zk.ErrNoAuth) {
				t.Fatalf("get as alice: %v, want NoAuth", err)
			}

			// The pipelined session logs in too: it may list the children.
			rs, err := c.pipelined(ctx)
			if err != nil {
				t.Fatal(err)
			}
			kids, noAuth, err := rs.children(ctx, []string{c.ServerPath(root)})
			rs.close()
			if err != nil || len(noAuth) > 0 || len(kids[0]) != 1 {
				t.Fatalf("pipelined children = %v, noAuth %v, %v", kids, noAuth, err)
			}

			// A walk (no helper sessions with SASL) lists the sasl:bob subtree.
			w := c.Walker()
			levels, err := w.Walk(ctx, root)
			w.Close()
			if err != nil || len(levels) != 2 || len(levels[1]) != 1 || levels[1][0] != root+"/child" {
				t.Fatalf("walk = %v, %v", levels, err)
			}

			// Cut the connection: the session comes back on a new one, logged in again.
			id := c.SessionID()
			p.cut()
			deadline := time.Now().Add(10 * time.Second)
			for {
				data, _, err := c.Get(root)
				if err == nil {
					if string(data) != "x" {
						t.Fatalf("get after reconnect = %q", data)
					}
					break
				}
				if errors.Is(err, zk.ErrNoAuth) || time.Now().After(deadline) {
					t.Fatalf("get after reconnect: %v", err)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if c.SessionID() != id {
				t.Fatalf("session 0x%x after reconnect, want the same 0x%x", c.SessionID(), id)
			}
			ids, _, err = c.WhoAmI(ctx)
			if err != nil || !hasID(ids, "sasl", "bob") {
				t.Fatalf("whoAmI after reconnect = %v, %v", ids, err)
			}

			_, err = openSASL(t, addr, &SASL{User: "bob", Password: "wrong-pw-123"})
			var ae *AuthError
			if !errors.As(err, &ae) || ae.Scheme != "sasl" || ae.User != "bob" || !errors.Is(err, zk.ErrAuthFailed) {
				t.Fatalf("wrong password: %v (%T), want an AuthError for bob", err, err)
			}
			if strings.Contains(err.Error(), "wrong-pw-123") {
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}
}

func hasID(ids []ClientInfo, scheme, user string) bool {
	for _, id := range ids {
		if id.Scheme == scheme && id.User == user {
			return true
		}
	}
	return false
}

// TestDigestResponseQuotes: a user name with a quote or backslash is escaped in the response, and
// a challenge without auth among its qops is refused.
func TestDigestResponseQuotes(t *testing.T) {
	resp, _, err := digestResponse(&SASL{User: `a"b\c`, Password: "p"},
		[]byte(`realm="zk-sasl-md5",nonce="n",charset=utf-8,algorithm=md5-sess`), []byte("cn"))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := parseDirectives(string(resp))
	if err != nil || dir["username"] != `a"b\c` || dir["digest-uri"] != "zookeeper/zk-sasl-md5" || dir["nc"] != "00000001" {
		t.Fatalf("response %s parses to %v, %v", resp, dir, err)
	}
	if _, _, err := digestResponse(&SASL{User: "u"}, []byte(`nonce="n",qop="auth-conf",algorithm=md5-sess`), nil); err == nil {
		t.Fatal("a challenge without qop auth was accepted")
	}
}
