package commands

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

// secureTargets starts Apache ZooKeeper (Netty, secureClientPort) and the bundled server with the
// same ssl.* lines, and returns their TLS addresses by name.
func secureTargets(t *testing.T, ssl ...string) map[string]string {
	t.Helper()
	cfg, _, err := server.ParseConfig(strings.NewReader(strings.Join(append([]string{"clientPort=0", "secureClientPort=0"}, ssl...), "\n")))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ClientPortAddress = "127.0.0.1"
	s, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() { s.Close() })
	targets := map[string]string{"bundled": s.SecureAddr()}
	if zktest.Installed() || os.Getenv("CI") == "true" {
		targets["apache"] = zktest.StartApache(t, zktest.Options{Secure: ssl}).SecureAddr
	}
	return targets
}

// tlsRun runs one-shot zksh against addr.
func tlsRun(addr string, args ...string) result {
	return mainRun(append([]string{"--server", addr, "--timeout", "4s", "--connect-timeout", "8s"}, args...)...)
}

func TestTLSServerOnly(t *testing.T) {
	f := zktest.Certs(t)
	for name, addr := range secureTargets(t, "ssl.keyStore.location="+f.ServerBundle, "ssl.keyStore.type=PEM", "ssl.clientAuth=none") {
		t.Run(name, func(t *testing.T) {
			path := "/tls-server-only-" + name
			tlsRun(addr, "--tls-ca", f.CA, "create", path, "over tls").must(t)
			if r := tlsRun(addr, "--tls-ca", f.CA, "get", path).must(t); r.out != "over tls\n" {
				t.Fatalf("get: %q", r.out)
			}
			// By host name, verified against the certificate's DNS name.
			tlsRun(strings.Replace(addr, "127.0.0.1", "localhost", 1), "--tls-ca", f.CA, "stat", path).must(t)
			// Wrong CA, name mismatch: exit 3 naming the problem, quickly (not after the connect timeout).
			start := time.Now()
			tlsRun(addr, "--tls-ca", f.OtherCA, "get", path).fails(t, ExitUnavailable, "signed by an unknown authority")
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("wrong CA reported after %v", d)
			}
			tlsRun(addr, "--tls-ca", f.CA, "--tls-server-name", "zk.example.org", "get", path).fails(t, ExitUnavailable, "does not match the server name")
			// The system's CAs do not know the test CA.
			tlsRun(addr, "--tls", "get", path).fails(t, ExitUnavailable, "unknown authority")
			r := tlsRun(addr, "--tls-insecure-skip-verify", "get", path)
			if r.code != 0 || r.out != "over tls\n" || !strings.Contains(r.err, "WARNING") || !strings.Contains(r.err, "NOT checked") {
				t.Fatalf("insecure: %+v", r)
			}
			tlsRun(addr, "--tls-ca", f.CA, "delete", path).must(t)
		})
	}
}

func TestTLSMutual(t *testing.T) {
	f := zktest.Certs(t)
	for name, addr := range secureTargets(t, "ssl.keyStore.location="+f.ServerBundle, "ssl.trustStore.location="+f.CA, "ssl.clientAuth=need") {
		t.Run(name, func(t *testing.T) {
			path := "/tls-mutual-" + name
			tlsRun(addr, "--tls-ca", f.CA, "--tls-cert", f.ClientCert, "--tls-key", f.ClientKey, "create", path, "m").must(t)
			tlsRun(addr, "--tls-ca", f.CA, "--tls-cert", f.ClientBundle, "get", path).must(t)
			// whoami and ls -R go over the pipelined session: it dials through TLS too.
			mtls := []string{"--tls-ca", f.CA, "--tls-cert", f.ClientBundle}
			tlsRun(addr, append(mtls, "create", path+"/child", "c")...).must(t)
			if r := tlsRun(addr, append(mtls, "ls", "-R", path)...).must(t); r.out != path+"\n"+path+"/child\n" {
				t.Errorf("ls -R over TLS: %q", r.out)
			}
			who := tlsRun(addr, append(mtls, "whoami")...).must(t)
			t.Logf("whoami over mutual TLS:\n%s", who.out)
			start := time.Now()
			tlsRun(addr, "--tls-ca", f.CA, "get", path).fails(t, ExitUnavailable, "requires a client certificate")
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("a missing client certificate reported after %v", d)
			}
			// Environment twins.
			t.Setenv("ZKSH_TLS_CA", f.CA)
			t.Setenv("ZKSH_TLS_CERT", f.ClientCert)
			t.Setenv("ZKSH_TLS_KEY", f.ClientKey)
			r := mainRun("--server", addr, "--timeout", "4s", "get", path)
			if r.code != 0 || r.out != "m\n" {
				t.Fatalf("ZKSH_TLS_*: %+v", r)
			}
			tlsRun(addr, "--tls-ca", f.CA, "--tls-cert", f.ClientBundle, "deleteall", path).must(t)
		})
	}
}

