package commands

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/zksh/zksh/internal/zktest"
)

// TestReadJVMFlags: the variables are split as zkCli.sh's unquoted $CLIENT_JVMFLAGS $JVMFLAGS
// are, JVMFLAGS wins for a property given twice, and JVM options and properties of other
// libraries are skipped.
func TestReadJVMFlags(t *testing.T) {
	env := map[string]string{
		"CLIENT_JVMFLAGS": "-Xmx64m  -XX:+UseG1GC\t-Dlog4j.configuration=x -Dzookeeper.client.secure=true\n" +
			`-Dzookeeper.ssl.trustStore.location="/a b" -Dzookeeper.ssl.trustStore.password=p=q -Dzookeeper.sasl.client ` +
			"-Djava.security.auth.login.config=/j1",
		"JVMFLAGS":  "-Djava.security.auth.login.config=/j2 -Dzookeeper.client.secure=false -Djava.security.krb5.conf=/k",
		"JAVA_OPTS": "-Dzookeeper.sasl.clientconfig=NotRead",
	}
	got := readJVMFlags(func(k string) string { return env[k] })
	want := map[string]JVMProperty{
		"zookeeper.client.secure":           {"false", "JVMFLAGS"},
		"zookeeper.ssl.trustStore.location": {`"/a`, "CLIENT_JVMFLAGS"}, // quotes are not the shell's here
		"zookeeper.ssl.trustStore.password": {"p=q", "CLIENT_JVMFLAGS"},
		"zookeeper.sasl.client":             {"", "CLIENT_JVMFLAGS"},
		"java.security.auth.login.config":   {"/j2", "JVMFLAGS"},
		"java.security.krb5.conf":           {"/k", "JVMFLAGS"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("readJVMFlags:\n got %v\nwant %v", got, want)
	}
	if got := readJVMFlags(func(string) string { return "" }); got != nil {
		t.Fatalf("no variables: %v", got)
	}
}

// jvmStores are PKCS12 stores of the test PKI as zkCli users give them: the trust store of CA,
// of OtherCA, and the client's key store.
type jvmStores struct{ trust, otherTrust, keys string }

func makeJVMStores(t *testing.T, f zktest.CertFiles) jvmStores {
	return jvmStores{
		trust:      zktest.TrustStore(t, f.CA, "PKCS12"),
		otherTrust: zktest.TrustStore(t, f.OtherCA, "PKCS12"),
		keys:       zktest.KeyStore(t, f.ClientBundle, "PKCS12"),
	}
}

// flags are CLIENT_JVMFLAGS for a TLS session with a client certificate and trust store trust.
func (s jvmStores) flags(trust string) string {
	return strings.Join([]string{"-Xmx64m", "-XX:+UseG1GC", "-Dlog4j.configuration=file:/nowhere",
		"-Dzookeeper.client.secure=true", "-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty",
		"-Dzookeeper.ssl.keyStore.location=" + s.keys, "-Dzookeeper.ssl.keyStore.password=" + zktest.StorePassword,
		"-Dzookeeper.ssl.trustStore.location=" + trust, "-Dzookeeper.ssl.trustStore.password=" + zktest.StorePassword,
	}, " ")
}

// TestClientJVMFlagsTLS: with CLIENT_JVMFLAGS alone (no TLS flag, no client configuration), zksh
// reaches Apache's and the bundled server's TLS port requiring a client certificate; other JVM
// options pass silently, an unknown zookeeper.* property is warned about once.
func TestClientJVMFlagsTLS(t *testing.T) {
	f := zktest.Certs(t)
	stores := makeJVMStores(t, f)
	for name, addr := range secureTargets(t, "ssl.keyStore.location="+f.ServerBundle, "ssl.trustStore.location="+f.CA, "ssl.clientAuth=need") {
		t.Run(name, func(t *testing.T) {
			path := "/jvmflags-tls-" + name
			t.Setenv("CLIENT_JVMFLAGS", stores.flags(stores.trust))
			t.Setenv("JVMFLAGS", "")
			mainRun("-server", addr, "create", path, "via CLIENT_JVMFLAGS").must(t)
			if r := mainRun("-server", addr, "get", path).must(t); r.out != "via CLIENT_JVMFLAGS\n" {
				t.Fatalf("get: %q", r.out)
			}
			// JVMFLAGS comes after CLIENT_JVMFLAGS on java's command line: it wins.
			t.Setenv("JVMFLAGS", "-Dzookeeper.ssl.trustStore.location="+stores.otherTrust)
			mainRun("-server", addr, "get", path).fails(t, ExitUnavailable, "unknown authority")
			// An unknown property of CLIENT_JVMFLAGS, the client's own, is warned about once; one of
			// JVMFLAGS, which the server's scripts read too (snapCount, 4lw.commands.whitelist...),
			// is not: on a server host it would warn on every run.
			t.Setenv("JVMFLAGS", "")
			t.Setenv("CLIENT_JVMFLAGS", stores.flags(stores.trust)+" -Dzookeeper.frobnicate=1")
			r := mainRun("-server", addr, "get", path)
			if r.code != 0 || strings.Count(r.err, "-Dzookeeper.frobnicate") != 1 || !strings.Contains(r.err, "CLIENT_JVMFLAGS: ignoring") {
				t.Fatalf("unknown property: want one warning, got %+v", r)
			}
			t.Setenv("CLIENT_JVMFLAGS", stores.flags(stores.trust))
			t.Setenv("JVMFLAGS", "-Dzookeeper.snapCount=1000 -Dzookeeper.4lw.commands.whitelist=*")
			if r := mainRun("-server", addr, "get", path); r.code != 0 || r.err != "" {
				t.Fatalf("server properties in JVMFLAGS: want no warning, got %+v", r)
			}
			t.Setenv("JVMFLAGS", "")
			// Without the variable the plain client hits a TLS port: nothing was read from elsewhere.
			t.Setenv("CLIENT_JVMFLAGS", "")
			mainRun("-server", addr, "--connect-timeout", "3s", "get", path).fails(t, ExitUnavailable, "")
			t.Setenv("CLIENT_JVMFLAGS", stores.flags(stores.trust))
			mainRun("-server", addr, "delete", path).must(t)
		})
	}
}

// TestClientJVMFlagsPrecedence: as in Apache's ZKClientConfig, a key of the -client-configuration
// file replaces the same system property of CLIENT_JVMFLAGS; zksh's flags win over both. A bad
// store in CLIENT_JVMFLAGS is refused as the same key in the file is (exit 2), naming the variable.
func TestClientJVMFlagsPrecedence(t *testing.T) {
	f := zktest.Certs(t)
	stores := makeJVMStores(t, f)
	targets := secureTargets(t, "ssl.keyStore.location="+f.ServerBundle, "ssl.trustStore.location="+f.CA, "ssl.clientAuth=need")
	conf := func(trust string) string {
		return writeFile(t, "client.properties", "zookeeper.ssl.trustStore.location="+trust+"\n")
	}
	for name, addr := range targets {
		t.Run(name, func(t *testing.T) {
			t.Setenv("JVMFLAGS", "")
			t.Setenv("CLIENT_JVMFLAGS", stores.flags(stores.otherTrust))
			mainRun("-server", addr, "stat", "/").fails(t, ExitUnavailable, "unknown authority")
			// The file's trust store replaces the variable's; the rest still comes from the variable.
			mainRun("-server", addr, "-client-configuration", conf(stores.trust), "stat", "/").must(t)
			// --tls-ca wins over both.
			mainRun("-server", addr, "-client-configuration", conf(stores.otherTrust), "--tls-ca", f.CA, "stat", "/").must(t)
			t.Setenv("CLIENT_JVMFLAGS", stores.flags(stores.trust))
			mainRun("-server", addr, "-client-configuration", conf(stores.otherTrust), "stat", "/").fails(t, ExitUnavailable, "unknown authority")
			// A secure=false in the file turns the variable's secure=true off, as in Apache.
			mainRun("-server", addr, "--connect-timeout", "3s", "-client-configuration",
				writeFile(t, "plain.properties", "zookeeper.client.secure=false\n"), "stat", "/").fails(t, ExitUnavailable, "")
		})
	}
	plain := zktest.Server(t)
	for _, c := range []struct{ flags, want string }{
		{stores.flags(stores.trust + ".missing"), "CLIENT_JVMFLAGS: -Dzookeeper.ssl.trustStore.location"},
		{stores.flags(stores.trust) + " -Dzookeeper.ssl.keyStore.password=wrong", "CLIENT_JVMFLAGS: -Dzookeeper.ssl.keyStore.location"},
		{"-Dzookeeper.client.secure=maybe", `CLIENT_JVMFLAGS: -Dzookeeper.client.secure="maybe"`},
		{"-Dzookeeper.sasl.clientconfig=Client", "CLIENT_JVMFLAGS asks for SASL"},
	} {
		t.Setenv("CLIENT_JVMFLAGS", c.flags)
		mainRun("-server", plain, "stat", "/").fails(t, ExitUsage, c.want)
	}
	// The same missing trust store in the file: the same exit code, naming the file.
	t.Setenv("CLIENT_JVMFLAGS", "")
	file := writeFile(t, "bad.properties", "zookeeper.client.secure=true\nzookeeper.ssl.trustStore.location="+stores.trust+".missing\n")
	mainRun("-server", plain, "-client-configuration", file, "stat", "/").fails(t, ExitUsage, "client configuration "+file+": zookeeper.ssl.trustStore.location")
}

// TestClientJVMFlagsSASL: the JAAS file of CLIENT_JVMFLAGS' -Djava.security.auth.login.config
// logs zksh in, as it logs zkCli.sh in: with the same variable, zkCli.sh (logged in as alice
// through -Dzookeeper.sasl.clientconfig=Other) makes a znode only alice may read, and zksh reads
// it. --jaas wins over the variable.
func TestClientJVMFlagsSASL(t *testing.T) {
	clientJAAS := writeFile(t, "client-jaas.conf", saslClientJAAS)
	t.Setenv("JVMFLAGS", "")
	for name, addr := range saslTargets(t) {
		t.Run(name, func(t *testing.T) {
			root := "/jvmflags-sasl-" + name
			asAlice := "-Xmx128m -Djava.security.auth.login.config=" + clientJAAS + " -Dzookeeper.sasl.clientconfig=Other"
			cmd := exec.Command(zktest.ZkCli(t), "-server", addr, "create", root, "alice's", "sasl:alice:cdrwa")
			cmd.Env = append(os.Environ(), "CLIENT_JVMFLAGS="+asAlice)
			if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Created "+root) {
				t.Fatalf("zkCli create: %v\n%s", err, out)
			}
			t.Setenv("CLIENT_JVMFLAGS", asAlice)
			t.Cleanup(func() { t.Setenv("CLIENT_JVMFLAGS", asAlice); saslZksh(t, addr, "delete", root) })
			if r := saslZksh(t, addr, "get", root).must(t); r.out != "alice's\n" {
				t.Fatalf("get as alice through CLIENT_JVMFLAGS = %q", r.out)
			}
			if r := saslZksh(t, addr, "whoami").must(t); !strings.Contains(r.out, "alice") {
				t.Fatalf("whoami = %q, want alice", r.out)
			}
			// The Client section (bob): refused.
			t.Setenv("CLIENT_JVMFLAGS", "-Djava.security.auth.login.config="+clientJAAS)
			saslZksh(t, addr, "get", root).fails(t, ExitRefused, "")
			// --jaas wins: a file without the section named by the variable is reported as --jaas's.
			t.Setenv("CLIENT_JVMFLAGS", asAlice)
			bobOnly := writeFile(t, "bob-jaas.conf", strings.SplitAfter(saslClientJAAS, "};\n")[0])
			saslZksh(t, addr, "--jaas", bobOnly, "get", root).fails(t, ExitUsage, "--jaas: JAAS file "+bobOnly+` has no "Other" section`)
			// A missing JAAS file in the variable is named as the variable's.
			t.Setenv("CLIENT_JVMFLAGS", "-Djava.security.auth.login.config="+filepath.Join(t.TempDir(), "none.conf"))
			saslZksh(t, addr, "get", root).fails(t, ExitUsage, "CLIENT_JVMFLAGS -Djava.security.auth.login.config")
		})
	}
}

