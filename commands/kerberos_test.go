package commands

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

// kerberosApache starts a KDC (realm ZKSH.TEST) with the principals zookeeper/localhost and bob, and
// an Apache ZooKeeper logging in as zookeeper/localhost from its keytab (JAAS Server section,
// Krb5LoginModule) with SASLAuthenticationProvider. It returns the KDC, bob's keytab and the
// server's address as localhost:PORT: the host of the service principal.
func kerberosApache(t *testing.T) (*zktest.KDC, string, string) {
	t.Helper()
	kdc := zktest.StartKDC(t)
	serverKeytab := kdc.Principal(t, "zookeeper/localhost")
	bobKeytab := kdc.Principal(t, "bob")
	jaasFile := writeFile(t, "server-jaas.conf", fmt.Sprintf(`Server {
    %s required
    useKeyTab=true
    keyTab="%s"
    storeKey=true
    useTicketCache=false
    principal="zookeeper/localhost@%s";
};
`, krb5LoginModule, serverKeytab, zktest.KDCRealm))
	inst := zktest.StartApache(t, zktest.Options{
		Extra: []string{"authProvider.1=" + server.SASLAuthenticationProvider},
		JVMFlags: "-XX:TieredStopAtLevel=1 -Djava.security.auth.login.config=" + jaasFile +
			" -Djava.security.krb5.conf=" + kdc.Krb5Conf,
	})
	t.Setenv("KRB5_CONFIG", kdc.Krb5Conf)
	t.Setenv("KRB5CCNAME", "FILE:"+filepath.Join(t.TempDir(), "no-cache"))
	return kdc, bobKeytab, "localhost:" + strconv.Itoa(inst.Port)
}

// TestKerberosLogin: zksh logs in to a Kerberized Apache ZooKeeper as bob with SASL GSSAPI — from a
// keytab named by a JAAS Client section (Krb5LoginModule), from --kerberos-keytab/--kerberos-principal,
// and, after kinit, from the credential cache (KRB5CCNAME; --kerberos, --kerberos-principal and a JAAS
// section with useTicketCache=true) —
// creates a znode only bob may use and reads it back; without Kerberos the read is refused (exit 1);
// whoami shows bob's SASL identity.
func TestKerberosLogin(t *testing.T) {
	kdc, bobKeytab, addr := kerberosApache(t)
	principal := "bob@" + zktest.KDCRealm
	clientJAAS := writeFile(t, "client-jaas.conf", fmt.Sprintf(`Client {
    %s required
    useKeyTab=true
    keyTab="%s"
    principal="%s";
};
`, krb5LoginModule, bobKeytab, principal))
	root := "/krb-" + strconv.Itoa(os.Getpid())
	saslZksh(t, addr, "--jaas", clientJAAS, "create", root, "hello", "sasl:"+principal+":cdrwa").must(t)
	t.Cleanup(func() { saslZksh(t, addr, "--jaas", clientJAAS, "delete", root) })

	if r := saslZksh(t, addr, "--jaas", clientJAAS, "get", root).must(t); r.out != "hello\n" {
		t.Fatalf("get with the JAAS keytab login = %q", r.out)
	}
	saslZksh(t, addr, "get", root).fails(t, 1, "")
	if r := saslZksh(t, addr, "--jaas", clientJAAS, "whoami").must(t); !strings.Contains(r.out, "sasl") || !strings.Contains(r.out, principal) {
		t.Fatalf("whoami with Kerberos = %q, want sasl and %s", r.out, principal)
	} else {
		t.Logf("whoami: %q", r.out)
	}
	if r := saslZksh(t, addr, "--kerberos-keytab", bobKeytab, "--kerberos-principal", "bob", "get", root).must(t); r.out != "hello\n" {
		t.Fatalf("get with --kerberos-keytab = %q", r.out)
	}

	// No ticket yet in the cache: a clear failure naming the cache, not a silent anonymous session.
	saslZksh(t, addr, "--kerberos", "get", root).fails(t, 1, "credential cache")

	t.Setenv("KRB5CCNAME", kdc.Kinit(t, "bob", bobKeytab))
	cacheJAAS := writeFile(t, "cache-jaas.conf", fmt.Sprintf(`Client {
    %s required
    useTicketCache=true
    principal="%s";
};
`, krb5LoginModule, principal))
	for _, args := range [][]string{{"--kerberos"}, {"--kerberos-principal", principal}, {"--jaas", cacheJAAS}} {
		if r := saslZksh(t, addr, append(args, "get", root)...).must(t); r.out != "hello\n" {
			t.Fatalf("get with %v after kinit = %q", args, r.out)
		}
	}
	// The client configuration names another server principal: no ticket can be had for it.
	other := writeFile(t, "client.properties", "zookeeper.server.principal=zookeeper/elsewhere@"+zktest.KDCRealm+"\n")
	saslZksh(t, addr, "--kerberos", "--client-configuration", other, "get", root).fails(t, 1, "zookeeper/elsewhere")
	// The cache holds bob's tickets, not alice's: said, not used as bob.
	saslZksh(t, addr, "--kerberos-principal", "alice", "get", root).fails(t, 1, "not alice")
}

// TestKerberosServerWithoutKerberos: a Kerberos login against a server that does not run GSSAPI (the
// bundled server, Apache without a JAAS Server section) is not silently skipped: it fails naming the
// principal, exit 1.
func TestKerberosServerWithoutKerberos(t *testing.T) {
	kdc := zktest.StartKDC(t)
	kdc.Principal(t, "zookeeper/localhost")
	bobKeytab := kdc.Principal(t, "bob")
	t.Setenv("KRB5_CONFIG", kdc.Krb5Conf)
	for name, addr := range zktest.Targets(t, server.RunT(t).Addr()) {
		t.Run(name, func(t *testing.T) {
			_, port, _ := strings.Cut(addr, ":")
			saslZksh(t, "localhost:"+port, "--kerberos-keytab", bobKeytab, "--kerberos-principal", "bob", "get", "/").
				fails(t, 1, "SASL login of user bob failed: the server does not run SASL GSSAPI")
		})
	}
}

// TestKerberosReauthAfterCut: in a shell session logged in with Kerberos, cutting the connection
// does not lose the identity: the session reconnects, logs in again, and reads bob's znode. The
// proxy's address is not the server's name, so the client configuration's
// zookeeper.server.principal names the server's principal.
func TestKerberosReauthAfterCut(t *testing.T) {
	_, bobKeytab, addr := kerberosApache(t)
	principal := "bob@" + zktest.KDCRealm
	conf := writeFile(t, "client.properties", "zookeeper.server.principal=zookeeper/localhost@"+zktest.KDCRealm+"\n")
	p := newProxy(t, addr)
	streams, out, _ := fakeIO("", false)
	s, _ := DefaultSettings(func(string) string { return "" })
	s.Server, s.SessionTimeout = p.ln.Addr().String(), 10*time.Second
	s.KerberosKeytab, s.KerberosPrincipal, s.ClientConfig = bobKeytab, principal, conf
	env := NewEnv(streams, s)
	env.Interactive = true
	defer env.Close()
	line := func(words ...string) error {
		root := NewRootCmd(env)
		root.SetArgs(words)
		return root.ExecuteContext(context.Background())
	}
	root := "/krb-reauth-" + strconv.Itoa(os.Getpid())
	if err := line("create", root, "x", "sasl:"+principal+":cdrwa"); err != nil {
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
}