// TestTLSExpiredServerCertificate checks the client's reports of an expired certificate and of a
// server that does not speak TLS, on the bundled server.
func TestTLSExpiredServerCertificate(t *testing.T) {
	f := zktest.Certs(t)
	cfg, _, err := server.ParseConfig(strings.NewReader("clientPort=0\nsecureClientPort=0\nssl.clientAuth=none\nssl.keyStore.location=" + f.ExpiredBundle))
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Close()
	tlsRun(s.SecureAddr(), "--tls-ca", f.CA, "ls", "/").fails(t, ExitUnavailable, "expired")
	// A plain client on the TLS port and a TLS client on the plain port.
	tlsRun(s.Addr(), "--tls-ca", f.CA, "ls", "/").fails(t, ExitUnavailable, "secure client port")
}

// TestClientConfiguration: zkCli's client configuration file, with PKCS12 and JKS stores made by
// keytool, against Apache and the bundled server requiring client certificates.
func TestClientConfiguration(t *testing.T) {
	f := zktest.Certs(t)
	targets := secureTargets(t, "ssl.keyStore.location="+f.ServerBundle, "ssl.trustStore.location="+f.CA, "ssl.clientAuth=need")
	for _, typ := range []string{"PKCS12", "JKS"} {
		trust := zktest.TrustStore(t, f.CA, typ)
		keys := zktest.KeyStore(t, f.ClientBundle, typ)
		cfgFile := filepath.Join(t.TempDir(), "client-"+typ+".properties")
		os.WriteFile(cfgFile, []byte(strings.Join([]string{
			"# as zkCli reads it",
			"zookeeper.client.secure=true",
			"zookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty",
			"zookeeper.ssl.keyStore.location=" + keys,
			"zookeeper.ssl.keyStore.password=" + zktest.StorePassword,
			"zookeeper.ssl.keyStore.type=" + typ,
			"zookeeper.ssl.trustStore.location=" + trust,
			"zookeeper.ssl.trustStore.password=" + zktest.StorePassword,
			"zookeeper.ssl.trustStore.type=" + typ,
			"zookeeper.ssl.hostnameVerification=true",
			"zookeeper.sasl.client=false",
		}, "\n")+"\n"), 0o600)
		for name, addr := range targets {
			t.Run(typ+"/"+name, func(t *testing.T) {
				path := "/client-config-" + typ + "-" + name
				r := mainRun("-server", addr, "-client-configuration", cfgFile, "create", path, "cc")
				if r.code != 0 || r.err != "" {
					t.Fatalf("%+v", r)
				}
				mainRun("--client-configuration", cfgFile, "--server", addr, "delete", path).must(t)
			})
		}
	}
}