// TestClientJVMFlagsKerberos: zkCli's Kerberos set-up in CLIENT_JVMFLAGS (the JAAS file with a
// keytab login, and -Djava.security.krb5.conf, which Java reads instead of KRB5_CONFIG) logs zksh
// in as bob; without the krb5.conf property the login cannot find the realm's KDC.
func TestClientJVMFlagsKerberos(t *testing.T) {
	kdc, bobKeytab, addr := kerberosApache(t)
	principal := "bob@" + zktest.KDCRealm
	clientJAAS := writeFile(t, "client-jaas.conf", fmt.Sprintf(`Client {
    %s required
    useKeyTab=true
    keyTab="%s"
    principal="%s";
};
`, krb5LoginModule, bobKeytab, principal))
	root := "/krb-jvmflags-" + strconv.Itoa(os.Getpid())
	saslZksh(t, addr, "--jaas", clientJAAS, "create", root, "hello", "sasl:"+principal+":cdrwa").must(t)
	t.Cleanup(func() { saslZksh(t, addr, "--jaas", clientJAAS, "delete", root) })

	t.Setenv("KRB5_CONFIG", writeFile(t, "empty-krb5.conf", "[libdefaults]\n"))
	t.Setenv("JVMFLAGS", "")
	t.Setenv("CLIENT_JVMFLAGS", "-Djava.security.auth.login.config="+clientJAAS)
	if r := saslZksh(t, addr, "get", root); r.code == 0 {
		t.Fatalf("a login without the realm's configuration read the znode: %+v", r)
	}
	t.Setenv("CLIENT_JVMFLAGS", "-Djava.security.auth.login.config="+clientJAAS+" -Djava.security.krb5.conf="+kdc.Krb5Conf)
	if r := saslZksh(t, addr, "get", root).must(t); r.out != "hello\n" {
		t.Fatalf("get with CLIENT_JVMFLAGS' Kerberos login = %q", r.out)
	}
}

