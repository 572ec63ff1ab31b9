package integration

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

// SASL DIGEST-MD5: Apache started with authProvider.1=SASLAuthenticationProvider, superUser=admin
// and a JAAS Server section (-Djava.security.auth.login.config), the bundled server configured
// from the same zoo.cfg lines and JAAS file; the exchange by hand (success, every failure), and
// Apache's own zkCli.sh and kazoo as clients.

// saslServerJAAS is the Server section both servers read.
const saslServerJAAS = `/* users of the SASL tests */
Server {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    user_bob="secret"
    user_alice="wonder"
    user_admin="adminpw"; // zookeeper.superUser
};
`

var saslZooCfg = []string{
	"authProvider.1=" + server.SASLAuthenticationProvider,
	"superUser=admin",
}

// saslTargets starts both servers configured for SASL (zooCfg: zoo.cfg lines) and returns them
// and the JAAS file.
func saslTargets(t *testing.T, zooCfg []string) (ref, ours *target, jaas string) {
	t.Helper()
	jaas = filepath.Join(t.TempDir(), "server-jaas.conf")
	if err := os.WriteFile(jaas, []byte(saslServerJAAS), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := "-XX:TieredStopAtLevel=1 -Djava.security.auth.login.config=" + jaas
	ref = apacheTarget(t, "apache", zktest.StartApache(t, zktest.Options{Extra: zooCfg, JVMFlags: flags}).Addr)
	name, addr := "apache2", ""
	if os.Getenv("ZKSH_IT_AGAINST") == "apache" {
		addr = zktest.StartApache(t, zktest.Options{Extra: zooCfg, JVMFlags: flags}).Addr
	} else {
		name, addr, _ = bundled(t, nil, func(c *server.Config) {
			parsed, _, err := server.ParseConfig(strings.NewReader(strings.Join(zooCfg, "\n")))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := parsed.LoadJAAS(jaas); err != nil {
				t.Fatal(err)
			}
			c.SASLACL, c.SASLSuperUsers, c.SASLUsers = parsed.SASLACL, parsed.SASLSuperUsers, parsed.SASLUsers
		})
	}
	ours = &target{name: name, addr: addr, prefix: "/zkit-" + name, advance: time.Sleep, wall: true}
	prepare(t, ours)
	return ref, ours, jaas
}

var (
	saslNonce      = regexp.MustCompile(`nonce="([^"]*)"`)
	saslRspauth    = regexp.MustCompile(`^rspauth=([0-9a-f]{32})$`)
	saslRspauthHex = regexp.MustCompile(`rspauth=[0-9a-f]{32}`)
)

// SASL sends one sasl token and logs the reply, the server's token with its nonce's length for
// the nonce; it returns the server's token.
func (c *client) SASL(what string, token []byte) []byte {
	var e encoder
	e.buffer(token)
	var got []byte
	c.do("sasl "+what, opSASL, e.bytes(), func(d *decoder) string {
		b := d.buffer()
		if b == nil {
			return "token=null"
		}
		got = b
		shown := saslNonce.ReplaceAllStringFunc(string(b), func(m string) string {
			return fmt.Sprintf("nonce=<%d chars>", len(m)-len(`nonce=""`))
		})
		return "token=" + saslRspauthHex.ReplaceAllString(shown, "rspauth=<32 hex digits>") // Digest checks it

	})
	return got
}

// Digest runs the DIGEST-MD5 exchange as user (charset utf-8, realm zk-sasl-md5, as zkCli) and
// logs whether the server's rspauth proves it knows the password.
func (c *client) Digest(user, password string) {
	chal := c.SASL("(empty)", []byte{})
	m := saslNonce.FindSubmatch(chal)
	if m == nil {
		c.s.logf("%s no nonce in the challenge", c.name)
		return
	}
	resp, rspauth := digestMD5Response(string(m[1]), user, password, "")
	final := c.SASL("response of "+user, []byte(resp))
	if final == nil {
		return
	}
	if got := saslRspauth.FindSubmatch(final); got == nil || string(got[1]) != rspauth {
		c.s.logf("%s rspauth does not prove the password: %q", c.name, final)
	} else {
		c.s.logf("%s rspauth verified", c.name)
	}
}

// digestMD5Response is a client's DIGEST-MD5 response (RFC 2831, md5-sess, qop auth) to nonce, and
// the rspauth value a server knowing the password answers.
func digestMD5Response(nonce, user, password, extra string) (resp, rspauth string) {
	const cnonce, nc, uri = "b3Jhbmdl", "00000001", "zookeeper/zk-sasl-md5"
	h := md5.Sum([]byte(user + ":zk-sasl-md5:" + password))
	ha1 := hexMD5(string(h[:]) + ":" + nonce + ":" + cnonce)
	kd := func(a2 string) string {
		return hexMD5(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + hexMD5(a2))
	}
	resp = fmt.Sprintf(`charset=utf-8,username="%s",realm="zk-sasl-md5",nonce="%s",nc=%s,cnonce="%s",digest-uri="%s",maxbuf=65536,response=%s,qop=auth%s`,
		user, nonce, nc, cnonce, uri, kd("AUTHENTICATE:"+uri), extra)
	return resp, kd(":" + uri)
}

func hexMD5(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

var bobACL = []ACL{{Perms: permAll, Scheme: "sasl", ID: "bob"}}

var saslScenarios = []scenario{
	{"sasl_digest_ok", func(s *S) {
		c := s.Connect(0)
		c.Digest("bob", "secret")
		c.WhoAmI()
		c.CreateACL("n", "x", modePersistent, bobACL)
		c.GetACL("n")
		c.Get("n", false)
		c.CreateACL("auth", "x", modePersistent, []ACL{{Perms: permAll, Scheme: "auth", ID: ""}})
		c.GetACL("auth")
		o := s.Connect(0)
		o.Get("n", false)
		o.WhoAmI()
		// Another token once the exchange is complete.
		c.SASL("after completion", []byte{})
		c.Exists("n", false)
	}},
	{"sasl_other_user_and_super", func(s *S) {
		c := s.Connect(0)
		c.Digest("bob", "secret")
		c.CreateACL("n", "x", modePersistent, bobACL)
		a := s.Connect(0)
		a.Digest("alice", "wonder")
		a.WhoAmI()
		a.Get("n", false)
		su := s.Connect(0)
		su.Digest("admin", "adminpw")
		su.WhoAmI()
		su.Get("n", false)
	}},
	{"sasl_wrong_password", func(s *S) {
		c := s.Connect(0)
		c.Digest("bob", "wrong")
		c.Exists("", false)
	}},
	{"sasl_unknown_user", func(s *S) {
		c := s.Connect(0)
		c.Digest("mallory", "x")
		c.Exists("", false)
	}},
	{"sasl_session_survives_failure", func(s *S) {
		c := s.Connect(0)
		c.Create("e", "", modeEphemeral)
		c.Digest("bob", "wrong")
		o := s.Connect(0)
		o.Exists("e", false)
	}},
	{"sasl_initial_token", func(s *S) {
		c := s.Connect(0)
		c.SASL("initial", []byte("hello"))
		c.Exists("", false)
	}},
	{"sasl_garbage_response", func(s *S) {
		c := s.Connect(0)
		c.SASL("(empty)", []byte{})
		c.SASL("garbage", []byte("\x00\xff,,=garbage"))
		c.Exists("", false)
	}},
	{"sasl_wrong_nonce", func(s *S) {
		c := s.Connect(0)
		c.SASL("(empty)", []byte{})
		resp, _ := digestMD5Response("not-the-nonce", "bob", "secret", "")
		c.SASL("response with another nonce", []byte(resp))
		c.Exists("", false)
	}},
	{"sasl_acl_validity", func(s *S) {
		c := s.Connect(0)
		c.CreateACL("k", "", modePersistent, []ACL{{Perms: permAll, Scheme: "sasl", ID: "bob/host@EXAMPLE.COM"}})
		c.CreateACL("bad", "", modePersistent, []ACL{{Perms: permAll, Scheme: "sasl", ID: "a@b@c"}})
		c.CreateACL("any", "", modePersistent, []ACL{{Perms: permAll, Scheme: "sasl", ID: "anyone"}})
		c.CreateACL("noauth", "", modePersistent, []ACL{{Perms: permAll, Scheme: "auth", ID: ""}})
	}},
}

// TestSASLDigest compares the DIGEST-MD5 exchange, its failures and sasl: ACLs.
func TestSASLDigest(t *testing.T) {
	ref, ours, _ := saslTargets(t, saslZooCfg)
	compareScenarios(t, ref, ours, saslScenarios)
}

// TestSASLWithoutProvider: a JAAS Server section but no authProvider.N: the exchange works, the
// identity has no user name, and sasl: and auth ACLs are invalid.
func TestSASLWithoutProvider(t *testing.T) {
	ref, ours, _ := saslTargets(t, nil)
	compareScenarios(t, ref, ours, []scenario{{"sasl_without_provider", func(s *S) {
		c := s.Connect(0)
		c.Digest("bob", "secret")
		c.WhoAmI()
		c.CreateACL("n", "x", modePersistent, bobACL)
		c.CreateACL("a", "x", modePersistent, []ACL{{Perms: permAll, Scheme: "auth", ID: ""}})
		c.Digest("bob", "secret") // again, once complete
	}}})
}

// TestSASLZkCli: Apache's zkCli.sh authenticating with a JAAS Client section (as bob, alice, with
// a wrong password, as the super user, and without SASL) against each server.
func TestSASLZkCli(t *testing.T) {
	zkCli := zktest.ZkCli(t)
	ref, ours, _ := saslTargets(t, saslZooCfg)
	dir := t.TempDir()
	client := func(name, user, password string) string {
		p := filepath.Join(dir, name+".conf")
		text := fmt.Sprintf("Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username=%q\n  password=%q;\n};\n", user, password)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	logins := []struct{ name, jaas, script string }{
		{"bob", client("bob", "bob", "secret"), "whoami\ncreate /R x sasl:bob:cdrwa\ngetAcl /R\nget /R\ncreate /R/a y auth::cdrwa\ngetAcl /R/a\ncreate /R/b y sasl:a@b@c:cdrwa\n"},
		{"alice", client("alice", "alice", "wonder"), "whoami\nget /R\nls /R\n"},
		{"wrong", client("wrong", "bob", "nope"), "whoami\nget /R\n"},
		{"admin", client("admin", "admin", "adminpw"), "whoami\nget /R\nget /R/a\n"},
		{"none", "", "whoami\nget /R\n"},
	}
	session := func(t *testing.T, tg *target) string {
		root := tg.prefix + "/zkcli"
		var out strings.Builder
		for _, l := range logins {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			cmd := exec.CommandContext(ctx, zkCli, "-server", tg.addr)
			cmd.Stdin = strings.NewReader(strings.ReplaceAll(l.script, "/R", root))
			var b bytes.Buffer
			cmd.Stdout, cmd.Stderr = &b, &b
			flags := "-XX:TieredStopAtLevel=1 -Xshare:auto"
			if l.jaas != "" {
				flags += " -Djava.security.auth.login.config=" + l.jaas
			}
			cmd.Env = append(os.Environ(), "CLIENT_JVMFLAGS="+flags)
			err := cmd.Run()
			cancel()
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Errorf("zkCli.sh as %s against %s: %v\n%s", l.name, tg.addr, err, b.String())
			}
			fmt.Fprintf(&out, "== %s\n%s\n", l.name, normalizeZkCli(root, tg.addr)(dropJavaTrace(b.String())))
		}
		return out.String()
	}
	var want, got string
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); want = session(t, ref) }()
	go func() { defer wg.Done(); got = session(t, ours) }()
	wg.Wait()
	if os.Getenv("ZKSH_IT_SHOW") != "" {
		t.Logf("apache:\n%s", want)
	}
	for _, must := range []string{"sasl: bob", "sasl: alice", "state:AuthFailed", "Insufficient permission", "'sasl,'bob"} {
		if !strings.Contains(want, must) {
			t.Errorf("Apache's transcript lacks %q: the test does not test what it says\n%s", must, want)
		}
	}
	if want != got {
		t.Errorf("apache (-) and %s (+) differ:\n%s", ours.name, lineDiff(strings.Split(want, "\n"), strings.Split(got, "\n")))
	}
}