func TestClientConfigurationRefusals(t *testing.T) {
	f := zktest.Certs(t)
	dir := t.TempDir()
	write := func(lines ...string) string {
		p := filepath.Join(dir, "c.properties")
		os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o600)
		return p
	}
	// Unknown keys are warned about, and nothing else changes: a plain session to a plain server.
	plain := zktest.Server(t)
	r := mainRun("-client-configuration", write("zookeeper.client.secure=false", "zookeeper.ssl.keyStore.lokation=/x", "zookeeper.request.timeout=5000"),
		"--server", plain, "stat", "/")
	if r.code != 0 || !strings.Contains(r.err, `ignoring "zookeeper.request.timeout"`) || !strings.Contains(r.err, `ignoring "zookeeper.ssl.keyStore.lokation"`) {
		t.Fatalf("unknown keys: %+v", r)
	}
	for _, c := range []struct {
		lines []string
		want  string
	}{
		// SASL asked for without a JAAS file (--jaas) to log in with.
		{[]string{"zookeeper.sasl.client=true"}, "no JAAS file is given"},
		{[]string{"zookeeper.sasl.clientconfig=Client"}, "no JAAS file is given"},
		{[]string{"zookeeper.client.secure=maybe"}, `zookeeper.client.secure="maybe"`},
		{[]string{"zookeeper.client.secure=true", "zookeeper.ssl.trustStore.location=" + f.CA + ".missing"}, "zookeeper.ssl.trustStore"},
		{[]string{"zookeeper.client.secure=true", "zookeeper.ssl.trustStore.location=" + f.CA, "zookeeper.ssl.ciphersuites=TLS_FOO"}, "TLS_FOO"},
		{[]string{"zookeeper.client.secure=true", "zookeeper.ssl.keyStore.location=" + f.ClientBundle + ".p12", "zookeeper.ssl.keyStore.password=wrong"}, "zookeeper.ssl.keyStore"},
	} {
		mainRun("-client-configuration", write(c.lines...), "--server", plain, "stat", "/").fails(t, ExitUsage, c.want)
	}
	mainRun("--tls-key", f.ClientKey, "--server", plain, "stat", "/").fails(t, ExitUsage, "--tls-key needs --tls-cert")
	mainRun("-client-configuration", filepath.Join(dir, "missing"), "--server", plain, "stat", "/").fails(t, ExitUsage, "missing")
}

// TestBundledTLSWithApacheJavaClient: Apache's own Java client (Netty socket,
// zookeeper.client.secure) reads and writes through the bundled server's TLS port.
func TestBundledTLSWithApacheJavaClient(t *testing.T) {
	f := zktest.Certs(t)
	zktest.ZkCli(t)
	cfg, _, err := server.ParseConfig(strings.NewReader("clientPort=0\nsecureClientPort=0\nssl.clientAuth=need\nssl.keyStore.location=" + f.ServerBundle + "\nssl.trustStore.location=" + f.CA))
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Close()
	trust := zktest.TrustStore(t, f.CA, "PKCS12")
	keys := zktest.KeyStore(t, f.ClientBundle, "PKCS12")
	java := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("java", append([]string{"-cp", zktest.JavaClassPath(),
			"-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty", "-Dzookeeper.client.secure=true",
			"-Dzookeeper.ssl.keyStore.location=" + keys, "-Dzookeeper.ssl.keyStore.password=" + zktest.StorePassword,
			"-Dzookeeper.ssl.trustStore.location=" + trust, "-Dzookeeper.ssl.trustStore.password=" + zktest.StorePassword,
			"-XX:TieredStopAtLevel=1", "org.apache.zookeeper.ZooKeeperMain", "-server", s.SecureAddr()}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("ZooKeeperMain %q: %v\n%s", args, err, out)
		}
		return string(out)
	}
	java("create", "/from-java", "hello from java")
	if data, _, err := s.Get("/from-java"); err != nil || string(data) != "hello from java" {
		t.Fatalf("the znode Java made over TLS: %q, %v", data, err)
	}
	tlsRun(s.SecureAddr(), "--tls-ca", f.CA, "--tls-cert", f.ClientBundle, "set", "/from-java", "hello from zksh").must(t)
	if out := java("get", "/from-java"); !strings.Contains(out, "hello from zksh") {
		t.Fatalf("Java read over TLS: %s", out)
	}
}