// TestLocalIgnoresClientJVMFlags: CLIENT_JVMFLAGS set in a profile for zkCli's production
// clusters (TLS, a JAAS file) must not stop `zksh --local`, whose bundled server speaks neither.
func TestLocalIgnoresClientJVMFlags(t *testing.T) {
	t.Setenv("CLIENT_JVMFLAGS", "-Dzookeeper.client.secure=true -Dzookeeper.ssl.trustStore.location=/nonexistent/truststore.jks -Djava.security.auth.login.config=/nonexistent/jaas.conf")
	t.Setenv("JVMFLAGS", "")
	streams, _, errOut := fakeIO("", false)
	if code := Main([]string{"--local", "create", "/local-jvmflags", "x"}, streams, nil); code != 0 || errOut.Len() != 0 {
		t.Fatalf("zksh --local with CLIENT_JVMFLAGS: exit %d, stderr %q", code, errOut)
	}
}

// TestConnectFromLocalShellReadsClientJVMFlags: in a shell started with --local, connect goes to
// servers the user names, as a line's -s does: CLIENT_JVMFLAGS applies to them again (here an
// unknown property, warned about once the session is opened: the flags were read).
func TestConnectFromLocalShellReadsClientJVMFlags(t *testing.T) {
	t.Setenv("CLIENT_JVMFLAGS", "-Dzookeeper.rv2unknown=1")
	t.Setenv("JVMFLAGS", "")
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			streams, _, errOut := fakeIO("", false)
			code := Main([]string{"--local"}, streams, func(env *Env) error {
				if err := ExecuteLine(t.Context(), env, []string{"ls", "/"}); err != nil {
					return err
				}
				if strings.Contains(errOut.String(), "rv2unknown") {
					return fmt.Errorf("--local read CLIENT_JVMFLAGS")
				}
				return ExecuteLine(t.Context(), env, []string{"connect", addr})
			})
			if code != 0 || !strings.Contains(errOut.String(), "CLIENT_JVMFLAGS: ignoring -Dzookeeper.rv2unknown") {
				t.Fatalf("connect from a --local shell: exit %d, stderr %q (want CLIENT_JVMFLAGS read)", code, errOut)
			}
		})
	}
}

// TestJavaBooleans: a boolean of the client configuration or the JVM flags is read as Java reads
// it: "true" or "false" in any case; other words, which Java would take for false and zksh's own
// flags for true, are refused rather than read otherwise than zkCli reads them.
func TestJavaBooleans(t *testing.T) {
	for v, want := range map[string]string{"true": "true", "TRUE": "true", "False": "false", "yes": "error", "1": "error", "on": "error", "": "error"} {
		p := clientProperties{values: map[string]string{"zookeeper.client.secure": v}, file: "client.properties", fromFile: map[string]bool{"zookeeper.client.secure": true}}
		b, err := p.boolean("zookeeper.client.secure", false)
		got := fmt.Sprint(b)
		if err != nil {
			got = "error"
			if !strings.Contains(err.Error(), "want true or false") {
				t.Errorf("%q: %v", v, err)
			}
		}
		if got != want {
			t.Errorf("zookeeper.client.secure=%q: %s, want %s", v, got, want)
		}
	}
}
