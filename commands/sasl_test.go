package commands

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

const saslServerJAAS = `Server {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    user_bob="secret"
    user_alice="wonder";
};
`

// saslClientJAAS logs in as bob (Client) or alice (Other), as zkCli's JAAS file would.
const saslClientJAAS = `Client {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    username="bob"
    password="secret";
};
Other {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    username="alice"
    password="wonder";
};
`

// saslTargets are the bundled server (as `zksh server --jaas` runs it) and Apache ZooKeeper, both
// with authProvider.1=SASLAuthenticationProvider and the JAAS Server section above.
func saslTargets(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	jaas := filepath.Join(dir, "server-jaas.conf")
	if err := os.WriteFile(jaas, []byte(saslServerJAAS), 0o600); err != nil {
		t.Fatal(err)
	}
	zooCfg := "authProvider.1=" + server.SASLAuthenticationProvider + "\n"
	cfg, _, err := server.ParseConfig(strings.NewReader(zooCfg))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.LoadJAAS(jaas); err != nil {
		t.Fatal(err)
	}
	s, err := server.New(server.Config{SASLACL: cfg.SASLACL, SASLUsers: cfg.SASLUsers})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	out := map[string]string{"bundled": s.Addr()}
	if zktest.Installed() || os.Getenv("CI") == "true" {
		out["apache"] = zktest.StartApache(t, zktest.Options{
			Extra:    []string{strings.TrimSpace(zooCfg)},
			JVMFlags: "-XX:TieredStopAtLevel=1 -Djava.security.auth.login.config=" + jaas,
		}).Addr
	}
	return out
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func saslZksh(t *testing.T, addr string, args ...string) result {
	t.Helper()
	streams, out, errOut := fakeIO("", false)
	code := Main(append([]string{"--server", addr, "--timeout", "4s"}, args...), streams, nil)
	return result{out.String(), errOut.String(), code}
}

// TestSASLDigestLogin: a znode with a sasl:bob:cdrwa ACL made by zkCli.sh logged in as bob (JAAS
// Client section through CLIENT_JVMFLAGS) is readable by zksh with the same JAAS file, with
// --sasl-user and a password file, and with the ZKSH_* twins; not without a login (NoAuth, exit 1)
// nor as alice (the section a client configuration's zookeeper.sasl.clientconfig names). whoami
// shows the SASL identity. A wrong password: the server refused the credentials of bob, exit 1,
// and the password is nowhere in the output, even with --verbose.
func TestSASLDigestLogin(t *testing.T) {
	clientJAAS := writeFile(t, "client-jaas.conf", saslClientJAAS)
	wrongJAAS := writeFile(t, "wrong-jaas.conf", strings.Replace(saslClientJAAS, `"secret"`, `"not-the-pw-42"`, 1))
	pwFile := writeFile(t, "pw", "secret\n")
	otherConf := writeFile(t, "client.properties", "zookeeper.sasl.clientconfig=Other\n")
	for name, addr := range saslTargets(t) {
		t.Run(name, func(t *testing.T) {
			root := "/sasl-cmd-" + name
			cmd := exec.Command(zktest.ZkCli(t), "-server", addr, "create", root, "hello", "sasl:bob:cdrwa")
			cmd.Env = append(os.Environ(), "CLIENT_JVMFLAGS=-Djava.security.auth.login.config="+clientJAAS)
			if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Created "+root) {
				t.Fatalf("zkCli create: %v\n%s", err, out)
			}
			t.Cleanup(func() { saslZksh(t, addr, "--jaas", clientJAAS, "delete", root) })

			if r := saslZksh(t, addr, "--jaas", clientJAAS, "get", root).must(t); r.out != "hello\n" {
				t.Fatalf("get with --jaas = %q", r.out)
			}
			saslZksh(t, addr, "get", root).fails(t, 1, "")
			if r := saslZksh(t, addr, "get", root); !strings.Contains(strings.ToLower(r.err), "auth") {
				t.Fatalf("get without a login: %q, want a NoAuth refusal", r.err)
			}
			if r := saslZksh(t, addr, "--sasl-user", "bob", "--sasl-password-file", pwFile, "get", root).must(t); r.out != "hello\n" {
				t.Fatalf("get with --sasl-user = %q", r.out)
			}
			if r := saslZksh(t, addr, "--jaas", clientJAAS, "whoami").must(t); !strings.Contains(r.out, "sasl") || !strings.Contains(r.out, "bob") {
				t.Fatalf("whoami = %q, want sasl bob", r.out)
			}
			// zookeeper.sasl.clientconfig=Other: logged in as alice, who may not read it.
			if r := saslZksh(t, addr, "--jaas", clientJAAS, "--client-configuration", otherConf, "whoami").must(t); !strings.Contains(r.out, "alice") {
				t.Fatalf("whoami with zookeeper.sasl.clientconfig=Other = %q, want alice", r.out)
			}
			saslZksh(t, addr, "--jaas", clientJAAS, "--client-configuration", otherConf, "get", root).fails(t, 1, "")

			for _, args := range [][]string{{"get", root}, {"--verbose", "get", root}} {
				r := saslZksh(t, addr, append([]string{"--jaas", wrongJAAS}, args...)...)
				r.fails(t, 1, "refused the SASL credentials of user bob")
				if strings.Contains(r.err+r.out, "not-the-pw-42") {
					t.Fatalf("the password is shown: %q", r.err)
				}
			}

			t.Setenv("ZKSH_SASL_USER", "bob")
			t.Setenv("ZKSH_SASL_PASSWORD_FILE", pwFile)
			if r := saslZksh(t, addr, "get", root).must(t); r.out != "hello\n" {
				t.Fatalf("get with ZKSH_SASL_USER = %q", r.out)
			}
			os.Unsetenv("ZKSH_SASL_USER")
			os.Unsetenv("ZKSH_SASL_PASSWORD_FILE")
			t.Setenv("ZKSH_JAAS", clientJAAS)
			if r := saslZksh(t, addr, "get", root).must(t); r.out != "hello\n" {
				t.Fatalf("get with ZKSH_JAAS = %q", r.out)
			}
			os.Unsetenv("ZKSH_JAAS")
		})
	}
}