// TestTLSTriesEachServer: a server whose certificate fails does not stop zksh from using the next
// one of the connect string; when every one fails, the last problem is named.
func TestTLSTriesEachServer(t *testing.T) {
	f := zktest.Certs(t)
	start := func(bundle string) string {
		cfg, _, err := server.ParseConfig(strings.NewReader("clientPort=0\nsecureClientPort=0\nssl.clientAuth=none\nssl.keyStore.location=" + bundle))
		if err != nil {
			t.Fatal(err)
		}
		s, err := server.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		t.Cleanup(func() { s.Close() })
		return s.SecureAddr()
	}
	expired, good := start(f.ExpiredBundle), start(f.ServerBundle)
	for range 3 { // go-zookeeper shuffles the servers: either may come first
		tlsRun(expired+","+good, "--tls-ca", f.CA, "stat", "/").must(t)
	}
	tlsRun(expired+","+expired, "--tls-ca", f.CA, "stat", "/").fails(t, ExitUnavailable, "certificate has expired")
}

// TestTLSShellLine: a shell line with TLS flags runs on a session of its own; the shell's plain
// session stays as it was.
func TestTLSShellLine(t *testing.T) {
	f := zktest.Certs(t)
	cfg, _, err := server.ParseConfig(strings.NewReader("clientPort=0\nsecureClientPort=0\nssl.clientAuth=none\nssl.keyStore.location=" + f.ServerBundle))
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Close()
	streams, out, errOut := fakeIO("", false)
	env := NewEnv(streams, Settings{Server: s.Addr()})
	defer env.Close()
	line := func(words ...string) error { return ExecuteLine(context.Background(), env, words) }
	if err := line("create", "/shell", "x"); err != nil {
		t.Fatal(err)
	}
	// --tls-ca alone asks for TLS to the shell's server, its plain port: not the shell's plain
	// session, silently, but a TLS one, which that port refuses.
	errOut.Reset()
	err = line("get", "--tls-ca", f.CA, "/shell")
	if err == nil || !strings.Contains(err.Error(), "secure client port") {
		t.Fatalf("--tls-ca on a shell line: %v (the shell's plain session used?)", err)
	}
	out.Reset()
	if err := line("get", "--server", s.SecureAddr(), "--tls-ca", f.CA, "/shell"); err != nil || out.String() != "x\n" {
		t.Fatalf("line over TLS: %v, %q, %q", err, out, errOut)
	}
	c, err := env.Client(context.Background())
	if err != nil || c.Server() != s.Addr() {
		t.Fatalf("the shell's session moved: %v, %v", c.Server(), err)
	}
}

// TestServerCommandSecurePort: `zksh server --config zoo.cfg --secure-port N` serves both ports and
// says where; --secure-port without the server's key is a usage error.
func TestServerCommandSecurePort(t *testing.T) {
	f := zktest.Certs(t)
	cfgFile := filepath.Join(t.TempDir(), "zoo.cfg")
	os.WriteFile(cfgFile, []byte("clientPort=0\nsecureClientPort=1\nssl.clientAuth=none\nssl.keyStore.location="+f.ServerBundle+"\n"), 0o600)
	port, err := zktest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	secure := fmt.Sprintf("127.0.0.1:%d", port)
	addr, stop := runServer(t, "server", "--config", cfgFile, "--secure-port", strconv.Itoa(port))
	tlsRun(addr, "create", "/secure-port", "s").must(t)
	if r := tlsRun(secure, "--tls-ca", f.CA, "get", "/secure-port").must(t); r.out != "s\n" {
		t.Fatalf("get over TLS: %q", r.out)
	}
	_, errOut := stop()
	if want := "listening on " + addr + ", and on " + secure + " over TLS (in memory)"; !strings.Contains(errOut, want) {
		t.Fatalf("listening line: %q, want %q", errOut, want)
	}
	plainOnly := filepath.Join(t.TempDir(), "plain.cfg")
	os.WriteFile(plainOnly, []byte("clientPort=0\n"), 0o600)
	code, msg := refusedServer(t, "server", "--config", plainOnly, "--secure-port", "0")
	if code != ExitUsage || !strings.Contains(msg, "ssl.keyStore.location") {
		t.Fatalf("--secure-port without a key: exit %d, %q", code, msg)
	}
}

