package zkclient

import (
	"os"
	"strings"
	"testing"
)

func TestKerberosServicePrincipal(t *testing.T) {
	for _, c := range []struct {
		k      Kerberos
		server string
		want   string
	}{
		{Kerberos{}, "zk1.example.org:2181", "zookeeper/zk1.example.org"},
		{Kerberos{}, "[::1]:2181", "zookeeper/::1"},
		{Kerberos{Service: "zk"}, "zk1:2181", "zk/zk1"},
		{Kerberos{ServerPrincipal: "zookeeper/zk.example.org@EXAMPLE.ORG", Service: "zk"}, "10.0.0.1:2181", "zookeeper/zk.example.org"},
	} {
		if got := c.k.servicePrincipal(c.server); got != c.want {
			t.Errorf("%+v servicePrincipal(%q) = %q, want %q", c.k, c.server, got, c.want)
		}
	}
}

func TestKerberosCCachePath(t *testing.T) {
	t.Setenv("KRB5CCNAME", "")
	if p, err := (&Kerberos{CCache: "FILE:/tmp/cc"}).ccachePath(); err != nil || p != "/tmp/cc" {
		t.Errorf("FILE:/tmp/cc = %q, %v", p, err)
	}
	if p, err := (&Kerberos{CCache: "/tmp/cc2"}).ccachePath(); err != nil || p != "/tmp/cc2" {
		t.Errorf("/tmp/cc2 = %q, %v", p, err)
	}
	t.Setenv("KRB5CCNAME", "KEYRING:persistent:1000")
	if _, err := (&Kerberos{}).ccachePath(); err == nil || !strings.Contains(err.Error(), "KEYRING:persistent:1000") {
		t.Errorf("KEYRING cache: err = %v, want a refusal naming it", err)
	}
	t.Setenv("KRB5CCNAME", "")
	if p, err := (&Kerberos{}).ccachePath(); err != nil || !strings.HasPrefix(p, "/tmp/krb5cc_") {
		t.Errorf("default cache = %q, %v", p, err)
	}
}

// A keytab login without a principal, or with a keytab that is not there, fails naming the keytab
// before anything is sent.
func TestKerberosLoginErrors(t *testing.T) {
	t.Setenv("KRB5_CONFIG", "")
	conf := t.TempDir() + "/krb5.conf"
	if err := os.WriteFile(conf, []byte("[libdefaults]\n default_realm = EXAMPLE.ORG\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (&Kerberos{Keytab: "/nonexistent.keytab", Config: conf}).login(); err == nil || !strings.Contains(err.Error(), "no principal") {
		t.Errorf("keytab without principal: %v", err)
	}
	if _, err := (&Kerberos{Keytab: "/nonexistent.keytab", Principal: "bob", Config: conf}).login(); err == nil || !strings.Contains(err.Error(), "/nonexistent.keytab") {
		t.Errorf("missing keytab: %v", err)
	}
	if _, err := (&Kerberos{Config: "/nonexistent-krb5.conf"}).login(); err == nil || !strings.Contains(err.Error(), "/nonexistent-krb5.conf") {
		t.Errorf("missing krb5.conf: %v", err)
	}
}