// TestSASLReauthAfterCut: in a shell session logged in with SASL, cutting the connection does not
// lose the identity: the session reconnects, logs in again, and reads the sasl:bob znode.
func TestSASLReauthAfterCut(t *testing.T) {
	clientJAAS := writeFile(t, "client-jaas.conf", saslClientJAAS)
	for name, addr := range saslTargets(t) {
		t.Run(name, func(t *testing.T) {
			p := newProxy(t, addr)
			streams, out, _ := fakeIO("", false)
			s, _ := DefaultSettings(func(string) string { return "" })
			s.Server, s.JAAS, s.SessionTimeout = p.ln.Addr().String(), clientJAAS, 10*time.Second
			env := NewEnv(streams, s)
			env.Interactive = true
			defer env.Close()
			line := func(words ...string) error {
				root := NewRootCmd(env)
				root.SetArgs(words)
				return root.ExecuteContext(context.Background())
			}
			root := "/sasl-reauth-" + name
			if err := line("create", root, "x", "sasl:bob:cdrwa"); err != nil {
				t.Fatal(err)
			}
			defer line("delete", root)
			p.disconnect()
			deadline := time.Now().Add(15 * time.Second)
			for {
				out.Reset()
				err := line("get", root)
				if err == nil {
					break
				}
				if ExitCode(err) == ExitRefused || time.Now().After(deadline) {
					t.Fatalf("get after the cut: %v", err)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if out.String() != "x\n" {
				t.Fatalf("get after the cut = %q", out.String())
			}
		})
	}
}

// TestSASLSettingsRefused: what cannot log in is a usage error (exit 2) before anything is sent:
// Kerberos in the JAAS file without a keytab or cache, --kerberos-keytab without a principal, two
// logins at once, a JAAS file without the section, --sasl-user without a password
// source, both --jaas and --sasl-user, a client configuration asking for SASL without a JAAS file.
func TestSASLSettingsRefused(t *testing.T) {
	krb := writeFile(t, "krb.conf", `Client {
  com.sun.security.auth.module.Krb5LoginModule required
  principal="zk@EXAMPLE.COM";
};`)
	clientJAAS := writeFile(t, "client-jaas.conf", saslClientJAAS)
	conf := writeFile(t, "client.properties", "zookeeper.sasl.clientconfig=Client\n")
	noSection := writeFile(t, "client.properties", "zookeeper.sasl.clientconfig=Missing\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--jaas", krb}, "zksh does not prompt for Kerberos passwords"},
		{[]string{"--kerberos-keytab", "/etc/zk.keytab"}, "needs --kerberos-principal"},
		{[]string{"--kerberos", "--jaas", clientJAAS}, "give one"},
		{[]string{"--jaas", clientJAAS, "--client-configuration", noSection}, `no "Missing" section`},
		{[]string{"--sasl-user", "bob"}, "--sasl-password-file"},
		{[]string{"--sasl-user", "bob", "--jaas", clientJAAS}, "give one"},
		{[]string{"--client-configuration", conf}, "no JAAS file is given"},
	} {
		saslZksh(t, "127.0.0.1:1", append(c.args, "get", "/")...).fails(t, 2, c.want)
	}
}

// TestSASLServerWithoutSASL: a SASL login against a server without SASL (no JAAS Server section)
// is not silently skipped: it fails naming the user, exit 1.
func TestSASLServerWithoutSASL(t *testing.T) {
	clientJAAS := writeFile(t, "client-jaas.conf", saslClientJAAS)
	for name, addr := range zktest.Targets(t, server.RunT(t).Addr()) {
		t.Run(name, func(t *testing.T) {
			saslZksh(t, addr, "--jaas", clientJAAS, "get", "/").fails(t, 1, "SASL login of user bob failed: the server does not run SASL DIGEST-MD5")
		})
	}
}