// TestX509Identity: over mutual TLS the client's certificate subject is its x509 identity, on
// Apache and the bundled server alike: whoami shows it, x509: ACLs and auth: ACLs use it.
func TestX509Identity(t *testing.T) {
	f := zktest.Certs(t)
	seen := map[string]string{}
	for name, addr := range secureTargets(t, "ssl.keyStore.location="+f.ServerBundle, "ssl.trustStore.location="+f.CA, "ssl.clientAuth=want") {
		t.Run(name, func(t *testing.T) {
			client := []string{"--tls-ca", f.CA, "--tls-cert", f.ClientBundle}
			other := []string{"--tls-ca", f.CA, "--tls-cert", f.ServerBundle} // CN=zk.test, same CA
			anon := []string{"--tls-ca", f.CA}
			path := "/x509-" + name
			who := tlsRun(addr, append(client, "whoami")...).must(t).out
			if who != "Auth scheme: User\nx509: CN=zksh client\nip: 127.0.0.1\n" {
				t.Errorf("whoami with a certificate: %q", who)
			}
			if r := tlsRun(addr, append(anon, "whoami")...).must(t); r.out != "Auth scheme: User\nip: 127.0.0.1\n" {
				t.Errorf("whoami without a certificate: %q", r.out)
			}
			tlsRun(addr, append(client, "create", path, "secret", "x509:CN=zksh client:cdrwa")...).must(t)
			if r := tlsRun(addr, append(client, "get", path)...).must(t); r.out != "secret\n" {
				t.Errorf("get with the certificate: %q", r.out)
			}
			tlsRun(addr, append(other, "get", path)...).fails(t, ExitRefused, "not authorized")
			tlsRun(addr, append(anon, "get", path)...).fails(t, ExitRefused, "not authorized")
			tlsRun(addr, append(client, "create", path+"/auth", "", "auth::cdrwa")...).must(t)
			acl := tlsRun(addr, append(client, "getAcl", path+"/auth")...).must(t).out
			tlsRun(addr, append(client, "create", path+"/bad", "", "x509:nonsense:r")...).fails(t, ExitRefused, "invalid ACL")
			seen[name] = who + acl
			tlsRun(addr, append(client, "deleteall", path)...).must(t)
		})
	}
	if a, b := seen["apache"], seen["bundled"]; a != "" && a != b {
		t.Errorf("whoami and getAcl differ:\napache:  %q\nbundled: %q", a, b)
	}
}

// TestClientConfigurationHostnameVerification: zookeeper.ssl.hostnameVerification=false checks
// the chain but not the name.
func TestClientConfigurationHostnameVerification(t *testing.T) {
	f := zktest.Certs(t)
	cfg, _, err := server.ParseConfig(strings.NewReader("clientPort=0\nsecureClientPort=0\nssl.clientAuth=none\nssl.keyStore.location=" + f.ServerBundle))
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Close()
	write := func(ca, verify string) string {
		p := filepath.Join(t.TempDir(), "client.properties")
		os.WriteFile(p, []byte("zookeeper.client.secure=true\nzookeeper.ssl.trustStore.location="+ca+"\nzookeeper.ssl.hostnameVerification="+verify+"\n"), 0o600)
		return p
	}
	wrongName := []string{"--tls-server-name", "zk.example.org", "ls", "/"}
	tlsRun(s.SecureAddr(), append([]string{"-client-configuration", write(f.CA, "true")}, wrongName...)...).fails(t, ExitUnavailable, "does not match the server name")
	tlsRun(s.SecureAddr(), append([]string{"-client-configuration", write(f.CA, "false")}, wrongName...)...).must(t)
	tlsRun(s.SecureAddr(), append([]string{"-client-configuration", write(f.OtherCA, "false")}, wrongName...)...).fails(t, ExitUnavailable, "unknown authority")
}
