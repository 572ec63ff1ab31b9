package commands

import (
	"strings"
	"testing"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

// TestAuthFile: --auth-file adds each scheme:credential line (CRLF and empty lines allowed) to the
// session, as ZKSH_AUTH does, on Apache ZooKeeper and the bundled server; a refused line is named by
// its number and never shown.
func TestAuthFile(t *testing.T) {
	for name, addr := range zktest.Targets(t, server.RunT(t).Addr()) {
		t.Run(name, func(t *testing.T) {
			f := writeFile(t, "auth", "digest:alice:pw-one\r\n\ndigest:bob:pw:two\n")
			streams, out, errOut := fakeIO("", false)
			code := Main([]string{"--server", addr, "--auth-file", f, "whoami"}, streams, nil)
			if code != 0 || !strings.Contains(out.String(), "digest: alice\n") || !strings.Contains(out.String(), "digest: bob\n") {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			t.Setenv("ZKSH_AUTH_FILE", f) // the environment twin
			streams, out, errOut = fakeIO("", false)
			if code := Main([]string{"--server", addr, "whoami"}, streams, nil); code != 0 || !strings.Contains(out.String(), "digest: bob\n") {
				t.Fatalf("ZKSH_AUTH_FILE: exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			t.Setenv("ZKSH_AUTH_FILE", "")
			bad := writeFile(t, "bad", "digest:alice:pw\ndigest::hidden-pw-9\n")
			streams, out, errOut = fakeIO("", false)
			code = Main([]string{"--server", addr, "--auth-file", bad, "whoami"}, streams, nil)
			if code != 2 || !strings.Contains(errOut.String(), "line 2") || strings.Contains(errOut.String()+out.String(), "hidden-pw-9") {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
		})
	}
}

// TestAuthDigestWithoutPassword: --auth digest:USER (or ZKSH_AUTH digest:USER) off a terminal is a
// usage error naming the ways to give the password; nothing is sent.
func TestAuthDigestWithoutPassword(t *testing.T) {
	zksh(t, "--auth", "digest:alice", "whoami").fails(t, 2, "--auth-file FILE or ZKSH_AUTH")
	// addauth digest USER outside the interactive shell: a usage error, not a prompt.
	zksh(t, "addauth", "digest", "alice").fails(t, 2, "only in the interactive shell")
	streams, _, errOut := fakeIO("", false)
	t.Setenv("ZKSH_AUTH", "digest:alice")
	if code := Main([]string{"--server", zktest.Server(t), "whoami"}, streams, nil); code != 2 || !strings.Contains(errOut.String(), "no terminal") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

// TestAuthInlinePasswordWarning: a digest password on the command line works, with a warning on a
// terminal (never repeating the password); off a terminal (CI logs) there is no warning, and none
// for ZKSH_AUTH.
func TestAuthInlinePasswordWarning(t *testing.T) {
	addr := zktest.Server(t)
	streams, out, errOut := fakeIO("", true)
	if code := Main([]string{"--server", addr, "--auth", "digest:alice:pw-inline-3", "whoami"}, streams, nil); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if e := errOut.String(); !strings.Contains(e, "visible to other users") || !strings.Contains(e, "--auth-file") || strings.Contains(e, "pw-inline-3") {
		t.Fatalf("stderr %q", e)
	}
	if !strings.Contains(out.String(), "alice") {
		t.Fatalf("stdout %q", out)
	}
	zksh(t, "--auth", "digest:alice:pw-inline-3", "whoami").must(t)
	streams, _, errOut = fakeIO("", true)
	t.Setenv("ZKSH_AUTH", "digest:alice:pw-inline-3")
	if code := Main([]string{"--server", addr, "whoami"}, streams, nil); code != 0 || errOut.Len() != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

// TestCredentialsNeverPrinted runs commands holding a known secret through failure paths (bad
// scheme, credentials the server refuses, an unreachable server, --verbose, bad files) and checks the
// secret appears in no output.
func TestCredentialsNeverPrinted(t *testing.T) {
	const secret = "Zs3cr3t-LEAK-42"
	addr := zktest.Server(t)
	unreachable := "127.0.0.1:1"
	authFile := writeFile(t, "auth", "digest:alice:"+secret+"\n")
	badAuthFile := writeFile(t, "bad", "nocolon"+secret+"\n")
	pwFile := writeFile(t, "pw", secret+"\n")
	jaasFile := writeFile(t, "jaas", "Client {\n org.apache.zookeeper.server.auth.DigestLoginModule required\n username=\"bob\"\n password=\""+secret+"\";\n};\n")
	clientConf := writeFile(t, "client.properties", "zookeeper.client.secure=true\nzookeeper.ssl.keyStore.location=/nonexistent/ks.p12\nzookeeper.ssl.keyStore.password="+secret+"\n"+
		"zookeeper.ssl.trustStore.location=/nonexistent/ts.p12\nzookeeper.ssl.trustStore.password="+secret+"\n")
	badJAAS := writeFile(t, "badjaas", "Client {\n org.apache.zookeeper.server.auth.DigestLoginModule required\n username=bob\n password="+secret+"\n};\n")
	saslSrv, err := server.New(server.Config{SASLACL: true, SASLUsers: map[string]string{"bob": "the-right-one"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := saslSrv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { saslSrv.Close() })
	cases := []struct {
		name  string
		stdin string
		env   map[string]string
		args  []string
	}{
		{"bad scheme", "", nil, []string{"--server", addr, "--auth", ":" + secret, "ls", "/"}},
		{"unknown scheme refused", "", nil, []string{"--server", addr, "--auth", "nosuch:" + secret, "--verbose", "ls", "/"}},
		{"empty digest user", "", nil, []string{"--server", addr, "--auth", "digest::" + secret, "ls", "/"}},
		{"line break", "", map[string]string{"ZKSH_AUTH": "digest:bob:x\r" + secret}, []string{"--server", addr, "ls", "/"}},
		{"env bad scheme", "", map[string]string{"ZKSH_AUTH": "nocolon" + secret}, []string{"--server", addr, "ls", "/"}},
		{"unreachable verbose", "", nil, []string{"--server", unreachable, "--connect-timeout", "300ms", "--verbose", "--auth", "digest:alice:" + secret, "ls", "/"}},
		{"verbose ok", "", nil, []string{"--server", addr, "--verbose", "--auth", "digest:alice:" + secret, "ls", "/zookeeper"}},
		{"auth file unreachable", "", nil, []string{"--server", unreachable, "--connect-timeout", "300ms", "--verbose", "--auth-file", authFile, "ls", "/"}},
		{"auth file bad line", "", nil, []string{"--server", addr, "--auth-file", badAuthFile, "ls", "/"}},
		{"addauth refused", "", nil, []string{"--server", addr, "--verbose", "addauth", "nosuch", secret}},
		{"addauth bad digest", "", nil, []string{"--server", addr, "addauth", "digest", ":" + secret}},
		{"sasl password file unreachable", "", nil, []string{"--server", unreachable, "--connect-timeout", "300ms", "--verbose", "--sasl-user", "bob", "--sasl-password-file", pwFile, "ls", "/"}},
		{"sasl refused", "", nil, []string{"--server", addr, "--connect-timeout", "2s", "--verbose", "--sasl-user", "bob", "--sasl-password-file", pwFile, "ls", "/"}},
		{"jaas", "", nil, []string{"--server", addr, "--connect-timeout", "2s", "--verbose", "--jaas", jaasFile, "ls", "/"}},
		{"jaas malformed", "", nil, []string{"--server", addr, "--jaas", badJAAS, "ls", "/"}},
		{"sasl wrong password", "", nil, []string{"--server", saslSrv.Addr(), "--connect-timeout", "2s", "--verbose", "--sasl-user", "bob", "--sasl-password-file", pwFile, "ls", "/"}},
		{"jaas wrong password", "", nil, []string{"--server", saslSrv.Addr(), "--connect-timeout", "2s", "--verbose", "--jaas", jaasFile, "ls", "/"}},
		{"keystore password", "", nil, []string{"--server", addr, "--client-configuration", clientConf, "--verbose", "ls", "/"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The verbose log writes from the session's goroutines: the buffers are locked.
			out, errOut := &syncBuffer{}, &syncBuffer{}
			streams := &IOStreams{In: strings.NewReader(c.stdin), Out: out, ErrOut: errOut}
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code := Main(c.args, streams, nil)
			if all := out.String() + errOut.String(); strings.Contains(all, secret) {
				t.Fatalf("exit %d: the secret was printed:\n%s", code, all)
			}
			if code == 0 && c.name != "verbose ok" {
				t.Fatalf("exit 0: the failure path was not taken; stdout %q, stderr %q", out, errOut)
			}
		})
	}
}