// dropJavaTrace removes the stack traces and log lines the JVM prints around a failed SASL login.
func dropJavaTrace(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "at ") || strings.HasPrefix(t, "... ") || strings.Contains(t, " INFO ") ||
			strings.Contains(t, " WARN ") || strings.Contains(t, " ERROR ") || strings.HasPrefix(t, "Caused by:") ||
			strings.HasPrefix(t, "javax.") || strings.HasPrefix(t, "java.") || strings.HasPrefix(t, "org.") {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// TestSASLKazoo: kazoo's DIGEST-MD5 (pure-sasl) against each server: bob creates and reads a
// sasl:bob node, alice is refused it, a wrong password fails the connection.
func TestSASLKazoo(t *testing.T) {
	py := zktest.RequireKazoo(t)
	if err := exec.Command(py, "-c", "import puresasl").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-pure-sasl not installed: required in CI")
		}
		t.Skip("python3-pure-sasl not installed")
	}
	ref, ours, _ := saslTargets(t, saslZooCfg)
	session := func(t *testing.T, tg *target) string {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, py, "testdata/kazoo_sasl.py", tg.addr, tg.prefix+"/kazoo")
		var b, logged bytes.Buffer
		cmd.Stdout = &b
		cmd.Stderr = &logged // kazoo's log, from its own thread
		if err := cmd.Run(); err != nil {
			t.Errorf("kazoo against %s: %v\n%s%s", tg.addr, err, b.String(), logged.String())
		}
		return b.String()
	}
	var want, got string
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); want = session(t, ref) }()
	go func() { defer wg.Done(); got = session(t, ours) }()
	wg.Wait()
	if !strings.Contains(want, "bob get: b'x'") || !strings.Contains(want, "alice get: NoAuthError") ||
		!strings.Contains(want, "wrong password state: CLOSED") {
		t.Errorf("Apache's transcript is not what the test expects:\n%s", want)
	}
	if want != got {
		t.Errorf("apache (-) and %s (+) differ:\n%s", ours.name, lineDiff(strings.Split(want, "\n"), strings.Split(got, "\n")))
	}
}

