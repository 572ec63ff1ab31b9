package server_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zksh/zksh/server"
)

func writeJAAS(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "jaas.conf")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadJAAS(t *testing.T) {
	p := writeJAAS(t, `// both sides in one file, as Apache's examples
Client {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    username="bob" password="secret";
};
/* the server's
   users */
Server {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    user_bob="secret"
    user_alice=wonder
    user_quote="a \"quoted\" pass;word";
};
`)
	var cfg server.Config
	warnings, err := cfg.LoadJAAS(p)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("LoadJAAS: %v %v", warnings, err)
	}
	want := map[string]string{"bob": "secret", "alice": "wonder", "quote": `a "quoted" pass;word`}
	if !reflect.DeepEqual(cfg.SASLUsers, want) {
		t.Fatalf("users %q, want %q", cfg.SASLUsers, want)
	}
}

func TestLoadJAASRefuses(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"kerberos", "Server { com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab=\"/k\"; };",
			"Kerberos (com.sun.security.auth.module.Krb5LoginModule) is not supported"},
		{"no flag", "Server { org.apache.zookeeper.server.auth.DigestLoginModule user_bob=\"x\"; };", "line 1: want a control flag"},
		{"unterminated", "Server {\n org.apache.zookeeper.server.auth.DigestLoginModule required user_bob=\"x;\n};", "line 2: unterminated quoted string"},
		{"no equals sign", "Server { org.apache.zookeeper.server.auth.DigestLoginModule required user_bob \"s3cret\"; };", "line 1: want '=' after user_bob, got a quoted string"},
		{"no semicolon", "Server { org.apache.zookeeper.server.auth.DigestLoginModule required user_bob=\"x\"; }", "unexpected end of file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cfg server.Config
			_, err := cfg.LoadJAAS(writeJAAS(t, tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one with %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("the error shows the password: %v", err)
			}
			if cfg.SASLUsers != nil {
				t.Fatal("users set from a refused file")
			}
		})
	}
}

// A file without the server's section leaves SASL off, as Apache does, and says so.
func TestLoadJAASWithoutServerSection(t *testing.T) {
	var cfg server.Config
	warnings, err := cfg.LoadJAAS(writeJAAS(t, `Client { org.apache.zookeeper.server.auth.DigestLoginModule required username="a" password="b"; };`))
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], `no "Server" section: SASL is off`) || cfg.SASLUsers != nil {
		t.Fatalf("got %v %v %v", warnings, err, cfg.SASLUsers)
	}
	// zoo.cfg's sasl.serverconfig names another section.
	cfg, _, err = server.ParseConfig(strings.NewReader("sasl.serverconfig=ZkServer\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.LoadJAAS(writeJAAS(t, `ZkServer { org.apache.zookeeper.server.auth.DigestLoginModule required user_x="y"; };`)); err != nil || cfg.SASLUsers["x"] != "y" {
		t.Fatalf("sasl.serverconfig: %v %v", err, cfg.SASLUsers)
	}
}

func TestParseConfigSASL(t *testing.T) {
	cfg, warnings, err := server.ParseConfig(strings.NewReader(strings.Join([]string{
		"authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
		"authProvider.2=org.apache.zookeeper.server.auth.DigestAuthenticationProvider",
		"authProvider.x=com.example.Custom",
		"superUser=admin",
		"superUser.2=root",
		"allowSaslFailedClients=true",
	}, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.SASLACL || !cfg.AllowSASLFailedClients || !reflect.DeepEqual(cfg.SASLSuperUsers, []string{"admin", "root"}) {
		t.Fatalf("config %+v", cfg)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], `ignoring authentication provider "com.example.Custom"`) {
		t.Fatalf("warnings %q", warnings)
	}
	// The JVM's -D form.
	var c server.Config
	if w := c.SystemProperty("zookeeper.authProvider.1", server.SASLAuthenticationProvider); w != "" || !c.SASLACL {
		t.Fatalf("zookeeper.authProvider.1: %q %v", w, c.SASLACL)
	}
	if w := c.SystemProperty("zookeeper.superUser", "admin"); w != "" || len(c.SASLSuperUsers) != 1 {
		t.Fatalf("zookeeper.superUser: %q", w)
	}
	if w := c.SystemProperty("zookeeper.log.dir", "/var/log"); !strings.Contains(w, "ignoring system property zookeeper.log.dir") {
		t.Fatalf("unknown property: %q", w)
	}
}

// Authentication enforcement: sessionRequireClientSASLAuth is enforcement with sasl; a scheme the
// server does not have stops it, as Apache's AuthenticationHelper.
func TestEnforceAuthConfig(t *testing.T) {
	for _, tc := range []struct {
		lines []string
		err   string // "" = starts
	}{
		{[]string{"sessionRequireClientSASLAuth=true", "authProvider.1=" + server.SASLAuthenticationProvider}, ""},
		{[]string{"sessionRequireClientSASLAuth=true"}, `authentication scheme "sasl" is not available`},
		{[]string{"enforce.auth.enabled=true"}, "zookeeper.enforce.auth.schemes must be configured"},
		{[]string{"enforce.auth.enabled=true", "enforce.auth.schemes=digest, x509"}, `authentication scheme "x509" is not available`},
		{[]string{"enforce.auth.enabled=false", "enforce.auth.schemes=nonsense"}, ""},
	} {
		cfg, _, err := server.ParseConfig(strings.NewReader(strings.Join(append(tc.lines, "clientPort=0"), "\n")))
		if err != nil {
			t.Fatal(err)
		}
		cfg.ClientPortAddress = "127.0.0.1"
		s, err := server.New(cfg)
		if s != nil {
			s.Close()
		}
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: error %v, want %q", tc.lines, err, tc.err)
		}
	}
}