// TestSASLEnforced: with zookeeper.enforce.auth.enabled and schemes sasl,digest, a connection
// without such an identity is answered SessionClosedRequireSaslAuth to any request (a ping too)
// and closed; a failed SASL exchange gets that code instead of AuthFailed. The harness's scenario
// root cannot be made without an identity, so this runs on the servers' own nodes.
func TestSASLEnforced(t *testing.T) {
	zooCfg := append([]string{"enforce.auth.enabled=true", "enforce.auth.schemes=sasl,digest"}, saslZooCfg...)
	jaas := filepath.Join(t.TempDir(), "server-jaas.conf")
	if err := os.WriteFile(jaas, []byte(saslServerJAAS), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := "-XX:TieredStopAtLevel=1 -Djava.security.auth.login.config=" + jaas
	ref := &target{name: "apache", addr: zktest.StartApache(t, zktest.Options{Extra: zooCfg, JVMFlags: flags}).Addr}
	parsed, _, err := server.ParseConfig(strings.NewReader(strings.Join(zooCfg, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parsed.LoadJAAS(jaas); err != nil {
		t.Fatal(err)
	}
	name, addr := "apache2", ""
	if os.Getenv("ZKSH_IT_AGAINST") == "apache" {
		addr = zktest.StartApache(t, zktest.Options{Extra: zooCfg, JVMFlags: flags}).Addr
	} else {
		name, addr, _ = bundled(t, nil, func(c *server.Config) {
			c.SASLACL, c.SASLSuperUsers, c.SASLUsers = parsed.SASLACL, parsed.SASLSuperUsers, parsed.SASLUsers
			c.EnforceAuth, c.EnforceAuthSchemes = parsed.EnforceAuth, parsed.EnforceAuthSchemes
		})
	}
	ours := &target{name: name, addr: addr}
	run := func(tg *target) (lines []string) {
		s := &S{tg: tg, names: map[int64]string{}, ended: map[int64]bool{}, start: time.Now(), root: "/not-used"}
		defer func() {
			if r := recover(); r != nil {
				a, ok := r.(abort)
				if !ok {
					panic(r)
				}
				s.logf("ABORT: %s", a.msg)
			}
			for _, c := range s.clients {
				c.nc.Close()
			}
			lines = s.lines
		}()
		c := s.Connect(0)
		c.Exists("/zookeeper", false)
		c.Exists("/zookeeper", false)
		p := s.Connect(0)
		f, err := p.call(-2, opPing, nil)
		s.logf("%s ping %s", p.name, p.result(f, err, nil))
		d := s.Connect(0)
		d.Auth("digest", "bob:secret")
		d.Exists("/zookeeper", false)
		w := s.Connect(0)
		w.Digest("bob", "wrong")
		w.Exists("/zookeeper", false)
		b := s.Connect(0)
		b.Digest("bob", "secret")
		b.Exists("/zookeeper", false)
		b.WhoAmI()
		return
	}
	var want, got []string
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); want = run(ref) }()
	go func() { defer wg.Done(); got = run(ours) }()
	wg.Wait()
	if os.Getenv("ZKSH_IT_SHOW") != "" {
		t.Logf("apache:\n%s", strings.Join(want, "\n"))
	}
	if !strings.Contains(strings.Join(want, "\n"), "SESSIONCLOSEDREQUIRESASLAUTH") {
		t.Errorf("Apache did not enforce authentication:\n%s", strings.Join(want, "\n"))
	}
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("apache (-) and %s (+) differ:\n%s", ours.name, lineDiff(want, got))
	}
}
